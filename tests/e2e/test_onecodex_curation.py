"""The One Codex curation example DAG, end to end with ``dag.test()`` on the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from genomics_provider.testing import Emulator
from genomics_provider.testing.contracts import validate_onecodex_request

pytestmark = pytest.mark.integration

KEY = "oc-e2e-key-5d1c9a7b3e2f4a6c8d0e"
SAMPLES = ["7428cca4a3a04a8e", "2b8e4f1a6c3d9e70", "4d0a6b3c8e5f1a92"]
PROJECT_SOIL = "7e1a2b3c4d5e6f70"


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
