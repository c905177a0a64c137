"""Applying a Seven Bridges manifest: names resolved by listing each folder once, rows written 100 at a time."""

from __future__ import annotations

import math
from typing import Any
from unittest.mock import MagicMock

import pytest

from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.sevenbridges.plan import FileRequest, plan_requests
from genomics_provider.sevenbridges.sheet import FileRow
from genomics_provider.sevenbridges.sheet_run import LISTING_FIELDS, ManifestRun, Resolution, resolve_names
from genomics_provider.testing import Emulator

DEMO = "rfranklin/demo-project"
SCALE = "rfranklin/scale-test"
FASTQ, LANE2 = "65f100000000000000000001", "65f100000000000000000002"
R1, LANE2_R1, BAM = "65a100000000000000000101", "65a100000000000000000105", "65a100000000000000000201"


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Any:
    with Emulator(seed="demo", sb_files=250, rate_limit_enabled=False) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", emu.sevenbridges_conn_json())
        yield emu


def listings(emu: Emulator) -> list[tuple[str, ...]]:
    return [
        tuple(r.query.get("project") or r.query.get("parent") or [])
        for r in emu.recorder.filter(api="sevenbridges")
        if r.method == "GET"
    ]


# -- names → ids -------------------------------------------------------------------------------------------------


def test_names_in_folders_are_found_listing_each_folder_once(emulator: Emulator) -> None:
    names = ["HCC1143.bam", "fastq/HCC1143_R1.fastq.gz", "fastq/lane2/HCC1143_L2_R1.fastq.gz", "fastq/x.fq"]

    found = resolve_names(SevenBridgesHook(), DEMO, names)

    assert found.ids == {
        "HCC1143.bam": BAM, "fastq/HCC1143_R1.fastq.gz": R1, "fastq/lane2/HCC1143_L2_R1.fastq.gz": LANE2_R1,
    }  # fmt: skip
    assert found.missing == {"fastq/x.fq": "no file named 'x.fq' in folder 'fastq' of project rfranklin/demo-project"}
    assert listings(emulator) == [(DEMO,), (FASTQ,), (LANE2,)]
    assert {r.query["fields"][0] for r in emulator.recorder.filter(api="sevenbridges")} == {LISTING_FIELDS}
    assert found.calls == 3


def test_a_missing_folder_is_not_listed_and_its_names_say_so(emulator: Emulator) -> None:
    found = resolve_names(SevenBridgesHook(), DEMO, ["nope/deeper/a.bam", "results", "results/summary.html"])

    assert found.ids == {"results/summary.html": "65a100000000000000000403"}
    assert found.missing == {
        "nope/deeper/a.bam": "no folder 'nope' in project rfranklin/demo-project",
        "results": "'results' is a folder in project rfranklin/demo-project; only files take tags and metadata",
    }
    assert listings(emulator) == [(DEMO,), ("65f100000000000000000003",)]


def scale_names(indices: range) -> list[str]:
    return [f"file_{index:06d}.{('bam', 'vcf.gz', 'fastq.gz', 'txt')[index % 4]}" for index in indices]


def test_names_that_fit_one_call_are_asked_for_by_name(emulator: Emulator) -> None:
    names = scale_names(range(0, 250, 7))

    found = resolve_names(SevenBridgesHook(), SCALE, names)

    assert len(found.ids) == len(names) == 36
    assert found.missing == {}
    calls = emulator.recorder.filter(api="sevenbridges")
    assert [(r.method, r.path) for r in calls] == [("GET", "/v2/files")]
    assert calls[0].query["name"] == sorted(names)
    assert found.calls == 1


def test_more_names_than_one_call_holds_list_the_folder_once(emulator: Emulator) -> None:
    names = scale_names(range(0, 202))  # 202 names > 100 per call: listing 250 files costs 3 calls, filters 3 too

    found = resolve_names(SevenBridgesHook(), SCALE, names)

    assert len(found.ids) == 202
    calls = emulator.recorder.filter(api="sevenbridges")
    assert len(calls) == math.ceil(250 / 100)
    assert all("name" not in r.query for r in calls)
    assert found.calls == 3


def test_long_names_that_would_overflow_the_url_list_the_folder(emulator: Emulator) -> None:
    long = ["x" * 250 + f"{index}.bam" for index in range(20)]  # 20 names of ~260 characters > NAME_FILTER_CHARS

    found = resolve_names(SevenBridgesHook(), SCALE, long)

    assert len(found.missing) == 20
    assert all("name" not in r.query for r in emulator.recorder.filter(api="sevenbridges"))


def test_no_names_cost_nothing(emulator: Emulator) -> None:
    assert resolve_names(SevenBridgesHook(), DEMO, []) == Resolution()
    assert emulator.recorder.filter(api="sevenbridges") == []


# -- writing rows ------------------------------------------------------------------------------------------------


