"""Fault replies (fault_replies): 429, 503, 500 and gateway pages in each API's own format."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from genomics_provider.testing import Emulator, EmulatorConfig
from genomics_provider.testing.errors import WERKZEUG_MESSAGES
from genomics_provider.testing.fault_replies import fault_reply, gateway_page
from genomics_provider.testing.faults import (
    BULK_ITEM_ERRORS,
    CONNECTION_RESET,
    GATEWAY_HTML,
    LATENCY,
    MAINTENANCE,
    RATE_LIMITED,
    SERVER_ERROR,
    SLOW_RESPONSE,
    Fault,
)
from tests.testing.conftest import OC, START
from tests.testing.conftest import sb_error_body as error

SAMPLE = "7428cca4a3a04a8e"


def sample_url(emu: Emulator) -> str:
    return f"{emu.url}{OC}/samples/{SAMPLE}"


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


def test_gateway_page_is_nginxs() -> None:
    page = gateway_page(504).decode()
    assert page.startswith("<html>\r\n<head><title>504 Gateway Time-out</title></head>")
    assert "<center><h1>504 Gateway Time-out</h1></center>" in page
    assert page.endswith("<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
    assert "503 Service Temporarily Unavailable" in gateway_page(503).decode()


@pytest.mark.parametrize(
    ("kind", "api", "status", "body"),
    [
        (MAINTENANCE, "onecodex", 503, {"message": WERKZEUG_MESSAGES[503], "status": 503}),
        (MAINTENANCE, "unknown", 503, {"message": WERKZEUG_MESSAGES[503], "status": 503}),
        (MAINTENANCE, "sevenbridges", 503, error(503, 0, "Platform is under maintenance.")),
        (SERVER_ERROR, "unknown", 500, {"message": WERKZEUG_MESSAGES[500], "status": 500}),
        (SERVER_ERROR, "sevenbridges", 500, error(500, 500, "Internal server error.")),
        (RATE_LIMITED, "onecodex", 429, {"msg": "Rate limited.", "status": 429}),
        (RATE_LIMITED, "sevenbridges", 429, error(429, 1000, "Rate limit exceeded! Check response headers.")),
    ],
)
def test_fault_reply_bodies(kind: str, api: str, status: int, body: dict[str, Any]) -> None:
    reply = fault_reply(Fault(kind), api, EmulatorConfig(), START)
    assert (reply.status, reply.body) == (status, body)


def test_sevenbridges_rate_limited_headers() -> None:
    config = EmulatorConfig(sevenbridges_limit=7)
    reply = fault_reply(Fault(RATE_LIMITED, params={"reset_in_s": 2.5, "retry_after": 4}), "sevenbridges", config, 10.2)
    assert reply.headers == {
        "Retry-After": "4", "X-RateLimit-Limit": "7", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "13"
    }  # fmt: skip
    default = fault_reply(Fault(RATE_LIMITED), "sevenbridges", config, 10.0)
    assert default.headers["X-RateLimit-Reset"] == "11"
    assert "Retry-After" not in default.headers
    assert fault_reply(Fault(RATE_LIMITED), "onecodex", config, 10.0).headers == {}


def test_gateway_fault_is_html_and_other_kinds_do_not_replace_the_reply() -> None:
    reply = fault_reply(Fault(GATEWAY_HTML, params={"status": 502}), "sevenbridges", EmulatorConfig(), START)
    assert (reply.status, reply.content_type, reply.raw) == (502, "text/html", gateway_page(502))
    for kind in (LATENCY, CONNECTION_RESET, SLOW_RESPONSE, BULK_ITEM_ERRORS):
        with pytest.raises(ValueError, match="does not replace the response"):
            fault_reply(Fault(kind), "onecodex", EmulatorConfig(), START)
