"""The One Codex curation example DAG, end to end with ``dag.test()`` on the emulator."""

from __future__ import annotations

import re
from typing import Any
from unittest.mock import MagicMock

import pytest

from genomics_provider.operators.onecodex import TagSamplesOperator, UpdateSampleOperator
from genomics_provider.testing import Emulator
from genomics_provider.testing.contracts import validate_onecodex_request

pytestmark = pytest.mark.integration

KEY = "oc-e2e-key-5d1c9a7b3e2f4a6c8d0e"
SAMPLES = ["7428cca4a3a04a8e", "2b8e4f1a6c3d9e70", "4d0a6b3c8e5f1a92"]
PROJECT_SOIL = "7e1a2b3c4d5e6f70"
#: Two demo samples with tags, and one without.
TAGGED = ["2b8e4f1a6c3d9e70", "3c9f5a2b7d4e0f81"]
UNTAGGED = "4d0a6b3c8e5f1a92"


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Any:
    with Emulator(seed="demo", onecodex_api_key=KEY) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", emu.onecodex_conn_json())
        yield emu


def tag_names(emu: Any, sample_id: str) -> list[str]:
    return [emu.onecodex.tags[tag_id]["name"] for tag_id in emu.onecodex.sample_tag_ids(sample_id)]


def test_curation_dag_converges_and_a_second_run_writes_nothing(emulator: Any, run_example: Any, capfd: Any) -> None:
    untouched = {k: dict(v) for k, v in emulator.onecodex.samples.items() if k not in SAMPLES}

    dagrun = run_example("onecodex_sample_curation")

    assert dagrun.state == "success"
    for sample_id in SAMPLES:
        sample = emulator.onecodex.samples[sample_id]
        assert sample["visibility"] == "shared"
        assert sample["project"] == {"$ref": f"/api/v1/projects/{PROJECT_SOIL}"}
        assert {"qc-passed", "run-2024-11-07"} <= set(tag_names(emulator, sample_id))
        record = emulator.onecodex.metadata_for_sample(sample_id)
        assert record["platform"] == "Illumina NovaSeq 6000"
        assert record["custom"]["sequencing_run"] == "run-2024-11-07"
    assert {k: v for k, v in emulator.onecodex.samples.items() if k not in SAMPLES} == untouched
    writes = emulator.recorder.writes()
    assert writes, "the first run must write"
    for request in writes:
        assert validate_onecodex_request(request.method, request.path, request.body) == []
    assert emulator.contract_violations == []
    assert not [r for r in emulator.recorder.requests if r.status == 429]
    mapped = [ti for ti in dagrun.get_task_instances() if ti.task_id == "stamp_metadata"]
    assert sorted(ti.map_index for ti in mapped) == [0, 1, 2]
    assert {ti.state for ti in mapped} == {"success"}

    emulator.recorder.clear()
    again = run_example("onecodex_sample_curation")

    assert again.state == "success"
    assert emulator.recorder.writes() == []
    assert KEY not in capfd.readouterr().out


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(
            lambda **kw: TagSamplesOperator(task_id="clear", tags=[], mode="replace", **kw), id="TagSamplesOperator"
        ),
        pytest.param(
            lambda **kw: UpdateSampleOperator(task_id="clear", tags="[]", tag_mode="replace", **kw),
            id="UpdateSampleOperator, tags rendered as a JSON string",
        ),
    ],
)
def test_replace_with_no_tags_removes_every_tag_once_and_a_dry_run_writes_nothing(
    emulator: Any, build: Any, capfd: Any
) -> None:
    samples = [*TAGGED, UNTAGGED]
    before = {sample_id: tag_names(emulator, sample_id) for sample_id in samples}
    before_ids = {sample_id: emulator.onecodex.sample_tag_ids(sample_id) for sample_id in TAGGED}
    assert all(before[sample_id] for sample_id in TAGGED)
    assert before[UNTAGGED] == []

    dry = build(sample_ids=samples, dry_run=True).execute({"ti": MagicMock()})

    assert dry == {"changed": TAGGED, "unchanged": [UNTAGGED], "skipped": {}, "failed": {}, "dry_run": True}
    assert emulator.recorder.writes() == []
    assert {sample_id: tag_names(emulator, sample_id) for sample_id in samples} == before
    plan = capfd.readouterr().out
    for sample_id in TAGGED:  # the plan table shows every tag going (by id: only the names asked for are looked up)
        assert re.search(rf"{sample_id}\s+tags\s+{', '.join(before_ids[sample_id])}\s+→ \(none\)", plan)
    assert UNTAGGED not in plan

    result = build(sample_ids=samples).execute({"ti": MagicMock()})

    assert result == {"changed": TAGGED, "unchanged": [UNTAGGED], "skipped": {}, "failed": {}, "dry_run": False}
    assert all(tag_names(emulator, sample_id) == [] for sample_id in samples)
    writes = emulator.recorder.writes()
    assert [(r.method, r.path, r.body) for r in writes] == [
        ("PATCH", f"/api/v1/samples/{sample_id}", {"tags": []}) for sample_id in TAGGED
    ]
    assert emulator.contract_violations == []

    emulator.recorder.clear()
    again = build(sample_ids=samples).execute({"ti": MagicMock()})

    assert again == {"changed": [], "unchanged": samples, "skipped": {}, "failed": {}, "dry_run": False}
    assert emulator.recorder.writes() == []
