"""Shared helpers of the system tests: a real Airflow deployment in a temporary home, driven through its REST API.

Every component is a real OS process started with ``airflow <command>`` from this venv, in its own session so that
stopping it also stops the children it forked (task processes, Celery pool workers).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

BIN = Path(sys.executable).parent


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago.

    :return: The port.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require(available: bool, what: str, install: str) -> None:
    """Skip the test when a component is missing locally; under ``CI=true`` fail instead, naming the install step.

    :param available: Whether the component is there.
    :param what: What is missing, e.g. ``"redis-server"``.
    :param install: How to install it, e.g. ``"apt-get install redis-server"``.
    :raises pytest.fail.Exception: Under ``CI=true`` when the component is missing.
    :raises pytest.skip.Exception: Locally when the component is missing.
    """
    if available:
        return
    message = f"{what} is not installed: {install}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def require_program(name: str, install: str) -> str:
    """Find a program on ``PATH`` or skip (fail under ``CI=true``), as :func:`require` does.

    :param name: The program, e.g. ``"redis-server"``.
    :param install: How to install it.
    :return: Its path.
    """
    path = shutil.which(name)
    require(path is not None, name, install)
    assert path is not None
    return path


def airflow_env(home: Path, port: int, dags_folder: Path, executor: str, **settings: str) -> dict[str, str]:
    """Build the environment of every process of a deployment: this process's, less any ``AIRFLOW*`` variable.

    :param home: The temporary ``AIRFLOW_HOME``.
    :param port: The api-server's port.
    :param dags_folder: The DAGs folder.
    :param executor: ``LocalExecutor``, ``CeleryExecutor``, ...
    :param settings: Optional. More variables, e.g. ``AIRFLOW__CELERY__BROKER_URL="redis://..."``.
    :return: The environment.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__EXECUTOR": executor,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            # One signing key for every component: Airflow 3.1 draws a random one per process when it is unset, so
            # a Celery worker's task token (signed by the scheduler) fails the api-server's check.
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            # An issuer, as Airflow recommends: Airflow 3.1.2 signs the all-admins token with a null "iss" otherwise,
            # which PyJWT 2.10+ refuses (TypeError: Issuer (iss) must be a string), so /auth/token answers 500.
            "AIRFLOW__API_AUTH__JWT_ISSUER": "airflow-provider-genomics-tests",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            **settings,
        }
    )
    return env


class Airflow:
    """A real Airflow deployment in a temporary home, driven through its REST API."""

    def __init__(self, home: Path, env: dict[str, str], port: int) -> None:
        """Describe a deployment; nothing starts until :meth:`start`.

        :param home: Its ``AIRFLOW_HOME`` (logs go there too).
        :param env: The environment of every process (see :func:`airflow_env`).
        :param port: The api-server's port.
        """
        self.home, self.env, self.port = home, env, port
        self.base = f"http://127.0.0.1:{port}"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.session = requests.Session()

    def run(self, *args: str) -> None:
        """Run ``airflow <args>`` to completion, its output appended to ``<home>/cli.log``.

        :param args: The sub-command and its arguments.
        :raises subprocess.CalledProcessError: If it fails.
        """
        log = self.home / "cli.log"
        with log.open("a") as out:
            subprocess.run(
                [str(BIN / "airflow"), *args], env=self.env, stdout=out, stderr=subprocess.STDOUT, check=True
            )

    def start(self, *args: str, log_name: str | None = None) -> None:
        """Start ``airflow <args>`` in its own session, its output in ``<home>/<log_name>.log``.

        :param args: The sub-command and its arguments.
        :param log_name: Optional. The log file's stem; the sub-command by default (give one per worker).
        """
        out = (self.home / f"{log_name or args[0]}.log").open("wb")
        self.processes.append(
            subprocess.Popen(
                [str(BIN / "airflow"), *args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def stop_one(self, name: str) -> None:
        """Stop one component (``triggerer``, ...) gracefully, as an operator restarting it would.

        :param name: The ``airflow`` sub-command it was started with.
        """
        for process in [p for p in self.processes if p.args[1] == name]:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
            self.processes.remove(process)

    def stop(self) -> None:
        """Stop every process: SIGTERM to each session, SIGKILL to whatever is left after 30 s."""
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def wait_for(self, what: str, check: Any, timeout: float, every: float = 1.0) -> Any:
        """Call ``check`` until it returns something truthy, failing early if any process exited.

        :param what: What is awaited, for the timeout message.
        :param check: A function of no argument; a ``requests`` error counts as not yet.
        :param timeout: Seconds before giving up.
        :param every: Optional. Seconds between calls.
        :return: The first truthy result.
        :raises AssertionError: On timeout, or when a process exited.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in self.processes:
                assert process.poll() is None, f"{process.args} exited with {process.returncode}; see {self.home}"
            try:
                result = check()
            except requests.RequestException:
                result = None
            if result:
                return result
            time.sleep(every)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; logs in {self.home}")

    def login(self) -> None:
        """Get a token from the api-server (all users are admins) for every later :meth:`api` call."""
        token = self.session.get(f"{self.base}/auth/token", timeout=10).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"

    def wait_until_serving(self, timeout: float = 90) -> None:
        """Wait for the api-server to answer, then log in.

        :param timeout: Optional. Seconds to wait.
        """
        self.wait_for("the api-server", lambda: self.session.get(f"{self.base}/api/v2/version", timeout=5).ok, timeout)
        self.login()

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Call the REST API.

        :param method: HTTP method.
        :param path: Path under ``/api/v2``.
        :param kwargs: Optional. More ``requests`` arguments (``json=``, ``params=``).
        :return: The response.
        """
        return self.session.request(method, f"{self.base}/api/v2{path}", timeout=30, **kwargs)

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        """Return a DAG run's state once it is final (``success`` or ``failed``), else ``None``.

        :param dag_id: The DAG.
        :param run_id: The run.
        :return: The final state, or ``None`` while it runs.
        """
        state = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}").json()["state"]
        return state if state in ("success", "failed") else None

    def logs_text(self) -> str:
        """Return every log file under the home (components and tasks), concatenated.

        :return: The text.
        """
        return "\n".join(path.read_text(errors="replace") for path in self.home.rglob("*.log") if path.is_file())
