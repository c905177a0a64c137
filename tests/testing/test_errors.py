"""Error bodies (errors): werkzeug messages for One Codex, ``{status, code, message, more_info}`` for Seven Bridges."""

from __future__ import annotations

import pytest

from genomics_provider.testing.errors import (
    ONECODEX_RATE_LIMITED,
    SB_CODES,
    SB_MORE_INFO,
    WERKZEUG_MESSAGES,
    oc_body,
    oc_error,
    sb_body,
    sb_error,
    sb_reply,
)


def test_oc_body_is_message_and_status_plus_errors_only_when_given() -> None:
    assert oc_body(404) == {"message": WERKZEUG_MESSAGES[404], "status": 404}
    assert oc_body(400, []) == {"message": WERKZEUG_MESSAGES[400], "status": 400}
    detail = [{"path": ["where"], "message": "bad"}]
    assert oc_body(400, detail) == {"message": WERKZEUG_MESSAGES[400], "status": 400, "errors": detail}


def test_oc_error_carries_its_reply() -> None:
    error = oc_error(400, "where: bad", ["where"])
    assert error.reply.status == 400
    assert error.reply.body["errors"] == [{"path": ["where"], "message": "where: bad"}]
    assert oc_error(400, "no path").reply.body["errors"] == [{"path": [], "message": "no path"}]
    assert "errors" not in oc_error(403).reply.body


def test_the_werkzeug_messages_are_the_services_own() -> None:
    assert sorted(WERKZEUG_MESSAGES) == [400, 401, 403, 404, 405, 500, 503]
    assert WERKZEUG_MESSAGES[405] == "The method is not allowed for the requested URL."
    assert "  You either supplied" in WERKZEUG_MESSAGES[401]  # two spaces, as werkzeug writes it
    assert ONECODEX_RATE_LIMITED == {"msg": "Rate limited.", "status": 429}


def test_sb_body_uses_the_codes_status_and_message_unless_overridden() -> None:
    assert sb_body(5002) == {
        "status": 404, "code": 5002, "message": "Requested file does not exist.", "more_info": SB_MORE_INFO
    }  # fmt: skip
    assert sb_body(5033, "offset must be >= 0.")["message"] == "offset must be >= 0."
    assert sb_body(0)["status"] == 503
    with pytest.raises(KeyError):
        sb_body(9999)


#: The HTTP status of each Seven Bridges code, as the vendor's status-code page lists it.
SB_STATUS = {
    0: 503, 401: 401, 404: 404, 405: 405, 500: 500, 1000: 429, 3002: 404, 3012: 400, 5001: 403, 5002: 404,
    5004: 400, 5005: 400, 5006: 400, 5009: 403, 5011: 403, 5023: 400, 5025: 400, 5027: 400, 5029: 400, 5033: 400,
    5035: 400,
}  # fmt: skip


def test_the_code_table_is_complete() -> None:
    assert set(SB_CODES) == set(SB_STATUS)


@pytest.mark.parametrize(("code", "status"), sorted(SB_STATUS.items()))
def test_every_sb_code_answers_its_own_http_status(code: int, status: int) -> None:
    reply = sb_reply(code)
    assert (reply.status, reply.body["status"], reply.body["code"], reply.body["message"]) == (
        status, status, code, SB_CODES[code][1]
    )  # fmt: skip
    assert sb_error(code).reply.body == reply.body
