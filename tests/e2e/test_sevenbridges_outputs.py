"""Seven Bridges operators end to end on the emulator: the example DAG, and the call budget at 1,000 files.

Every bulk write is verified by re-reading the written files (``POST /bulk/files/get``, 100 per call), because the
platform replaces tag lists whole and the response to our own write cannot show another writer's later replace. So
tagging N files by query costs ⌈N/100⌉ list pages + ⌈N/100⌉ bulk edits + ⌈N/100⌉ verifying bulk gets: 30 calls for
1,000 files (it was 20 before verify-after-write); a re-run that finds nothing to change costs ⌈N/100⌉ (no write, no
verification).
"""

from __future__ import annotations

import math
from typing import Any
from unittest.mock import MagicMock

import pytest

from genomics_provider.operators.sevenbridges import TagFilesOperator, UpdateFileMetadataOperator
from genomics_provider.testing import Emulator

pytestmark = pytest.mark.integration

TOKEN = "sb-e2e-token-9c7e5a3b1d2f4e6a8c0b"
REPORT = "65a100000000000000000403"
RUN_OUTPUTS = [f"65a10000000000000000020{n}" for n in range(1, 6)]
SCALE_PROJECT = "rfranklin/scale-test"


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Any:
    with Emulator(seed="demo", sevenbridges_token=TOKEN, sb_files=1000) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", emu.sevenbridges_conn_json())
        yield emu


def writes(emu: Emulator) -> list[Any]:
    return [r for r in emu.recorder.writes(api="sevenbridges") if not r.path.endswith("/bulk/files/get")]


def test_tag_outputs_dag_converges_within_budget_and_rerun_writes_nothing(
    emulator: Emulator, run_example: Any, capfd: Any
) -> None:
    files = emulator.sevenbridges.files
    before = {fid: (list(f.get("tags", [])), dict(f.get("metadata", {}))) for fid, f in files.items()}

    dagrun = run_example("sevenbridges_tag_outputs")

    assert dagrun.state == "success"
    for fid in RUN_OUTPUTS:
        old_tags, old_metadata = before[fid]
        assert files[fid]["tags"] == [*old_tags, "reviewed", "release-2024-11"]
        assert files[fid]["metadata"] == {**old_metadata, "review_status": "approved", "release": "release-2024-11"}
    untouched = {fid: (f.get("tags", []), f.get("metadata", {})) for fid, f in files.items() if fid not in RUN_OUTPUTS}
    assert untouched == {fid: value for fid, value in before.items() if fid not in RUN_OUTPUTS}
    calls = emulator.recorder.filter(api="sevenbridges")
    # Tags and metadata: one listing page, one bulk edit and one verifying bulk get each for 5 files; the rename:
    # one read and one PATCH, whose response (the renamed file) confirms it.
    assert [(r.method, r.path) for r in calls] == [
        ("GET", "/v2/files"),
        ("POST", "/v2/bulk/files/edit"),
        ("POST", "/v2/bulk/files/get"),
        ("GET", "/v2/files"),
        ("POST", "/v2/bulk/files/edit"),
        ("POST", "/v2/bulk/files/get"),
        ("GET", f"/v2/files/{REPORT}"),
        ("PATCH", f"/v2/files/{REPORT}"),
    ]
    assert [r.body for r in calls if r.path == "/v2/bulk/files/get"] == [{"file_ids": RUN_OUTPUTS}] * 2
    assert calls[-1].body == {"name": "HCC1143_release-2024-11_summary.html"}
    assert files[REPORT]["name"] == "HCC1143_release-2024-11_summary.html"
    assert all(r.headers.get("x-sbg-auth-token") == "***" for r in calls)

    emulator.recorder.clear()
    again = run_example("sevenbridges_tag_outputs")

    assert again.state == "success"
    assert writes(emulator) == []
    assert TOKEN not in capfd.readouterr().out