def test_rows_are_written_100_at_a_time_and_failed_files_name_their_row(emulator: Emulator) -> None:
    files = emulator.sevenbridges.files
    ids = sorted(file_id for file_id in files if file_id.startswith("5ca1e"))
    rows = [FileRow(number, file_id, None, ["sheet"], {"lane": str(number)}) for number, file_id in enumerate(ids, 2)]
    rows.append(FileRow(len(ids) + 2, "5ca1e" + "f" * 19, None, ["sheet"], None))
    rows.append(FileRow(len(ids) + 3, None, "gone.bam", ["sheet"], None))
    run = ManifestRun(
        SevenBridgesHook(), MagicMock(), tag_mode="add", metadata_mode="merge", dry_run=False, verify=True
    )
    resolution = Resolution(missing={"gone.bam": "no file named 'gone.bam' in project x/y"})

    run.apply(iter(rows), resolution)
    run.finish()

    assert sorted(run.outcome.changed) == ids
    assert set(run.outcome.failed) == {"5ca1e" + "f" * 19, f"row {len(ids) + 3}"}
    assert run.outcome.failed[f"row {len(ids) + 3}"] == "no file named 'gone.bam' in project x/y"
    assert run.outcome.failed["5ca1e" + "f" * 19].startswith(f"row {len(ids) + 2}: ")
    assert all(files[file_id]["tags"][-1] == "sheet" for file_id in ids)
    assert files[ids[0]]["metadata"]["lane"] == "2"
    calls = [r.path for r in emulator.recorder.filter(api="sevenbridges")]
    assert (
        calls
        == ["/v2/bulk/files/get", "/v2/bulk/files/edit"] * 2
        + ["/v2/bulk/files/get", "/v2/bulk/files/edit"]
        + ["/v2/bulk/files/get"] * 3
    )
    assert run.requests.keys() == set(ids)  # kept for the final re-read only for what was written


def test_a_dry_run_drops_every_request_with_its_batch(emulator: Emulator) -> None:
    files = emulator.sevenbridges.files
    rows = [FileRow(2, R1, None, list(files[R1]["tags"]), None), FileRow(3, BAM, None, ["new"], None)]
    run = ManifestRun(SevenBridgesHook(), MagicMock(), tag_mode="add", metadata_mode="merge", dry_run=True, verify=True)

    run.apply(iter(rows), Resolution())
    run.finish()

    assert run.outcome.unchanged == [R1]
    assert run.outcome.changed == [BAM]
    assert run.requests == {}  # a dry run verifies nothing, so it keeps no request at all
    assert [r.path for r in emulator.recorder.writes(api="sevenbridges")] == ["/v2/bulk/files/get"]


# -- the per-file plan -------------------------------------------------------------------------------------------


def file(tags: list[str], metadata: dict[str, str]) -> Any:
    return {"id": R1, "name": "a.bam", "tags": tags, "metadata": metadata}


@pytest.mark.parametrize(
    ("request_", "modes", "call", "item"),
    [
        (FileRequest(("b",), None), ("add", "merge"), "edit", {"id": R1, "tags": ["a", "b"]}),
        (FileRequest(None, (("k", "v"),)), ("add", "merge"), "edit", {"id": R1, "metadata": {"x": "1", "k": "v"}}),
        (
            FileRequest(("b",), (("k", "v"),)), ("add", "merge"), "edit",
            {"id": R1, "tags": ["a", "b"], "metadata": {"x": "1", "k": "v"}},
        ),
        (
            FileRequest(("b",), None), ("replace", "merge"), "update",
            {"id": R1, "name": "a.bam", "tags": ["b"], "metadata": {"x": "1"}},
        ),
        (
            FileRequest(None, (("x", None),)), ("add", "merge"), "update",
            {"id": R1, "name": "a.bam", "tags": ["a"], "metadata": {}},
        ),
        (
            FileRequest(None, (("k", "v"),)), ("add", "replace"), "update",
            {"id": R1, "name": "a.bam", "tags": ["a"], "metadata": {"k": "v"}},
        ),
    ],
)  # fmt: skip
def test_each_file_gets_its_rows_change_in_one_item(
    request_: FileRequest, modes: tuple[str, str], call: str, item: dict[str, Any]
) -> None:
    plan = plan_requests([file(["a"], {"x": "1"})], {R1: request_}, *modes)  # type: ignore[arg-type]
    assert [(change.call, change.item) for change in plan.changes] == [(call, item)]


def test_a_row_already_as_asked_plans_nothing_and_a_file_without_a_row_is_left_alone() -> None:
    current = file(["a", "a"], {"x": "1"})
    assert plan_requests([current], {R1: FileRequest(("a",), (("x", "1"),))}, "add", "merge").unchanged == [R1]
    assert plan_requests([current], {}, "replace", "replace").unchanged == [R1]


def test_a_row_that_would_exceed_1000_pairs_fails_at_plan_time() -> None:
    many = {f"k{index}": "v" for index in range(1000)}
    plan = plan_requests([file([], many)], {R1: FileRequest(None, (("one_more", "v"),))}, "add", "merge")
    assert plan.changes == []
    assert plan.failed == {
        R1: "metadata would have 1001 pairs after the merge; the platform allows at most 1000 per file, so it was "
        "not written"
    }
