"""What handlers see and return (http): body parsing, Call accessors, Reply encoding, ApiError, Route gates."""

from __future__ import annotations

import dataclasses

import pytest

from genomics_provider.testing.http import BAD_JSON, NO_BODY, ApiError, Reply, Route, parse_json
from tests.testing.conftest import make_call


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(b"", NO_BODY), (b" \r\n ", NO_BODY), (b"{", BAD_JSON), (b"\xff", BAD_JSON), (b"[1]", [1]), (b"null", None)],
    ids=["empty", "blank", "truncated", "not-utf8", "array", "null"],
)
def test_parse_json(raw: bytes, expected: object) -> None:
    parsed = parse_json(raw)
    assert parsed is expected if expected in (NO_BODY, BAD_JSON, None) else parsed == expected


def test_call_reads_the_first_query_value_and_headers_case_insensitively() -> None:
    call = make_call("/v2/files", "tag=a&tag=b&empty=", {"x-pagination-style": "cursor"})
    assert (call.arg("tag"), call.arg("empty"), call.arg("missing"), call.arg("missing", "d")) == ("a", "", None, "d")
    assert call.header("X-Pagination-Style") == "cursor"
    assert call.header("Authorization") is None
    assert (call.client, call.params, call.principal) == ("unknown", {}, None)


def test_reply_encoding() -> None:
    assert Reply(200, {"a": [1, None]}).encode() == b'{"a": [1, null]}'
    assert Reply(200).encode() == b""
    assert Reply(204, {"ignored": True}).encode() == b""
    assert Reply(502, {"x": 1}, raw=b"<html>").encode() == b"<html>"


def test_reply_response_status_headers_and_media_type() -> None:
    response = Reply(429, {"msg": "x"}, {"Retry-After": "2"}).response()
    assert (response.status_code, response.body, response.headers["retry-after"]) == (429, b'{"msg": "x"}', "2")
    assert response.headers["content-type"] == "application/json"
    html = Reply(502, raw=b"<html></html>", content_type="text/html").response()
    assert html.headers["content-type"] == "text/html; charset=utf-8"


def test_a_204_has_neither_body_nor_content_type() -> None:
    response = Reply(204, headers={"X-Extra": "1"}).response()
    assert (response.status_code, response.body) == (204, b"")
    assert "content-type" not in response.headers
    assert response.headers["x-extra"] == "1"


def test_api_error_wraps_a_reply() -> None:
    reply = Reply(403, {"message": "no"})
    error = ApiError(reply)
    assert error.reply is reply
    assert error.args == (403,)


def test_route_gates_default_to_authenticated_counted_and_not_anonymous() -> None:
    route = Route("GET", "/v2/user", lambda call: Reply(200))
    assert (route.auth, route.counted, route.anonymous_list) == (True, True, False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        route.auth = False  # type: ignore[misc]
