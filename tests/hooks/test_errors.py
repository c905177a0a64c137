"""Reading failures: messages from any error body, the typed error for a status, and how attempts ended.

Direct calls on hand-built ``requests`` objects: no server. The hooks' end-to-end scrubbing is in
``test_scrubbing.py``.
"""

from __future__ import annotations

import json
import socket
import ssl
from typing import Any

import pytest
import requests
from urllib3.exceptions import NameResolutionError

from genomics_provider.exceptions import (
    OUTCOME_UNKNOWN_NOTE,
    ConflictError,
    NotFoundError,
    ServerError,
)
from genomics_provider.hooks._errors import (
    MAX_DETAILS,
    V2_HINT,
    ErrorBody,
    attempts_note,
    base_url_hint,
    describe_failure,
    error_for_response,
    failure_kind,
    parse_error_body,
    parse_error_detail,
    secret_forms,
    strip_secrets,
    summarise_body,
    vendor_details,
)

SECRET = "sk-errors-5e2a9c"
SB_URL = "https://cgc-api.sbgenomics.com/v2/files/5a0000000000000000000001"


def scrub(text: str) -> str:
    return text.replace(SECRET, "***")


def response(
    status: int,
    body: Any = None,
    *,
    text: str | None = None,
    ctype: str = "application/json",
    url: str = "https://app.onecodex.com/api/v1/samples",
    headers: dict[str, str] | None = None,
    request_headers: dict[str, str] | None = None,
    reason: str | None = "Bad Request",
) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer.reason = reason  # type: ignore[assignment]
    answer._content = (json.dumps(body) if text is None else text).encode()
    answer.headers.update({"Content-Type": ctype, **(headers or {})})
    answer.request = requests.Request("GET", url, headers=request_headers or {}).prepare()
    return answer


# -- bodies that are not the JSON expected ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ctype", "summary"),
    [
        pytest.param(
            "<html><head><title>504 Gateway\n Time-out</title></head></html>",
            "text/html",
            "an HTML page (504 Gateway Time-out)",
            id="an HTML page by its title, white space folded",
        ),
        pytest.param(
            "<p>down  for\tmaintenance</p>", "text/plain", "an HTML page (down for maintenance)", id="no title"
        ),
        pytest.param("<html></html>", "text/html", "an HTML page (empty)", id="an empty HTML page"),
        pytest.param("   \n", "text/plain", "an empty body", id="white space only"),
        pytest.param("x" * 130, "text/plain", f"a non-JSON body ({'x' * 120})", id="text cut at 120 characters"),
    ],
)
def test_summarise_body(text: str, ctype: str, summary: str) -> None:
    assert summarise_body(response(502, text=text, ctype=ctype)) == summary


def test_summarise_body_scrubs_before_cutting() -> None:
    answer = response(500, text="x" * 115 + SECRET, ctype="text/plain")

    assert summarise_body(answer, scrub) == f"a non-JSON body ({'x' * 115}***)"


# -- error bodies ---------------------------------------------------------------------------------------------


def test_a_seven_bridges_body_gives_message_code_and_more_info() -> None:
    body = {"status": 403, "code": 5011, "message": "Not allowed.", "more_info": "https://docs.example/" + "m" * 400}

    parsed = parse_error_detail(response(403, body, url=SB_URL), scrub)

    assert parsed == ErrorBody("Not allowed.", code=5011, more_info="https://docs.example/" + "m" * 278 + "…")


def test_a_one_codex_validation_body_appends_its_details_after_a_full_stop() -> None:
    body = {"message": "Invalid", "errors": [{"path": ["visibility"], "message": "must be one of 'private'"}]}

    assert parse_error_detail(response(400, body)).message == "Invalid. Details: visibility: must be one of 'private'"


def test_a_message_ending_in_punctuation_gets_no_extra_full_stop_and_msg_is_read_too() -> None:
    body = {"msg": "Slow down!", "detail": {"rate": "over the limit"}}

    assert parse_error_detail(response(429, body)).message == "Slow down! Details: rate: over the limit"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"status": 400}, "Bad Request", id="no message: the reason"),
        pytest.param([1, "two"], 'Bad Request; the server sent [1, "two"]', id="a JSON list"),
        pytest.param({"message": f"bad key {SECRET}"}, "bad key ***", id="the message is scrubbed"),
    ],
)
def test_parse_error_detail_without_a_vendor_shape(body: Any, message: str) -> None:
    assert parse_error_detail(response(400, body), scrub).message == message


