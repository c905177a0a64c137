"""How the Seven Bridges writers write and verify, driven by a small in-memory hook: no server.

Each test pins the bulk calls (which, how many, which items, sent by when), what the round recorded for each file,
and what a re-read tells apart: a change dropped by a stale write (written again) from one another writer undid on
purpose (a conflict). The same writers against the emulator, with real races, are in ``tests/reliability``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from genomics_provider.curation.conflict import fingerprint
from genomics_provider.curation.rounds import STALE_HINT, RoundResult
from genomics_provider.exceptions import NotFoundError, ServerError, StaleReadError
from genomics_provider.sevenbridges.plan import FileChange, FilePlan, plan_tags
from genomics_provider.sevenbridges.query import FileQuery
from genomics_provider.sevenbridges.types import SbFile
from genomics_provider.sevenbridges.writers import MAX_STALE_READS, BulkFileWriter, RenameWriter, file_stamp
from tests.sevenbridges.helpers import A, B, C, sb_file

#: The hook's clock and max_read_age: a write planned from a read sent at 100.0 must go out by 130.0.
NOW, S = 100.0, 30.0
PUT_BACK = "put the tags back to exactly what they were before our write"
DENIED = {"status": 403, "code": 5011, "message": "Modifying file tags is not allowed."}


class FakeHook:
    """The Seven Bridges hook calls the writers make, on files kept in memory.

    ``stale`` makes the next bulk calls raise :class:`StaleReadError`; ``item_errors`` answers an error item for a
    file; ``fail`` makes the next bulk call raise.
    """

    max_read_age = S

    def __init__(self, *files: SbFile) -> None:
        self.files: dict[str, dict[str, Any]] = {str(f["id"]): dict(f) for f in files}
        self.calls: list[tuple[str, list[dict[str, Any]], float | None]] = []
        self.gets: list[list[str]] = []
        self.stale = 0
        self.item_errors: dict[str, dict[str, Any]] = {}
        self.fail: Exception | None = None

    def clock(self) -> float:
        return NOW

    def _bulk(self, call: str, items: Sequence[Any], send_by: float | None) -> list[dict[str, Any]]:
        if self.stale:
            self.stale -= 1
            raise StaleReadError("not sent: its body was planned from a read more than 30 s old", method="POST")
        if self.fail is not None:
            raise self.fail
        self.calls.append((call, copy.deepcopy(list(items)), send_by))
        records: list[dict[str, Any]] = []
        for item in items:
            file_id = item["id"]
            if file_id in self.item_errors:
                records.append({"error": self.item_errors[file_id]})
                continue
            fields = {k: copy.deepcopy(v) for k, v in item.items() if k != "id"}
            self.files[file_id].update(fields)
            records.append({"resource": copy.deepcopy(self.files[file_id])})
        return records

    def bulk_edit_files(self, items: Sequence[Any], *, send_by: float | None = None) -> list[dict[str, Any]]:
        return self._bulk("edit", items, send_by)

    def bulk_update_files(self, items: Sequence[Any], *, send_by: float | None = None) -> list[dict[str, Any]]:
        return self._bulk("update", items, send_by)

    def bulk_get_files(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        self.gets.append(list(ids))
        missing = {"status": 404, "code": 5002, "message": "not found"}
        return [{"resource": copy.deepcopy(self.files[i])} if i in self.files else {"error": missing} for i in ids]


def add_qc(files: Iterable[SbFile], query: FileQuery | None) -> FilePlan:
    return plan_tags(files, ["qc"], "add", query)


def replace_qc(files: Iterable[SbFile], query: FileQuery | None) -> FilePlan:
    return plan_tags(files, ["qc"], "replace", query)


def planned(hook: FakeHook, planner: Any = add_qc) -> list[FileChange]:
    plan: FilePlan = planner([copy.deepcopy(f) for f in hook.files.values()], None)
    return plan.changes


@pytest.fixture
def hook() -> FakeHook:
    return FakeHook(sb_file(A, tags=["raw"]), sb_file(B))


def test_file_stamp_fingerprints_name_tags_and_metadata() -> None:
    file = sb_file(A, tags=["t"], metadata={"k": "v"})

    assert file_stamp(file) == fingerprint(["1.bam", ["t"], {"k": "v"}])
    assert file_stamp({**file, "tags": []}) != file_stamp(file)


def test_one_batch_is_one_bulk_edit_sent_by_the_reads_deadline_and_queued_for_re_reading(hook: FakeHook) -> None:
    writer, result = BulkFileWriter(hook, add_qc), RoundResult()  # type: ignore[arg-type]

    writer.write(planned(hook), result, read_at=NOW)

    assert hook.calls == [("edit", [{"id": A, "tags": ["raw", "qc"]}, {"id": B, "tags": ["qc"]}], NOW + S)]
    assert hook.gets == []
    assert result.recheck == [A, B]
    assert result.stamps == {A: fingerprint(["1.bam", ["raw", "qc"], {}]), B: fingerprint(["2.bam", ["qc"], {}])}


def test_150_changes_are_two_bulk_calls_of_100_and_50() -> None:
    ids = [f"5a{index:022x}" for index in range(150)]
    hook = FakeHook(*(sb_file(file_id) for file_id in ids))
    result = RoundResult()

    BulkFileWriter(hook, add_qc).write(planned(hook), result, read_at=NOW)  # type: ignore[arg-type]

    assert [(call, len(items)) for call, items, _ in hook.calls] == [("edit", 100), ("edit", 50)]
    assert result.recheck == ids


def test_edits_go_before_updates_in_a_batch() -> None:
    hook = FakeHook(sb_file(A, tags=["raw"]), sb_file(B, tags=["qc"]), sb_file(C))
    result = RoundResult()

    BulkFileWriter(hook, replace_qc).write(planned(hook, replace_qc), result, read_at=NOW)  # type: ignore[arg-type]

    assert [(call, [item["id"] for item in items]) for call, items, _ in hook.calls] == [
        ("edit", [C]),
        ("update", [A]),
    ]
    assert hook.calls[1][1] == [{"id": A, "name": "1.bam", "tags": ["qc"], "metadata": {}}]


def test_without_a_read_time_the_batch_is_read_again_before_it_is_sent(hook: FakeHook) -> None:
    writer, result = BulkFileWriter(hook, add_qc), RoundResult()  # type: ignore[arg-type]

    writer.write(planned(hook), result)

    assert hook.gets == [[A, B]]
    assert [send_by for _, _, send_by in hook.calls] == [NOW + S]


def test_a_re_read_tells_a_conflict_from_a_change_dropped_by_a_stale_write(hook: FakeHook) -> None:
    writer = BulkFileWriter(hook, add_qc)  # type: ignore[arg-type]
    writer.write(planned(hook), RoundResult(), read_at=NOW)
    hook.files[A]["tags"] = ["raw"]  # another writer put back exactly what was there before our write
    hook.files[B]["tags"] = ["other"]  # a stale replace: its writer's tag, ours lost

    check = writer.recheck([A, B])

    assert check.conflicts == {A: PUT_BACK}
    assert [change.item for change in check.changes] == [
        {"id": A, "tags": ["raw", "qc"]},
        {"id": B, "tags": ["other", "qc"]},
    ]
    assert (check.done, check.failed, check.read_at) == ([], {}, NOW)
    assert hook.gets == [[A, B]]


def test_a_re_read_of_files_as_asked_is_done_and_a_file_it_cannot_read_fails(hook: FakeHook) -> None:
    writer = BulkFileWriter(hook, add_qc)  # type: ignore[arg-type]
    writer.write(planned(hook), RoundResult(), read_at=NOW)
    del hook.files[B]

    check = writer.recheck([A, B])

    assert check.done == [A]
    assert check.failed == {
        B: "sent, but re-reading it failed, so its state is unknown: HTTP 404, code 5002: not found"
    }
    assert list(check.stamps) == [A]


def test_a_stale_read_error_reads_the_batch_again_and_sends_from_the_fresh_state(hook: FakeHook) -> None:
    writer, result = BulkFileWriter(hook, add_qc), RoundResult()  # type: ignore[arg-type]
    changes = planned(hook)
    hook.files[A]["tags"] = ["raw", "late"]  # changed between our read and the write we could not send
    hook.stale = 1

    writer.write(changes, result, read_at=NOW)

    assert hook.gets == [[A, B]]
    assert hook.calls == [("edit", [{"id": A, "tags": ["raw", "late", "qc"]}, {"id": B, "tags": ["qc"]}], NOW + S)]
    assert result.recheck == [A, B]


def test_a_fresh_read_showing_a_file_as_asked_sends_nothing_for_it(hook: FakeHook) -> None:
    writer, result = BulkFileWriter(hook, add_qc), RoundResult()  # type: ignore[arg-type]
    changes = planned(hook)
    hook.files[B]["tags"] = ["qc"]
    hook.stale = 1

    writer.write(changes, result, read_at=NOW)

    assert [[item["id"] for item in items] for _, items, _ in hook.calls] == [[A]]
    assert result.already == [B]


def test_a_batch_whose_reads_keep_turning_stale_is_not_sent_this_round(hook: FakeHook) -> None:
    writer, result = BulkFileWriter(hook, add_qc), RoundResult()  # type: ignore[arg-type]
    hook.stale = MAX_STALE_READS + 1

    writer.write(planned(hook), result, read_at=NOW)

    assert hook.calls == []
    assert len(hook.gets) == MAX_STALE_READS
    reason = "POST failed: not sent: its body was planned from a read more than 30 s old" + STALE_HINT
    assert result.errors == {A: reason, B: reason}
    assert result.streak.count == 0


def test_a_per_item_bulk_error_fails_only_that_file(hook: FakeHook) -> None:
    writer, result = BulkFileWriter(hook, add_qc), RoundResult()  # type: ignore[arg-type]
    hook.item_errors[A] = DENIED

    writer.write(planned(hook), result, read_at=NOW)

    assert len(hook.calls) == 1
    assert result.refused == {A: "not written: HTTP 403, code 5011: Modifying file tags is not allowed."}
    assert result.recheck == [B]
    assert result.streak.count == 0


def test_a_transient_per_item_error_is_re_read_without_counting_towards_stopping(hook: FakeHook) -> None:
    writer, result = BulkFileWriter(hook, add_qc), RoundResult()  # type: ignore[arg-type]
    hook.item_errors[A] = {"status": 500, "message": "try again"}

    writer.write(planned(hook), result, read_at=NOW)

    assert result.errors == {A: "HTTP 500: try again"}
    assert result.recheck == [A, B]
    assert result.streak.count == 0


def test_a_failed_bulk_call_fails_its_files_with_the_call_named(hook: FakeHook) -> None:
    writer, result = BulkFileWriter(hook, add_qc), RoundResult()  # type: ignore[arg-type]
    hook.fail = ServerError("down", status=503, method="POST", path="/v2/bulk/files/edit")

    writer.write(planned(hook), result, read_at=NOW)

    reason = "bulk edit of 2 files failed: POST /v2/bulk/files/edit failed, HTTP 503: down"
    assert result.errors == {A: reason, B: reason}
    assert result.streak.count == 1


def test_an_answer_showing_other_tags_is_a_mismatch(hook: FakeHook) -> None:
    writer, result = BulkFileWriter(hook, add_qc), RoundResult()  # type: ignore[arg-type]
    original = hook._bulk
    hook._bulk = lambda call, items, send_by: [  # type: ignore[method-assign]
        {"resource": {**r["resource"], "tags": ["raw"]}} for r in original(call, items, send_by)
    ]

    writer.write(planned(hook)[:1], result, read_at=NOW)

    assert result.errors == {A: "written, but the platform now has tags ['raw'] instead of ['raw', 'qc']"}
    assert (result.recheck, result.stamps) == ([A], {})


# -- rename -----------------------------------------------------------------------------------------------------


class RenameHook:
    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.updates: list[tuple[str, str]] = []

    def update_file(self, file_id: str, *, name: str) -> dict[str, Any]:
        if file_id == C:
            raise NotFoundError("gone", status=404, method="PATCH", path=f"/v2/files/{C}")
        self.updates.append((file_id, name))
        return {"id": file_id, "name": self.answer}

    def get_file(self, file_id: str) -> dict[str, Any]:
        return {"id": file_id, "name": self.answer if file_id == A else "old.bam"}


def test_a_rename_is_one_patch_per_file_confirmed_by_its_answer() -> None:
    hook, result = RenameHook("new.bam"), RoundResult()

    RenameWriter(hook, "new.bam").write([A, B, C], result)  # type: ignore[arg-type]

    assert hook.updates == [(A, "new.bam"), (B, "new.bam")]
    assert result.confirmed == [A, B]
    assert result.refused == {C: f"not written: PATCH /v2/files/{C} failed, HTTP 404: gone"}


def test_a_rename_answered_with_another_name_is_a_mismatch() -> None:
    hook, result = RenameHook("other.bam"), RoundResult()

    RenameWriter(hook, "new.bam").write([A], result)  # type: ignore[arg-type]

    assert (result.recheck, result.confirmed) == ([A], [])
    assert result.errors == {A: "the rename answered with name 'other.bam'"}


def test_the_rename_re_read_compares_each_files_name() -> None:
    check = RenameWriter(RenameHook("new.bam"), "new.bam").recheck([A, B])  # type: ignore[arg-type]

    assert (check.done, check.changes) == ([A], [B])


def test_a_fresh_read_keeps_each_unreadable_files_own_status(hook: FakeHook) -> None:
    """Before sending, a 503 item of the re-read is retried later; only a 404 item is refused for good."""
    writer, result = BulkFileWriter(hook, add_qc), RoundResult()  # type: ignore[arg-type]
    original = hook.bulk_get_files
    busy = {"status": 503, "code": 0, "message": "maintenance"}
    hook.bulk_get_files = lambda ids: [  # type: ignore[method-assign]
        {"error": busy} if file_id == A else record for file_id, record in zip(ids, original(ids), strict=True)
    ]
    del hook.files[B]

    writer.write(planned(FakeHook(sb_file(A, tags=["raw"]), sb_file(B))), result)

    assert hook.calls == []
    assert result.errors == {A: "not sent: reading it again failed: HTTP 503, code 0: maintenance"}
    assert result.recheck == [A]
    assert result.refused == {B: "not written: not sent: reading it again failed: HTTP 404, code 5002: not found"}


def test_a_file_answered_under_another_id_is_planned_and_reported_under_the_id_asked_for(hook: FakeHook) -> None:
    hook.bulk_get_files = lambda ids: [  # type: ignore[method-assign]
        {"resource": {**hook.files[file_id], "id": "f" * 24}} for file_id in ids
    ]
    writer = BulkFileWriter(hook, add_qc)  # type: ignore[arg-type]

    check = writer.recheck([A, B])

    assert sorted(change.file_id for change in check.changes) == sorted([A, B])
    assert set(check.stamps) == {A, B}
