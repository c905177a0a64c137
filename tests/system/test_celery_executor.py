"""System test: two DAG runs tag the same 50 One Codex samples at once, on two real Celery workers.

A real Redis server is the Celery broker and result backend; the api-server, scheduler (``CeleryExecutor``), DAG
processor and two ``airflow celery worker`` processes (concurrency 1 each) run on 127.0.0.1 with a temporary
``AIRFLOW_HOME``. The metadata DB is SQLite: Airflow 3's Celery workers never open it (tasks talk to the
api-server's execution API), so only the scheduler, the DAG processor and the api-server share the file, as with
the LocalExecutor. The emulator enforces One Codex's 10 requests/s on the one key both runs share.

Two runs of ``tests/system/dags/celery_tagging.py`` are triggered through the REST API at the same moment, one
adding ``qc-passed`` and one ``release-7``; each runs on its own worker. At the end both tags are on every sample,
and both runs are honest: both task instances succeeded, and each ``return_value`` summary lists every sample as
changed or unchanged, as the seed says, with no failures.
"""

from __future__ import annotations

import importlib.metadata
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from genomics_provider.testing import Emulator
from tests.redis_server import running_redis
from tests.system._airflow import Airflow, airflow_env, free_port, require

pytestmark = [pytest.mark.system, pytest.mark.integration]

DAG_ID = "celery_tagging"
TASK_ID = "tag_samples"
DAGS_DIR = Path(__file__).resolve().parent / "dags"
KEY = "oc-celery-key-7d3f9a1c5e2b8046"
TAGS = ("qc-passed", "release-7")
WORKERS = ("worker-1", "worker-2")
#: The DAG's samples: the emulator's 50 generated ones. The seed tags every third one ``qc-passed`` already.
SAMPLE_IDS = [f"ee{index:014x}" for index in range(50)]
PRE_TAGGED = SAMPLE_IDS[::3]
#: Short protocol bounds (read age S, write timeout T), so that verification waits about S + T.
SHORT_BOUNDS = {"max_read_age": 2.0, "write_timeout": 1.0}


@pytest.fixture
def redis_url() -> Iterator[str]:
    """Start a real ``redis-server`` on a free 127.0.0.1 port, without persistence, and stop it afterwards.

    :return: ``redis://127.0.0.1:<port>`` (no database number).
    """
    with running_redis() as server:
        yield f"redis://{server.host}:{server.port}"


def _celery_installed() -> bool:
    try:
        importlib.metadata.version("apache-airflow-providers-celery")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.fixture
def celery_airflow(tmp_path: Path, redis_url: str) -> Iterator[tuple[Airflow, Emulator]]:
    """Start api-server, scheduler, DAG processor and two Celery workers against the emulator (rate limit on).

    :param tmp_path: Pytest's per-test directory.
    :param redis_url: The broker's address.
    :return: The deployment and the emulator; every process is stopped afterwards.
    """
    require(_celery_installed(), "apache-airflow-providers-celery", "pip install -e '.[test]'")
    with Emulator(seed="demo", oc_samples=len(SAMPLE_IDS), onecodex_api_key=KEY) as emu:
        port = free_port()
        home = tmp_path / "airflow-home"
        home.mkdir()
        env = airflow_env(
            home,
            port,
            DAGS_DIR,
            "CeleryExecutor",
            AIRFLOW__CELERY__BROKER_URL=f"{redis_url}/0",
            AIRFLOW__CELERY__RESULT_BACKEND=f"{redis_url}/1",
            AIRFLOW__CELERY__WORKER_CONCURRENCY="1",
            AIRFLOW_CONN_ONECODEX_DEFAULT=emu.onecodex_conn_json(extra=SHORT_BOUNDS),
        )
        deployment = Airflow(home, env, port)
        deployment.run("db", "migrate")
        try:
            deployment.start("api-server", "--host", "127.0.0.1", "--port", str(port))
            deployment.start("scheduler")
            deployment.start("dag-processor")
            for name in WORKERS:
                # Task logs are files in the shared AIRFLOW_HOME, so no worker needs its own log server (port).
                worker = ("celery", "worker", "--celery-hostname", f"{name}@%h", "--concurrency", "1")
                deployment.start(*worker, "--skip-serve-logs", "--without-mingle", "--without-gossip", log_name=name)
            yield deployment, emu
        finally:
            deployment.stop()
            assert all(process.poll() is not None for process in deployment.processes)


def wait_until_ready(deployment: Airflow) -> None:
    """Wait for the api-server (and log in), the parsed DAG and both Celery workers; they start in parallel.

    :param deployment: The starting deployment.
    """
    deployment.wait_until_serving()
    deployment.wait_for("the DAG to be parsed", lambda: deployment.api("GET", f"/dags/{DAG_ID}").ok, 90, every=2)

    def workers_ready() -> bool:
        paths = [deployment.home / f"{name}.log" for name in WORKERS]
        return all(path.exists() and " ready." in path.read_text(errors="replace") for path in paths)

    deployment.wait_for("both Celery workers", workers_ready, 90)


