"""Deferrable = poke: both sensors fail the same way, with the same retry behaviour, on the same bad input.

Each case runs a sensor twice against a strict scripted server on 127.0.0.1 (or none): in poke mode through
``execute``, and in deferrable mode as the triggerer would (the trigger's ``run`` on an event loop, then
``execute_complete`` with its event). Both must raise the same exception type with the same text and fields, after
the same requests; a bad connection (no password, plain http to a remote host, 401, 403) fails without retries
(``AirflowFailException``) in both, and a transient failure stays retryable in both.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable, Iterator
from typing import Any
from unittest.mock import MagicMock

import pytest

from genomics_provider._compat import AirflowFailException, AirflowNotFoundException
from genomics_provider.exceptions import (
    AccessRejectedError,
    ApiConnectionError,
    CredentialRejectedError,
    GenomicsApiError,
    InsecureTransportError,
    InvalidInputError,
    ServerError,
)
from genomics_provider.sensors import BaseGenomicsSensor
from genomics_provider.sensors.onecodex import OneCodexSampleSensor
from genomics_provider.sensors.sevenbridges import SevenBridgesFilesSensor
from tests.reliability.scripted_api import Reply, ScriptedApi, Seen, scripted_api

OC_KEY = "oc-parity-key-2b4d6f8a0c1e3a5c70"
SB_TOKEN = "sb-parity-token-9d7b5f3a1c0e2b4d60"
SAMPLE = "7428cca4a3a04a8e"
PROJECT = "rfranklin/demo"
CONN = "parity"
EVENT_TIMEOUT_S = 20.0

SENSORS: dict[str, Callable[[bool], BaseGenomicsSensor]] = {
    "One Codex": lambda deferrable: OneCodexSampleSensor(
        task_id="wait", sample_ids=[SAMPLE], onecodex_conn_id=CONN, deferrable=deferrable, poke_interval=0, timeout=60
    ),
    "Seven Bridges": lambda deferrable: SevenBridgesFilesSensor(
        task_id="wait", query={"project": PROJECT}, sevenbridges_conn_id=CONN, deferrable=deferrable,
        poke_interval=0, timeout=60,
    ),
}  # fmt: skip
CONN_TYPES = {"One Codex": "onecodex", "Seven Bridges": "sevenbridges"}


def answering(status: int) -> Callable[[Seen], Reply]:
    body = {"status": status, "code": status, "message": {401: "Unauthorized", 403: "Forbidden"}.get(status, "Boom")}
    return lambda seen: (status, {"X-Request-Id": "req-9"}, body)


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


#: ``(host, password, status the server answers, error type, fails without retry, requests per mode)``.
CASES = [
    pytest.param("{api}", "", None, InvalidInputError, True, 0, id="an empty password fails without retry"),
    pytest.param(
        "http://genomics.example", "{secret}", None, InsecureTransportError, True, 0,
        id="plain http to a remote host fails without retry",
    ),
    pytest.param("{api}", "{secret}", 401, CredentialRejectedError, True, 1, id="a 401 fails without retry"),
    pytest.param("{api}", "{secret}", 403, AccessRejectedError, True, 1, id="a 403 fails without retry"),
    pytest.param("{api}", "{secret}", 500, ServerError, False, 5, id="a 500 forever stays retryable after 5 tries"),
    pytest.param(
        "http://127.0.0.1:{closed}", "{secret}", None, ApiConnectionError, False, 0,
        id="a refused connection stays retryable",
    ),
    pytest.param(None, "{secret}", None, AirflowNotFoundException, False, 0, id="an unknown connection id"),
]  # fmt: skip


@pytest.fixture
def fake() -> Iterator[ScriptedApi]:
    with scripted_api() as api:
        yield api


def configure(monkeypatch: pytest.MonkeyPatch, fake: ScriptedApi, vendor: str, host: str | None, password: str) -> None:
    """Define connection ``parity`` for the vendor (or leave it undefined when ``host`` is ``None``)."""
    monkeypatch.delenv(f"AIRFLOW_CONN_{CONN.upper()}", raising=False)
    if host is None:
        return
    secret = OC_KEY if vendor == "One Codex" else SB_TOKEN
    url = fake.url if vendor == "One Codex" else f"{fake.url}/v2"
    conn = {
        "conn_type": CONN_TYPES[vendor],
        "host": host.format(api=url, closed=closed_port()),
        "password": password.format(secret=secret),
        "extra": {"rate_limit": 0},
    }
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN.upper()}", json.dumps(conn))


def in_poke_mode(vendor: str) -> BaseException:
    """Run the sensor as a worker does in poke mode; return what it raised."""
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the type is what the test compares
        SENSORS[vendor](False).execute({"ti": MagicMock()})
    return caught.value


def in_deferrable_mode(vendor: str) -> tuple[dict[str, Any], BaseException]:
    """Run the sensor's trigger as the triggerer does, then resume with its event; return the event and the error."""
    sensor = SENSORS[vendor](True)
    trigger = sensor.build_trigger()

    async def first() -> Any:
        events = trigger.run()
        try:
            return await events.__anext__()
        finally:
            await events.aclose()

    event = asyncio.run(asyncio.wait_for(first(), EVENT_TIMEOUT_S))
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the type is what the test compares
        sensor.execute_complete({"ti": MagicMock()}, event.payload)
    return event.payload, caught.value


