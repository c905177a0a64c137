"""Errors keep everything a person needs, and nothing secret; failure messages and summaries stay small.

Vendor bodies come from a strict scripted server on 127.0.0.1; failures without a response are real ones made on
loopback (a closed port, a server that never answers, a self-signed TLS certificate) or a DNS lookup patched to fail.
Each case asserts the exact message and that the credential is in no ``str``, ``repr``, or object reachable from the
exception's cause and context (request, response, urllib3 connection, traceback frames).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import pickle
import shutil
import socket
import ssl
import subprocess
import threading
import types
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
import requests
import responses

from genomics_provider._compat import AirflowException
from genomics_provider.curation.outcome import Outcome
from genomics_provider.exceptions import ApiConnectionError, GenomicsApiError, ServerError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.onecodex.status import check_samples
from genomics_provider.operators.base import raise_for_failures
from genomics_provider.operators.onecodex import UpdateSampleVisibilityOperator
from tests.reliability.scripted_api import Reply, ScriptedApi, Seen, scripted_api

OC_KEY = "oc-detail-key-5d7f9b1c3e2a4c6e80"
SB_TOKEN = "sb-detail-token-1f3b5d7a9c2e4f6a80"
SAMPLE = "7428cca4a3a04a8e"
FILE = "5f1c3e7a9b2d4f6a8c0e1b3d"
SB_DOCS = "https://docs.sevenbridges.com/reference#api-status-codes"
WERKZEUG_400 = "The browser (or proxy) sent a request that this server could not understand."
V2_HINT = "the base URL has no /v2; Seven Bridges API base URLs end in /v2, e.g. https://cgc-api.sbgenomics.com/v2"
PATCH = f"PATCH /api/v1/samples/{SAMPLE} failed, HTTP 400"
KB20 = 20_000


def connect(monkeypatch: pytest.MonkeyPatch, name: str, conn_type: str, host: str, **extra: Any) -> None:
    """Point a connection at a host, with the distinctive credential of its type and no client-side bucket."""
    secret = OC_KEY if conn_type == "onecodex" else SB_TOKEN
    conn = {"conn_type": conn_type, "host": host, "password": secret, "extra": {"rate_limit": 0, **extra}}
    monkeypatch.setenv(f"AIRFLOW_CONN_{name.upper()}", json.dumps(conn))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedApi]:
    """The scripted server, with ``onecodex_default`` and ``sevenbridges_default`` (``/v2``) pointing at it."""
    with scripted_api() as api:
        connect(monkeypatch, "onecodex_default", "onecodex", api.url)
        connect(monkeypatch, "sevenbridges_default", "sevenbridges", f"{api.url}/v2")
        yield api


def reachable_text(root: object, limit: int = 200_000) -> Iterator[str]:
    """Yield every string and bytes object reachable from ``root`` (skipping classes, modules and functions)."""
    skip = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.CodeType)
    seen: set[int] = set()
    todo = [root]
    while todo and len(seen) < limit:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, skip):
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            yield obj
        elif isinstance(obj, (bytes, bytearray, memoryview)):
            yield bytes(obj).decode("latin-1")
        else:
            todo.extend(gc.get_referents(obj))


def assert_no_secret(exc: BaseException) -> None:
    """Assert that neither credential is in the exception's text, repr, fields, cause chain or context chain."""
    texts = [str(exc), repr(exc), *map(str, exc.args), *map(str, vars(exc).values())]
    for linked in (exc.__cause__, exc.__context__):
        texts += list(reachable_text(linked))
    leaks = [text for text in texts if OC_KEY in text or SB_TOKEN in text]
    assert leaks == [], f"the credential is reachable from the exception: {leaks[:1]!r}"


def replying(status: int, body: Any) -> Callable[[Seen], Reply]:
    return lambda seen: (status, {"X-Request-Id": "req-7"}, body)


# -- vendor bodies -----------------------------------------------------------------------------------------------


def oc_400(errors: Any, key: str = "errors") -> dict[str, Any]:
    return {"message": WERKZEUG_400, "status": 400, key: errors}


