"""The Emulator handle: lifecycle, port release, URLs, connection JSON, reset, switches, import delays."""

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
    ManualClock,
)
from genomics_provider.testing.seeds_onecodex import SAMPLE_1, SAMPLE_IMPORTING
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


def test_importing_sample_becomes_available_after_the_delay() -> None:
    clock = ManualClock()
    with Emulator(seed="demo", clock=clock, import_delay_s=30) as emu, requests.Session() as oc:
        oc.headers["X-API-Key"] = emu.config.onecodex_api_key
        url = f"{emu.url}{OC}/samples/{SAMPLE_IMPORTING}"
        assert oc.get(url).json()["status"] == "importing"
        clock.advance(29)
        assert oc.get(url).json()["status"] == "importing"
        clock.advance(1)
        body = oc.get(url).json()
        assert (body["status"], body["visibility"]) == ("available", "private")
        assert body["primary_classification"] is not None
        emu.start_import(SAMPLE_1, delay_s=5)
        assert oc.get(f"{emu.url}{OC}/samples/{SAMPLE_1}").json()["status"] == "importing"
        clock.advance(5)
        assert oc.get(f"{emu.url}{OC}/samples/{SAMPLE_1}").json()["status"] == "available"


def test_import_delay_can_be_changed_after_construction() -> None:
    clock = ManualClock()
    with Emulator(seed="demo", clock=clock) as emu, requests.Session() as oc:
        oc.headers["X-API-Key"] = emu.config.onecodex_api_key
        url = f"{emu.url}{OC}/samples/{SAMPLE_IMPORTING}"
        clock.advance(10)
        assert oc.get(url).json()["status"] == "importing"  # default delay is 60 s
        emu.config.import_delay_s = 5
        assert oc.get(url).json()["status"] == "available"