@pytest.mark.parametrize("vendor", list(SENSORS))
@pytest.mark.parametrize(("host", "password", "status", "error", "final", "requests"), CASES)
def test_poke_and_deferrable_modes_raise_the_same_error_with_the_same_retry_behaviour(
    monkeypatch: pytest.MonkeyPatch,
    fake: ScriptedApi,
    vendor: str,
    host: str | None,
    password: str,
    status: int | None,
    error: type[Exception],
    final: bool,
    requests: int,
) -> None:
    configure(monkeypatch, fake, vendor, host, password)
    if status is not None:
        fake.script = answering(status)

    poked = in_poke_mode(vendor)
    sent_by_poke = len(fake.requests)
    payload, resumed = in_deferrable_mode(vendor)

    assert type(poked) is type(resumed) is error
    assert str(resumed) == str(poked)
    assert isinstance(poked, AirflowFailException) is isinstance(resumed, AirflowFailException) is final
    if isinstance(poked, GenomicsApiError) and isinstance(resumed, GenomicsApiError):
        assert resumed.fields() == poked.fields()
    assert (sent_by_poke, len(fake.requests) - sent_by_poke) == (requests, requests)
    assert payload["status"] == "error"
    for text in (str(poked), repr(resumed), json.dumps(payload)):
        assert OC_KEY not in text
        assert SB_TOKEN not in text


def test_a_401_event_keeps_every_field_and_only_provider_classes_are_rebuilt(
    monkeypatch: pytest.MonkeyPatch, fake: ScriptedApi
) -> None:
    configure(monkeypatch, fake, "Seven Bridges", "{api}", "{secret}")
    fake.script = answering(401)
    payload, resumed = in_deferrable_mode("Seven Bridges")
    assert isinstance(resumed, CredentialRejectedError)
    assert (resumed.status, resumed.code, resumed.method, resumed.path, resumed.request_id) == (
        401, 401, "GET", "/v2/files", "req-9",
    )  # fmt: skip
    assert str(resumed) == (
        "GET /v2/files failed, HTTP 401, code 401: Unauthorized (check the authentication token in connection "
        "'parity') (request id req-9)"
    )
    # An event naming a class outside the provider's exceptions is never imported or built: it stays retryable.
    forged = {**payload, "error": {**payload["error"], "type": "SystemExit"}}
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the type is what the test checks
        SENSORS["Seven Bridges"](True).execute_complete({}, forged)
    assert type(caught.value).__name__ == "AirflowException"
    assert str(caught.value) == f"polling Seven Bridges files failed: CredentialRejectedError: {resumed}"
