"""The Emulator handle: lifecycle, port release, URLs, connection JSON, reset, seeds, switches."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import requests

from genomics_provider.testing import (
    DEFAULT_ONECODEX_API_KEY,
    DEFAULT_SEVENBRIDGES_TOKEN,
    Emulator,
    EmulatorConfig,
)
from tests.testing.conftest import OC

SAMPLE = "7428cca4a3a04a8e"


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_start_and_stop_are_clean() -> None:
    threads_before = threading.active_count()
    emu = Emulator(seed="empty")
    assert not emu.running
    emu.start()
    port = emu.port
    assert emu.running
    assert emu.url == f"http://127.0.0.1:{port}"
    assert emu.sevenbridges_url == f"http://127.0.0.1:{port}/v2"
    assert requests.get(f"{emu.sevenbridges_url}/", timeout=10).status_code == 200
    assert emu.start() is emu  # idempotent
    emu.stop()
    assert not emu.running
    assert port_is_free(port)
    assert threading.active_count() == threads_before
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{emu.sevenbridges_url}/", timeout=2)
    emu.stop()  # idempotent


def test_context_manager_stops_with_a_slow_request_in_flight() -> None:
    with Emulator() as emu:
        emu.faults.slow_response(30, "GET /v2/")
        worker = threading.Thread(target=lambda: requests.get(f"{emu.sevenbridges_url}/", timeout=60))
        worker.start()
        time.sleep(0.2)
        started = time.monotonic()
    assert time.monotonic() - started < 5
    worker.join(5)
    assert not worker.is_alive()


def test_default_credentials_and_connection_json() -> None:
    emu = Emulator(port=8123)
    assert (emu.config.onecodex_api_key, emu.config.sevenbridges_token) == (
        DEFAULT_ONECODEX_API_KEY, DEFAULT_SEVENBRIDGES_TOKEN
    )  # fmt: skip
    assert json.loads(emu.onecodex_conn_json()) == {
        "conn_type": "onecodex", "host": "http://127.0.0.1:8123", "password": "oc-emulator-key-not-a-secret-000",
        "extra": {"max_read_age": 2.0, "write_timeout": 1.0},
    }  # fmt: skip
    assert json.loads(emu.sevenbridges_conn_json(extra={"timeout": 3, "write_timeout": 5})) == {
        "conn_type": "sevenbridges", "host": "http://127.0.0.1:8123/v2",
        "password": "sb-emulator-token-not-a-secret-0",
        "extra": {"timeout": 3, "max_read_age": 2.0, "write_timeout": 5},
    }  # fmt: skip
    assert "not-a-secret" not in repr(emu) + repr(emu.config)


def test_port_is_unknown_before_start() -> None:
    with pytest.raises(RuntimeError, match="not been started"):
        _ = Emulator().url


def test_switches_and_seeds_are_validated() -> None:
    with pytest.raises(TypeError, match="no_such_switch"):
        Emulator(no_such_switch=True)
    with pytest.raises(ValueError, match="unknown seed"):
        Emulator(seed="huge")
    config = EmulatorConfig(retry_after=True)
    assert Emulator(config=config, import_delay_s=1).config is config
    assert config.import_delay_s == 1


def test_reset_restores_seed_and_clears_everything(oc: requests.Session, emu: Emulator) -> None:
    emu.config.retry_after = True
    oc.patch(f"{emu.url}{OC}/samples/{SAMPLE}", json={"visibility": "public", "project": "ffff"})
    oc.patch(f"{emu.url}{OC}/samples/{SAMPLE}", json={"visibility": "public"})
    emu.faults.server_error(times=None)
    emu.sevenbridges.files.clear()
    emu.reset()
    assert emu.onecodex.samples[SAMPLE]["visibility"] == "private"
    assert len(emu.sevenbridges.files) == 30
    assert (len(emu.recorder), emu.faults.faults, emu.contract_violations) == (0, [], [])
    assert emu.config.retry_after is True  # switches survive a reset
    assert oc.get(f"{emu.url}{OC}/samples/{SAMPLE}").status_code == 200


def test_empty_seed_has_users_but_no_data() -> None:
    with Emulator(seed="empty") as emu, requests.Session() as session:
        session.headers["X-API-Key"] = emu.config.onecodex_api_key
        assert session.get(f"{emu.url}{OC}/samples").json() == []
        assert session.get(f"{emu.url}{OC}/account").status_code == 200
        assert emu.sevenbridges.files == {}
        listing = requests.get(
            f"{emu.sevenbridges_url}/files", params={"project": "rfranklin/demo-project"},
            headers={"X-SBG-Auth-Token": emu.config.sevenbridges_token}, timeout=10
        )  # fmt: skip
        assert (listing.status_code, listing.json()["items"]) == (200, [])


def test_demo_seed_shape(emu: Emulator) -> None:
    oc, sb = emu.onecodex, emu.sevenbridges
    assert (len(oc.samples), len(oc.metadata), len(oc.tags), len(oc.projects), len(oc.users)) == (11, 11, 7, 3, 3)
    for sample_id in oc.samples:
        assert oc.metadata_for_sample(sample_id)["sample"] == {"$ref": f"/api/v1/samples/{sample_id}"}
    assert len(sb.files) == 30
    assert sum(f["type"] == "folder" for f in sb.files.values()) == 4
    assert all(len(file_id) == 24 for file_id in sb.files)
    run = [f for f in sb.files.values() if f.get("origin") == {"task": "8f9e2c1a-3b4d-4e5f-a6b7-c8d9e0f1a2b3"}]
    assert {f["metadata"]["sample_id"] for f in run} == {"HCC1143"}
    assert len(run) == 5


def test_scale_generation_is_fast_and_deterministic() -> None:
    started = time.monotonic()
    big = Emulator(sb_files=100_000, oc_samples=1000)
    assert time.monotonic() - started < 8
    assert (len(big.sevenbridges.files), len(big.onecodex.samples)) == (100_030, 1011)
    again = Emulator(sb_files=20_000)  # file i does not depend on the count
    assert again.sevenbridges.files[f"5ca1e{12345:019x}"] == big.sevenbridges.files[f"5ca1e{12345:019x}"]
    assert list(again.sevenbridges.files)[-3:] == list(big.sevenbridges.files)[19_997 + 30 : 20_000 + 30]


def test_added_files_are_listed(sb: requests.Session, emu: Emulator) -> None:
    added = emu.sevenbridges.add_file({"name": "new.txt", "project": "rfranklin/demo-project", "tags": ["fresh"]})
    listing = sb.get(f"{emu.sevenbridges_url}/files", params={"project": "rfranklin/demo-project", "tag": "fresh"})
    assert [item["id"] for item in listing.json()["items"]] == [added["id"]]
