"""Scenario 8 (issue 15), Seven Bridges half: per-file tags and metadata from a sample sheet naming files by name.

The emulator generates N files in ``rfranklin/scale-test`` (``file_%06d.<ext>``); the parent writes a CSV naming
every one of them (``name,tags,sample_id,lane``: two tags and two metadata keys, different per file) and
``UpdateFilesFromManifestOperator`` applies it: names resolved by listing the project once (``GET /v2/files``,
100 per page), then per 100 rows a bulk read, a bulk edit and the verifying bulk read. Its calls are split into
name resolution and bulk calls and checked against the issue's budget, ⌈files in project/100⌉ + 3 x ⌈N/100⌉ + 2.

The baseline is ``sevenbridges-python`` doing the same per-file updates as its docs teach: find the file with
``api.files.query(project=..., names=[name])``, set its metadata keys and tags, ``file.save()`` (4 calls a file).
As in scenarios 1 and 2 it is capped (``--sheet-sdk-cap``, default 200 files, which keeps it inside one 1000-request
window) and extrapolated to N, adding the stalls the vendor's fixed window imposes (see
:func:`benchmarks.model.extrapolate`).

Memory: the same operator on a small and a large sheet (``--sheet-scale``, default 1k and 100k rows), each naming
every file of a project that size, peak RSS of the job's child as in scenario 5: a dry run keyed by name (the
listing and the bulk reads of a real run, no writes) and a real run keyed by id (bulk reads, writes and the
verifying re-reads, no listing). The rate limit is lifted for these runs only (2 to 3 x ⌈N/100⌉ calls at 100k
would otherwise wait out 300 s windows), as memory does not depend on it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from benchmarks.harness import bench_emulator, refill_rate_limits, run_measured
from benchmarks.model import Row, ScenarioResult, Target, apply_ratios, ceil_div, extrapolate, fmt_ratio
from benchmarks.settings import Settings
from genomics_provider.testing import Emulator

PROJECT = "rfranklin/scale-test"
TAGS = ("qc-passed", "run-42")
OPERATOR = "UpdateFilesFromManifestOperator"
SDK_LOOP = "sevenbridges-python loop: query by name, metadata + tags, save()"
_KINDS = ("bam", "vcf.gz", "fastq.gz", "txt")  # the emulator's generated file kinds, in its order
_RESOLUTION = "GET /v2/files"
_BULK_READ = "POST /v2/bulk/files/get"
_NO_LIMIT = 1_000_000


def sheet_row(index: int) -> dict[str, str]:
    """Return the sheet row of the emulator's generated file ``index``.

    :param index: The file's index in the scale project.
    :return: ``name``, ``tags`` (``;``-separated) and the metadata columns ``sample_id`` and ``lane``.
    """
    return {
        "name": f"file_{index:06d}.{_KINDS[index % 4]}",
        "tags": ";".join(TAGS),
        "sample_id": f"LIB-{index:06d}",
        "lane": f"L00{index % 4 + 1}",
    }


def write_sheet(path: Path, rows: Iterable[dict[str, str]]) -> str:
    """Write rows as a CSV file (the first row's keys are the header), streaming.

    :param path: Where to write.
    :param rows: The rows, all with the same keys.
    :return: The file's ``file://`` URI.
    """
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer: csv.DictWriter[str] | None = None
        for row in rows:
            if writer is None:
                writer = csv.DictWriter(handle, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
    return path.resolve().as_uri()


def sb_budget(files_in_project: int, n: int) -> int:
    """Return the issue's call budget: ⌈files in project/100⌉ + 3 x ⌈N/100⌉ + 2.

    :param files_in_project: Files listed to resolve the names.
    :param n: Rows (files) in the sheet.
    :return: Calls.
    """
    return ceil_div(files_in_project, 100) + 3 * ceil_div(n, 100) + 2


def split_calls(row: Row) -> None:
    """Store the row's calls by purpose: name resolution, bulk calls (reads among them), file writes, the rest.

    :param row: A measured row of our operator.
    """
    routes = row.calls_by_route
    resolution = routes.get(_RESOLUTION, 0)
    bulk = sum(count for route, count in routes.items() if route.startswith("POST /v2/bulk/"))
    writes = sum(count for route, count in routes.items() if not route.startswith("GET ") and route != _BULK_READ)
    row.extra.update(
        resolution_calls=resolution,
        bulk_calls=bulk,
        bulk_reads=routes.get(_BULK_READ, 0),
        file_writes=writes,
        other_calls=row.calls - resolution - bulk,
    )


def _done(emu: Emulator, n: int) -> int:
    """Count the generated files ``0 … n-1`` that carry their row's tags and metadata.

    :param emu: The emulator.
    :param n: How many rows to check.
    :return: Files as the sheet says.
    """
    with emu.lock:
        files = emu.sevenbridges.files
        done = 0
        for index in range(n):
            item, row = files[f"5ca1e{index:019x}"], sheet_row(index)
            metadata, tags = item.get("metadata") or {}, item.get("tags") or []
            as_asked = metadata.get("sample_id") == row["sample_id"] and metadata.get("lane") == row["lane"]
            done += as_asked and all(tag in tags for tag in TAGS)
        return done


def _budget_row(n: int) -> Row:
    pages = ceil_div(n, 100)
    return Row(
        scenario="8",
        variant="budget: ⌈files/100⌉ + 3 x ⌈N/100⌉ + 2",
        n=n,
        kind="limit",
        calls_by_method={"GET": pages, "POST": 3 * pages + 2},
        calls=sb_budget(n, n),
        note="⌈files/100⌉ listing pages to resolve names + per 100 rows a bulk read, a bulk edit and a verifying "
        "bulk read, + 2",
    )


def manifest(settings: Settings, tmp: Path) -> ScenarioResult:
    """Scenario 8, Seven Bridges: apply an N-row sheet, re-run it, the SDK loop, and the memory runs.

    :param settings: Run settings (N is ``sb_files``).
    :param tmp: A directory for the sheets.
    :return: The result (the One Codex half is added by :mod:`benchmarks.scenario_sheet_onecodex`).
    """
    n = settings.sb_files
    cap = min(n, settings.sheet_sdk_cap) if settings.sheet_sdk_cap > 0 else n
    result = ScenarioResult("8", f"curation from a sample sheet: {n:,} Seven Bridges files named by name")
    params = {"sheet": write_sheet(tmp / f"sheet-{n}.csv", map(sheet_row, range(n))), "project": PROJECT}
    with bench_emulator(settings, sb_files=n) as emu:
        ours = run_measured(emu, "8", f"ours: {OPERATOR}", n, "sb_ours_manifest", params)
        ours.extra["files_done_after"] = _done(emu, n)
        refill_rate_limits(emu)
        again = run_measured(emu, "8", f"ours re-run: {OPERATOR} (converged)", n, "sb_ours_manifest", params)
    for row in (ours, again):
        split_calls(row)
    with bench_emulator(settings, sb_files=n) as emu:
        sdk_params = {"url": emu.sevenbridges_url, "token": emu.config.sevenbridges_token, "project": PROJECT}
        rows = [sheet_row(index) for index in range(cap)]
        loop = run_measured(emu, "8", SDK_LOOP, cap, "sb_sdk_loop_manifest", {**sdk_params, "rows": rows})
        loop.extra["files_done_after"] = _done(emu, cap)
    baseline = loop
    if cap != n:
        baseline = extrapolate(loop, n, window=(settings.sb_limit, settings.sb_window_s))
        baseline.variant = f"{SDK_LOOP} (extrapolated)"
    result.rows += [ours, again, loop] + ([baseline] if baseline is not loop else []) + [_budget_row(n)]
    apply_ratios(result.rows, baseline)
    dry, real = _memory_rows(settings, tmp)
    result.rows += dry + real
    _targets(result, n, ours, again, baseline)
    _memory_targets(result, dry, real)
    result.tables.append(purpose_table([ours, again, *dry, *real]))
    return result


def purpose_table(rows: list[Row]) -> str:
    """Render our runs' calls by purpose, against the budget for their size.

    :param rows: Rows of our operator with :func:`split_calls` applied.
    :return: A markdown table.
    """
    lines = [
        "| Run (Seven Bridges) | Name resolution (list pages) | Bulk reads | Writes | Other | Calls | Budget |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        extra = row.extra
        lines.append(
            f"| {row.variant.removeprefix('ours: ')} | {extra['resolution_calls']:,} | {extra['bulk_reads']:,} "
            f"| {extra['file_writes']:,} | {extra['other_calls']:,} | {row.calls:,} | {sb_budget(row.n, row.n):,} |"
        )
    return "\n".join(lines)


def id_row(index: int) -> dict[str, str]:
    """Return :func:`sheet_row` keyed by the file's ``id`` instead of its name.

    :param index: The file's index in the scale project.
    :return: ``id``, ``tags``, ``sample_id``, ``lane``.
    """
    row = sheet_row(index)
    return {"id": f"5ca1e{index:019x}", "tags": row["tags"], "sample_id": row["sample_id"], "lane": row["lane"]}


def _memory_rows(settings: Settings, tmp: Path) -> tuple[list[Row], list[Row]]:
    """Run the operator on each ``sheet_scale_sizes`` sheet, the rate limit lifted: a dry run by name, a real run by id.

    :param settings: Run settings.
    :param tmp: A directory for the sheets.
    :return: The dry runs and the real runs, one row per size each.
    """
    unlimited = replace(settings, sb_limit=_NO_LIMIT)
    dry, real = [], []
    for size in settings.sheet_scale_sizes:
        by_name = write_sheet(tmp / f"memory-{size}.csv", map(sheet_row, range(size)))
        by_id = write_sheet(tmp / f"memory-ids-{size}.csv", map(id_row, range(size)))
        with bench_emulator(unlimited, sb_files=size) as emu:
            dry.append(
                run_measured(
                    emu,
                    "8",
                    f"ours: {OPERATOR} dry run by name, {size:,} rows (memory)",
                    size,
                    "sb_ours_manifest",
                    {"sheet": by_name, "project": PROJECT, "dry_run": True},
                )
            )
            real.append(run_measured(emu, "8", f"ours: {OPERATOR} by id, {size:,} rows (memory)", size,
                                     "sb_ours_manifest", {"sheet": by_id, "project": PROJECT}))  # fmt: skip
    for row in dry + real:
        split_calls(row)
    return dry, real


def _targets(result: ScenarioResult, n: int, ours: Row, again: Row, baseline: Row) -> None:
    bound = sb_budget(n, n)
    split = f"name resolution {ours.extra['resolution_calls']} + bulk {ours.extra['bulk_calls']}"
    if ours.extra["other_calls"]:
        split += f" + other {ours.extra['other_calls']}"
    result.targets += [
        Target("8", "SB: calls ≤ ⌈files in project/100⌉ + 3 x ⌈N/100⌉ + 2", f"{ours.calls} ({split}; bound {bound})",
               ours.calls <= bound),
        Target("8", "SB: ≥ 100x fewer calls than the SDK loop", f"{fmt_ratio(ours.ratio_calls)} "
               f"({ours.calls} vs {baseline.calls:,})", (ours.ratio_calls or 0) >= 100),
        Target("8", "(info) SB: less wall time than the SDK loop", fmt_ratio(ours.ratio_wall),
               (ours.ratio_wall or 0) > 1),
        Target("8", "SB: 0 x 429", str(ours.rate_limited), ours.rate_limited == 0),
        Target("8", "(check) SB: every file has its row's tags and metadata",
               f"{ours.extra['files_done_after']} of {n}", ours.extra["files_done_after"] == n),
        Target("8", "SB: re-run on converged state writes nothing",
               f"{again.extra['file_writes']} writes, {again.extra['unchanged']:,} unchanged; {again.calls} calls "
               f"(resolution {again.extra['resolution_calls']} + bulk reads {again.extra['bulk_calls']})",
               again.extra["file_writes"] == 0 and again.extra["changed"] == 0 and again.extra["unchanged"] == n),
    ]  # fmt: skip


def _memory_targets(result: ScenarioResult, dry: list[Row], real: list[Row]) -> None:
    result.targets += [_growth_target("dry run by name", dry), _growth_target("real run by id", real)]
    result.targets += [
        Target("8", "(check) SB: the dry runs plan every row and write nothing", ", ".join(
            f"{row.n:,} rows: {row.extra['changed']:,} planned, {row.extra['file_writes']} writes" for row in dry),
               all(row.extra["file_writes"] == 0 and row.extra["changed"] == row.n for row in dry)),
        Target("8", "(check) SB: the real memory runs change every file", ", ".join(
            f"{row.n:,} rows: {row.extra['changed']:,} changed" for row in real),
               all(row.extra["changed"] == row.n for row in real)),
    ]  # fmt: skip
    result.notes.append(
        "Memory rows: each sheet names every file of a project that size; the dry run resolves the names and makes "
        "the bulk reads of a real run, the real run (keyed by id, no name resolution) also writes and verifies. The "
        "rate limit is lifted for these runs only. Peak RSS is the job's child."
    )


def _growth_target(label: str, rows: list[Row]) -> Target:
    first, last = rows[0], rows[-1]
    growth = (last.peak_rss_mb or 0.0) - (first.peak_rss_mb or 0.0)
    return Target("8", f"SB, {label}: peak RSS, {last.n:,}-row sheet ≤ +60 MB over a {first.n:,}-row sheet",
                  f"{growth:+.1f} MB ({first.peak_rss_mb:.0f} → {last.peak_rss_mb:.0f} MB)", growth <= 60)  # fmt: skip
