"""What the connection configures, read by ``ConnectionSettings`` and exercised through ``OneCodexHook``.

Covers the credential checks, the base URL and the refusal of plain http, timeouts, and the checks of numeric extras.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
import responses

from genomics_provider.exceptions import (
    GenomicsApiError,
    InsecureTransportError,
    InvalidInputError,
)
from genomics_provider.hooks.onecodex import OneCodexHook

KEY = "oc-test-key-7f3a9c1e5b2d4f60a8"
BASE = "https://app.onecodex.com"
SAMPLE_ID = "7428cca4a3a04a8e"
SAMPLE_PATH = f"/api/v1/samples/{SAMPLE_ID}"
SAMPLE_URL = f"{BASE}{SAMPLE_PATH}"
ACCOUNT_URL = f"{BASE}/api/v1/account"
SAMPLE = {"$uri": SAMPLE_PATH, "visibility": "private", "tags": [], "project": None}
DEFAULT_TIMEOUT = (10.0, 60.0)


# -- credential ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password", [pytest.param("", id="empty"), pytest.param("   ", id="blank"), pytest.param(None, id="missing")]
)
def test_empty_password_is_refused_before_any_request(
    set_connection: Callable[..., None], api: responses.RequestsMock, password: str | None
) -> None:
    set_connection(password=password)
    with pytest.raises(InvalidInputError, match=r"the password field \(API key\) is empty") as excinfo:
        OneCodexHook().get_sample(SAMPLE_ID)
    assert "'onecodex_default'" in str(excinfo.value)
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    "password",
    [
        pytest.param(f" {KEY}", id="leading-space"),
        pytest.param(f"{KEY}\n", id="trailing-newline"),
        pytest.param("oc-test-key 7f3a9c1e5b2d4f60a8", id="space-inside"),
        pytest.param("oc-test-key\t7f3a9c1e5b2d4f60a8", id="tab-inside"),
    ],
)
def test_password_with_whitespace_is_refused_before_any_request(
    set_connection: Callable[..., None], api: responses.RequestsMock, password: str
) -> None:
    set_connection(password=password)
    with pytest.raises(InvalidInputError, match="the API key contains whitespace") as excinfo:
        OneCodexHook().get_sample(SAMPLE_ID)
    assert "7f3a9c1e5b2d4f60a8" not in str(excinfo.value)
    assert len(api.calls) == 0


def test_the_api_key_is_registered_with_the_secret_masker(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLE_URL, json=SAMPLE)
    with mock.patch("genomics_provider.hooks.base.mask_secret") as mask_secret:
        hook.get_sample(SAMPLE_ID)
        hook.get_sample(SAMPLE_ID)
    mask_secret.assert_called_once_with(KEY)


def test_repr_names_the_connection_and_never_the_key(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLE_URL, json=SAMPLE)
    hook.get_sample(SAMPLE_ID)
    assert repr(hook) == "OneCodexHook(conn_id='onecodex_default')"
    assert KEY not in repr(hook)
    assert KEY not in str(hook)


# -- base URL ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["http://example.com", "http://app.onecodex.com", "http://10.0.0.5:8080", "http://localhost.evil.com"]
)
def test_plain_http_to_a_remote_host_is_refused_before_any_request(
    set_connection: Callable[..., None], api: responses.RequestsMock, host: str
) -> None:
    set_connection(host=host)
    with pytest.raises(InsecureTransportError, match="refusing to send the API key over plain http") as excinfo:
        OneCodexHook().get_sample(SAMPLE_ID)
    assert KEY not in str(excinfo.value)
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    "host", ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:1", "http://127.0.0.2:9000"]
)
def test_plain_http_to_a_loopback_host_is_allowed(
    set_connection: Callable[..., None], api: responses.RequestsMock, host: str
) -> None:
    set_connection(host=host)
    api.get(f"{host}{SAMPLE_PATH}", json=SAMPLE)
    oc_hook = OneCodexHook()
    assert oc_hook.base_url == host
    assert oc_hook.get_sample(SAMPLE_ID) == SAMPLE
    assert api.calls[0].request.url == f"{host}{SAMPLE_PATH}"


@pytest.mark.parametrize("host", ["", "   "])
def test_empty_host_means_app_onecodex_com(set_connection: Callable[..., None], host: str) -> None:
    set_connection(host=host)
    assert OneCodexHook().base_url == "https://app.onecodex.com"


@pytest.mark.parametrize(
    ("host", "base_url"),
    [
        pytest.param("app.onecodex.com", "https://app.onecodex.com", id="no-scheme-gets-https"),
        pytest.param("https://app.onecodex.com/", "https://app.onecodex.com", id="trailing-slash-dropped"),
        pytest.param("https://onecodex.example.org:8443", "https://onecodex.example.org:8443", id="custom-port"),
    ],
)
def test_host_is_normalised_to_a_base_url(set_connection: Callable[..., None], host: str, base_url: str) -> None:
    set_connection(host=host)
    assert OneCodexHook().base_url == base_url


def test_a_host_that_is_not_an_http_url_is_refused(
    set_connection: Callable[..., None], api: responses.RequestsMock
) -> None:
    set_connection(host="ftp://app.onecodex.com")
    with pytest.raises(InvalidInputError, match="is not an http\\(s\\) URL") as excinfo:
        OneCodexHook().get_sample(SAMPLE_ID)
    assert not isinstance(excinfo.value, InsecureTransportError)
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://evil.example.com/api/v1/samples", id="other-host"),
        pytest.param("http://app.onecodex.com/api/v1/samples", id="downgraded-scheme"),
        pytest.param("https://app.onecodex.com:8443/api/v1/samples", id="other-port"),
    ],
)
def test_an_absolute_url_on_another_origin_is_refused_without_a_request(
    hook: OneCodexHook, api: responses.RequestsMock, url: str
) -> None:
    with pytest.raises(InvalidInputError, match="is not on One Codex's base URL") as excinfo:
        hook.request("GET", url)
    assert KEY not in str(excinfo.value)
    assert len(api.calls) == 0


def test_an_absolute_url_on_the_base_origin_is_followed(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLE_URL, json=SAMPLE)
    assert hook.request_json("GET", SAMPLE_URL) == SAMPLE
    assert api.calls[0].request.headers["X-API-Key"] == KEY


@pytest.mark.parametrize(
    ("auth_scheme", "location"),
    [
        pytest.param("api_key", "https://evil.example.com/collect", id="api-key-to-other-host"),
        pytest.param("api_key", "http://app.onecodex.com/api/v1/account", id="api-key-downgraded-to-http"),
        pytest.param("bearer", "https://evil.example.com/collect", id="bearer-to-other-host"),
        pytest.param("basic", "http://app.onecodex.com/api/v1/account", id="basic-downgraded-to-http"),
    ],
)
def test_a_redirect_off_the_base_origin_never_carries_the_api_key(
    set_connection: Callable[..., None], api: responses.RequestsMock, auth_scheme: str, location: str
) -> None:
    set_connection(auth_scheme=auth_scheme)
    api.assert_all_requests_are_fired = False
    api.get(ACCOUNT_URL, status=302, headers={"Location": location})
    api.get(location, json={"email": "attacker@example.com"})
    with contextlib.suppress(GenomicsApiError, InvalidInputError):
        OneCodexHook().get_account()
    assert api.calls[0].request.url == ACCOUNT_URL
    off_origin = [call.request for call in api.calls if not call.request.url.startswith(f"{BASE}/")]
    for request in off_origin:
        assert "X-API-Key" not in request.headers
        assert "Authorization" not in request.headers


# -- timeouts and numeric extras ---------------------------------------------------------------------------


def test_default_timeout_is_ten_seconds_to_connect_and_sixty_to_read(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    api.get(SAMPLE_URL, json=SAMPLE)
    hook.get_sample(SAMPLE_ID)
    assert api.calls[0].request.req_kwargs["timeout"] == DEFAULT_TIMEOUT


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param({"timeout": 30}, (10.0, 30.0), id="read-timeout"),
        pytest.param({"connect_timeout": 3}, (3.0, 60.0), id="connect-timeout"),
        pytest.param({"timeout": 5}, (5.0, 5.0), id="short-read-timeout-also-bounds-connect"),
        pytest.param({"timeout": "45", "connect_timeout": "2.5"}, (2.5, 45.0), id="both-as-strings"),
        pytest.param({"timeout": None, "connect_timeout": ""}, DEFAULT_TIMEOUT, id="empty-values-mean-default"),
    ],
)
def test_connection_extra_overrides_the_timeout(
    set_connection: Callable[..., None],
    api: responses.RequestsMock,
    extra: dict[str, Any],
    expected: tuple[float, float],
) -> None:
    set_connection(**extra)
    api.get(SAMPLE_URL, json=SAMPLE)
    OneCodexHook().get_sample(SAMPLE_ID)
    assert api.calls[0].request.req_kwargs["timeout"] == expected


@pytest.mark.parametrize(
    ("timeout", "expected"),
    [pytest.param(7, (7.0, 7.0), id="one-number"), pytest.param((2.0, 20.0), (2.0, 20.0), id="pair")],
)
def test_hook_argument_overrides_the_connection_timeout(
    set_connection: Callable[..., None],
    api: responses.RequestsMock,
    timeout: float | tuple[float, float],
    expected: tuple[float, float],
) -> None:
    set_connection(timeout=30, connect_timeout=3)
    api.get(SAMPLE_URL, json=SAMPLE)
    OneCodexHook(timeout=timeout).get_sample(SAMPLE_ID)
    assert api.calls[0].request.req_kwargs["timeout"] == expected


@pytest.mark.parametrize(
    ("timeout", "message"),
    [
        pytest.param(0, "timeout = 0 must be a number from 0.001 to 3600", id="zero"),
        pytest.param(-5, "timeout = -5 must be a number from 0.001 to 3600", id="negative"),
        pytest.param(86400, "timeout = 86400 must be a number from 0.001 to 3600", id="a day"),
        pytest.param(float("nan"), "timeout = nan must be a number from 0.001 to 3600", id="NaN"),
        pytest.param(float("inf"), "timeout = inf must be a number from 0.001 to 3600", id="infinity"),
        pytest.param(True, "timeout = True must be a number from 0.001 to 3600", id="a bool"),
        pytest.param("soon", "timeout = 'soon' must be a number from 0.001 to 3600", id="a word"),
        pytest.param(
            (0, 30), "timeout (connect) = 0 must be a number from 0.001 to 600", id="a pair with a zero connect"
        ),
        pytest.param(
            (1200, 30), "timeout (connect) = 1200 must be a number from 0.001 to 600", id="a pair connecting too long"
        ),
        pytest.param(
            (5, 7200), "timeout (read) = 7200 must be a number from 0.001 to 3600", id="a pair reading too long"
        ),
        pytest.param(
            (5, float("inf")), "timeout (read) = inf must be a number from 0.001 to 3600", id="a pair reading forever"
        ),
        pytest.param((5,), "timeout = (5,) must be one number or a (connect, read) pair", id="a pair of one"),
        pytest.param((1, 2, 3), "timeout = (1, 2, 3) must be one number or a (connect, read) pair", id="a triple"),
    ],
)
def test_a_bad_timeout_argument_is_refused_naming_it_and_its_range_before_any_request(
    set_connection: Callable[..., None], api: responses.RequestsMock, timeout: Any, message: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        OneCodexHook(timeout=timeout).get_sample(SAMPLE_ID)

    assert str(caught.value) == message
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    ("timeout", "expected"),
    [
        pytest.param(0.001, (0.001, 0.001), id="the shortest"),
        pytest.param(3600, (3600.0, 3600.0), id="the longest, connecting too"),
        pytest.param([600, 3600], (600.0, 3600.0), id="the longest pair, as a list"),
    ],
)
def test_a_timeout_argument_at_its_bounds_is_used(
    set_connection: Callable[..., None],
    api: responses.RequestsMock,
    timeout: float | tuple[float, float],
    expected: tuple[float, float],
) -> None:
    api.get(SAMPLE_URL, json=SAMPLE)
    OneCodexHook(timeout=timeout).get_sample(SAMPLE_ID)
    assert api.calls[0].request.req_kwargs["timeout"] == expected


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("timeout", "soon"),
        ("timeout", -1),
        ("timeout", 0),
        ("timeout", True),
        ("connect_timeout", [10]),
        ("max_attempts", 0),
        ("rate_limit", "fast"),
        ("rate_limit", -5),
    ],
)
def test_a_bad_extra_value_is_refused_naming_the_extra(
    set_connection: Callable[..., None], api: responses.RequestsMock, key: str, value: Any
) -> None:
    set_connection(**{key: value})
    with pytest.raises(InvalidInputError, match=re.escape(f"extra '{key}' = {value!r} must be a number")) as excinfo:
        OneCodexHook().get_sample(SAMPLE_ID)
    assert "'onecodex_default'" in str(excinfo.value)
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("timeout", "nan"),
        ("timeout", "inf"),
        ("connect_timeout", "Infinity"),
        ("rate_limit", "nan"),
        ("max_attempts", "inf"),
    ],
)
def test_a_non_finite_extra_number_is_refused(
    set_connection: Callable[..., None], api: responses.RequestsMock, key: str, value: str
) -> None:
    set_connection(**{key: value})
    api.assert_all_requests_are_fired = False
    api.get(SAMPLE_URL, json=SAMPLE)
    with pytest.raises(InvalidInputError, match=re.escape(f"extra '{key}' = {value!r} must be a number")):
        OneCodexHook().get_sample(SAMPLE_ID)
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    "host",
    [
        "https://app.onecodex.com/?api_key=SEKRET-IN-HOST",
        "https://app.onecodex.com:99999/?api_key=SEKRET-IN-HOST",  # also a bad port: the query is refused first
        "ftp://app.onecodex.com/?api_key=SEKRET-IN-HOST",
        "https://app.onecodex.com/?api key=SEKRET-IN-HOST",  # white space, which check_url would quote
        "https://app.onecodex.com/#SEKRET-IN-HOST",
    ],
)
def test_a_host_with_a_query_or_fragment_is_refused_without_echoing_it(
    set_connection: Callable[..., None], api: responses.RequestsMock, host: str
) -> None:
    set_connection(host=host)
    with pytest.raises(InvalidInputError) as caught:
        _ = OneCodexHook().base_url
    message = str(caught.value)
    assert "SEKRET-IN-HOST" not in message
    assert message.startswith("connection 'onecodex_default': host '")
    assert message.endswith("' carries a query or fragment; the host is a base URL only (the API key goes in the "
                            "password field)")  # fmt: skip
    assert len(api.calls) == 0
