"""How the One Codex writers write and verify, driven by a small in-memory hook: no server.

Each test pins the exact PATCH bodies and their count, what the round recorded for each sample, and what a re-read
tells apart: a change dropped by a stale write (written again) from one another writer undid on purpose (a
conflict). The same writers against the emulator, with real races, are in ``tests/reliability``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest

from genomics_provider.curation.reconcile import STALE_HINT, RoundResult, fingerprint
from genomics_provider.exceptions import ForbiddenError, ServerError, StaleReadError
from genomics_provider.onecodex.plan import SampleChange
from genomics_provider.onecodex.types import id_from_link, ref
from genomics_provider.onecodex.writers import MetadataChange, MetadataWriter, SampleWriter, tag_ids, tag_stamp

S1, S2, S3 = "5a00000000000001", "5a00000000000002", "5a00000000000003"
M1, M2, M3 = "3e00000000000001", "3e00000000000002", "3e00000000000003"
OLD, NEW, OTHER = "7a00000000000001", "7a00000000000002", "7a00000000000003"
#: The hook's clock and max_read_age: a PATCH planned from a read sent at 100.0 must go out by 130.0.
NOW, S = 100.0, 30.0
PUT_BACK = "put the tags back to exactly what they were before our write"


class FakeHook:
    """The One Codex hook calls the writers make, on samples and metadata records kept in memory.

    ``stale`` and ``fail`` make the next PATCHes of an id raise (:class:`StaleReadError`, or a given error).
    """

    max_read_age = S

    def __init__(self) -> None:
        self.samples: dict[str, dict[str, Any]] = {}
        self.records: dict[str, dict[str, Any]] = {}
        self.patches: list[tuple[str, dict[str, Any], float | None]] = []
        self.reads: list[list[str]] = []
        self.stale: dict[str, int] = {}
        self.fail: dict[str, Exception] = {}

    def clock(self) -> float:
        return NOW

    def list_samples_by_id(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        self.reads.append(list(ids))
        return {i: copy.deepcopy(self.samples[i]) for i in ids if i in self.samples}

    def list_metadata_by_id(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        self.reads.append(list(ids))
        return {i: copy.deepcopy(self.records[i]) for i in ids if i in self.records}

    def _patch(self, store: dict[str, dict[str, Any]], key: str, body: dict[str, Any], send_by: float | None) -> Any:
        if self.stale.get(key):
            self.stale[key] -= 1
            raise StaleReadError("not sent: its body was planned from a read more than 30 s old", method="PATCH")
        if key in self.fail:
            raise self.fail[key]
        self.patches.append((key, copy.deepcopy(body), send_by))
        store[key].update(copy.deepcopy(body))
        return copy.deepcopy(store[key])

    def update_sample(self, sample_id: str, body: dict[str, Any], *, send_by: float | None = None) -> Any:
        return self._patch(self.samples, sample_id, body, send_by)

    def update_metadata(self, metadata_id: str, body: dict[str, Any], *, send_by: float | None = None) -> Any:
        return self._patch(self.records, metadata_id, body, send_by)


def sample(sample_id: str, *tag_list: str, visibility: str = "private") -> dict[str, Any]:
    return {
        "$uri": f"/api/v1/samples/{sample_id}",
        "tags": [ref("tags", t) for t in tag_list],
        "visibility": visibility,
    }


def add_new(current: Mapping[str, Any]) -> SampleChange:
    """Plan ``add`` of tag NEW (which exists) for one sample."""
    sample_id = str(id_from_link(current["$uri"]))
    now = [str(t) for t in tag_ids(current)]
    return SampleChange(sample_id) if NEW in now else SampleChange(sample_id, {"tags": [*now, NEW]})


def share(current: Mapping[str, Any]) -> SampleChange:
    """Plan ``visibility: shared`` for one sample."""
    sample_id = str(id_from_link(current["$uri"]))
    return (
        SampleChange(sample_id)
        if current["visibility"] == "shared"
        else SampleChange(sample_id, {"visibility": "shared"})
    )


def sample_writer(hook: FakeHook, planner: Any = add_new) -> SampleWriter:
    known = {sample_id: copy.deepcopy(state) for sample_id, state in hook.samples.items()}
    return SampleWriter(hook, planner, {"new": NEW}, {NEW: "new"}, known)  # type: ignore[arg-type]


@pytest.fixture
def hook() -> FakeHook:
    fake = FakeHook()
    fake.samples = {S1: sample(S1, OLD), S2: sample(S2)}
    return fake


def test_tag_ids_and_tag_stamp_read_links_in_order() -> None:
    assert tag_ids(sample(S1, OLD, NEW)) == [OLD, NEW]
    assert tag_ids({"tags": None}) is None
    assert tag_stamp(sample(S1, OLD, NEW)) == fingerprint([OLD, NEW]) != tag_stamp(sample(S1, NEW, OLD))


def test_one_batch_of_tag_replaces_is_sent_from_the_known_read_and_queued_for_re_reading(hook: FakeHook) -> None:
    writer, result = sample_writer(hook), RoundResult()
    changes = [add_new(hook.samples[S1]), add_new(hook.samples[S2])]

    writer.write(changes, result, read_at=NOW)

    assert hook.patches == [
        (S1, {"tags": [ref("tags", OLD), ref("tags", NEW)]}, NOW + S),
        (S2, {"tags": [ref("tags", NEW)]}, NOW + S),
    ]
    assert hook.reads == []  # the read the plan came from was fresh enough
    assert result.recheck == [S1, S2]
    assert result.stamps == {S1: fingerprint([OLD, NEW]), S2: fingerprint([NEW])}
    assert (result.confirmed, result.refused, result.errors) == ([], {}, {})


def test_without_a_known_read_each_chunk_is_read_again_right_before_its_patches(hook: FakeHook) -> None:
    writer, result = sample_writer(hook), RoundResult()

    writer.write([add_new(hook.samples[S1])], result)

    assert hook.reads == [[S1]]
    assert [(key, send_by) for key, _, send_by in hook.patches] == [(S1, NOW + S)]


def test_a_scalar_change_is_sent_as_planned_and_confirmed_by_its_answer(hook: FakeHook) -> None:
    writer, result = sample_writer(hook, share), RoundResult()

    writer.write([share(hook.samples[S1])], result, read_at=NOW)

    assert hook.patches == [(S1, {"visibility": "shared"}, None)]
    assert (result.confirmed, result.recheck) == ([S1], [])


def test_a_re_read_that_finds_the_tags_put_back_exactly_is_a_conflict(hook: FakeHook) -> None:
    writer = sample_writer(hook)
    writer.write([add_new(hook.samples[S1])], RoundResult(), read_at=NOW)
    hook.samples[S1] = sample(S1, OLD)  # another writer put back what was there before our write

    check = writer.recheck([S1])

    assert check.conflicts == {S1: PUT_BACK}
    assert check.changes == [SampleChange(S1, {"tags": [OLD, NEW]})]
    assert (check.done, check.read_at, check.stamps) == ([], NOW, {S1: fingerprint([OLD])})


def test_a_re_read_that_finds_the_change_dropped_by_a_stale_write_plans_it_again_without_a_conflict(
    hook: FakeHook,
) -> None:
    writer = sample_writer(hook)
    writer.write([add_new(hook.samples[S1])], RoundResult(), read_at=NOW)
    hook.samples[S1] = sample(S1, OLD, OTHER)  # a stale replace: its writer's tag, ours lost

    check = writer.recheck([S1])

    assert check.conflicts == {}
    assert check.changes == [SampleChange(S1, {"tags": [OLD, OTHER, NEW]})]


def test_a_re_read_of_what_is_as_asked_is_done_and_one_that_is_gone_fails(hook: FakeHook) -> None:
    writer = sample_writer(hook)
    writer.write([add_new(hook.samples[S1]), add_new(hook.samples[S2])], RoundResult(), read_at=NOW)
    del hook.samples[S2]

    check = writer.recheck([S1, S2])

    assert check.done == [S1]
    assert check.failed == {S2: "sent, but the re-read no longer finds it (deleted, or no longer visible)"}
    assert hook.reads == [[S1, S2]]


def test_a_stale_read_error_reads_the_sample_again_and_sends_from_the_fresh_state(hook: FakeHook) -> None:
    writer, result = sample_writer(hook), RoundResult()
    hook.stale[S1] = 1

    writer.write([add_new(hook.samples[S1])], result, read_at=NOW)

    assert hook.reads == [[S1]]
    assert hook.patches == [(S1, {"tags": [ref("tags", OLD), ref("tags", NEW)]}, NOW + S)]
    assert result.recheck == [S1]


def test_a_sample_whose_read_keeps_turning_stale_waits_for_the_next_round(hook: FakeHook) -> None:
    writer, result = sample_writer(hook), RoundResult()
    hook.stale[S1] = 5

    writer.write([add_new(hook.samples[S1])], result)

    assert hook.patches == []
    assert result.recheck == [S1]
    assert result.errors == {
        S1: "PATCH failed: not sent: its body was planned from a read more than 30 s old" + STALE_HINT
    }
    assert result.streak.count == 0  # nothing was sent, so it does not count towards stopping


def test_one_sample_refused_for_good_does_not_stop_the_others(hook: FakeHook) -> None:
    writer, result = sample_writer(hook), RoundResult()
    hook.fail[S1] = ForbiddenError("not yours", status=403, method="PATCH", path=f"/api/v1/samples/{S1}")

    writer.write([add_new(hook.samples[S1]), add_new(hook.samples[S2])], result, read_at=NOW)

    assert result.refused == {S1: f"not written: PATCH /api/v1/samples/{S1} failed, HTTP 403: not yours"}
    assert [key for key, _, _ in hook.patches] == [S2]
    assert result.recheck == [S2]


class CreatingHook(FakeHook):
    """Also creates tags; ``create_fails`` makes ``POST /api/v1/tags`` answer 500."""

    create_fails = False

    def create_tag(self, name: str, sample_id: str) -> dict[str, Any]:
        if self.create_fails:
            raise ServerError("down", status=500, method="POST", path="/api/v1/tags")
        self.samples[sample_id]["tags"].append(ref("tags", OTHER))
        return {"$uri": f"/api/v1/tags/{OTHER}", "name": name}

    def find_tag(self, name: str) -> None:
        return None


def with_new_tag(current: Mapping[str, Any]) -> SampleChange:
    sample_id = str(id_from_link(current["$uri"]))
    now = [str(t) for t in tag_ids(current)]
    return SampleChange(sample_id) if OTHER in now else SampleChange(sample_id, {"tags": [*now, None]}, ["fresh"])


def test_a_tag_creation_that_failed_holds_back_the_other_samples_needing_it() -> None:
    hook = CreatingHook()
    hook.create_fails = True
    hook.samples = {S1: sample(S1), S2: sample(S2)}
    writer = SampleWriter(hook, with_new_tag, {"fresh": None}, {}, copy.deepcopy(hook.samples))  # type: ignore[arg-type]
    result = RoundResult()

    writer.write([with_new_tag(hook.samples[S1]), with_new_tag(hook.samples[S2])], result, read_at=NOW)

    assert hook.patches == []
    assert result.errors == {
        S1: "POST /api/v1/tags failed, HTTP 500: down",
        S2: "not sent: creating tag(s) ['fresh'] failed first",
    }
    assert result.recheck == [S1, S2]


def test_a_post_that_attached_exactly_the_tag_sends_no_patch() -> None:
    hook = CreatingHook()
    hook.samples = {S1: sample(S1, OLD)}
    ids: dict[str, str | None] = {"fresh": None}
    writer = SampleWriter(hook, with_new_tag, ids, {}, copy.deepcopy(hook.samples))  # type: ignore[arg-type]
    result = RoundResult()

    writer.write([with_new_tag(hook.samples[S1])], result, read_at=NOW)

    assert hook.patches == []
    assert ids == {"fresh": OTHER}
    assert writer.names_by_id == {OTHER: "fresh"}
    assert (result.recheck, result.stamps) == ([S1], {S1: None})


# -- metadata ---------------------------------------------------------------------------------------------------


def reviewed(record: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """Plan ``custom.reviewed = yes`` (merge)."""
    custom = dict(record.get("custom") or {})
    return ({} if custom.get("reviewed") == "yes" else {"custom": {**custom, "reviewed": "yes"}}), []


@pytest.fixture
def records() -> FakeHook:
    fake = FakeHook()
    fake.records = {M1: {"custom": {"lane": "1"}, "platform": "x"}, M2: {"custom": {}, "platform": "x"}}
    return fake


def metadata_writer(hook: FakeHook) -> MetadataWriter:
    known = {S1: copy.deepcopy(hook.records[M1]), S2: copy.deepcopy(hook.records[M2])}
    return MetadataWriter(hook, reviewed, {S1: M1, S2: M2}, known)  # type: ignore[arg-type]


def test_one_batch_of_custom_replaces_is_patched_once_each_and_queued_for_re_reading(records: FakeHook) -> None:
    writer, result = metadata_writer(records), RoundResult()
    changes = [MetadataChange(S1, M1, reviewed(records.records[M1])[0]), MetadataChange(S2, M2, {"custom": {}})]

    writer.write(changes, result, read_at=NOW)

    assert records.patches == [
        (M1, {"custom": {"lane": "1", "reviewed": "yes"}}, NOW + S),
        (M2, {"custom": {"reviewed": "yes"}}, NOW + S),  # planned again from the read, not sent as given
    ]
    assert result.recheck == [S1, S2]
    assert result.stamps == {S1: fingerprint({"lane": "1", "reviewed": "yes"}), S2: fingerprint({"reviewed": "yes"})}


def test_a_top_level_field_change_is_sent_as_planned_and_confirmed_by_its_answer(records: FakeHook) -> None:
    records.records[M1]["custom"] = {"reviewed": "yes"}
    writer, result = metadata_writer(records), RoundResult()

    writer.write([MetadataChange(S1, M1, {"platform": "y"})], result, read_at=NOW)

    assert records.patches == [(M1, {"platform": "y"}, None)]
    assert (result.confirmed, result.recheck) == ([S1], [])


def test_a_patch_whose_answer_still_differs_is_re_read_with_the_reason(records: FakeHook) -> None:
    writer, result = metadata_writer(records), RoundResult()

    writer.write([MetadataChange(S1, M1, {"platform": "y"})], result, read_at=NOW)

    assert records.patches == [(M1, {"platform": "y"}, None)]
    assert result.recheck == [S1]  # the answer still lacks custom.reviewed, so it is re-read
    assert result.errors == {S1: "the PATCH answered with a record that differs from what was asked"}


def test_a_metadata_re_read_tells_a_conflict_from_a_stale_write(records: FakeHook) -> None:
    writer = metadata_writer(records)
    writer.write([MetadataChange(S1, M1, {"custom": {}}), MetadataChange(S2, M2, {"custom": {}})], RoundResult())
    records.records[M1]["custom"] = {"lane": "1"}  # put back exactly
    records.records[M2]["custom"] = {"other": "z"}  # a stale replace by another writer

    check = writer.recheck([S1, S2])

    assert check.conflicts == {S1: "put the metadata back to exactly what it was before our write"}
    assert check.changes == [
        MetadataChange(S1, M1, {"custom": {"lane": "1", "reviewed": "yes"}}),
        MetadataChange(S2, M2, {"custom": {"other": "z", "reviewed": "yes"}}),
    ]


def test_a_metadata_re_read_without_the_record_fails_it(records: FakeHook) -> None:
    writer = metadata_writer(records)
    del records.records[M2]

    check = writer.recheck([S2])

    assert check.failed == {S2: "sent, but the re-read no longer finds its metadata record"}


def test_a_metadata_stale_read_error_reads_again_and_a_failed_patch_is_recorded(records: FakeHook) -> None:
    writer, result = metadata_writer(records), RoundResult()
    records.stale[M1] = 1
    records.fail[M2] = ServerError("down", status=502, method="PATCH", path=f"/api/v1/metadata/{M2}")

    writer.write([MetadataChange(S1, M1, {"custom": {}}), MetadataChange(S2, M2, {"custom": {}})], result, read_at=NOW)

    assert [key for key, _, _ in records.patches] == [M1]
    assert records.reads == [[M1, M2]]
    assert result.errors == {S2: f"PATCH /api/v1/metadata/{M2} failed, HTTP 502: down"}
    assert result.recheck == [S1, S2]


# -- one page at a time ----------------------------------------------------------------------------------------


def test_a_new_page_replaces_the_samples_the_writer_held_and_a_re_read_replaces_the_page(hook: FakeHook) -> None:
    writer = sample_writer(hook)
    hook.samples[S3] = sample(S3)

    writer.start_page({S3: copy.deepcopy(hook.samples[S3])})
    writer.write([add_new(hook.samples[S3])], RoundResult(), read_at=NOW)

    assert list(writer.samples) == [S3]
    assert [key for key, _, _ in hook.patches] == [S3]
    writer.recheck([S1])
    assert list(writer.samples) == [S1]


def test_a_new_metadata_page_replaces_the_records_held_and_adds_its_record_ids(records: FakeHook) -> None:
    writer = metadata_writer(records)
    records.records[M3] = {"custom": {}, "platform": "x"}

    writer.start_page({S3: copy.deepcopy(records.records[M3])}, {S3: M3})
    writer.write([MetadataChange(S3, M3, {"custom": {"reviewed": "yes"}})], RoundResult(), read_at=NOW)

    assert list(writer.records) == [S3]
    assert writer.metadata_ids == {S1: M1, S2: M2, S3: M3}
    assert [key for key, _, _ in records.patches] == [M3]
    writer.recheck([S1, S3])
    assert list(writer.records) == [S1, S3]
