"""The connection as the hooks use it: the one URL rule, loopback hosts, and a ``repr`` that hides the password.

The URL rule: the host a credential goes to is the host every parser reads, with no userinfo in the URL.
"""

from __future__ import annotations

import json

import pytest
import responses
from airflow.sdk import Connection

from genomics_provider.exceptions import InsecureTransportError, InvalidInputError
from genomics_provider.hooks._connection import SafeUrl, check_url, is_loopback_host, redacted
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


def test_check_url_returns_the_url_as_given_with_its_scheme_and_lowercased_host() -> None:
    assert check_url("https://App.OneCodex.com/api", what="host") == SafeUrl(
        "https://App.OneCodex.com/api", "https", "app.onecodex.com"
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        pytest.param("https://user:pw-secret-1@evil.example/x", "'https://***@evil.example/x'", id="userinfo is cut"),
        pytest.param("user:pw-secret-1@evil.example", "'***@evil.example'", id="no scheme: still cut"),
    ],
)
def test_a_refused_url_is_quoted_without_what_stood_before_the_at(url: str, shown: str) -> None:
    with pytest.raises(ValueError, match=r"^conn host ") as caught:
        check_url(url, what="conn host")

    assert str(caught.value).startswith(f"conn host {shown} ")
    assert "pw-secret-1" not in str(caught.value)


def test_a_port_the_http_client_cannot_read_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"^host 'https://example\.org:99999' "):
        check_url("https://example.org:99999", what="host")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        pytest.param("127.0.0.1", True, id="127.0.0.1"),
        pytest.param("127.8.9.10", True, id="anywhere in 127.0.0.0/8"),
        pytest.param("::1", True, id="IPv6 ::1"),
        pytest.param("[::1]", True, id="bracketed IPv6 ::1"),
        pytest.param("LocalHost", True, id="localhost in any case"),
        pytest.param("localhost.localdomain", True, id="localhost.localdomain"),
        pytest.param("10.0.0.1", False, id="a private address is not loopback"),
        pytest.param("localhost.evil.example", False, id="a name that starts with localhost"),
        pytest.param("", False, id="an empty host"),
        pytest.param(None, False, id="no host"),
    ],
)
def test_is_loopback_host_truth_table(host: str | None, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_a_redacted_connection_keeps_every_field_and_hides_only_the_password() -> None:
    conn = Connection(conn_id="oc", conn_type="onecodex", host="https://app.onecodex.com", login="me", password=KEY)

    safe = redacted(conn)

    assert (safe.conn_id, safe.host, safe.login, safe.password) == ("oc", "https://app.onecodex.com", "me", KEY)
    assert repr(safe) == (
        "Connection(conn_id='oc', conn_type='onecodex', host='https://app.onecodex.com', login='me', password='***')"
    )
    assert KEY not in str(safe)
    assert redacted(safe) is safe


def test_a_redacted_connection_without_a_password_says_none() -> None:
    safe = redacted(Connection(conn_id="oc", conn_type="onecodex"))

    assert repr(safe).endswith("login=None, password=None)")


def test_an_object_that_is_no_connection_is_returned_as_it_is() -> None:
    other = object()

    assert redacted(other) is other  # type: ignore[arg-type]
