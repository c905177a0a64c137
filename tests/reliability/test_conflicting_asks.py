"""Conflicting asks end with a failed task naming the items; a stale write is still corrected.

Each test runs one operator against the emulator and plays "the other writer" during the operator's wait before
its verifying re-read (the first transport pause): it either undoes our change on purpose (a conflicting ask: the
field is put back to exactly its state before our write, or a key we set gets a third value), or replaces the field
from a read older than our write (a stale write, which keeps the other writer's own change). The first must fail the
item without writing it again; the second must write it again and succeed
(:func:`genomics_provider.curation.reconcile.conflict`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from genomics_provider._compat import AirflowFailException
from genomics_provider.operators.onecodex import TagSamplesOperator, UpdateSampleMetadataOperator
from genomics_provider.operators.sevenbridges import TagFilesOperator, UpdateFileMetadataOperator
from genomics_provider.testing import Emulator
from genomics_provider.testing.oc_model import ref
from genomics_provider.testing.seeds_onecodex import TAG_DATASET_2
from tests.reliability.helpers import onecodex_metadata_writes, onecodex_sample_writes, run, sevenbridges_file_writes

SAMPLES = [f"ee{index:014x}" for index in range(3)]
FILES = [f"5ca1e{index:019x}" for index in range(3)]
SCALE = "rfranklin/scale-test"
CONFLICT = (
    "conflicting asks: after our write, another writer {did}; not written again, so that neither change silently "
    "replaces the other (decide which task owns this item, then run that one)"
)


def other_writer_at_first_pause(monkeypatch: pytest.MonkeyPatch, emu: Emulator, act: Callable[[], None]) -> list[float]:
    """Run ``act`` (the other writer's write) when the operator first waits, i.e. before its verifying re-read.

    :param monkeypatch: Pytest's monkeypatch.
    :param emu: The emulator (its lock is held while ``act`` changes the state).
    :param act: Changes the emulator's state.
    :return: The recorded waits.
    """
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        if not slept:
            with emu.lock:
                act()
        slept.append(seconds)

    monkeypatch.setattr("genomics_provider.hooks.base._sleep", sleep)
    return slept


def tag_ids(emu: Emulator, sample_id: str) -> list[str]:
    return [str(tag["$ref"]).rsplit("/", 1)[-1] for tag in emu.onecodex.samples[sample_id]["tags"]]


def failure(exc: pytest.ExceptionInfo[BaseException]) -> str:
    return str(exc.value)


# -- One Codex ---------------------------------------------------------------------------------------------------


def test_onecodex_a_tag_another_writer_removes_again_fails_naming_the_samples_and_is_not_re_added(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {sample_id: copy.deepcopy(fresh.onecodex.samples[sample_id]["tags"]) for sample_id in SAMPLES}

    def revert() -> None:
        for sample_id in SAMPLES:
            fresh.onecodex.samples[sample_id]["tags"] = copy.deepcopy(before[sample_id])

    other_writer_at_first_pause(monkeypatch, fresh, revert)
    operator = TagSamplesOperator(task_id="qc", sample_ids=SAMPLES, tags=["contested"])
    with pytest.raises(AirflowFailException) as raised:
        run(operator)

    message = failure(raised)
    reason = CONFLICT.format(did="put the tags back to exactly what they were before our write")
    assert message.endswith(
        ". 3 samples met a conflicting ask, so this task is not retried: a retry would overwrite the other writer's "
        "change without telling anyone"
    )
    for sample_id in SAMPLES:
        assert f"{sample_id}: {reason}" in message
        assert "contested" not in fresh.onecodex.sample_tag_names(sample_id)
    assert dict(onecodex_sample_writes(fresh)) == dict.fromkeys(SAMPLES, 1)  # one PATCH each: never re-added


def test_onecodex_a_stale_write_that_dropped_our_tag_is_corrected_and_the_task_succeeds(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {sample_id: copy.deepcopy(fresh.onecodex.samples[sample_id]["tags"]) for sample_id in SAMPLES}

    def stale_write() -> None:  # planned from a read before ours landed: their tag added, ours missing
        for sample_id in SAMPLES:
            fresh.onecodex.samples[sample_id]["tags"] = [*copy.deepcopy(before[sample_id]), ref("tags", TAG_DATASET_2)]

    other_writer_at_first_pause(monkeypatch, fresh, stale_write)
    summary, _ = run(TagSamplesOperator(task_id="qc", sample_ids=SAMPLES, tags=["contested"]))

    assert (sorted(summary["changed"]), summary["failed"]) == (SAMPLES, {})
    for sample_id in SAMPLES:
        assert {"contested", "Dataset 2"} <= set(fresh.onecodex.sample_tag_names(sample_id))
    assert dict(onecodex_sample_writes(fresh)) == dict.fromkeys(SAMPLES, 2)


def test_onecodex_removing_a_tag_another_writer_adds_back_fails_instead_of_removing_it_again(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for sample_id in SAMPLES:
        fresh.onecodex.samples[sample_id]["tags"].append(ref("tags", TAG_DATASET_2))
    before = {sample_id: copy.deepcopy(fresh.onecodex.samples[sample_id]["tags"]) for sample_id in SAMPLES}

    def add_back() -> None:
        for sample_id in SAMPLES:
            fresh.onecodex.samples[sample_id]["tags"] = copy.deepcopy(before[sample_id])

    other_writer_at_first_pause(monkeypatch, fresh, add_back)
    with pytest.raises(AirflowFailException) as raised:
        run(TagSamplesOperator(task_id="release", sample_ids=SAMPLES, tags=["Dataset 2"], mode="remove"))

    reason = CONFLICT.format(did="put the tags back to exactly what they were before our write")
    assert all(f"{sample_id}: {reason}" in failure(raised) for sample_id in SAMPLES)
    assert all("Dataset 2" in fresh.onecodex.sample_tag_names(sample_id) for sample_id in SAMPLES)
    assert dict(onecodex_sample_writes(fresh)) == dict.fromkeys(SAMPLES, 1)


def custom(emu: Emulator, sample_id: str) -> dict[str, Any]:
    return emu.onecodex.metadata_for_sample(sample_id)["custom"]  # type: ignore[no-any-return]


def test_onecodex_a_custom_key_another_writer_sets_to_a_third_value_fails_naming_both_values(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for sample_id in SAMPLES:
        fresh.onecodex.metadata_for_sample(sample_id)["custom"] = {"site": "A"}

    def set_theirs() -> None:
        for sample_id in SAMPLES:
            custom(fresh, sample_id)["batch"] = "theirs"

    other_writer_at_first_pause(monkeypatch, fresh, set_theirs)
    with pytest.raises(AirflowFailException) as raised:
        run(UpdateSampleMetadataOperator(task_id="meta", sample_ids=SAMPLES, custom={"batch": "ours"}))

    reason = CONFLICT.format(did="set 'batch' to 'theirs' after our write set it to 'ours' (it was absent)")
    assert all(f"{sample_id}: {reason}" in failure(raised) for sample_id in SAMPLES)
    assert all(custom(fresh, sample_id) == {"site": "A", "batch": "theirs"} for sample_id in SAMPLES)
    assert sorted(onecodex_metadata_writes(fresh).values()) == [1, 1, 1]  # by metadata record


def test_onecodex_a_stale_custom_replace_is_corrected_keeping_the_other_writers_key(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for sample_id in SAMPLES:
        fresh.onecodex.metadata_for_sample(sample_id)["custom"] = {"site": "A"}

    def stale_write() -> None:
        for sample_id in SAMPLES:
            fresh.onecodex.metadata_for_sample(sample_id)["custom"] = {"site": "A", "other": "x"}

    other_writer_at_first_pause(monkeypatch, fresh, stale_write)
    summary, _ = run(UpdateSampleMetadataOperator(task_id="meta", sample_ids=SAMPLES, custom={"batch": "ours"}))

    assert (sorted(summary["changed"]), summary["failed"]) == (SAMPLES, {})
    assert all(custom(fresh, s) == {"site": "A", "other": "x", "batch": "ours"} for s in SAMPLES)
    assert sorted(onecodex_metadata_writes(fresh).values()) == [2, 2, 2]


# -- Seven Bridges -----------------------------------------------------------------------------------------------


def test_sevenbridges_a_tag_another_writer_removes_again_fails_naming_the_files(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {file_id: list(fresh.sevenbridges.files[file_id]["tags"]) for file_id in FILES}

    def revert() -> None:
        for file_id in FILES:
            fresh.sevenbridges.files[file_id]["tags"] = list(before[file_id])

    other_writer_at_first_pause(monkeypatch, fresh, revert)
    with pytest.raises(AirflowFailException) as raised:
        run(TagFilesOperator(task_id="tag", file_ids=FILES, tags=["contested"]))

    reason = CONFLICT.format(did="put the tags back to exactly what they were before our write")
    assert all(f"{file_id}: {reason}" in failure(raised) for file_id in FILES)
    assert all(fresh.sevenbridges.files[file_id]["tags"] == before[file_id] for file_id in FILES)
    assert dict(sevenbridges_file_writes(fresh)) == dict.fromkeys(FILES, 1)


def test_sevenbridges_a_stale_tag_replace_is_corrected_and_the_task_succeeds(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {file_id: list(fresh.sevenbridges.files[file_id]["tags"]) for file_id in FILES}

    def stale_write() -> None:
        for file_id in FILES:
            fresh.sevenbridges.files[file_id]["tags"] = [*before[file_id], "theirs"]

    other_writer_at_first_pause(monkeypatch, fresh, stale_write)
    summary, _ = run(TagFilesOperator(task_id="tag", file_ids=FILES, tags=["contested"]))

    assert (sorted(summary["changed"]), summary["failed"]) == (FILES, {})
    assert all(fresh.sevenbridges.files[f]["tags"] == [*before[f], "theirs", "contested"] for f in FILES)
    assert dict(sevenbridges_file_writes(fresh)) == dict.fromkeys(FILES, 2)


def test_sevenbridges_a_metadata_key_another_writer_sets_to_a_third_value_fails_naming_both_values(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def set_theirs() -> None:
        for file_id in FILES:
            fresh.sevenbridges.files[file_id]["metadata"]["case_id"] = "C-2"

    other_writer_at_first_pause(monkeypatch, fresh, set_theirs)
    with pytest.raises(AirflowFailException) as raised:
        run(UpdateFileMetadataOperator(task_id="meta", file_ids=FILES, metadata={"case_id": "C-1"}))

    message = failure(raised)
    for file_id in FILES:
        was = fresh.sevenbridges.files[file_id]["metadata"]
        assert was["case_id"] == "C-2"
        assert f"{file_id}: {CONFLICT.format(did='')[:30]}" in message
        assert "set 'case_id' to 'C-2' after our write set it to 'C-1' (it was absent)" in message
    assert dict(sevenbridges_file_writes(fresh)) == dict.fromkeys(FILES, 1)
