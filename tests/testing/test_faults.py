"""Fault injection: every kind, route matching, counts and seeded probabilities."""

from __future__ import annotations

import logging
import time

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.errors import WERKZEUG_MESSAGES
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


def test_onecodex_429_burst_then_recovery(oc: requests.Session, emu: Emulator) -> None:
    emu.faults.rate_limited("PATCH /api/v1/samples/*", times=2, retry_after=3)
    statuses = [oc.patch(sample_url(emu), json={"visibility": "shared"}) for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].json() == {"msg": "Rate limited.", "status": 429}
    assert statuses[0].headers["Retry-After"] == "3"
    assert [r.fault for r in emu.recorder] == ["rate_limited", "rate_limited", None]


def test_sevenbridges_429_with_and_without_reset_header(sb: requests.Session, emu: Emulator) -> None:
    emu.faults.rate_limited("/v2/user", reset_header=True)
    emu.faults.rate_limited("/v2/user", reset_header=False)
    with_reset = sb.get(f"{emu.sevenbridges_url}/user")
    without = sb.get(f"{emu.sevenbridges_url}/user")
    assert (with_reset.status_code, with_reset.json()["code"]) == (429, 1000)
    assert int(with_reset.headers["X-RateLimit-Reset"]) >= int(time.time())
    assert with_reset.headers["X-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in with_reset.headers
    assert without.status_code == 429
    assert "X-RateLimit-Reset" not in without.headers
    assert sb.get(f"{emu.sevenbridges_url}/user").status_code == 200


def test_maintenance_503_in_each_api_format(oc: requests.Session, sb: requests.Session, emu: Emulator) -> None:
    emu.faults.maintenance(times=2)
    oc_reply = oc.get(sample_url(emu))
    sb_reply = sb.get(f"{emu.sevenbridges_url}/user")
    assert (oc_reply.status_code, oc_reply.json()) == (503, {"message": WERKZEUG_MESSAGES[503], "status": 503})
    assert (sb_reply.status_code, sb_reply.json()["code"]) == (503, 0)
    assert sb_reply.json()["message"] == "Platform is under maintenance."


@pytest.mark.parametrize("status", [502, 503, 504])
def test_html_gateway_pages(oc: requests.Session, emu: Emulator, status: int) -> None:
    emu.faults.gateway_error(status, "PATCH /api/v1/samples/*")
    response = oc.patch(sample_url(emu), json={"visibility": "shared"})
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<html>")
    assert emu.onecodex.samples[SAMPLE]["visibility"] == "private"  # not applied


def test_json_500(oc: requests.Session, sb: requests.Session, emu: Emulator) -> None:
    emu.faults.server_error(times=2)
    assert oc.get(sample_url(emu)).json() == {"message": WERKZEUG_MESSAGES[500], "status": 500}
    assert sb.get(f"{emu.sevenbridges_url}/user").json()["status"] == 500


def test_connection_reset_before_the_write(oc: requests.Session, emu: Emulator) -> None:
    emu.faults.connection_reset("PATCH /api/v1/samples/*")
    with pytest.raises(requests.ConnectionError):
        oc.patch(sample_url(emu), json={"visibility": "shared"})
    assert emu.onecodex.samples[SAMPLE]["visibility"] == "private"
    record = emu.recorder.last("PATCH")
    assert (record.status, record.fault) == (None, "connection_reset")
    assert oc.patch(sample_url(emu), json={"visibility": "shared"}).status_code == 200


def test_connection_reset_after_the_write(sb: requests.Session, emu: Emulator) -> None:
    emu.faults.connection_reset("PUT /v2/files/*/tags", after_write=True)
    with pytest.raises(requests.ConnectionError):
        sb.put(f"{emu.sevenbridges_url}/files/{BAM}/tags", json=["applied"])
    assert emu.sevenbridges.files[BAM]["tags"] == ["applied"]
    assert emu.recorder.last("PUT").extra["applied_status"] == 200


def test_a_reset_whose_connection_is_not_found_answers_a_json_500_and_says_so(
    sb: requests.Session, emu: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(emu._registry, "abort", lambda client: False)
    emu.faults.connection_reset("PUT /v2/files/*/tags", after_write=True)
    with caplog.at_level(logging.WARNING, logger="genomics_provider.testing.middleware"):
        response = sb.put(f"{emu.sevenbridges_url}/files/{BAM}/tags", json=["applied"])
    assert (response.status_code, response.json()["code"]) == (500, 500)
    assert emu.sevenbridges.files[BAM]["tags"] == ["applied"]
    record = emu.recorder.last("PUT")
    assert (record.status, record.fault, record.extra["applied_status"]) == (500, "connection_reset", 200)
    assert [r.getMessage() for r in caplog.records] == [
        "connection_reset fault: the connection was not found, so it answers a 500 instead"
    ]


def test_slow_response_times_out_the_client_after_applying(oc: requests.Session, emu: Emulator) -> None:
    emu.faults.slow_response(1.5, "PATCH /api/v1/samples/*")
    with pytest.raises(requests.ReadTimeout):
        oc.patch(sample_url(emu), json={"visibility": "shared"}, timeout=(2, 0.2))
    assert emu.onecodex.samples[SAMPLE]["visibility"] == "shared"
    assert emu.recorder.last("PATCH").status == 200


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
