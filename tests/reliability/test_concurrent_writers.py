"""Two writers on the same 200 items at the same time: verify-after-write keeps both writers' changes.

Neither vendor has ETags or idempotency keys, and both replace tag lists (and One Codex ``custom``) whole, so two
operators that read the same items before either writes drop each other's tags. A :class:`PhaseGate` makes that
race deterministic: both writers finish reading before either writes, and finish writing before either re-reads.
Each writer then finds the items where the other's replace dropped its change, and writes them again from the state
it just read; both writers' changes are present at the end.

A control run with verification switched off proves each race is real (changes are lost), and the last test shows
the staleness bound closing what verification alone could not: a write held back until after the other writer's
re-read is not sent from its old read. The same races between OS processes are in ``test_multiprocess_writers``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from genomics_provider.curation.reconcile import Recheck
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.onecodex.writers import MetadataWriter
from genomics_provider.operators.onecodex import TagSamplesOperator, UpdateSampleMetadataOperator
from genomics_provider.operators.sevenbridges import TagFilesOperator, UpdateFileMetadataOperator
from genomics_provider.sevenbridges.writers import BulkFileWriter
from genomics_provider.testing import Emulator
from tests.reliability.helpers import run, sevenbridges_file_writes

GENERATED_ITEMS = 200
SCALE = "rfranklin/scale-test"
FILES = [f"5ca1e{index:019x}" for index in range(GENERATED_ITEMS)]
SAMPLES = [f"ee{index:014x}" for index in range(GENERATED_ITEMS)]
#: Verification re-reads 100 items per call.
PER_CALL = 100


class PhaseGate:
    """Hold two writer threads so both finish reading before either writes, and writing before either re-reads.

    The Seven Bridges operators work a page at a time, so the gate closes again whenever a thread reads its next
    listing page: on every page, both writers read before either writes, and write before either re-reads. Writes
    that correct what a re-read found (the second round) are not held.

    :param writes: ``(class, method name)`` of the hook calls that write.
    :param reads: ``(class, method name)`` of the hook calls that re-read to verify.
    :param pages: ``(class, method name)`` of the hook calls that read the next page of the selection.
    """

    def __init__(
        self, writes: list[tuple[type, str]], reads: list[tuple[type, str]], pages: list[tuple[type, str]]
    ) -> None:
        self.writes, self.reads, self.pages = writes, reads, pages
        self.before_writes = threading.Barrier(2, timeout=30)
        self.before_verify = threading.Barrier(2, timeout=30)
        self.state = threading.local()
        #: Times both threads passed the write barrier (once per page).
        self.write_phases = 0

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Wrap the hook methods so they wait at the barriers.

        :param monkeypatch: Pytest's monkeypatch.
        """
        for cls, name in self.writes:
            monkeypatch.setattr(cls, name, self._gated(getattr(cls, name), self._writing))
        for cls, name in self.reads:
            monkeypatch.setattr(cls, name, self._gated(getattr(cls, name), self._verifying))
        for cls, name in self.pages:
            monkeypatch.setattr(cls, name, self._gated(getattr(cls, name), self._reading))

    @staticmethod
    def _gated(method: Callable[..., Any], wait: Callable[[], None]) -> Callable[..., Any]:
        def gated(*args: Any, **kwargs: Any) -> Any:
            wait()
            return method(*args, **kwargs)

        return gated

    def _reading(self) -> None:
        self.state.phase = "reading"

    def _writing(self) -> None:
        if getattr(self.state, "phase", "reading") == "reading":
            self.state.phase = "writing"
            if self.before_writes.wait() == 0:
                self.write_phases += 1

    def _verifying(self) -> None:
        if getattr(self.state, "phase", "reading") == "writing":
            self.state.phase = "verifying"
            self.before_verify.wait()


