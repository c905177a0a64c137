"""Scenario 3 and the One Codex half of scenario 4: set visibility and add a tag on N samples at 10 requests/s.

Arrangement, applied to every emulator of the scenario (ours and the client's alike):

* the tag exists beforehand — the ``onecodex`` client cannot create tags (``Tags.save()`` is not supported);
* every sample's ``updated_at`` is set to its ``created_at``: the emulator seeds ``null``, which the client's
  model validator rejects (``datetime.fromisoformat(None)``), so the client could not even read the samples.
"""

from __future__ import annotations

from benchmarks.harness import bench_emulator, refill_rate_limits, run_measured, run_worker
from benchmarks.model import Row, ScenarioResult, Target, apply_ratios, extrapolate, fmt_ratio
from benchmarks.settings import Settings
from genomics_provider.testing import Emulator

TAG = "bench-2024"
TAG_ID = "be0c4b2e0a1d2c3f"
VISIBILITY = "shared"
CLIENT_LOOP = "onecodex client loop"


def _prepare(emu: Emulator) -> list[str]:
    """Arrange the state both variants start from (see the module docstring).

    :param emu: The emulator.
    :return: The generated samples' ids, in order.
    """
    with emu.lock:
        state = emu.onecodex
        for sample in state.samples.values():
            sample["updated_at"] = sample.get("updated_at") or sample["created_at"]
        state.tags[TAG_ID] = {"$uri": f"/api/v1/tags/{TAG_ID}", "name": TAG}
        return [sample_id for sample_id in state.samples if sample_id.startswith("ee")]


def _done(emu: Emulator, sample_ids: list[str]) -> int:
    with emu.lock:
        state = emu.onecodex
        return sum(
            1
            for sample_id in sample_ids
            if state.samples[sample_id].get("visibility") == VISIBILITY and TAG in state.sample_tag_names(sample_id)
        )


def _rate(row: Row, limit: float) -> None:
    """Store the achieved accepted-requests rate and its fraction of the limit.

    :param row: A measured row.
    :param limit: Requests per second allowed.
    """
    accepted = row.calls - row.rate_limited
    rate = accepted / row.wall_s if row.wall_s else 0.0
    row.extra["accepted_req_per_s"] = rate
    row.extra["fraction_of_limit"] = rate / limit


def updating(settings: Settings, *, with_s3: bool, with_s4: bool) -> tuple[ScenarioResult | None, list[Row]]:
    """Scenario 3 and the One Codex re-run of scenario 4.

    :param settings: Run settings.
    :param with_s3: Run scenario 3.
    :param with_s4: Re-run ours and the client loop on the converged state.
    :return: Scenario 3's result (``None`` when not asked for) and scenario 4's One Codex rows.
    """
    n, cap = settings.oc_samples, settings.oc_cap()
    result = ScenarioResult(
        "3", f"One Codex: set visibility and add a tag on {n:,} samples (≤ {settings.oc_rate:g} req/s)"
    )
    rerun_rows: list[Row] = []
    with bench_emulator(settings, oc_samples=n) as emu:
        ids = _prepare(emu)
        params = {"sample_ids": ids, "visibility": VISIBILITY, "tag": TAG}
        if with_s3:
            ours = run_measured(emu, "3", "ours: UpdateSampleOperator", n, "oc_ours_update", params)
            ours.extra["samples_done_after"] = _done(emu, ids)
            _rate(ours, settings.oc_rate)
            result.rows.append(ours)
        else:
            run_worker("oc_ours_update", params, emu)
        if with_s4:
            refill_rate_limits(emu)
            rerun_rows.append(
                run_measured(emu, "4", "ours re-run: UpdateSampleOperator (OC)", n, "oc_ours_update", params)
            )
    with bench_emulator(settings, oc_samples=n) as emu:
        ids = _prepare(emu)[:cap]
        params = {"url": emu.url, "key": emu.config.onecodex_api_key, "sample_ids": ids, "visibility": VISIBILITY,
                  "tag": TAG}  # fmt: skip
        loop = None
        if with_s3:
            loop = run_measured(emu, "3", CLIENT_LOOP, cap, "oc_client_loop", params)
            loop.extra["samples_done_after"] = _done(emu, ids)
            _rate(loop, settings.oc_rate)
        else:
            run_worker("oc_client_loop", params, emu)
        if with_s4:
            refill_rate_limits(emu)
            again = run_measured(emu, "4", f"{CLIENT_LOOP} re-run (OC)", cap, "oc_client_loop", params)
            rerun_rows.append(again)
            if cap != n:
                extrapolated = extrapolate(again, n)
                extrapolated.variant = f"{CLIENT_LOOP} re-run (OC, extrapolated)"
                rerun_rows.append(extrapolated)
    if with_s4:
        apply_ratios(rerun_rows, rerun_rows[-1])
    if not with_s3 or loop is None:
        return None, rerun_rows
    baseline = loop
    if cap != n:
        baseline = extrapolate(loop, n)
        baseline.variant = f"{CLIENT_LOOP} (extrapolated)"
    result.rows += [loop] + ([baseline] if baseline is not loop else [])
    apply_ratios(result.rows, baseline)
    fraction = float(ours.extra["fraction_of_limit"])
    result.targets += [
        Target("3", "≥ 0.9 x the rate limit sustained",
               f"{fraction:.3f} x ({ours.extra['accepted_req_per_s']:.2f} req/s)", fraction >= 0.9),
        Target("3", "0 x 429", str(ours.rate_limited), ours.rate_limited == 0),
        Target("3", "≥ 3x faster than the client loop", fmt_ratio(ours.ratio_wall), (ours.ratio_wall or 0) >= 3),
        Target("3", "(check) every sample shared and tagged", f"{ours.extra['samples_done_after']} of {n}",
               ours.extra["samples_done_after"] == n),
    ]  # fmt: skip
    result.notes.append(
        f"Client loop: {loop.extra['fraction_of_limit']:.2f} x the limit accepted, "
        f"{loop.rate_limited} x 429 for {cap} samples; its session sleeps 0 s, 8 s, 16 s between retries."
    )
    return result, rerun_rows


def rerun(sevenbridges_rows: list[Row], onecodex_rows: list[Row]) -> ScenarioResult:
    """Assemble scenario 4 from the re-runs on converged state.

    :param sevenbridges_rows: Scenario 1's re-run rows (ours first, then the SDK loop).
    :param onecodex_rows: Scenario 3's re-run rows (ours first, then the client loop).
    :return: The result; its targets require 0 writes from ours.
    """
    result = ScenarioResult("4", "Re-run of scenarios 1 and 3 on converged state")
    result.rows = [*sevenbridges_rows, *onecodex_rows]
    for rows in (sevenbridges_rows, onecodex_rows):
        if rows:
            ours = rows[0]
            result.targets.append(
                Target("4", f"0 writes: {ours.variant}", f"{ours.writes} writes, {ours.reads} reads", ours.writes == 0)
            )
    result.notes.append(
        "The baselines are the same loops as in scenarios 1 and 3, run again: written as the docs teach, they "
        "append the tag again and save every item."
    )
    return result
