"""Test configuration: an isolated Airflow home, no examples, no real credentials, no real sleeping."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_DAGS_DIR = ROOT / "example_dags"

# Must run before anything imports airflow.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="genomics-af-home-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(EXAMPLE_DAGS_DIR)
for _name in [name for name in os.environ if name.startswith("AIRFLOW_CONN_")]:
    del os.environ[_name]

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record every transport wait instead of sleeping; tests assert on the recorded delays.

    :param monkeypatch: pytest's monkeypatch.
    :return: The list of requested sleeps, in order.
    """
    slept: list[float] = []
    monkeypatch.setattr("genomics_provider.hooks.base._sleep", slept.append)
    return slept