def test_tagging_1000_files_by_query_takes_30_calls_with_verification_and_rerun_writes_nothing(
    emulator: Emulator,
) -> None:
    op = TagFilesOperator(task_id="tag", query={"project": SCALE_PROJECT}, tags=["batch-1"], mode="add")

    result = op.execute(context={"ti": MagicMock()})

    n = 1000
    calls = emulator.recorder.filter(api="sevenbridges")
    # 1,000 ids do not fit the summary's budget: it lists the first 50 by id and counts the rest exactly.
    assert (result["counts"], result["truncated"], len(result["changed"])) == (
        {"changed": n, "unchanged": 0, "skipped": 0, "failed": 0},
        True,
        50,
    )
    # ⌈N/100⌉ list pages + ⌈N/100⌉ bulk edits + ⌈N/100⌉ verifying bulk gets of only the files written.
    assert len(calls) <= 3 * math.ceil(n / 100) + 2
    assert len(calls) == 30
    edits = [r for r in calls if r.path == "/v2/bulk/files/edit"]
    assert [len(r.body["items"]) for r in edits] == [100] * 10
    verifies = [r for r in calls if r.path == "/v2/bulk/files/get"]
    assert [len(r.body["file_ids"]) for r in verifies] == [100] * 10
    assert all("batch-1" in f["tags"] for f in emulator.sevenbridges.files.values() if f["project"] == SCALE_PROJECT)
    assert not [r for r in calls if r.status == 429]

    emulator.recorder.clear()
    rerun = TagFilesOperator(task_id="tag", query={"project": SCALE_PROJECT}, tags=["batch-1"]).execute(
        {"ti": MagicMock()}
    )

    assert writes(emulator) == []
    assert rerun["counts"] == {"changed": 0, "unchanged": n, "skipped": 0, "failed": 0}
    assert emulator.recorder.count(api="sevenbridges") == 10


def test_tagging_1000_files_without_verification_takes_at_most_22_calls(emulator: Emulator) -> None:
    op = TagFilesOperator(
        task_id="tag", query={"project": SCALE_PROJECT}, tags=["batch-1"], mode="add", verify_writes=False
    )

    result = op.execute(context={"ti": MagicMock()})

    calls = emulator.recorder.filter(api="sevenbridges")
    assert result["counts"]["changed"] == 1000
    assert len(calls) <= 22  # issue 4's budget: 2 x ceil(N/100) + 2
    # One page at a time: list 100, write them, then the next page.
    assert [(r.method, r.path) for r in calls] == [("GET", "/v2/files"), ("POST", "/v2/bulk/files/edit")] * 10
    assert all("batch-1" in f["tags"] for f in emulator.sevenbridges.files.values() if f["project"] == SCALE_PROJECT)


def test_removing_the_tag_that_selects_1000_files_reaches_every_file(emulator: Emulator) -> None:
    # Each written page drops out of the tag=batch-1 listing; following rel=next would skip half of the files.
    query = {"project": SCALE_PROJECT}
    TagFilesOperator(task_id="tag", query=query, tags=["batch-1"], verify_writes=False).execute({"ti": MagicMock()})
    emulator.recorder.clear()

    result = TagFilesOperator(
        task_id="untag", query={**query, "tag": ["batch-1"]}, tags=["batch-1"], mode="remove"
    ).execute({"ti": MagicMock()})

    assert (result["counts"]["changed"], result["failed"]) == (1000, {})
    assert not [f for f in emulator.sevenbridges.files.values() if "batch-1" in f.get("tags", [])]
    lists = emulator.recorder.filter(api="sevenbridges", method="GET", path="/v2/files")
    assert [r.query.get("offset") for r in lists] == [None] * 10


def test_metadata_merge_on_1000_files_converges_and_rerun_writes_nothing(emulator: Emulator) -> None:
    op = UpdateFileMetadataOperator(
        task_id="meta", query={"project": SCALE_PROJECT}, metadata={"release": "r1", "batch": None}, mode="merge"
    )

    op.execute(context={"ti": MagicMock()})

    scale = [f for f in emulator.sevenbridges.files.values() if f["project"] == SCALE_PROJECT]
    assert all(f["metadata"].get("release") == "r1" and "batch" not in f["metadata"] for f in scale)
    assert all(f["metadata"]["sample_id"].startswith("S") for f in scale)
    emulator.recorder.clear()
    op.execute(context={"ti": MagicMock()})
    assert writes(emulator) == []
