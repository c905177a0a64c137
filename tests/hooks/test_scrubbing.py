"""Secrets are scrubbed from every message built from a response, in every form, before anything is cut."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
import responses

from genomics_provider.exceptions import GenomicsApiError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.sevenbridges.results import describe_error

KEY = "oc-scrub-key+4f9a/2c7e=1b"
URL = "https://app.onecodex.com/api/v1/account"
FORMS = {
    "raw": KEY,
    "url-encoded": quote(KEY, safe=""),
    "base64 key:": base64.b64encode(f"{KEY}:".encode()).decode(),
    "base64 :key": base64.b64encode(f":{KEY}".encode()).decode(),
}


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> OneCodexHook:
    conn = {"conn_type": "onecodex", "password": KEY, "extra": {"rate_limit": 0, "max_attempts": 1}}
    monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", json.dumps(conn))
    return OneCodexHook()


def leaked(message: str, secret: str) -> bool:
    """Tell whether any 6 characters in a row of the secret survive in the message."""
    return any(secret[start : start + 6] in message for start in range(len(secret) - 5))


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("offset", [0, 100, 110, 115, 118, 119, 120, 121, 130])
def test_a_text_error_body_echoing_the_key_is_scrubbed_before_it_is_cut(
    hook: OneCodexHook, form: str, offset: int
) -> None:
    body = "x" * offset + FORMS[form] + " trailing text"
    with responses.RequestsMock() as api:
        api.get(URL, status=500, body=body, content_type="text/plain")
        with pytest.raises(GenomicsApiError) as caught:
            hook.get_account()

    assert not leaked(str(caught.value), FORMS[form])
    assert not leaked(repr(caught.value.args), FORMS[form])


@pytest.mark.parametrize("form", list(FORMS))
def test_a_2xx_html_page_echoing_the_request_headers_is_scrubbed(hook: OneCodexHook, form: str) -> None:
    page = f"<html><head><title>Proxy: X-API-Key {FORMS[form]}</title></head><body>Authorization</body></html>"
    with responses.RequestsMock() as api:
        api.get(URL, status=200, body=page, content_type="text/html")
        with pytest.raises(GenomicsApiError, match="expected a JSON body, got an HTML page") as caught:
            hook.get_account()

    assert not leaked(str(caught.value), FORMS[form])


@pytest.mark.parametrize("form", list(FORMS))
def test_a_json_error_message_or_a_json_list_echoing_the_key_is_scrubbed(hook: OneCodexHook, form: str) -> None:
    with responses.RequestsMock() as api:
        api.get(URL, status=400, json={"message": f"bad header {FORMS[form]}", "status": 400})
        api.get(URL, status=400, json=["x" * 110 + FORMS[form]])
        with pytest.raises(GenomicsApiError) as first:
            hook.get_account()
        with pytest.raises(GenomicsApiError) as second:
            hook.get_account()

    assert str(first.value).startswith("GET /api/v1/account failed, HTTP 400: bad header ***")
    assert not leaked(str(second.value), FORMS[form])


SB_TOKEN = "sb-scrub-token+7d1e/9a3c=5f"
SB_FORMS = {"raw": SB_TOKEN, "url-encoded": quote(SB_TOKEN, safe="")}
FILE_ID = "5a0000000000000000000001"


@pytest.mark.parametrize("form", list(SB_FORMS))
@pytest.mark.parametrize("field", ["message", "more_info"])
def test_a_seven_bridges_bulk_error_item_echoing_the_token_is_scrubbed_before_it_reaches_the_report(
    monkeypatch: pytest.MonkeyPatch, form: str, field: str
) -> None:
    conn = {"conn_type": "sevenbridges", "password": SB_TOKEN, "extra": {"max_attempts": 1}}
    monkeypatch.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", json.dumps(conn))
    echoed = {"status": 403, "code": 5011, "message": "not allowed", field: f"token {SB_FORMS[form]} rejected"}
    with responses.RequestsMock() as api:
        api.post("https://cgc-api.sbgenomics.com/v2/bulk/files/edit", json={"items": [{"error": echoed}]})
        records = SevenBridgesHook().bulk_edit_files([{"id": FILE_ID, "tags": ["t"]}])

    error = records[0]["error"]
    assert error[field] == "token *** rejected"
    assert error["status"] == 403
    assert not leaked(describe_error(error), SB_FORMS[form])
