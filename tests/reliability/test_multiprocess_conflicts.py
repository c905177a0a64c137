"""Two OS processes with conflicting asks on the same 50 samples: one task fails naming the items, none silently wins.

Writer 0 adds the tag ``contested`` to every sample; writer 1, started 2.5 s later, removes it. By then writer 0 has
tagged part of the samples: writer 1's plan removes the tag from exactly those (the others did not carry it when it
read them, so it reports them as already as asked), and its removals land before writer 0 verifies (V is 8.5 s here,
writer 1's writes end within about 6 s). Writer 0's re-read then finds, on each of those samples, the tag list back
to exactly what it was before its own write: a conflicting ask, not a stale write. It must fail naming each of them
and must not add the tag again, which is what a last-writer-wins correction would do (and what the engine did
before it told the two apart). Writer 1 succeeds, and every task's summary matches the final state.

Start offsets are fixed; each seed still draws every request's latency (0-150 ms).
"""

from __future__ import annotations

import logging

import pytest

from genomics_provider.operators.onecodex import TagSamplesOperator
from tests.reliability.helpers import onecodex_sample_writes
from tests.reliability.multiprocess import Workload, describe, race
from tests.reliability.test_multiprocess_writers import SAMPLES, build_onecodex_emulator, sample_tags

pytestmark = pytest.mark.integration

SEEDS = range(3)
#: Writer 1 starts once writer 0 has tagged roughly half of the samples (10 requests/s on the key).
OFFSETS = (0.0, 2.5)
#: V = 2 + 6 + 0.5 = 8.5 s: writer 0 re-reads well after writer 1's last removal.
EXTRA = {"max_read_age": 2.0, "write_timeout": 6.0}
CONFLICT = "conflicting asks: after our write, another writer put the tags back to exactly what they were before"

log = logging.getLogger(__name__)


@pytest.fixture(autouse=True)
def no_real_sleep() -> list[float]:
    """Let the writers really wait (pacing under the shared limit), unlike the rest of the suite.

    :return: An empty list (nothing is recorded).
    """
    return []


CONTESTED = Workload(
    name="onecodex-contested-tag",
    items=SAMPLES,
    emulator=build_onecodex_emulator,
    operator=lambda index, verify: TagSamplesOperator(
        task_id=f"writer_{index}",
        sample_ids=list(SAMPLES),
        tags=["contested"],
        mode="remove" if index else "add",
        verify_writes=verify,
    ),
    snapshot=sample_tags,
    has_change=lambda index, tags: ("contested" in tags) != bool(index),
    kept=lambda before, after: set(before) <= set(after),
    writes=onecodex_sample_writes,
    extra=EXTRA,
)


def test_conflicting_tag_asks_fail_the_earlier_writer_naming_each_item_and_nothing_is_re_added() -> None:
    runs = race(CONTESTED, 2, SEEDS, offsets=OFFSETS, deadline_s=90.0)

    report = describe(runs)
    log.warning("contested tag:\n%s", report)
    for run in runs:
        adder, remover = run.writers
        removed = sorted(item for item in SAMPLES if "contested" not in run.after[item])
        tagged = sorted(item for item in SAMPLES if "contested" in run.after[item])
        where = f"seed {run.seed}: {report}"
        assert 0 < len(removed) < len(SAMPLES), where  # the asks really conflicted, on part of the samples
        assert all(set(run.before[item]) <= set(run.after[item]) for item in SAMPLES), where
        # Nothing was written twice: the adder never put the tag back over the remover's deliberate removal.
        assert max(run.writes.values()) <= 2, where
        assert sorted(run.writes) == sorted(SAMPLES), where
        assert [item for item in tagged if run.writes[item] != 1] == [], where
        # The remover succeeded, and its summary is the final state.
        assert remover.error is None, where
        assert remover.summary is not None
        assert (sorted(remover.summary["changed"]), sorted(remover.summary["unchanged"])) == (removed, tagged)
        # The adder failed, naming every sample it lost to the conflicting ask, and claims only what is there.
        assert adder.error is not None, where
        assert adder.error.startswith("AirflowFailException: "), where
        assert [item for item in removed if f"{item}: {CONFLICT}" not in adder.error] == [], where
        assert adder.summary is not None
        assert sorted(adder.summary["changed"]) == tagged, where
        assert sorted(adder.summary["failed"]) == removed, where
