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


STRICT_SUITE = """
import pytest, requests

def patch(emu, body):
    return requests.patch(f"{emu.url}/api/v1/samples/7428cca4a3a04a8e", json=body,
                          headers={"X-API-Key": emu.config.onecodex_api_key}, timeout=10)

def test_violation_fails(onecodex_emulator):
    patch(onecodex_emulator, {"visibility": "hidden"})

@pytest.mark.genomics_emulator(strict=False)
def test_violation_opted_out(onecodex_emulator):
    assert patch(onecodex_emulator, {"visibility": "hidden"}).status_code == 400
    assert len(onecodex_emulator.contract_violations) == 1

def test_conforming_body_passes(onecodex_emulator):
    assert patch(onecodex_emulator, {"visibility": "shared"}).status_code == 200

def test_without_the_fixture_nothing_is_checked():
    assert True
"""


def test_contract_violations_fail_a_test_unless_it_opts_out(tmp_path: Path) -> None:
    (tmp_path / "test_strict.py").write_text(STRICT_SUITE)
    plugin = "genomics_provider.testing.pytest_plugin"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", plugin,
               "--rootdir", str(tmp_path), str(tmp_path)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert "1 failed, 3 passed" in result.stdout, result.stdout + result.stderr
    assert "FAILED test_strict.py::test_violation_fails" in result.stdout
    assert "would refuse" in result.stdout
    assert "PATCH /api/v1/samples/{id} at $['visibility']" in result.stdout