def in_parallel(*operators: Any) -> list[dict[str, Any]]:
    """Run operators in threads at the same time and return their summaries (re-raising any error).

    :param operators: The operators.
    :return: Their summaries, in order.
    """
    results: list[Any] = [None] * len(operators)

    def target(index: int) -> None:
        try:
            results[index] = run(operators[index])[0]
        except BaseException as exc:  # surfaced below, in the test's thread
            results[index] = exc

    threads = [threading.Thread(target=target, args=(index,)) for index in range(len(operators))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def no_verification(monkeypatch: pytest.MonkeyPatch, writer: type) -> None:
    """Control: make a writer's re-read report every item as done, i.e. the old read-modify-write without checking.

    :param monkeypatch: Pytest's monkeypatch.
    :param writer: The writer class whose ``recheck`` to disable.
    """
    monkeypatch.setattr(writer, "recheck", lambda self, item_ids: Recheck(done=list(item_ids)))


@pytest.fixture
def sb_gate(monkeypatch: pytest.MonkeyPatch) -> PhaseGate:
    gate = PhaseGate(
        writes=[(SevenBridgesHook, "bulk_edit_files"), (SevenBridgesHook, "bulk_update_files")],
        reads=[(SevenBridgesHook, "bulk_get_files")],
        pages=[(SevenBridgesHook, "list_files_page")],
    )
    gate.install(monkeypatch)
    return gate


@pytest.fixture
def oc_gate(monkeypatch: pytest.MonkeyPatch) -> PhaseGate:
    gate = PhaseGate(
        writes=[(OneCodexHook, "update_sample"), (OneCodexHook, "create_tag"), (OneCodexHook, "update_metadata")],
        reads=[(OneCodexHook, "list_samples_by_id"), (OneCodexHook, "list_metadata_by_id")],
        pages=[],
    )
    gate.install(monkeypatch)
    return gate


@pytest.fixture
def edit_replaces_metadata(fresh: Emulator) -> Iterator[Emulator]:
    """Switch the emulator's bulk edit to replace metadata when present (undocumented; the worst case).

    :param fresh: The emulator.
    :return: The emulator.
    """
    fresh.config.bulk_edit_metadata = "replace"
    yield fresh
    fresh.config.bulk_edit_metadata = "merge"


def tag_writers() -> tuple[TagFilesOperator, TagFilesOperator]:
    query = {"project": SCALE}
    return (
        TagFilesOperator(task_id="writer_a", query=query, tags=["writer-a"]),
        TagFilesOperator(task_id="writer_b", query=query, tags=["writer-b"]),
    )


def sample_tag_names(emu: Emulator, sample_id: str) -> set[str]:
    return set(emu.onecodex.sample_tag_names(sample_id))


# -- Seven Bridges ---------------------------------------------------------------------------------------------


def test_sevenbridges_two_writers_tagging_the_same_200_files_both_keep_their_tags(
    fresh: Emulator, sb_gate: PhaseGate
) -> None:
    before = {file_id: list(fresh.sevenbridges.files[file_id]["tags"]) for file_id in FILES}

    first, second = in_parallel(*tag_writers())

    assert first["failed"] == second["failed"] == {}
    assert sorted(first["changed"]) == sorted(second["changed"]) == FILES
    for file_id in FILES:
        assert fresh.sevenbridges.files[file_id]["tags"][:2] == before[file_id]
        assert set(fresh.sevenbridges.files[file_id]["tags"]) == {*before[file_id], "writer-a", "writer-b"}
    # The race really happened on both pages: every file was overwritten once and written again by the writer that
    # lost it.
    assert sb_gate.write_phases == GENERATED_ITEMS // PER_CALL
    assert sum(sevenbridges_file_writes(fresh).values()) == 3 * GENERATED_ITEMS
    # Verification re-reads only what was written, 100 per call: 2 per writer, 1 after each correction, and at most
    # one more per writer of a page the other writer's correction changed after its re-read (not quiet yet).
    pages = GENERATED_ITEMS // PER_CALL
    assert 2 * pages + 2 <= fresh.recorder.count("POST", "/v2/bulk/files/get") <= 2 * pages + 4


def test_control_without_verification_the_same_race_loses_one_writers_tags(
    fresh: Emulator, sb_gate: PhaseGate, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_verification(monkeypatch, BulkFileWriter)

    in_parallel(*tag_writers())

    both = [f for f in FILES if {"writer-a", "writer-b"} <= set(fresh.sevenbridges.files[f]["tags"])]
    assert both == []


def test_sevenbridges_two_writers_merging_different_metadata_keys_both_keep_their_keys(
    edit_replaces_metadata: Emulator, sb_gate: PhaseGate
) -> None:
    emu = edit_replaces_metadata
    before = {file_id: dict(emu.sevenbridges.files[file_id]["metadata"]) for file_id in FILES}
    query = {"project": SCALE}

    first, second = in_parallel(
        UpdateFileMetadataOperator(task_id="a", query=query, metadata={"reviewed_by": "writer-a"}),
        UpdateFileMetadataOperator(task_id="b", query=query, metadata={"pipeline": "writer-b"}),
    )

    assert first["failed"] == second["failed"] == {}
    for file_id in FILES:
        expected = {**before[file_id], "reviewed_by": "writer-a", "pipeline": "writer-b"}
        assert emu.sevenbridges.files[file_id]["metadata"] == expected
    assert sum(sevenbridges_file_writes(emu).values()) == 3 * GENERATED_ITEMS


def test_a_stale_replace_landing_while_the_run_is_still_writing_is_caught(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer read page 1 before we wrote it, and its replace lands while we are on page 2.

    The re-reads come after every page is written, so this replace is seen and repaired; a re-read straight after
    each page's write would already have passed page 1 and missed it. The replace carries that writer's own tag, as
    every stale write does (a writer with nothing to change sends nothing); one that put the tags back to exactly
    their state before our write would be a conflicting ask (``test_conflicting_asks``).
    """
    stale = {file_id: list(fresh.sevenbridges.files[file_id]["tags"]) for file_id in FILES[:PER_CALL]}
    original = SevenBridgesHook.list_files_page
    offsets: list[int] = []

    def other_writer_lands_before_page_2(self: SevenBridgesHook, **kwargs: Any) -> Any:
        offsets.append(kwargs.get("offset", 0))
        if len(offsets) == 2:
            for file_id, tags in stale.items():
                fresh.sevenbridges.files[file_id]["tags"] = [*tags, "writer-b"]
        return original(self, **kwargs)

    monkeypatch.setattr(SevenBridgesHook, "list_files_page", other_writer_lands_before_page_2)

    result, _ = run(TagFilesOperator(task_id="writer_a", query={"project": SCALE}, tags=["writer-a"]))

    assert offsets == [0, PER_CALL]
    assert result["failed"] == {}
    assert sorted(result["changed"]) == FILES
    assert all("writer-a" in fresh.sevenbridges.files[file_id]["tags"] for file_id in FILES)
    assert all(fresh.sevenbridges.files[f]["tags"] == [*tags, "writer-b", "writer-a"] for f, tags in stale.items())
    writes = sevenbridges_file_writes(fresh)
    assert [writes[file_id] for file_id in FILES] == [2] * PER_CALL + [1] * (GENERATED_ITEMS - PER_CALL)


# -- One Codex -----------------------------------------------------------------------------------------------


def test_onecodex_two_writers_tagging_the_same_200_samples_both_keep_their_tags(
    fresh: Emulator, oc_gate: PhaseGate
) -> None:
    before = {sample_id: sample_tag_names(fresh, sample_id) for sample_id in SAMPLES}

    first, second = in_parallel(
        TagSamplesOperator(task_id="writer_a", sample_ids=SAMPLES, tags=["writer-a"]),
        TagSamplesOperator(task_id="writer_b", sample_ids=SAMPLES, tags=["writer-b"]),
    )

    assert first["failed"] == second["failed"] == {}
    assert sorted(first["changed"]) == sorted(second["changed"]) == SAMPLES
    for sample_id in SAMPLES:
        assert sample_tag_names(fresh, sample_id) == {*before[sample_id], "writer-a", "writer-b"}
    # Each writer's first sample gets its new tag from POST /tags (which attaches it), the other 199 by PATCH.
    first_writes = 2 * (GENERATED_ITEMS - 1)
    corrections = fresh.recorder.count("PATCH", "/api/v1/samples/") - first_writes
    assert corrections > 0, "the race must have dropped some tags that verification then restored"
    assert fresh.contract_violations == []


def test_onecodex_two_writers_merging_different_custom_keys_both_keep_their_keys(
    fresh: Emulator, oc_gate: PhaseGate
) -> None:
    records = {s: fresh.onecodex.samples[s]["metadata"]["$ref"].rsplit("/", 1)[-1] for s in SAMPLES}
    before = {s: dict(fresh.onecodex.metadata[m]["custom"] or {}) for s, m in records.items()}

    first, second = in_parallel(
        UpdateSampleMetadataOperator(task_id="a", sample_ids=SAMPLES, custom={"reviewed_by": "writer-a"}),
        UpdateSampleMetadataOperator(task_id="b", sample_ids=SAMPLES, custom={"pipeline": "writer-b"}),
    )

    assert first["failed"] == second["failed"] == {}
    for sample_id, metadata_id in records.items():
        expected = {**before[sample_id], "reviewed_by": "writer-a", "pipeline": "writer-b"}
        assert fresh.onecodex.metadata[metadata_id]["custom"] == expected
    assert fresh.recorder.count("PATCH", "/api/v1/metadata/") > 2 * GENERATED_ITEMS


def test_control_without_verification_two_custom_merges_lose_keys(
    fresh: Emulator, oc_gate: PhaseGate, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_verification(monkeypatch, MetadataWriter)
    samples = SAMPLES[:20]

    in_parallel(
        UpdateSampleMetadataOperator(task_id="a", sample_ids=samples, custom={"reviewed_by": "writer-a"}),
        UpdateSampleMetadataOperator(task_id="b", sample_ids=samples, custom={"pipeline": "writer-b"}),
    )

    records = [fresh.onecodex.metadata_for_sample(sample_id) for sample_id in samples]
    assert not [r for r in records if {"reviewed_by", "pipeline"} <= set(r["custom"])]


# -- the staleness bound ---------------------------------------------------------------------------------------


def test_a_write_held_back_past_max_read_age_is_not_sent_but_planned_again_from_a_fresh_read(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writer B reads its first page, then is held until writer A has written and verified everything.

    Before the staleness bound this was the window verification could not cover: B's bulk edit, computed from a read
    taken before A wrote, would have replaced A's tags after A's re-read, unnoticed. Now B's send comes more than
    ``max_read_age`` (2 s; A alone waits V = 3.5 s before its re-read) after B's read, so the transport refuses to
    send it, B reads the files again and writes from the fresh state: both writers' tags are on every file.
    """
    monkeypatch.setattr("genomics_provider.hooks.base._sleep", time.sleep)  # A's wait for V must really pass
    b_has_read, a_is_done = threading.Event(), threading.Event()
    original = SevenBridgesHook.bulk_edit_files

    def b_waits_for_a(self: SevenBridgesHook, items: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "writer-b" and not a_is_done.is_set():
            b_has_read.set()
            a_is_done.wait(timeout=30)
        return original(self, items, **kwargs)

    monkeypatch.setattr(SevenBridgesHook, "bulk_edit_files", b_waits_for_a)
    writer_a, writer_b = tag_writers()
    outcome: dict[str, Any] = {}
    thread_b = threading.Thread(target=lambda: outcome.update(b=run(writer_b)[0]), name="writer-b")
    thread_b.start()
    assert b_has_read.wait(timeout=30)
    result_a, _ = run(writer_a)
    a_is_done.set()
    thread_b.join(timeout=60)

    assert (result_a["failed"], sorted(result_a["changed"])) == ({}, FILES)
    assert (outcome["b"]["failed"], sorted(outcome["b"]["changed"])) == ({}, FILES)
    assert [f for f in FILES if not {"writer-a", "writer-b"} <= set(fresh.sevenbridges.files[f]["tags"])] == []
    # B's held page was read again (one bulk get of its 100 files) before B wrote it.
    rereads = [r for r in fresh.recorder.requests if r.method == "POST" and r.path == "/v2/bulk/files/get"]
    assert len(rereads) >= 3  # A's two verifying reads, B's fresh read of the held page, and B's verifying reads
