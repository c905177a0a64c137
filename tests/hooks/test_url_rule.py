"""The one URL rule: the host a credential goes to is the host every parser reads, with no userinfo in the URL."""

from __future__ import annotations

import json

import pytest
import responses

from genomics_provider.exceptions import InsecureTransportError, InvalidInputError
from genomics_provider.hooks._connection import check_url
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.hooks.sevenbridges import SevenBridgesHook

KEY = "oc-url-rule-key-5d1c7e9a3b"
TOKEN = "sb-url-rule-token-8f2a6c4e0d"


def connect(monkeypatch: pytest.MonkeyPatch, conn_type: str, host: str) -> OneCodexHook | SevenBridgesHook:
    secret = KEY if conn_type == "onecodex" else TOKEN
    conn = {"conn_type": conn_type, "host": host, "password": secret}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_type.upper()}_DEFAULT", json.dumps(conn))
    return OneCodexHook() if conn_type == "onecodex" else SevenBridgesHook()


_CHARS = "contains a backslash, white space or a control character"
_USERINFO = "carries a user name or password"
_SCHEME = "is not an http(s) URL with a host name"
HOSTILE = [
    pytest.param("http://evil.example\\@127.0.0.1:8080", _CHARS, id="backslash: urllib3 dials evil.example"),
    pytest.param("https://app.onecodex.com@evil.example", _USERINFO, id="a trusted name as userinfo"),
    pytest.param("http://user:pw-secret-1@127.0.0.1:8080", _USERINFO, id="credentials in the host"),
    pytest.param("ftp://user:pw-secret-1@files.example", _SCHEME, id="another scheme with a password in it"),
    pytest.param("https://app.onecodex.com\t.evil.example", _CHARS, id="a tab inside the host"),
    pytest.param("https://app.one codex.com", _CHARS, id="a space inside the host"),
    pytest.param("https://app.onecodex.com\x00.evil.example", _CHARS, id="a NUL byte inside the host"),
    pytest.param("https://", _SCHEME, id="no host at all"),
]


@pytest.mark.parametrize("conn_type", ["onecodex", "sevenbridges"])
@pytest.mark.parametrize(("host", "rule"), HOSTILE)
def test_a_hostile_host_is_refused_before_any_request_without_echoing_userinfo(
    monkeypatch: pytest.MonkeyPatch, conn_type: str, host: str, rule: str
) -> None:
    hook = connect(monkeypatch, conn_type, host)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        with pytest.raises(InvalidInputError) as caught:
            hook.probe()
        assert len(api.calls) == 0
    message = str(caught.value)
    assert message.startswith(f"connection '{conn_type}_default': host ")
    assert rule in message
    for secret in ("pw-secret-1", "user:", KEY, TOKEN, "app.onecodex.com@"):
        assert secret not in message


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1:8080", "127.0.0.1"),
        ("https://[::1]:8443/v2", "::1"),
        ("https://cgc-api.sbgenomics.com/v2", "cgc-api.sbgenomics.com"),
        ("https://App.OneCodex.com", "app.onecodex.com"),
    ],
)
def test_a_plain_url_passes_with_the_host_the_pool_will_dial(url: str, host: str) -> None:
    assert check_url(url, what="host").host == host


def test_plain_http_is_still_refused_off_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    hook = connect(monkeypatch, "onecodex", "http://app.onecodex.com")

    rule = r"refusing to send the API key over plain http to 'app\.onecodex\.com'"
    with pytest.raises(InsecureTransportError, match=rule):
        _ = hook.base_url


@pytest.mark.parametrize(
    "link",
    ["https://app.onecodex.com@evil.example/api/v1/samples", "https://app.onecodex.com\\@evil.example/api/v1/samples"],
)
def test_a_link_from_a_response_that_breaks_the_rule_is_not_followed(
    monkeypatch: pytest.MonkeyPatch, link: str
) -> None:
    hook = connect(monkeypatch, "onecodex", "https://app.onecodex.com")

    with pytest.raises(InvalidInputError, match=r"^refusing to follow it: the One Codex link ") as caught:
        hook.url_for(link)
    assert "app.onecodex.com@" not in str(caught.value)