VENDOR_BODIES = [
    pytest.param(
        oc_400([{"path": ["visibility"], "message": "must be one of 'private', 'shared', 'public'"}]),
        f"{PATCH}: {WERKZEUG_400} Details: visibility: must be one of 'private', 'shared', 'public' (request id req-7)",
        id="One Codex errors[] path and message are appended to the generic werkzeug sentence",
    ),
    pytest.param(
        oc_400([{"path": ["visibility"], "validationOf": {"enum": ["private", "public"]}}]),
        f'{PATCH}: {WERKZEUG_400} Details: visibility: does not satisfy {{"enum": ["private", "public"]}} '
        "(request id req-7)",
        id="a Potion validationOf detail says which rule failed",
    ),
    pytest.param(
        {"message": "Bad Request", "detail": [{"loc": ["body", "custom", "run"], "msg": "Input should be a string"}]},
        f"{PATCH}: Bad Request. Details: body.custom.run: Input should be a string (request id req-7)",
        id="a Pydantic detail list with loc and msg is kept too",
    ),
    pytest.param(
        oc_400([{"path": ["tags", n], "message": "too long"} for n in range(25)]),
        f"{PATCH}: {WERKZEUG_400} Details: "
        + "; ".join(f"tags.{n}: too long" for n in range(10))
        + "; and 15 more (request id req-7)",
        id="25 details show the first 10 and how many more",
    ),
    pytest.param(
        oc_400([{"path": ["custom"], "message": f"the key {OC_KEY} may not set custom fields"}]),
        f"{PATCH}: {WERKZEUG_400} Details: custom: the key *** may not set custom fields (request id req-7)",
        id="a detail echoing the API key is scrubbed",
    ),
    pytest.param(
        oc_400([{"path": ["name"], "message": "x" * 150 + OC_KEY + "y" * 100}]),
        f"{PATCH}: {WERKZEUG_400} Details: name: {'x' * 150}***{'y' * 40}… (request id req-7)",
        id="a long detail is scrubbed before it is cut to 200 characters",
    ),
]


@pytest.mark.parametrize(("body", "expected"), VENDOR_BODIES)
def test_vendor_error_details_reach_the_message_scrubbed_and_capped(
    fake: ScriptedApi, body: dict[str, Any], expected: str
) -> None:
    fake.script = replying(400, body)
    with pytest.raises(GenomicsApiError) as caught:
        OneCodexHook().update_sample(SAMPLE, {"visibility": "public"})
    assert str(caught.value) == expected
    assert_no_secret(caught.value)


@pytest.mark.parametrize(
    ("more_info", "kept"),
    [
        pytest.param(SB_DOCS, SB_DOCS, id="Seven Bridges more_info and code are kept on the error"),
        pytest.param(f"{SB_DOCS}?token={SB_TOKEN}", f"{SB_DOCS}?token=***", id="a more_info echoing the token"),
    ],
)
def test_seven_bridges_more_info_and_code_are_kept(fake: ScriptedApi, more_info: str, kept: str) -> None:
    body = {"status": 404, "code": 5002, "message": "Requested file does not exist.", "more_info": more_info}
    fake.script = replying(404, body)
    with pytest.raises(GenomicsApiError) as caught:
        SevenBridgesHook().get_file(FILE)
    error = caught.value
    assert (error.status, error.code, error.more_info, error.request_id) == (404, 5002, kept, "req-7")
    assert str(error) == (
        f"GET /v2/files/{FILE} failed, HTTP 404, code 5002: Requested file does not exist. "
        "(it does not exist, or is not visible to this token) (request id req-7)"
    )
    clone = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (clone.more_info, clone.outcome_unknown, str(clone)) == (kept, False, str(error))
    assert_no_secret(error)


# -- a Seven Bridges base URL without /v2 --------------------------------------------------------------------------


def test_a_loopback_seven_bridges_host_without_v2_gets_the_hint(
    fake: ScriptedApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(monkeypatch, "sb_no_v2", "sevenbridges", fake.url)
    fake.script = replying(404, {"status": 404, "code": 404, "message": "Not found."})
    with pytest.raises(GenomicsApiError) as caught:
        SevenBridgesHook("sb_no_v2").get_user()
    assert str(caught.value) == f"GET /user failed, HTTP 404, code 404: Not found. ({V2_HINT}) (request id req-7)"
    assert fake.sent() == ["GET /user"]


def test_the_vendor_host_without_v2_and_a_bearer_token_gets_the_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    connect(monkeypatch, "sb_cgc", "sevenbridges", "https://cgc-api.sbgenomics.com", auth_scheme="bearer")
    with responses.RequestsMock() as rsps:
        rsps.get("https://cgc-api.sbgenomics.com/user", status=404, body="<html><title>404 Not Found</title></html>")
        with pytest.raises(GenomicsApiError) as caught:
            SevenBridgesHook("sb_cgc").get_user()
    assert str(caught.value) == (
        f"GET /user failed, HTTP 404: Not Found; the server sent an HTML page (404 Not Found) ({V2_HINT})"
    )
    assert_no_secret(caught.value)


# -- failures without a response keep their cause --------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Make a self-signed certificate for 127.0.0.1 with the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        (pytest.fail if os.environ.get("CI") == "true" else pytest.skip)("needs openssl: apt-get install openssl")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    arguments = "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1"
    subprocess.run(
        [
            str(openssl),
            *arguments.split(),
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """The client refusing our certificate is the point; say nothing."""


@pytest.fixture
def tls_port(self_signed: tuple[Path, Path]) -> Iterator[int]:
    """An HTTPS server on 127.0.0.1 whose certificate no CA signed."""
    server = _QuietServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, self_signed))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A listening socket that accepts (the kernel does) and never answers."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        yield sock.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "nx.genomics.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)