def test_a_non_json_error_body_is_summarised_after_the_reason() -> None:
    parsed = parse_error_detail(response(502, text="", ctype="text/plain", reason=None))

    assert parsed == ErrorBody("error; the server sent an empty body")


@pytest.mark.parametrize("code", [True, 1.5, ["x"]], ids=["a bool", "a float", "a list"])
def test_a_code_that_is_not_an_int_or_str_is_dropped(code: Any) -> None:
    assert parse_error_detail(response(400, {"message": "m", "code": code})).code is None


def test_parse_error_body_returns_message_and_code() -> None:
    assert parse_error_body(response(409, {"message": "Taken", "code": "E409"})) == ("Taken", "E409")


def test_vendor_details_are_capped_at_max_details_with_a_count_of_the_rest() -> None:
    body = {"errors": [{"loc": ["a", i], "msg": f"bad {i}"} for i in range(MAX_DETAILS + 3)]}

    details = vendor_details(body)

    assert details.startswith("a.0: bad 0; a.1: bad 1; ")
    assert details.endswith(f"a.{MAX_DETAILS - 1}: bad {MAX_DETAILS - 1}; and 3 more")
    assert details.count("; ") == MAX_DETAILS


@pytest.mark.parametrize(
    ("entry", "line"),
    [
        pytest.param("plain\n text", "plain text", id="a string entry, white space folded"),
        pytest.param({"path": "name", "error": ["too", "long"]}, "name: too, long", id="a list of messages"),
        pytest.param({"path": ["x"], "validationOf": {"b": 1}}, 'x: does not satisfy {"b": 1}', id="Potion"),
        pytest.param({"path": ["x"], "kind": "odd"}, 'x: {"kind": "odd"}', id="no message: the rest as JSON"),
    ],
)
def test_each_detail_entry_is_one_readable_line(entry: Any, line: str) -> None:
    assert vendor_details({"errors": [entry]}) == line


def test_a_detail_entry_is_cut_at_200_characters_after_scrubbing() -> None:
    details = vendor_details({"errors": ["d" * 195 + SECRET]}, scrub)

    assert details == "d" * 195 + "***"
    assert len(vendor_details({"errors": ["d" * 300]})) == 200


@pytest.mark.parametrize("body", [{}, {"errors": "text"}, {"errors": None, "detail": 3}], ids=["none", "str", "int"])
def test_no_detail_list_renders_nothing(body: dict[str, Any]) -> None:
    assert vendor_details(body) == ""


# -- the /v2 hint -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "url", "headers", "hint"),
    [
        pytest.param(404, "https://cgc-api.sbgenomics.com/files/x", {}, V2_HINT, id="a Seven Bridges host"),
        pytest.param(404, "http://127.0.0.1:9/files/x", {"X-SBG-Auth-Token": "t"}, V2_HINT, id="the token header"),
        pytest.param(404, SB_URL, {}, None, id="the path has /v2"),
        pytest.param(400, "https://cgc-api.sbgenomics.com/files/x", {}, None, id="not a 404"),
        pytest.param(404, "https://app.onecodex.com/files/x", {}, None, id="One Codex"),
    ],
)
def test_base_url_hint(status: int, url: str, headers: dict[str, str], hint: str | None) -> None:
    assert base_url_hint(response(status, {}, url=url, request_headers=headers)) == hint


# -- the typed error ------------------------------------------------------------------------------------------


def test_error_for_response_carries_every_field_and_fills_the_hint() -> None:
    answer = response(409, {"message": "Taken", "code": 7}, headers={"X-Request-Id": "req-1"})

    error = error_for_response(
        answer, "PATCH", "/api/v1/samples/x", hint="check {conn_id}", conn_id="oc", note="n", outcome_unknown=True
    )

    assert type(error) is ConflictError
    assert str(error) == "PATCH /api/v1/samples/x failed, HTTP 409, code 7: Taken (check oc) (n) (request id req-1)"
    assert (error.status, error.request_id, error.outcome_unknown) == (409, "req-1", True)


def test_a_hint_read_from_the_body_replaces_the_hooks_hint() -> None:
    answer = response(404, {"message": "Not found"}, url="https://cgc-api.sbgenomics.com/files/x")

    error = error_for_response(answer, "GET", "/files/x", hint="the hook's hint")

    assert type(error) is NotFoundError
    assert error.message == f"Not found ({V2_HINT})"


