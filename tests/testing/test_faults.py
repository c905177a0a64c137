"""Fault injection (faults): latency, route matching, counts, seeded probabilities and bulk item failures."""

from __future__ import annotations

import time

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.faults import FaultInjector
from tests.testing.conftest import OC

SAMPLE = "7428cca4a3a04a8e"
BAM = "65a100000000000000000201"
BAI = "65a100000000000000000202"
VCF = "65a100000000000000000203"


def sample_url(emu: Emulator) -> str:
    return f"{emu.url}{OC}/samples/{SAMPLE}"


def test_latency_delays_matching_calls_only(oc: requests.Session, emu: Emulator) -> None:
    fault = emu.faults.latency(250, "GET /api/v1/samples/*", times=1)
    started = time.monotonic()
    assert oc.get(sample_url(emu)).status_code == 200
    assert time.monotonic() - started >= 0.25
    started = time.monotonic()
    oc.get(sample_url(emu))
    assert time.monotonic() - started < 0.2
    assert (fault.fired, fault.exhausted) == (1, True)


def test_route_matching_and_global_faults(oc: requests.Session, sb: requests.Session, emu: Emulator) -> None:
    emu.faults.server_error("POST /v2/bulk/files/edit")
    assert sb.post(f"{emu.sevenbridges_url}/bulk/files/get", json={"file_ids": [BAM]}).status_code == 200
    assert oc.get(sample_url(emu)).status_code == 200
    assert sb.post(f"{emu.sevenbridges_url}/bulk/files/edit", json={"items": []}).status_code == 500
    emu.faults.server_error(times=None)
    assert {oc.get(sample_url(emu)).status_code for _ in range(3)} == {500}
    emu.faults.clear()
    assert oc.get(sample_url(emu)).status_code == 200


def test_probability_is_seeded_and_deterministic(oc: requests.Session, emu: Emulator) -> None:
    def run() -> list[int]:
        emu.reset()
        emu.faults.server_error("GET /api/v1/samples/*", times=None, probability=0.5)
        return [oc.get(sample_url(emu)).status_code for _ in range(12)]

    first, second = run(), run()
    assert first == second
    assert {200, 500} == set(first)


def test_bulk_item_failures_by_id_and_fraction(sb: requests.Session, emu: Emulator) -> None:
    emu.faults.bulk_item_errors(ids=[BAI], code=0)
    body = {"items": [{"id": BAM, "tags": ["x"]}, {"id": BAI, "tags": ["x"]}, {"id": VCF, "tags": ["x"]}]}
    items = sb.post(f"{emu.sevenbridges_url}/bulk/files/edit", json=body).json()["items"]
    assert [("resource" in item) for item in items] == [True, False, True]
    assert items[1]["error"]["code"] == 0
    assert items[1]["error"]["status"] == 503
    assert emu.sevenbridges.files[BAI]["tags"] == ["WGS", "tumor"]  # not applied
    assert emu.sevenbridges.files[VCF]["tags"] == ["x"]
    emu.faults.bulk_item_errors(fraction=1.0)
    items = sb.post(f"{emu.sevenbridges_url}/bulk/files/get", json={"file_ids": [BAM, VCF]}).json()["items"]
    assert [item["error"]["code"] for item in items] == [500, 500]
    assert all("resource" in item for item in sb.post(
        f"{emu.sevenbridges_url}/bulk/files/get", json={"file_ids": [BAM, VCF]}).json()["items"])  # fmt: skip


def test_fraction_failures_are_reproducible() -> None:
    def pick() -> list[int]:
        injector = FaultInjector(seed=7)
        injector.bulk_item_errors(fraction=0.3, times=None)
        return sorted(injector.item_failures("POST", "/v2/bulk/files/edit", [str(i) for i in range(50)]))

    assert pick() == pick()
    assert 5 < len(pick()) < 25


def test_fault_route_syntax() -> None:
    injector = FaultInjector()
    fault = injector.server_error("PATCH /api/v1/samples/*")
    assert fault.matches("PATCH", "/api/v1/samples/abc")
    assert not fault.matches("GET", "/api/v1/samples/abc")
    assert injector.server_error("/v2/*").matches("DELETE", "/v2/files/x")
    assert injector.server_error("* /v2/user").matches("GET", "/v2/user")
    with pytest.raises(ValueError, match="502"):
        injector.gateway_error(500)
