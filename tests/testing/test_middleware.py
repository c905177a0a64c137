"""The middleware (middleware): request ids, API detection, connection resets and slow replies."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.context import Context
from genomics_provider.testing.contracts import ViolationLog
from genomics_provider.testing.middleware import FaultMiddleware, RecordMiddleware, api_of, header_dict
from genomics_provider.testing.recorder import Recorder
from genomics_provider.testing.transport import TransportRegistry
from tests.testing.conftest import OC

SAMPLE = "7428cca4a3a04a8e"
BAM = "65a100000000000000000201"
BAI = "65a100000000000000000202"
VCF = "65a100000000000000000203"


def sample_url(emu: Emulator) -> str:
    return f"{emu.url}{OC}/samples/{SAMPLE}"


def test_every_response_has_a_request_id(oc: requests.Session, emu: Emulator) -> None:
    first = oc.get(f"{emu.url}{OC}/account")
    second = oc.get(f"{emu.url}{OC}/nothing")
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    assert [r.request_id for r in emu.recorder] == [first.headers["X-Request-Id"], second.headers["X-Request-Id"]]


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


@pytest.mark.parametrize(
    ("path", "api"),
    [("/api/v1", "onecodex"), ("/api/v1/samples", "onecodex"), ("/api/v10/samples", "unknown"),
     ("/v2", "sevenbridges"), ("/v2/files/x", "sevenbridges"), ("/v20", "unknown"), ("/", "unknown")],
)  # fmt: skip
def test_api_of(path: str, api: str) -> None:
    assert api_of(path) == api


def test_header_dict_lower_cases_names_and_joins_repeats() -> None:
    scope = {"headers": [(b"X-Tag", b"a"), (b"x-tag", b"b"), (b"Host", b"127.0.0.1:1")]}
    assert header_dict(scope) == {"x-tag": "a, b", "host": "127.0.0.1:1"}
    assert header_dict({}) == {}


def test_request_ids_count_from_one_after_a_reset(oc: requests.Session, emu: Emulator) -> None:
    first = oc.get(f"{emu.url}{OC}/account")
    second = oc.get(f"{emu.url}/elsewhere")
    assert [first.headers["X-Request-Id"], second.headers["X-Request-Id"]] == ["req-00000001", "req-00000002"]
    assert [r.api for r in emu.recorder] == ["onecodex", "unknown"]


def test_a_non_http_scope_passes_through_untouched(ctx: Context) -> None:
    seen: list[dict[str, Any]] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)

    recorder = Recorder()
    record = RecordMiddleware(inner, ctx, recorder, ViolationLog())
    faults = FaultMiddleware(inner, ctx, TransportRegistry(), asyncio.sleep)
    for middleware in (record, faults):
        asyncio.run(middleware({"type": "lifespan"}, None, None))  # type: ignore[arg-type]
    assert seen == [{"type": "lifespan"}, {"type": "lifespan"}]
    assert len(recorder) == 0