def test_a_5xx_is_a_server_error() -> None:
    assert type(error_for_response(response(503, {}, reason="Unavailable"), "GET", "/p")) is ServerError


# -- how attempts ended ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "attempts", "idempotent", "note", "unknown"),
    [
        pytest.param(requests.ReadTimeout(), 1, True, "", False, id="one read attempt: nothing to add"),
        pytest.param(requests.ReadTimeout(), 3, True, "gave up after 3 attempts", False, id="a read retried"),
        pytest.param(requests.ReadTimeout(), 1, False, OUTCOME_UNKNOWN_NOTE, True, id="a write timed out"),
        pytest.param(
            requests.ConnectionError(),
            2,
            False,
            f"gave up after 2 attempts; {OUTCOME_UNKNOWN_NOTE}",
            True,
            id="a write dropped after a retry",
        ),
        pytest.param(requests.ConnectTimeout(), 2, False, "gave up after 2 attempts", False, id="never connected"),
    ],
)
def test_attempts_note(
    exc: requests.RequestException, attempts: int, idempotent: bool, note: str, unknown: bool
) -> None:
    ending = attempts_note(exc, attempts, idempotent)

    assert (ending.note, ending.outcome_unknown) == (note, unknown)


def failed(cause: BaseException, url: str = "https://nx.example:8443/api") -> requests.ConnectionError:
    exc = requests.ConnectionError(cause)
    exc.request = requests.Request("GET", url).prepare()
    return exc


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        pytest.param(
            failed(NameResolutionError("nx.example", None, socket.gaierror(-2, "nope"))),  # type: ignore[arg-type]
            "the DNS name 'nx.example' was not resolved",
            id="DNS",
        ),
        pytest.param(failed(ConnectionRefusedError()), "the connection to 'nx.example:8443' was refused", id="refused"),
        pytest.param(failed(ssl.SSLError("bad")), "the TLS handshake with 'nx.example:8443' failed", id="TLS"),
        pytest.param(
            requests.ReadTimeout(), "timed out waiting for the answer from the server", id="read timeout, no URL"
        ),
        pytest.param(requests.ConnectTimeout(), "timed out connecting to the server", id="connect timeout"),
        pytest.param(failed(OSError("other")), None, id="anything else"),
    ],
)
def test_failure_kind(exc: BaseException, kind: str | None) -> None:
    assert failure_kind(exc) == kind


def test_a_rejected_certificate_says_why() -> None:
    cert = ssl.SSLCertVerificationError("verify failed")
    cert.verify_message = "self-signed certificate"

    assert (
        failure_kind(failed(cert))
        == "the TLS certificate of 'nx.example:8443' was not accepted (self-signed certificate)"
    )


def test_a_cause_wrapped_as_the_cause_is_found_too() -> None:
    outer = RuntimeError("wrapper")
    outer.__cause__ = ConnectionRefusedError()

    assert failure_kind(failed(outer, "https://h.example/x")) == "the connection to 'h.example' was refused"


def test_describe_failure_names_the_class_and_the_kind() -> None:
    assert describe_failure(failed(ConnectionRefusedError())) == (
        "ConnectionError: the connection to 'nx.example:8443' was refused"
    )
    assert describe_failure(ValueError("x")) == "ValueError"


# -- secrets ----------------------------------------------------------------------------------------------------


def test_strip_secrets_keeps_the_type_and_the_scrubbed_text_and_drops_everything_else() -> None:
    exc = requests.ConnectionError(f"failed for https://me:pw@host.example/x with key {SECRET}")
    exc.request = requests.Request("GET", "https://host.example").prepare()
    exc.__cause__ = ValueError("inner")
    try:
        raise exc
    except requests.ConnectionError as caught:
        safe = strip_secrets(caught, scrub)

    assert safe is exc
    assert safe.args == ("failed for https://***@host.example/x with key ***",)
    assert (safe.request, safe.response, safe.__cause__, safe.__context__, safe.__traceback__) == (None,) * 5


def test_strip_secrets_on_a_plain_exception_only_rewrites_its_text() -> None:
    exc = strip_secrets(ValueError("see //u:p@h"))

    assert exc.args == ("see //***@h",)


def test_secret_forms_lists_raw_url_encoded_and_basic_header_forms_longest_first() -> None:
    forms = secret_forms("a+b/c")

    assert forms == sorted(forms, key=len, reverse=True)
    assert set(forms) == {"a+b/c", "a%2Bb%2Fc", "YStiL2M6", "OmErYi9j", "YStiL2M"}