CERT_WHY = {"self-signed certificate", "self signed certificate"}  # OpenSSL 3 and 1.1 spell it differently
NO_RESPONSE = "GET /api/v1/account failed: no response from One Codex"


@pytest.mark.parametrize(
    ("host", "attempts", "cause", "expected"),
    [
        pytest.param(
            "https://nx.genomics.invalid", 5, requests.ConnectionError,
            f"{NO_RESPONSE}: ConnectionError: the DNS name 'nx.genomics.invalid' was not resolved "
            "(gave up after 5 attempts)",
            id="an unresolved DNS name says so and keeps the cause",
        ),
        pytest.param(
            "http://127.0.0.1:{closed}", 1, requests.ConnectionError,
            f"{NO_RESPONSE}: ConnectionError: the connection to '127.0.0.1:{{closed}}' was refused",
            id="a refused connection says so and keeps the cause",
        ),
        pytest.param(
            "https://127.0.0.1:{tls}", 1, requests.exceptions.SSLError,
            f"{NO_RESPONSE}: SSLError: the TLS certificate of '127.0.0.1:{{tls}}' was not accepted ({{why}})",
            id="a self-signed TLS certificate says so and keeps the cause",
        ),
        pytest.param(
            "http://127.0.0.1:{silent}", 1, requests.ReadTimeout,
            f"{NO_RESPONSE}: ReadTimeout: timed out waiting for the answer from '127.0.0.1:{{silent}}'",
            id="a server that never answers is a read timeout and keeps the cause",
        ),
    ],
)  # fmt: skip
def test_a_failure_without_response_names_its_kind_and_chains_a_cause_without_the_key(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    host: str,
    attempts: int,
    cause: type[Exception],
    expected: str,
) -> None:
    ports = {name: request.getfixturevalue(f"{name}_port") for name in ("closed", "tls", "silent") if name in host}
    if "invalid" in host:
        request.getfixturevalue("no_dns")
    connect(monkeypatch, "oc_down", "onecodex", host.format(**ports), max_attempts=attempts, timeout=0.3)
    with pytest.raises(ApiConnectionError) as caught:
        OneCodexHook("oc_down").get_account()
    error = caught.value
    texts = {expected.format(**ports, why=why) for why in CERT_WHY}
    assert str(error) in texts
    assert type(error.__cause__) is cause
    assert (error.__cause__.request, error.__cause__.response, error.__cause__.__traceback__) == (None, None, None)
    assert error.status is None
    assert not error.outcome_unknown
    assert_no_secret(error)


