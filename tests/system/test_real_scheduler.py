"""System test: the post-sequencing DAG under a real Airflow — api-server, scheduler, DAG processor and triggerer.

Everything runs on 127.0.0.1 with a temporary ``AIRFLOW_HOME`` (SQLite, LocalExecutor). The DAG is unpaused and
triggered through the REST API with params; the deferrable sensor's wait goes through the real triggerer process.
Every process the test starts is stopped by it, and no log line carries the token.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from genomics_provider.testing import Emulator
from tests.conftest import EXAMPLE_DAGS_DIR
from tests.system._airflow import Airflow, airflow_env, free_port

pytestmark = [pytest.mark.system, pytest.mark.integration]

DAG_ID = "onecodex_post_sequencing"
KEY = "oc-system-key-4e8a2c6f0b1d3a5c7e9f"
IMPORTING = "5e1b7c4d9f6a2ba3"
AVAILABLE = "4d0a6b3c8e5f1a92"
PROJECT_SOIL = "7e1a2b3c4d5e6f70"


@pytest.fixture
def airflow(tmp_path: Path) -> Iterator[tuple[Airflow, Emulator]]:
    with Emulator(seed="demo", onecodex_api_key=KEY, import_delay_s=3600.0) as emu:
        port = free_port()
        home = tmp_path / "airflow-home"
        home.mkdir()
        env = airflow_env(
            home,
            port,
            EXAMPLE_DAGS_DIR,
            "LocalExecutor",
            AIRFLOW_CONN_ONECODEX_DEFAULT=emu.onecodex_conn_json(),
        )
        deployment = Airflow(home, env, port)
        deployment.run("db", "migrate")
        deployment.run("pools", "set", "onecodex_api", "2", "One Codex API: 10 requests/s per key")
        try:
            deployment.start("api-server", "--host", "127.0.0.1", "--port", str(port))
            deployment.start("scheduler")
            deployment.start("dag-processor")
            deployment.start("triggerer")
            yield deployment, emu
        finally:
            deployment.stop()
            assert all(process.poll() is not None for process in deployment.processes)


def test_post_sequencing_dag_defers_through_the_real_triggerer_survives_its_restart_and_converges(
    airflow: tuple[Airflow, Emulator],
) -> None:
    deployment, emu = airflow
    deployment.wait_for("the api-server", lambda: deployment.session.get(f"{deployment.base}/api/v2/version").ok, 90)
    deployment.login()
    deployment.wait_for("the DAG to be parsed", lambda: deployment.api("GET", f"/dags/{DAG_ID}").ok, 90, every=2)
    assert deployment.api("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False}).ok

    conf = {"sample_ids": [IMPORTING, AVAILABLE], "project": "soil_2024", "run_tag": "run-system-1"}
    emu.start_import(IMPORTING, delay_s=3600)  # still importing until the test says otherwise
    run = deployment.api("POST", f"/dags/{DAG_ID}/dagRuns", json={"logical_date": None, "conf": conf}).json()
    run_id = run["dag_run_id"]

    def sensor_state() -> str | None:
        ti = deployment.api("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/wait_until_available").json()
        return ti.get("state") if ti.get("state") == "deferred" else None

    deployment.wait_for("the sensor to defer", sensor_state, 120)
    assert emu.onecodex.samples[IMPORTING]["status"] == "importing"

    # With the triggerer stopped, the deferred task stays deferred, even once the sample is available.
    deployment.stop_one("triggerer")
    emu.start_import(IMPORTING, delay_s=0)
    time.sleep(15)
    assert sensor_state() == "deferred"
    assert deployment.api("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}").json()["state"] == "running"
    # Restarted, it picks the trigger up again and the run completes.
    deployment.start("triggerer")

    def finished() -> str | None:
        state = deployment.api("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}").json()["state"]
        return state if state in ("success", "failed") else None

    assert deployment.wait_for("the run to finish", finished, 240, every=2) == "success"
    for sample_id in (IMPORTING, AVAILABLE):
        sample = emu.onecodex.samples[sample_id]
        assert sample["status"] == "available"
        assert sample["visibility"] == "shared"
        assert sample["project"] == {"$ref": f"/api/v1/projects/{PROJECT_SOIL}"}
        assert {"qc-passed", "run-system-1"} <= set(emu.onecodex.sample_tag_names(sample_id))
        assert emu.onecodex.metadata_for_sample(sample_id)["custom"]["sequencing_run"] == "run-system-1"
    # The wait ended in the restarted triggerer process: its trigger log sits beside the sensor's task log.
    trigger_logs = list((deployment.home / "logs").rglob("task_id=wait_until_available/attempt=1.log.trigger.*.log"))
    assert trigger_logs
    trigger_log = "\n".join(path.read_text(errors="replace") for path in trigger_logs)
    assert "All 2 One Codex samples are 'available'" in trigger_log
    assert f"'status': 'success', 'sample_ids': ['{IMPORTING}', '{AVAILABLE}']" in trigger_log
    assert KEY not in deployment.logs_text()
    assert KEY not in repr(emu.recorder.requests)
    assert KEY not in stored_task_data(deployment, run_id)


def stored_task_data(deployment: Airflow, run_id: str) -> str:
    """Everything Airflow stored about the run's tasks: states, rendered template fields and XCom values.

    :param deployment: The running deployment.
    :param run_id: The DAG run.
    :return: The JSON of it all, as text.
    """
    base = f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances"
    instances = deployment.api("GET", base).json()["task_instances"]
    texts = [json.dumps(instances)]
    for ti in instances:
        task = f"{base}/{ti['task_id']}"
        entries = deployment.api("GET", f"{task}/xcomEntries", params={"map_index": ti["map_index"]}).json()
        for entry in entries.get("xcom_entries", []):
            value = deployment.api("GET", f"{task}/xcomEntries/{entry['key']}", params={"map_index": ti["map_index"]})
            texts.append(value.text)
    text = "\n".join(texts)
    assert "rendered_fields" in text
    assert "return_value" in text or "sample_ids" in text
    return text