def trigger_together(deployment: Airflow, tags: tuple[str, ...]) -> dict[str, str]:
    """Trigger one run per tag through the REST API, all requests released at the same moment.

    :param deployment: The running deployment (logged in).
    :param tags: The ``tag`` param of each run.
    :return: Each tag's run id.
    :raises AssertionError: If a trigger request fails.
    """
    barrier = threading.Barrier(len(tags), timeout=30)
    replies: dict[str, requests.Response] = {}

    def trigger(tag: str) -> None:
        barrier.wait()
        replies[tag] = requests.post(
            f"{deployment.base}/api/v2/dags/{DAG_ID}/dagRuns",
            json={"logical_date": None, "conf": {"tag": tag}},
            headers=dict(deployment.session.headers),
            timeout=30,
        )

    threads = [threading.Thread(target=trigger, args=(tag,)) for tag in tags]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(replies) == sorted(tags), f"trigger requests did not return: {sorted(replies)}"
    for tag, reply in replies.items():
        assert reply.ok, f"triggering {tag!r}: {reply.status_code} {reply.text}"
    return {tag: str(reply.json()["dag_run_id"]) for tag, reply in replies.items()}


def task_result(deployment: Airflow, run_id: str) -> tuple[dict[str, Any], Any]:
    """Read a run's task instance and its ``return_value`` XCom through the REST API.

    :param deployment: The running deployment.
    :param run_id: The run.
    :return: The task instance and the XCom value (``None`` when there is none).
    """
    base = f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{TASK_ID}"
    instance = deployment.api("GET", base).json()
    reply = deployment.api("GET", f"{base}/xcomEntries/return_value")
    return instance, reply.json().get("value") if reply.ok else None


def worker_of(deployment: Airflow, run_id: str) -> list[str]:
    """Name the Celery workers whose log shows they executed the run's task.

    :param deployment: The deployment.
    :param run_id: The run.
    :return: The workers, in :data:`WORKERS` order.
    """
    logs = {name: (deployment.home / f"{name}.log").read_text(errors="replace") for name in WORKERS}
    return [
        name
        for name, text in logs.items()
        if any("Executing workload in Celery" in line and run_id in line for line in text.splitlines())
    ]


def normalized(summary: Any) -> Any:
    """Sort a summary's ``changed`` and ``unchanged`` lists, so that two summaries compare as sets of samples.

    :param summary: A ``return_value`` (anything else is returned as it is).
    :return: The summary with sorted lists.
    """
    if not isinstance(summary, dict):
        return summary
    return {key: sorted(value) if key in ("changed", "unchanged") else value for key, value in summary.items()}


#: What each run must end with: the run and its task succeeded, and the summary names every sample once.
EXPECTED = {
    "qc-passed": {
        "states": ("success", "success"),
        "summary": {
            "changed": sorted(set(SAMPLE_IDS) - set(PRE_TAGGED)),
            "unchanged": PRE_TAGGED,
            "skipped": {},
            "failed": {},
            "dry_run": False,
        },
        "samples missing the tag": [],
    },
    "release-7": {
        "states": ("success", "success"),
        "summary": {"changed": SAMPLE_IDS, "unchanged": [], "skipped": {}, "failed": {}, "dry_run": False},
        "samples missing the tag": [],
    },
}


def test_two_runs_on_two_celery_workers_tag_the_same_samples_without_losing_either_tag(
    celery_airflow: tuple[Airflow, Emulator],
) -> None:
    deployment, emu = celery_airflow
    wait_until_ready(deployment)
    assert deployment.api("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False}).ok

    started = time.monotonic()
    run_ids = trigger_together(deployment, TAGS)

    def both_final() -> dict[str, str | None] | None:
        states = {tag: deployment.run_state(DAG_ID, run_id) for tag, run_id in run_ids.items()}
        return states if all(states.values()) else None

    finals = deployment.wait_for("both runs to finish", both_final, 150, every=2)
    elapsed = time.monotonic() - started
    results = {tag: task_result(deployment, run_id) for tag, run_id in run_ids.items()}
    too_many = sum(1 for request in emu.recorder.requests if request.status == 429)
    report = f"both runs took {elapsed:.0f} s, {len(emu.recorder.requests)} requests ({too_many} answered 429)"
    print(report)

    # The harness: both task instances ran at the same time, each on its own worker.
    placement = {tag: worker_of(deployment, run_id) for tag, run_id in run_ids.items()}
    assert sorted(placement.values()) == [[name] for name in WORKERS], f"{placement}; {report}"
    (first, _), (second, _) = results.values()
    assert max(first["start_date"], second["start_date"]) < min(first["end_date"], second["end_date"]), report

    # The provider: both tags on every sample (nothing else on them), and both runs honest.
    observed = {
        tag: {
            "states": (finals[tag], instance["state"]),
            "summary": normalized(summary),
            "samples missing the tag": [sid for sid in SAMPLE_IDS if tag not in emu.onecodex.sample_tag_names(sid)],
        }
        for tag, (instance, summary) in results.items()
    }
    assert observed == EXPECTED, report
    assert {sid: sorted(emu.onecodex.sample_tag_names(sid)) for sid in SAMPLE_IDS} == {
        sid: sorted(TAGS) for sid in SAMPLE_IDS
    }
    assert KEY not in deployment.logs_text()