def test_an_http_error_cause_keeps_its_text_but_not_the_response_that_echoed_the_key(
    fake: ScriptedApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(monkeypatch, "oc_once", "onecodex", fake.url, max_attempts=1)
    fake.script = replying(500, {"message": f"crashed on key {OC_KEY}", "status": 500})
    with pytest.raises(ServerError) as caught:
        OneCodexHook("oc_once").get_account()
    assert str(caught.value) == "GET /api/v1/account failed, HTTP 500: crashed on key *** (request id req-7)"
    assert type(caught.value.__cause__) is requests.HTTPError
    assert str(caught.value.__cause__).startswith("500 Server Error: Internal Server Error for url: http://127.0.0.1")
    assert caught.value.__cause__.response is None
    assert_no_secret(caught.value)


# -- outcome_unknown is a field -----------------------------------------------------------------------------------


def test_outcome_unknown_is_a_field_set_by_the_transport_not_a_substring_of_the_note(
    fake: ScriptedApi, monkeypatch: pytest.MonkeyPatch, silent_port: int
) -> None:
    connect(monkeypatch, "oc_slow", "onecodex", f"http://127.0.0.1:{silent_port}", write_timeout=0.2)
    with pytest.raises(ApiConnectionError) as caught:
        OneCodexHook("oc_slow").update_sample(SAMPLE, {"visibility": "public"})
    assert caught.value.outcome_unknown is True
    assert str(caught.value) == (
        f"PATCH /api/v1/samples/{SAMPLE} failed: no response from One Codex: ReadTimeout: timed out waiting for the "
        f"answer from '127.0.0.1:{silent_port}' (not re-sent: the server may have applied it)"
    )
    quoted = GenomicsApiError("x", note="a note quoting 'not re-sent: the server may have applied it'")
    assert (quoted.outcome_unknown, GenomicsApiError("x", outcome_unknown=True).outcome_unknown) == (False, True)
    assert_no_secret(caught.value)


# -- capped failure messages and summaries ---------------------------------------------------------------------

MANY = 100_000


def many(prefix: str, reason: str | None = None) -> Any:
    ids = [f"{prefix}{n:014x}" for n in range(MANY - 1, -1, -1)]  # newest first: the cap must sort by id
    return ids if reason is None else {item: reason for item in ids}


def test_a_failure_of_100k_items_raises_a_small_message_with_exact_counts_and_logs_them_all(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outcome = Outcome(changed=["ab" + "0" * 14], failed=many("ff", f"HTTP 400: {'x' * 300}"))
    caplog.set_level(logging.ERROR, logger="genomics_provider.operators.base")
    with pytest.raises(AirflowException) as caught:
        raise_for_failures(outcome, noun="samples", note="Stopped early.")
    message = str(caught.value)
    first = f"ff{0:014x}: HTTP 400: {'x' * 109}…"
    assert len(message.encode()) < KB20
    assert message.startswith(
        "100000 of 100001 samples failed (1 changed, 0 already as asked; the first 50 by id are shown, every one is "
        f"in the task log): {first}; ff{1:014x}: "
    )
    assert message.endswith(f"ff{49:014x}: HTTP 400: {'x' * 109}…; and 99950 more. Stopped early.")
    assert message.count("ff0000") == 50
    logged = [record.getMessage() for record in caplog.records]
    assert logged[0] == "100000 samples failed; every one of them, by id:"
    lines = [line for record in logged[1:] for line in record.split("\n")[1:]]
    assert lines == [f"ff{n:014x}: HTTP 400: {'x' * 300}" for n in range(MANY)]
    assert len(logged) == 1 + MANY // 500


@pytest.mark.parametrize(
    ("outcome", "counts"),
    [
        pytest.param(
            Outcome(failed=many("ff", "HTTP 500: Internal Server Error")),
            {"changed": 0, "unchanged": 0, "failed": MANY, "skipped": 0},
            id="100k failed items give a summary under 20 kB listing the first 50 by id",
        ),
        pytest.param(
            Outcome(
                changed=many("aa"), unchanged=many("bb"), failed=many("ff", "y" * 1000), skipped=many("cc", "z" * 999)
            ),
            {"changed": MANY, "unchanged": MANY, "failed": MANY, "skipped": MANY},
            id="100k of every kind with 1000-character reasons still give a summary under 20 kB",
        ),
    ],
)
def test_a_summary_of_100k_items_is_small_with_exact_counts(outcome: Outcome, counts: dict[str, int]) -> None:
    summary = outcome.summary(dry_run=False)
    assert len(json.dumps(summary).encode()) < KB20
    assert summary["counts"] == counts
    assert summary["truncated"] is True
    assert list(summary["failed"]) == [f"ff{n:014x}" for n in range(50)]
    assert all(len(reason) <= 120 for reason in summary["failed"].values())
    if counts["changed"]:
        assert summary["changed"] == [f"aa{n:014x}" for n in range(50)]


def test_a_sensor_failure_over_100k_samples_is_small() -> None:
    ids = [f"{n:016x}" for n in range(MANY)]
    message = check_samples(ids, {}, "available").failure_message("onecodex_default")
    assert len(message.encode()) < KB20
    assert message.startswith("100000 of 100000 One Codex samples will never be 'available': 0000000000000000: ")
    assert message.endswith(" (missing, deleted, or not visible to connection 'onecodex_default'); and 99950 more")


def test_an_operator_failure_keeps_the_vendor_detail_in_exception_and_summary_without_the_key(
    fake: ScriptedApi,
) -> None:
    def script(seen: Seen) -> Reply:
        if seen.method == "GET":
            return 200, {}, [{"$uri": f"/api/v1/samples/{SAMPLE}", "visibility": "private", "tags": []}]
        return 403, {}, {"message": "Forbidden", "status": 403, "errors": [{"path": ["visibility"], "message":
                         f"organisation policy: key {OC_KEY} may not publish"}]}  # fmt: skip

    fake.script = script
    ti = MagicMock()
    with pytest.raises(AirflowException) as caught:
        UpdateSampleVisibilityOperator(task_id="v", sample_ids=[SAMPLE], visibility="public").execute({"ti": ti})
    summary = next(call.kwargs["value"] for call in ti.xcom_push.call_args_list if call.kwargs["key"] == "summary")
    reason = (
        f"not written: PATCH /api/v1/samples/{SAMPLE} failed, HTTP 403: Forbidden. Details: visibility: "
        "organisation policy: "
        "key *** may not publish (the API key's account may not make this change)"
    )
    assert summary == {"changed": [], "unchanged": [], "skipped": {}, "failed": {SAMPLE: reason}, "dry_run": False}
    assert str(caught.value) == f"1 of 1 samples failed (0 changed, 0 already as asked): {SAMPLE}: {reason}"
    assert OC_KEY not in json.dumps(summary)
    assert_no_secret(caught.value)
