"""The shared write / verify loop: when it re-reads, what counts as verified, and what it reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from unittest.mock import MagicMock

import pytest

from genomics_provider.curation.conflict import Recheck, fingerprint
from genomics_provider.curation.outcome import Outcome
from genomics_provider.curation.reconcile import BACKOFF_S, MAX_VERIFY_READS, MAX_WRITE_ROUNDS, Reconciler, reconcile
from genomics_provider.curation.rounds import RoundResult
from genomics_provider.exceptions import GenomicsApiError
from genomics_provider.sevenbridges.writers import RenameWriter

FILE = "5a0000000000000000000001"
V = 12.5


@dataclass
class TagStore:
    """Items holding tag lists, written by :class:`AddTag` and by a scripted "other writer" between reads.

    :param tags: Tag list per item.
    :param between_reads: Per re-read, a function that changes the store first (another writer's write).
    """

    tags: dict[str, list[str]]
    between_reads: list[object] = field(default_factory=list)
    reads: int = 0


class AddTag:
    """A writer adding one tag; its stamps are fingerprints of the tag list."""

    def __init__(self, store: TagStore, tag: str) -> None:
        self.store, self.tag = store, tag
        self.writes: list[tuple[str, float | None]] = []

    def write(self, changes: Sequence[str], result: RoundResult, *, read_at: float | None = None) -> None:
        for key in changes:
            self.writes.append((key, read_at))
            tags = self.store.tags[key]
            if self.tag in tags:
                result.as_asked([key])
                continue
            tags.append(self.tag)
            result.sent([key], {key: fingerprint(tags)})

    def recheck(self, item_ids: Sequence[str]) -> Recheck[str]:
        if self.store.reads < len(self.store.between_reads):
            self.store.between_reads[self.store.reads]()  # type: ignore[operator]
        self.store.reads += 1
        check: Recheck[str] = Recheck(read_at=1000.0 + self.store.reads)
        for key in item_ids:
            tags = self.store.tags[key]
            check.stamps[key] = fingerprint(tags)
            (check.done if self.tag in tags else check.changes).append(key)
        return check


def run(writer: AddTag, keys: list[str], *, verify: bool = True) -> tuple[Outcome, list[float]]:
    outcome, paused = Outcome(), []
    reconciler = Reconciler(writer, str, outcome, MagicMock(), verify_delay=V, pause=paused.append, verify=verify)
    reconciler.write(keys, read_at=999.0)
    reconciler.finish()
    return outcome, paused


def test_a_written_item_is_re_read_only_once_v_has_passed_since_its_write_was_answered() -> None:
    store = TagStore({"a": ["x"], "b": []})
    outcome, paused = run(AddTag(store, "ours"), ["a", "b"])

    assert (outcome.changed, outcome.failed, store.reads) == (["a", "b"], {}, 1)
    assert len(paused) == 1
    assert V - 0.5 < paused[0] <= V + BACKOFF_S


def test_an_item_another_writer_changed_without_dropping_ours_is_read_again_until_it_is_quiet() -> None:
    store = TagStore({"a": []})
    store.between_reads = [lambda: store.tags["a"].append("theirs")]
    outcome, paused = run(AddTag(store, "ours"), ["a"])

    assert (outcome.changed, outcome.failed) == (["a"], {})
    assert store.reads == 2  # the first re-read saw another write: not quiet yet
    assert len(paused) == 2


def test_an_item_whose_change_another_writer_dropped_is_written_again_from_the_fresh_read() -> None:
    store = TagStore({"a": ["old"]})
    store.between_reads = [lambda: store.tags.__setitem__("a", ["old", "theirs"])]  # a stale replace dropped ours
    writer = AddTag(store, "ours")
    outcome, _ = run(writer, ["a"])

    assert (outcome.changed, outcome.failed) == (["a"], {})
    assert store.tags["a"] == ["old", "theirs", "ours"]
    assert writer.writes == [("a", 999.0), ("a", 1001.0)]  # the correction is planned from the re-read


def test_an_item_that_keeps_changing_fails_after_the_bounded_re_reads_naming_why() -> None:
    store = TagStore({"a": []})
    store.between_reads = [lambda: store.tags["a"].append("t")] * MAX_VERIFY_READS
    outcome, _ = run(AddTag(store, "ours"), ["a"])

    assert outcome.changed == []
    assert outcome.failed == {
        "a": f"as asked at the last re-read, but another writer changed it again before each of {MAX_VERIFY_READS} "
        "re-reads, so it could not be confirmed; a retry checks it again"
    }
    assert store.reads == MAX_VERIFY_READS


def test_a_conflicting_writer_that_keeps_removing_our_change_makes_the_task_fail_naming_the_item() -> None:
    store = TagStore({"a": []})
    store.between_reads = [lambda: store.tags.__setitem__("a", [])] * 10  # another writer removes our tag
    writer = AddTag(store, "ours")
    outcome, _ = run(writer, ["a"])

    assert outcome.changed == []
    assert outcome.failed == {
        "a": f"still not as asked after {MAX_WRITE_ROUNDS} write round(s); last: each re-read showed it changed "
        "again (another writer is changing it)"
    }
    assert len(writer.writes) == MAX_WRITE_ROUNDS


def test_an_item_the_fresh_read_shows_as_asked_already_is_reported_unchanged_not_changed() -> None:
    store = TagStore({"a": ["ours"], "b": []})
    outcome, _ = run(AddTag(store, "ours"), ["a", "b"])

    assert (outcome.changed, outcome.unchanged, outcome.failed) == (["b"], ["a"], {})


def test_without_verification_a_2xx_is_trusted_and_nothing_is_re_read_or_waited_for() -> None:
    store = TagStore({"a": []})
    outcome, paused = run(AddTag(store, "ours"), ["a"], verify=False)

    assert (outcome.changed, store.reads, paused) == (["a"], 0, [])


def test_an_item_the_re_read_says_nothing_about_fails_instead_of_looping() -> None:
    class Silent(AddTag):
        def recheck(self, item_ids: Sequence[str]) -> Recheck[str]:
            return Recheck()

    outcome, _ = run(Silent(TagStore({"a": []}), "ours"), ["a"])

    assert outcome.failed == {"a": "sent, but the re-read did not return it, so its state is unknown"}


@pytest.mark.parametrize("verify", [True, False])
def test_a_write_whose_answer_shows_another_state_is_re_read_not_trusted(verify: bool) -> None:
    hook = MagicMock()
    hook.update_file.return_value = {"id": FILE, "name": "other.bam"}  # the write "succeeded" but did not land
    hook.get_file.return_value = {"id": FILE, "name": "other.bam"}
    outcome = Outcome()

    reconcile(RenameWriter(hook, "new.bam"), [FILE], str, outcome, MagicMock(), verify_delay=V, pause=lambda s: None,
              verify=verify)  # fmt: skip

    assert outcome.changed == []
    assert outcome.failed == {
        FILE: f"still not as asked after {MAX_WRITE_ROUNDS} write round(s); last: the rename answered with name "
        "'other.bam'"
    }
    assert hook.update_file.call_count == MAX_WRITE_ROUNDS
    assert hook.get_file.call_count == MAX_WRITE_ROUNDS


def test_an_unverified_write_whose_answer_shows_the_asked_state_is_trusted_without_a_read() -> None:
    hook = MagicMock()
    hook.update_file.return_value = {"id": FILE, "name": "new.bam"}
    outcome = Outcome()

    reconcile(RenameWriter(hook, "new.bam"), [FILE], str, outcome, MagicMock(), verify_delay=V, pause=lambda s: None,
              verify=False)  # fmt: skip

    assert (outcome.changed, outcome.failed, hook.get_file.call_count) == ([FILE], {}, 0)


# -- conflicting asks ------------------------------------------------------------------------------------------


class ConflictedTag(AddTag):
    """A writer whose re-read reports every item it finds without its tag as undone on purpose."""

    def recheck(self, item_ids: Sequence[str]) -> Recheck[str]:
        check = super().recheck(item_ids)
        check.conflicts = {key: "removed the tag" for key in check.changes}
        return check


def test_an_item_another_writer_undid_on_purpose_fails_at_once_and_is_not_written_again() -> None:
    store = TagStore({"a": [], "b": []})
    store.between_reads = [lambda: store.tags.__setitem__("a", [])]
    writer = ConflictedTag(store, "ours")
    outcome, _ = run(writer, ["a", "b"])

    assert outcome.changed == ["b"]
    assert outcome.failed == {
        "a": "conflicting asks: after our write, another writer removed the tag; not written again, so that neither "
        "change silently replaces the other (decide which task owns this item, then run that one)"
    }
    assert [key for key, _ in writer.writes] == ["a", "b"]
    assert store.reads == 1


class FailingWrite(AddTag):
    """A writer whose every write fails with a 500 and whose re-read fails too."""

    def write(self, changes: Sequence[str], result: RoundResult, *, read_at: float | None = None) -> None:
        result.failed(list(changes), 500, "PATCH failed, HTTP 500: boom")

    def recheck(self, item_ids: Sequence[str]) -> Recheck[str]:
        raise GenomicsApiError("down", status=503, method="GET", path="/items")


def test_an_item_whose_write_failed_keeps_that_error_when_its_re_read_fails_too_instead_of_reading_sent() -> None:
    outcome, _ = run(FailingWrite(TagStore({"a": []}), "ours"), ["a"])

    assert outcome.changed == []
    assert outcome.failed == {
        "a": "PATCH failed, HTTP 500: boom; re-reading it to check failed too, so its state is unknown: "
        "GET /items failed, HTTP 503: down"
    }


def test_the_round_bookkeeping_and_conflict_detection_stay_importable_from_the_engine() -> None:
    from genomics_provider.curation import conflict as conflict_module
    from genomics_provider.curation import reconcile as engine
    from genomics_provider.curation import rounds

    for module in (conflict_module, rounds):
        for name in ("Recheck", "conflict", "fingerprint", "FailureStreak", "RoundResult", "is_definitive"):
            if hasattr(module, name):
                assert getattr(engine, name) is getattr(module, name)
    assert engine.STALE_HINT is rounds.STALE_HINT
    assert engine.MAX_CONSECUTIVE_FAILURES == rounds.MAX_CONSECUTIVE_FAILURES
    assert set(engine.__all__) <= set(dir(engine))
