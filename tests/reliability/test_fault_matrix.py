"""Fault matrix: every operator family converges under every fault, for 20 seeds each, on the emulator.

For each family (One Codex sample updates, One Codex metadata, Seven Bridges tags, Seven Bridges metadata, Seven
Bridges rename) and each fault, a seed picks where the fault lands (which route, after how many good calls, how many
times, with which parameters). Each case asserts, against a fault-free run of the same family:

* the final state is exactly the fault-free one: every item as asked, every other item untouched;
* no item was written more times than in the fault-free run — a write the server applied before the connection
  dropped or the client timed out is found by re-reading, not sent again;
* the run is bounded: every wait is at most 60 s, and each fault costs at most a few extra calls.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

from genomics_provider.operators.onecodex import UpdateSampleMetadataOperator, UpdateSampleOperator
from genomics_provider.operators.sevenbridges import RenameFileOperator, TagFilesOperator, UpdateFileMetadataOperator
from genomics_provider.testing import Emulator
from genomics_provider.testing.faults import LATENCY, RATE_LIMITED, Fault
from tests.reliability.helpers import (
    OC_SHORT,
    SB_SHORT,
    onecodex_metadata_writes,
    onecodex_sample_writes,
    onecodex_state,
    run,
    sevenbridges_file_writes,
    sevenbridges_state,
)

SEEDS = range(20)
#: Most a single wait may last: the transport's cap (the emulator's resets here are all well below it).
MAX_WAIT_S = 60.0
#: Most extra calls one fired fault may cost: a transport retry, or a lost tag POST's lookups, re-read and re-send.
CALLS_PER_FAULT = 4

OC_SAMPLES = [f"ee{index:014x}" for index in range(3)]
OC_METADATA_SAMPLES = [f"ee{index:014x}" for index in range(6, 9)]
SB_SCALE = "rfranklin/scale-test"
SB_ODD_FILES = [f"5ca1e{index:019x}" for index in range(1, 12, 2)]
SB_RENAMED = f"5ca1e{0:019x}"


@dataclass(frozen=True)
class Family:
    """An operator family: how to build its operator, the routes it calls, and how to read the emulator after it."""

    name: str
    build: Callable[[bool], Any]
    routes: tuple[str, ...]
    write_routes: tuple[str, ...]
    state: Callable[[Emulator], str]
    writes: Callable[[Emulator, list[Fault]], Counter[str]]
    sevenbridges: bool = False

    def __repr__(self) -> str:
        return self.name


FAMILIES = [
    Family(
        "onecodex-samples",
        lambda short: UpdateSampleOperator(
            task_id="samples",
            sample_ids=OC_SAMPLES,
            visibility="shared",
            tags=["night-run"],
            onecodex_conn_id=OC_SHORT if short else "onecodex_default",
        ),
        ("GET /api/v1/tags", "GET /api/v1/samples", "POST /api/v1/tags", "PATCH /api/v1/samples/*"),
        ("POST /api/v1/tags", "PATCH /api/v1/samples/*"),
        onecodex_state,
        lambda emu, faults: onecodex_sample_writes(emu),
    ),
    Family(
        "onecodex-metadata",
        lambda short: UpdateSampleMetadataOperator(
            task_id="metadata",
            sample_ids=OC_METADATA_SAMPLES,
            fields={"platform": "Illumina NovaSeq 6000"},
            custom={"run": "night-7"},
            onecodex_conn_id=OC_SHORT if short else "onecodex_default",
        ),
        ("GET /api/v1/samples", "GET /api/v1/metadata", "PATCH /api/v1/metadata/*"),
        ("PATCH /api/v1/metadata/*",),
        onecodex_state,
        lambda emu, faults: onecodex_metadata_writes(emu),
    ),
    Family(
        "sevenbridges-tags",
        lambda short: TagFilesOperator(
            task_id="tags",
            query={"project": SB_SCALE, "tag": "even"},
            tags=["reviewed"],
            sevenbridges_conn_id=SB_SHORT if short else "sevenbridges_default",
        ),
        ("GET /v2/files", "POST /v2/bulk/files/edit", "POST /v2/bulk/files/get"),
        ("POST /v2/bulk/files/edit",),
        sevenbridges_state,
        sevenbridges_file_writes,
        sevenbridges=True,
    ),
    Family(
        "sevenbridges-metadata",
        lambda short: UpdateFileMetadataOperator(
            task_id="metadata",
            file_ids=SB_ODD_FILES,
            metadata={"release": "r1", "batch": None},
            sevenbridges_conn_id=SB_SHORT if short else "sevenbridges_default",
        ),
        ("POST /v2/bulk/files/get", "POST /v2/bulk/files/update"),
        ("POST /v2/bulk/files/update",),
        sevenbridges_state,
        sevenbridges_file_writes,
        sevenbridges=True,
    ),
    Family(
        "sevenbridges-rename",
        lambda short: RenameFileOperator(
            task_id="rename",
            file_id=SB_RENAMED,
            name="renamed_000000.bam",
            sevenbridges_conn_id=SB_SHORT if short else "sevenbridges_default",
        ),
        ("GET /v2/files/*", "PATCH /v2/files/*"),
        ("PATCH /v2/files/*",),
        sevenbridges_state,
        sevenbridges_file_writes,
        sevenbridges=True,
    ),
]


@dataclass(frozen=True)
class Baseline:
    """The fault-free run of a family."""

    state: str
    writes: Counter[str]
    changed: frozenset[str]
    calls: int
    calls_by_route: dict[str, int]


def at(emu: Emulator, route: str, rng: random.Random, baseline: Baseline) -> str:
    """Let a seeded number of good calls through on a route first, so the fault lands at a seed-chosen call.

    A zero-delay slow response takes the fault slot of a call without changing it; faults fire in the order added.

    :param emu: The emulator.
    :param route: The route the fault targets.
    :param rng: The case's random source.
    :param baseline: The fault-free run (how many calls the route gets).
    :return: The route.
    """
    skip = rng.randrange(baseline.calls_by_route[route])
    if skip:
        emu.faults.slow_response(0.0, route, times=skip)
    return route


# Each recipe installs one fault kind where the seed says; ``write`` recipes target write routes only.
Recipe = Callable[[Emulator, Family, random.Random, Baseline], Fault]


def _any(family: Family, rng: random.Random) -> str:
    return rng.choice(family.routes)


def _write(family: Family, rng: random.Random) -> str:
    return rng.choice(family.write_routes)


RECIPES: dict[str, tuple[Recipe, bool]] = {
    "429 burst without Retry-After": (
        lambda emu, fam, rng, base: emu.faults.rate_limited(
            at(emu, _any(fam, rng), rng, base), times=rng.randint(1, 4), reset_header=False
        ),
        False,
    ),
    # Asks within the wait budget (4 x 60 s < max_wait 300 s); longer ones fail fast (see test_wait_budget.py).
    "429 burst with Retry-After": (
        lambda emu, fam, rng, base: emu.faults.rate_limited(
            at(emu, _any(fam, rng), rng, base), times=rng.randint(1, 4), retry_after=rng.choice([1, 3, 30, 60])
        ),
        False,
    ),
    "SB 429 code 1000 with X-RateLimit-Reset": (
        lambda emu, fam, rng, base: emu.faults.add(
            RATE_LIMITED,
            at(emu, _any(fam, rng), rng, base),
            times=rng.randint(1, 4),
            retry_after=None,
            reset_header=True,
            reset_in_s=rng.choice([1, 5, 45]),
        ),
        True,
    ),
    "503 maintenance (SB code 0)": (
        lambda emu, fam, rng, base: emu.faults.maintenance(at(emu, _any(fam, rng), rng, base), times=rng.randint(1, 4)),
        False,
    ),
    "HTML 502": (
        lambda emu, fam, rng, base: emu.faults.gateway_error(
            502, at(emu, _any(fam, rng), rng, base), times=rng.randint(1, 2)
        ),
        False,
    ),
    "HTML 504": (
        lambda emu, fam, rng, base: emu.faults.gateway_error(
            504, at(emu, _any(fam, rng), rng, base), times=rng.randint(1, 2)
        ),
        False,
    ),
    "JSON 500": (
        lambda emu, fam, rng, base: emu.faults.server_error(
            at(emu, _any(fam, rng), rng, base), times=rng.randint(1, 2)
        ),
        False,
    ),
    "connection reset before the write was applied": (
        lambda emu, fam, rng, base: emu.faults.connection_reset(
            at(emu, _write(fam, rng), rng, base), after_write=False, times=rng.randint(1, 2)
        ),
        False,
    ),
    "connection reset after the write was applied": (
        lambda emu, fam, rng, base: emu.faults.connection_reset(
            at(emu, _write(fam, rng), rng, base), after_write=True, times=rng.randint(1, 2)
        ),
        False,
    ),
    "read timeout on a write the server applied": (
        lambda emu, fam, rng, base: emu.faults.slow_response(0.15, at(emu, _write(fam, rng), rng, base), times=1),
        False,
    ),
    "slow responses (milliseconds)": (
        lambda emu, fam, rng, base: (
            emu.faults.latency(rng.randint(1, 2), None),
            emu.faults.slow_response(0.01, at(emu, _any(fam, rng), rng, base), times=rng.randint(1, 3)),
        )[1],
        False,
    ),
    "per-item bulk failures": (
        lambda emu, fam, rng, base: emu.faults.bulk_item_errors(
            _write(fam, rng),
            ids=rng.sample(sorted(base.changed), rng.randint(1, 3)),
            code=rng.choice([0, 500]),
            times=rng.randint(1, 2),
        ),
        True,
    ),
}


def applies(recipe: str, family: Family) -> bool:
    """Tell whether a fault exists for a family: SB-only faults, and bulk faults only where bulk writes are.

    :param recipe: The recipe name.
    :param family: The family.
    :return: ``True`` when the case is meaningful.
    """
    _, sevenbridges_only = RECIPES[recipe]
    if recipe == "per-item bulk failures":
        return family.name in ("sevenbridges-tags", "sevenbridges-metadata")
    return family.sevenbridges or not sevenbridges_only


CASES = [
    pytest.param(family, recipe, seed, id=f"{family.name}-{recipe}-seed{seed}")
    for family in FAMILIES
    for recipe in RECIPES
    if applies(recipe, family)
    for seed in SEEDS
]


@cache
def baseline_of(family: Family, emu: Emulator) -> Baseline:
    """Run a family once without faults and keep what it did.

    :param family: The family.
    :param emu: The (fresh) emulator; reset again afterwards.
    :return: The fault-free run.
    """
    emu.reset()
    result, _ = run(family.build(False))
    assert result["failed"] == {}
    by_route = {route: sum(1 for r in emu.recorder.requests if _matches(route, r)) for route in family.routes}
    baseline = Baseline(
        family.state(emu), family.writes(emu, []), frozenset(result["changed"]), len(emu.recorder), by_route
    )
    emu.reset()
    return baseline


def _matches(route: str, request: Any) -> bool:
    return Fault("probe", route).matches(request.method, request.path)


@pytest.mark.parametrize(("family", "recipe", "seed"), CASES)
def test_family_converges_under_fault_writing_each_item_once_in_bounded_time(
    fresh: Emulator, family: Family, recipe: str, seed: int, no_real_sleep: list[float]
) -> None:
    baseline = baseline_of(family, fresh)
    fresh.faults.clear(seed=seed)  # the emulator's own random draws follow the seed too
    install, _ = RECIPES[recipe]
    fault = install(fresh, family, random.Random(f"{family.name}|{recipe}|{seed}"), baseline)

    result, _ = run(family.build(recipe == "read timeout on a write the server applied"))

    assert fault.fired >= 1, "the fault must have shaped at least one call"
    assert result["failed"] == {}
    assert set(result["changed"]) == baseline.changed
    assert family.state(fresh) == baseline.state
    assert family.writes(fresh, fresh.faults.faults) == baseline.writes
    fired = sum(f.fired for f in fresh.faults.faults if f.kind != LATENCY and f.params.get("delay_s") != 0.0)
    assert len(fresh.recorder) <= baseline.calls + CALLS_PER_FAULT * fired
    assert all(wait <= MAX_WAIT_S for wait in no_real_sleep)
    assert fresh.contract_violations == []
