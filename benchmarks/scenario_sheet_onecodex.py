"""Scenario 8 (issue 15), One Codex half: N samples named by ``filename`` in a sheet, made shared and tagged.

The emulator generates N private samples (``generated_%05d.fastq.gz``); the parent writes a CSV
(``filename,tags,visibility``) giving every one of them ``visibility=shared`` and a new tag, which
``UpdateSamplesFromSheetOperator`` creates once. Names are resolved with ``where={"filename": {"$in": [...]}}``, 100
per call, and those reads are the plan's reads; every sample is then PATCHed once, at the key's 10 requests/s. The
budget is the issue's: ⌈N/100⌉ resolution calls + the per-sample PATCH budget of scenario 7 (⌊1.12 N⌋ + ⌈N/100⌉ + 2).
A re-run on the converged state must write nothing.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.harness import bench_emulator, refill_rate_limits, run_measured
from benchmarks.model import Row, ScenarioResult, Target, ceil_div
from benchmarks.scenario_concurrent import oc_budget
from benchmarks.scenario_sheet import write_sheet
from benchmarks.settings import Settings
from genomics_provider.testing import Emulator

TAG = "run-42"
VISIBILITY = "shared"
OPERATOR = "UpdateSamplesFromSheetOperator"


def sheet_row(index: int) -> dict[str, str]:
    """Return the sheet row of the emulator's generated sample ``index``.

    :param index: The sample's index.
    :return: ``filename``, ``tags`` and ``visibility``.
    """
    return {"filename": f"generated_{index:05d}.fastq.gz", "tags": TAG, "visibility": VISIBILITY}


def budget(n: int) -> int:
    """Return the issue's call budget: ⌈N/100⌉ (resolution) + ⌊1.12 N⌋ + ⌈N/100⌉ + 2 (the per-sample PATCHes).

    :param n: Samples in the sheet.
    :return: Calls.
    """
    return ceil_div(n, 100) + oc_budget(n)


def _split(emu: Emulator, row: Row) -> None:
    """Store how many of the run's calls looked filenames up (the recorder still holds the run's requests).

    :param emu: The emulator the run used.
    :param row: Its measured row.
    """
    requests = emu.recorder.filter(api="onecodex")
    resolution = sum(
        1
        for request in requests
        if request.method == "GET" and request.path == "/api/v1/samples"
        and any("filename" in where for where in request.query.get("where", []))
    )  # fmt: skip
    row.extra["resolution_calls"] = resolution


def _done(emu: Emulator, n: int) -> int:
    with emu.lock:
        state = emu.onecodex
        ids = [f"ee{index:014x}" for index in range(n)]
        shared = [sid for sid in ids if state.samples[sid].get("visibility") == VISIBILITY]
        return sum(1 for sid in shared if TAG in state.sample_tag_names(sid))


def sample_sheet(settings: Settings, tmp: Path, result: ScenarioResult) -> None:
    """Scenario 8, One Codex: apply an N-row sheet (``oc_samples``), then re-run it; add rows and targets.

    :param settings: Run settings.
    :param tmp: A directory for the sheet.
    :param result: Scenario 8's result, which gains the rows and targets.
    """
    n = settings.oc_samples
    params = {"sheet": write_sheet(tmp / f"samples-{n}.csv", map(sheet_row, range(n)))}
    with bench_emulator(settings, oc_samples=n) as emu:
        ours = run_measured(emu, "8", f"ours: {OPERATOR} (OC)", n, "oc_ours_sheet", params)
        _split(emu, ours)
        ours.extra["samples_done_after"] = _done(emu, n)
        refill_rate_limits(emu)
        again = run_measured(emu, "8", f"ours re-run: {OPERATOR} (OC, converged)", n, "oc_ours_sheet", params)
        _split(emu, again)
    result.rows += [ours, again]
    bound = budget(n)
    accepted = ours.calls - ours.rate_limited
    rate = accepted / ours.wall_s if ours.wall_s else 0.0
    result.targets += [
        Target("8", "OC: calls ≤ ⌈N/100⌉ + ⌊1.12 N⌋ + ⌈N/100⌉ + 2",
               f"{ours.calls} (filename look-ups {ours.extra['resolution_calls']}, writes "
               f"{ours.writes}; bound {bound})", ours.calls <= bound),
        Target("8", "(info) OC: filename look-ups ≤ ⌈N/100⌉",
               f"{ours.extra['resolution_calls']} (⌈N/100⌉ = {ceil_div(n, 100)})",
               ours.extra["resolution_calls"] <= ceil_div(n, 100)),
        Target("8", "(check) OC: every sample shared and tagged", f"{ours.extra['samples_done_after']} of {n}",
               ours.extra["samples_done_after"] == n),
        Target("8", "OC: re-run on converged state writes nothing",
               f"{again.writes} writes; {again.calls} calls", again.writes == 0),
    ]  # fmt: skip
    result.notes.append(
        f"{OPERATOR}: {rate:.2f} accepted req/s "
        f"({rate / settings.oc_rate:.3f} x the {settings.oc_rate:g} req/s limit), "
        f"{ours.rate_limited} x 429."
    )
