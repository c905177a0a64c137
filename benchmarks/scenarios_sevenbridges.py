"""Scenarios 1, 2 and 5, and the Seven Bridges half of scenario 4.

Selection: the emulator generates exactly N files in ``rfranklin/scale-test`` and the jobs select them with a
project + metadata filter that matches all N (``metadata.batch`` ∈ B0…B9, the ten batches the generator uses).
The emulator evaluates a filter by scanning the whole project on every page, so a project 10x larger than the
selection would mostly measure the emulator's scan.

The ``sevenbridges-python`` loop is capped (``--sb-cap``, default 300 files): it lists the same N-file project with
the same filter and stops after the cap, and its calls and time are extrapolated to N, adding the stalls the
vendor's fixed window (1000 requests per 300 s) imposes on it (see :func:`benchmarks.model.extrapolate`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from benchmarks.harness import bench_emulator, refill_rate_limits, run_measured, run_worker
from benchmarks.model import Row, ScenarioResult, Target, apply_ratios, ceil_div, extrapolate, fmt_ratio
from benchmarks.settings import Settings
from genomics_provider.testing import Emulator

PROJECT = "rfranklin/scale-test"
TAG = "bench-2024"
METADATA = {"qc_status": "passed", "pipeline_version": "2.4.1", "reviewed_by": "benchmark"}
QUERY = {"project": PROJECT, "metadata.batch": [f"B{index}" for index in range(10)]}
SDK_LOOP = "sevenbridges-python loop"


def _sdk_params(emu: Emulator, **extra: object) -> dict[str, object]:
    return {"url": emu.sevenbridges_url, "token": emu.config.sevenbridges_token, "query": QUERY, **extra}


def _files_with(emu: Emulator, check: Callable[[dict[str, object]], bool]) -> int:
    with emu.lock:
        return sum(1 for item in emu.sevenbridges.files.values() if item.get("project") == PROJECT and check(item))


def _tagged(emu: Emulator) -> int:
    return _files_with(emu, lambda item: TAG in (item.get("tags") or []))  # type: ignore[operator]


def _annotated(emu: Emulator) -> int:
    def check(item: dict[str, object]) -> bool:
        metadata = item.get("metadata") or {}
        return all(metadata.get(key) == value for key, value in METADATA.items())  # type: ignore[attr-defined]

    return _files_with(emu, check)


def _window(settings: Settings) -> tuple[int, float]:
    return settings.sb_limit, settings.sb_window_s


def _baseline(settings: Settings, measured: Row) -> Row:
    """Return the row the scenario compares against: the SDK loop, extrapolated to N when it was capped.

    :param settings: Run settings.
    :param measured: The SDK loop as measured.
    :return: The baseline row.
    """
    if measured.n == settings.sb_files:
        return measured
    row = extrapolate(measured, settings.sb_files, window=_window(settings))
    row.variant = f"{SDK_LOOP} (extrapolated)"
    return row


def _limit_row(n: int) -> Row:
    pages = ceil_div(n, 100)
    return Row(
        scenario="1",
        variant="physical limit: 2 x ⌈N/100⌉",
        n=n,
        kind="limit",
        calls_by_method={"GET": pages, "POST": pages},
        calls=2 * pages,
        writes=pages,
        note="⌈N/100⌉ list pages of 100 + ⌈N/100⌉ bulk edits of 100",
    )


def tagging(settings: Settings, *, with_s1: bool, with_s4: bool) -> tuple[ScenarioResult | None, list[Row]]:
    """Scenario 1 (tag N files, mode add) and the Seven Bridges re-run of scenario 4.

    :param settings: Run settings.
    :param with_s1: Run scenario 1.
    :param with_s4: Re-run ours and the SDK loop on the converged state.
    :return: Scenario 1's result (``None`` when not asked for) and scenario 4's Seven Bridges rows.
    """
    n, cap = settings.sb_files, settings.sb_cap()
    rerun_rows: list[Row] = []
    result = ScenarioResult("1", f"Seven Bridges: tag {n:,} files selected by project + metadata filter (add)")
    params = {"query": QUERY, "tags": [TAG]}
    with bench_emulator(settings, sb_files=n) as emu:
        if with_s1:
            ours = run_measured(emu, "1", "ours: TagFilesOperator", n, "sb_ours_tag", params)
            ours.extra["files_tagged_after"] = _tagged(emu)
            result.rows.append(ours)
        else:
            run_worker("sb_ours_tag", params, emu)  # converge first, unmeasured
        if with_s4:
            refill_rate_limits(emu)
            rerun_rows.append(run_measured(emu, "4", "ours re-run: TagFilesOperator (SB)", n, "sb_ours_tag", params))
    if with_s1:
        unverified = _unverified(settings, "1", "sb_ours_tag", params, _tagged)
        result.rows.append(unverified)
        with bench_emulator(settings, sb_files=n) as emu:
            bulk = run_measured(
                emu, "1", "sevenbridges-python bulk API by hand", n, "sb_sdk_bulk_tag", _sdk_params(emu, tags=[TAG])
            )
            bulk.extra["files_tagged_after"] = _tagged(emu)
            result.rows.append(bulk)
    with bench_emulator(settings, sb_files=n) as emu:
        loop_params = _sdk_params(emu, tags=[TAG], max_files=cap)
        loop = None
        if with_s1:
            loop = run_measured(emu, "1", SDK_LOOP, cap, "sb_sdk_loop_tag", loop_params)
            loop.extra["files_tagged_after"] = _tagged(emu)
        else:
            run_worker("sb_sdk_loop_tag", loop_params, emu)
        if with_s4:
            refill_rate_limits(emu)
            again = run_measured(emu, "4", f"{SDK_LOOP} re-run (SB)", cap, "sb_sdk_loop_tag", loop_params)
            rerun_rows.append(again)
            if cap != n:
                rerun_rows.append(
                    _renamed(extrapolate(again, n, window=_window(settings)), f"{SDK_LOOP} re-run (SB, extrapolated)")
                )
    if with_s4:
        apply_ratios(rerun_rows, rerun_rows[-1])
    if not with_s1 or loop is None:
        return None, rerun_rows
    baseline = _baseline(settings, loop)
    result.rows += [loop] + ([baseline] if baseline is not loop else []) + [_limit_row(n)]
    apply_ratios(result.rows, baseline)
    _tagging_targets(result, settings, ours, baseline)
    _unverified_targets(result, n, unverified)
    return result, rerun_rows


def _unverified(
    settings: Settings, scenario: str, job: str, params: Mapping[str, object], done: Callable[[Emulator], int]
) -> Row:
    """Run our operator once more on a fresh state with ``verify_writes=False`` (no re-read after the writes).

    :param settings: Run settings.
    :param scenario: Scenario id.
    :param job: The operator's job.
    :param params: Its parameters.
    :param done: Counts the files done afterwards.
    :return: The row.
    """
    name = "TagFilesOperator" if job == "sb_ours_tag" else "UpdateFileMetadataOperator"
    with bench_emulator(settings, sb_files=settings.sb_files) as emu:
        row = run_measured(emu, scenario, f"ours: {name}, verify_writes=False", settings.sb_files, job,
                           {**params, "verify_writes": False})  # fmt: skip
        row.extra["files_done_after"] = done(emu)
    return row


def _unverified_targets(result: ScenarioResult, n: int, row: Row) -> None:
    bound = 2 * ceil_div(n, 100) + 2
    result.targets += [
        Target(result.scenario, "(info) with verify_writes=False: calls ≤ 2 x ⌈N/100⌉ + 2, 0 x 429, all done",
               f"{row.calls} calls, {row.rate_limited} x 429, {row.extra['files_done_after']} of {n}, "
               f"{fmt_ratio(row.ratio_calls)} fewer calls, {fmt_ratio(row.ratio_wall)} less wall time",
               row.calls <= bound and row.rate_limited == 0 and row.extra["files_done_after"] == n),
    ]  # fmt: skip


def _renamed(row: Row, variant: str) -> Row:
    row.variant = variant
    return row


def _tagging_targets(result: ScenarioResult, settings: Settings, ours: Row, baseline: Row) -> None:
    n = settings.sb_files
    bound = 2 * ceil_div(n, 100) + 2
    stall_free = _stall_free(baseline)
    ratio_free = stall_free / ours.wall_s if stall_free and ours.wall_s else None
    result.targets += [
        Target("1", "calls ≤ 2 x ⌈N/100⌉ + 2", f"{ours.calls} (bound {bound})", ours.calls <= bound),
        Target("1", "≥ 100x fewer calls than the SDK loop", fmt_ratio(ours.ratio_calls),
               (ours.ratio_calls or 0) >= 100),
        Target(
            "1",
            "≥ 50x less wall time than the SDK loop",
            f"{fmt_ratio(ours.ratio_wall)} ({fmt_ratio(ratio_free)} without the SDK's window stalls)",
            (ours.ratio_wall or 0) >= 50,
        ),
        Target("1", "0 x 429", str(ours.rate_limited), ours.rate_limited == 0),
        Target("1", "(check) every selected file tagged", f"{ours.extra.get('files_tagged_after')} of {n}",
               ours.extra.get("files_tagged_after") == n),
    ]  # fmt: skip


def _stall_free(baseline: Row) -> float | None:
    """Return the baseline's wall time without window stalls (the per-call cost alone).

    :param baseline: The baseline row (measured or extrapolated).
    :return: Seconds, or ``None``.
    """
    value = baseline.extra.get("stall_free_wall_s", baseline.wall_s)
    return float(value) if value is not None else None


def metadata(settings: Settings) -> ScenarioResult:
    """Scenario 2: merge 3 metadata keys on N files, ours vs the SDK's ``file.metadata[k] = v; save()`` loop.

    :param settings: Run settings.
    :return: The result.
    """
    n, cap = settings.sb_files, settings.sb_cap()
    result = ScenarioResult("2", f"Seven Bridges: merge 3 metadata keys on {n:,} files")
    with bench_emulator(settings, sb_files=n) as emu:
        ours = run_measured(emu, "2", "ours: UpdateFileMetadataOperator", n, "sb_ours_metadata",
                            {"query": QUERY, "metadata": METADATA})  # fmt: skip
        ours.extra["files_annotated_after"] = _annotated(emu)
    unverified = _unverified(settings, "2", "sb_ours_metadata", {"query": QUERY, "metadata": METADATA}, _annotated)
    with bench_emulator(settings, sb_files=n) as emu:
        loop = run_measured(
            emu, "2", SDK_LOOP, cap, "sb_sdk_loop_metadata", _sdk_params(emu, metadata=METADATA, max_files=cap)
        )
        loop.extra["files_annotated_after"] = _annotated(emu)
    baseline = _baseline(settings, loop)
    result.rows += [ours, unverified, loop] + ([baseline] if baseline is not loop else [])
    apply_ratios(result.rows, baseline)
    _unverified_targets(result, n, unverified)
    bound = 2 * ceil_div(n, 100) + 2
    result.targets += [
        Target("2", "(info: no target in the issue) calls ≤ 2 x ⌈N/100⌉ + 2 as in scenario 1",
               f"{ours.calls} (bound {bound})", ours.calls <= bound),
        Target("2", "(check) every selected file has the 3 keys", f"{ours.extra['files_annotated_after']} of {n}",
               ours.extra["files_annotated_after"] == n),
    ]  # fmt: skip
    return result


def scale(settings: Settings) -> ScenarioResult:
    """Scenario 5: list and plan (``dry_run``) 1k/10k/100k files; time should grow linearly and memory stay flat.

    Linearity is judged on the provider's own work, the child's CPU time per 1k files: the wall time also holds
    the emulator's work, and the emulator rebuilds the project's whole child list for every page it serves, so its
    cost per page grows with N (quadratically in total; its CPU time is shown in the table).

    :param settings: Run settings.
    :return: The result.
    """
    result = ScenarioResult("5", "Seven Bridges scale: list and plan (dry run, no writes) N files")
    for size in settings.scale_sizes:
        with bench_emulator(settings, sb_files=size) as emu:
            row = run_measured(emu, "5", f"ours: TagFilesOperator dry run, N={size:,}", size, "sb_ours_tag",
                               {"query": {"project": PROJECT}, "tags": [TAG], "dry_run": True})  # fmt: skip
        row.extra["client_cpu_ms_per_1k_files"] = 1e6 * (row.client_cpu_s or 0.0) / size
        row.extra["wall_ms_per_1k_files"] = 1e6 * (row.wall_s or 0.0) / size
        result.rows.append(row)
    first, *_, last = result.rows
    for row in result.rows:
        row.ratio_calls = row.calls / first.calls if first.calls else None
        row.ratio_wall = (row.wall_s or 0) / first.wall_s if first.wall_s else None
    first.baseline = True
    growth = (last.peak_rss_mb or 0) - (first.peak_rss_mb or 0)
    middle = result.rows[len(result.rows) // 2] if len(result.rows) > 2 else first
    per_middle = middle.extra["client_cpu_ms_per_1k_files"]
    per_last = last.extra["client_cpu_ms_per_1k_files"]
    result.targets += [
        Target("5", f"peak RSS at N={last.n:,} within +50 MB of N={first.n:,}", f"{growth:+.1f} MB", growth <= 50),
        Target("5", f"time linear: client CPU per 1k files at N={last.n:,} ≤ 1.5 x at N={middle.n:,}",
               f"{per_last:.0f} vs {per_middle:.0f} ms per 1k files", per_last <= 1.5 * per_middle),
        Target("5", "(check) no writes; calls = ⌈N/100⌉", ", ".join(f"{r.n:,}: {r.calls}" for r in result.rows),
               all(r.writes == 0 and r.calls == ceil_div(r.n, 100) for r in result.rows)),
    ]  # fmt: skip
    result.notes.append(
        "Ratios in this scenario are growth versus the smallest N (row ÷ first row). Per 1k files: "
        + "; ".join(
            f"N={r.n:,}: client CPU {r.extra['client_cpu_ms_per_1k_files']:.0f} ms, "
            f"wall {r.extra['wall_ms_per_1k_files']:.0f} ms"
            for r in result.rows
        )
        + "."
    )
    return result
