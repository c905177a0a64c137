"""The pytest plugin: fixtures set the Airflow connection variables; importing it stays cheap."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import requests

from genomics_provider.testing import Emulator

ROOT = Path(__file__).resolve().parents[2]


def test_onecodex_fixture_sets_the_connection(onecodex_emulator: Emulator) -> None:
    conn = json.loads(os.environ["AIRFLOW_CONN_ONECODEX_DEFAULT"])
    assert conn == {"conn_type": "onecodex", "host": onecodex_emulator.url,
                    "password": onecodex_emulator.config.onecodex_api_key,
                    "extra": {"max_read_age": 2.0, "write_timeout": 1.0}}  # fmt: skip
    assert (
        requests.get(f"{conn['host']}/api/v1/account", headers={"X-API-Key": conn["password"]}, timeout=10).status_code
        == 200
    )
    assert onecodex_emulator.seed == "demo"


def test_sevenbridges_fixture_sets_the_connection(sevenbridges_emulator: Emulator) -> None:
    conn = json.loads(os.environ["AIRFLOW_CONN_SEVENBRIDGES_DEFAULT"])
    assert conn["host"] == sevenbridges_emulator.sevenbridges_url
    assert (
        requests.get(f"{conn['host']}/user", headers={"X-SBG-Auth-Token": conn["password"]}, timeout=10).status_code
        == 200
    )


def test_both_fixtures_share_one_emulator(onecodex_emulator: Emulator, sevenbridges_emulator: Emulator) -> None:
    assert onecodex_emulator is sevenbridges_emulator
    assert "AIRFLOW_CONN_ONECODEX_DEFAULT" in os.environ
    assert "AIRFLOW_CONN_SEVENBRIDGES_DEFAULT" in os.environ


def test_connections_are_removed_after_the_fixture() -> None:
    assert "AIRFLOW_CONN_ONECODEX_DEFAULT" not in os.environ
    assert "AIRFLOW_CONN_SEVENBRIDGES_DEFAULT" not in os.environ


def test_importing_the_plugin_does_not_import_the_server_stack() -> None:
    code = (
        "import sys, genomics_provider.testing.pytest_plugin, genomics_provider.testing; "
        "print(sorted(m for m in ('uvicorn', 'fastapi', 'starlette', 'airflow', 'jsonschema') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert result.stdout.strip() == "[]"
