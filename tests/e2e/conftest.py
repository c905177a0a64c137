"""End-to-end fixtures: a migrated SQLite Airflow DB, the example DAGs, and real waiting (the emulator rate-limits)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import EXAMPLE_DAGS_DIR


@pytest.fixture(autouse=True)
def no_real_sleep() -> list[float]:
    """Let the transport really wait here: the emulator enforces the vendors' rate limits.

    :return: An empty list (nothing is recorded).
    """
    return []


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Create Airflow's metadata DB (SQLite in the temporary AIRFLOW_HOME) once per session."""
    from airflow.utils import db

    db.resetdb()


def load_example_dag(name: str) -> Any:
    """Import ``example_dags/<name>.py`` and return its ``dag``.

    :param name: Module name without ``.py``.
    :return: The DAG object.
    """
    path = EXAMPLE_DAGS_DIR / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_dags.{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.dag


@pytest.fixture
def run_example(airflow_db: None) -> Any:
    """Run an example DAG with ``dag.test()`` and return the DagRun.

    :param airflow_db: Ensures the DB exists.
    :return: A function ``run(name, **run_conf) -> DagRun``.
    """

    def run(name: str, logical_date: Any = None, **conf: Any) -> Any:
        dag = load_example_dag(name)
        return dag.test(run_conf=conf or None, logical_date=logical_date)

    return run
