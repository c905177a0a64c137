"""The post-sequencing example DAG with the deferrable sensor, end to end with ``dag.test()`` on the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from genomics_provider.testing import Emulator

pytestmark = pytest.mark.integration

KEY = "oc-e2e-post-seq-key-1a3c5e7f9b2d4f6a"
IMPORTING = "5e1b7c4d9f6a2ba3"
AVAILABLE = "4d0a6b3c8e5f1a92"
PROJECT_SOIL = "7e1a2b3c4d5e6f70"


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Any:
    with Emulator(seed="demo", onecodex_api_key=KEY, import_delay_s=3600.0) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", emu.onecodex_conn_json())
        yield emu


def test_sensor_defers_until_the_upload_is_available_then_samples_are_curated(
    emulator: Emulator, run_example: Any, capfd: Any
) -> None:
    emulator.start_import(IMPORTING, delay_s=15)  # longer than the DAG needs to reach the sensor

    dagrun = run_example("onecodex_post_sequencing")

    out = capfd.readouterr().out
    assert dagrun.state == "success"
    assert "Pausing task as DEFERRED" in out
    for sample_id in (IMPORTING, AVAILABLE):
        sample = emulator.onecodex.samples[sample_id]
        assert sample["status"] == "available"
        assert sample["visibility"] == "shared"
        assert sample["project"] == {"$ref": f"/api/v1/projects/{PROJECT_SOIL}"}
        assert {"qc-passed", "run-2024-11-08"} <= set(emulator.onecodex.sample_tag_names(sample_id))
        assert emulator.onecodex.metadata_for_sample(sample_id)["custom"]["sequencing_run"] == "run-2024-11-08"
    polls = emulator.recorder.filter(method="GET", path="/api/v1/samples")
    assert len(polls) >= 3  # the sensor's first poke, at least one trigger poll, and the curation read
    assert KEY not in out

    emulator.recorder.clear()
    assert run_example("onecodex_post_sequencing").state == "success"
    assert emulator.recorder.writes() == []


def test_sensor_fails_at_once_naming_a_sample_that_failed_validation(emulator: Emulator, run_example: Any) -> None:
    failed = "6f2c8d5e0a7b3cb4"

    dagrun = run_example("onecodex_post_sequencing", sample_ids=[failed, AVAILABLE])

    assert dagrun.state == "failed"
    sensor = next(ti for ti in dagrun.get_task_instances() if ti.task_id == "wait_until_available")
    assert sensor.state == "failed"
    assert emulator.recorder.writes() == []
