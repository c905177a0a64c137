"""The shared REST transport (``GenomicsRestHook``), exercised through ``OneCodexHook``.

Covers the credential and base-URL checks, timeouts, the retry loop and its logging, error mapping, and that the API
key never leaks into ``repr``, error text or logs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
import requests
import responses

from genomics_provider.exceptions import (
    ApiConnectionError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    GenomicsApiError,
    InsecureTransportError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    WaitBudgetExceededError,
)
from genomics_provider.hooks._retry import BackoffPolicy
from genomics_provider.hooks.onecodex import OneCodexHook

KEY = "oc-test-key-7f3a9c1e5b2d4f60a8"
BASE = "https://app.onecodex.com"
CONN_ENV = "AIRFLOW_CONN_ONECODEX_DEFAULT"
SAMPLE_ID = "7428cca4a3a04a8e"
SAMPLE_PATH = f"/api/v1/samples/{SAMPLE_ID}"
SAMPLE_URL = f"{BASE}{SAMPLE_PATH}"
TAGS_URL = f"{BASE}/api/v1/tags"
ACCOUNT_URL = f"{BASE}/api/v1/account"
SAMPLE = {"$uri": SAMPLE_PATH, "visibility": "private", "tags": [], "project": None}
NEW_TAG_BODY = {"name": "neg. control", "sample": {"$ref": SAMPLE_PATH}}
TAG = {"$uri": "/api/v1/tags/42997b7a62634985", "name": "neg. control"}
RATE_LIMITED_BODY = {"msg": "Rate limited.", "status": 429}
HTML_502 = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
DEFAULT_TIMEOUT = (10.0, 60.0)


# -- fixtures ------------------------------------------------------------------------------------------------


def no_jitter(oc_hook: OneCodexHook) -> OneCodexHook:
    """Make the hook's exponential backoff deterministic (0.5, 1, 2, 4 ... seconds).

    :param oc_hook: The hook.
    :return: The same hook.
    """
    oc_hook.backoff = BackoffPolicy(jitter=0.0)
    return oc_hook


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


# -- session and timeouts -----------------------------------------------------------------------------------


def test_requests_carry_json_and_user_agent_headers(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLE_URL, json=SAMPLE)
    hook.get_sample(SAMPLE_ID)
    headers = api.calls[0].request.headers
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"] == "airflow-provider-genomics/0.1.0"
    assert "Content-Type" not in headers


def test_one_session_serves_every_request_of_a_hook(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLE_URL, json=SAMPLE)
    session = hook.session
    with mock.patch.object(session, "request", wraps=session.request) as spy:
        hook.get_sample(SAMPLE_ID)
        hook.get_sample(SAMPLE_ID)
    assert hook.session is session
    assert spy.call_count == 2
    assert hook.request_count == 2


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


# -- rate limiting -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "rate"),
    [
        pytest.param({"rate_limit": None}, 10.0, id="ten-per-second-by-default"),
        pytest.param({"rate_limit": 2.5}, 2.5, id="from-the-extra"),
        pytest.param({"rate_limit": 0}, None, id="zero-disables-it"),
    ],
)
def test_the_rate_limit_comes_from_the_connection(
    set_connection: Callable[..., None], extra: dict[str, Any], rate: float | None
) -> None:
    set_connection(**extra)
    limiter = OneCodexHook().limiter
    assert limiter.rate == rate
    assert limiter.burst == 1.0  # even pacing: consecutive tasks sharing the key never exceed the vendor's rate


def test_the_rate_limiter_waits_through_the_transport_sleep(
    set_connection: Callable[..., None], api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    set_connection(rate_limit=1)
    api.get(SAMPLE_URL, json=SAMPLE)
    oc_hook = OneCodexHook()
    oc_hook.get_sample(SAMPLE_ID)
    oc_hook.get_sample(SAMPLE_ID)
    assert len(no_real_sleep) == 1
    assert 0.5 < no_real_sleep[0] <= 1.25  # one interval, spread by the pacing jitter (± 25 %)


def test_a_spent_server_window_holds_back_the_next_request(
    set_connection: Callable[..., None], api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    set_connection(rate_limit=0)
    reset = int(time.time()) + 30
    api.get(SAMPLE_URL, json=SAMPLE, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    oc_hook = OneCodexHook()
    oc_hook.get_sample(SAMPLE_ID)
    assert no_real_sleep == []
    oc_hook.get_sample(SAMPLE_ID)
    assert len(no_real_sleep) == 1
    assert 28.0 < no_real_sleep[0] <= 30.0


# -- retries -------------------------------------------------------------------------------------------------


def test_retries_429_honouring_retry_after(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    api.get(SAMPLE_URL, status=429, json=RATE_LIMITED_BODY, headers={"Retry-After": "3"})
    api.get(SAMPLE_URL, json=SAMPLE)
    assert hook.get_sample(SAMPLE_ID) == SAMPLE
    assert no_real_sleep == [3.0]
    assert len(api.calls) == 2


def test_a_retry_after_within_the_wait_budget_is_honoured_in_full(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    api.get(SAMPLE_URL, status=503, headers={"Retry-After": "200"})
    api.get(SAMPLE_URL, json=SAMPLE)
    hook.get_sample(SAMPLE_ID)
    assert no_real_sleep == [200.0]  # not capped at 60 s: retrying before the server's time draws another 503


def test_a_retry_after_beyond_the_wait_budget_fails_at_once(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    api.get(SAMPLE_URL, status=503, headers={"Retry-After": "600"})
    with pytest.raises(WaitBudgetExceededError) as caught:
        hook.get_sample(SAMPLE_ID)
    assert no_real_sleep == []
    assert len(api.calls) == 1
    assert caught.value.status == 503


def test_429_without_retry_after_backs_off_exponentially_while_the_wait_budget_lasts(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    """A 429 does not spend max_attempts (5): the request waits for the key's budget while max_wait (300 s) lasts."""
    api.get(SAMPLE_URL, status=429, json=RATE_LIMITED_BODY)
    with pytest.raises(WaitBudgetExceededError) as excinfo:
        no_jitter(hook).get_sample(SAMPLE_ID)
    assert no_real_sleep == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
    assert sum(no_real_sleep) == 243.5
    assert len(api.calls) == 11
    err = excinfo.value
    assert (err.status, err.method, err.path) == (429, "GET", SAMPLE_PATH)
    assert str(err) == (
        f"GET {SAMPLE_PATH} failed, HTTP 429: the backoff after attempt 11 is 60 s but this request's wait budget "
        "max_wait=300 s has 56.5 s left; the server said: Rate limited. (gave up after 11 attempts)"
    )
    assert KEY not in str(err)


def test_429_with_retry_after_zero_forever_stops_at_four_times_max_attempts(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    api.get(SAMPLE_URL, status=429, json=RATE_LIMITED_BODY, headers={"Retry-After": "0"})
    with pytest.raises(RateLimitedError) as excinfo:
        hook.get_sample(SAMPLE_ID)
    assert len(api.calls) == 20
    assert no_real_sleep == [0.0] * 19
    assert str(excinfo.value) == f"GET {SAMPLE_PATH} failed, HTTP 429: Rate limited. (gave up after 20 attempts)"


def test_429s_do_not_count_against_max_attempts_but_other_failures_do(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    for _ in range(6):
        api.get(SAMPLE_URL, status=429, json=RATE_LIMITED_BODY, headers={"Retry-After": "1"})
    api.get(SAMPLE_URL, status=503, json={"message": "Service Unavailable", "status": 503})
    with pytest.raises(ServerError) as excinfo:
        no_jitter(hook).get_sample(SAMPLE_ID)
    # Six 429s (waited as asked), then 503s until the fifth non-429 failure; the backoff goes on from attempt 7.
    assert len(api.calls) == 11
    assert no_real_sleep == [1.0] * 6 + [32.0, 60.0, 60.0, 60.0]
    assert [call.response.status_code for call in api.calls] == [429] * 6 + [503] * 5
    assert str(excinfo.value).endswith("(gave up after 11 attempts)")


def test_default_backoff_adds_up_to_half_again_of_jitter(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    api.get(SAMPLE_URL, status=503, json={"message": "Service Unavailable", "status": 503})
    with pytest.raises(ServerError):
        hook.get_sample(SAMPLE_ID)
    assert len(no_real_sleep) == 4
    for wait, base in zip(no_real_sleep, [0.5, 1.0, 2.0, 4.0], strict=True):
        assert base <= wait <= base * 1.5


def test_max_attempts_from_the_connection_extra_bounds_the_attempts(
    set_connection: Callable[..., None], api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    set_connection(max_attempts=2)
    api.get(SAMPLE_URL, status=503, json={"message": "Service Unavailable", "status": 503})
    with pytest.raises(ServerError):
        no_jitter(OneCodexHook()).get_sample(SAMPLE_ID)
    assert len(api.calls) == 2
    assert no_real_sleep == [0.5]


def test_max_attempts_argument_of_one_disables_retries(
    set_connection: Callable[..., None], api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    api.get(SAMPLE_URL, status=503, json={"message": "Service Unavailable", "status": 503})
    with pytest.raises(ServerError):
        OneCodexHook(max_attempts=1).get_sample(SAMPLE_ID)
    assert len(api.calls) == 1
    assert no_real_sleep == []


def test_retries_503_then_succeeds(hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]) -> None:
    api.get(SAMPLE_URL, status=503, json={"message": "Service Unavailable", "status": 503})
    api.get(SAMPLE_URL, json=SAMPLE)
    assert no_jitter(hook).get_sample(SAMPLE_ID) == SAMPLE
    assert len(api.calls) == 2
    assert no_real_sleep == [0.5]


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param(requests.ConnectionError("reset"), id="connection-reset"),
        pytest.param(requests.ReadTimeout("read timed out"), id="read-timeout"),
        pytest.param(requests.ConnectTimeout("connect timed out"), id="connect-timeout"),
    ],
)
def test_retries_a_get_after_a_transport_failure(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float], failure: Exception
) -> None:
    api.get(SAMPLE_URL, body=failure)
    api.get(SAMPLE_URL, json=SAMPLE)
    assert no_jitter(hook).get_sample(SAMPLE_ID) == SAMPLE
    assert len(api.calls) == 2
    assert no_real_sleep == [0.5]


def test_a_get_that_never_connects_raises_api_connection_error(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    api.get(SAMPLE_URL, body=requests.ConnectionError(f"reset while sending X-API-Key: {KEY}"))
    with pytest.raises(ApiConnectionError) as excinfo:
        no_jitter(hook).get_sample(SAMPLE_ID)
    assert len(api.calls) == 5
    assert no_real_sleep == [0.5, 1.0, 2.0, 4.0]
    err = excinfo.value
    assert err.status is None
    assert (err.method, err.path) == ("GET", SAMPLE_PATH)
    assert str(err) == (
        f"GET {SAMPLE_PATH} failed: no response from One Codex: ConnectionError (gave up after 5 attempts)"
    )
    assert err.note == "gave up after 5 attempts"
    assert KEY not in str(err)


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_post_is_not_retried_on_a_5xx_that_may_have_been_applied(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float], status: int
) -> None:
    api.post(TAGS_URL, status=status, json={"message": "Internal Server Error", "status": status})
    with pytest.raises(ServerError) as excinfo:
        hook.request("POST", "/api/v1/tags", json_body=NEW_TAG_BODY)
    assert excinfo.value.status == status
    assert excinfo.value.outcome_unknown
    assert str(excinfo.value).endswith("(not re-sent: the server may have applied it)")
    assert len(api.calls) == 1
    assert no_real_sleep == []


def test_a_post_is_retried_on_503_because_the_server_did_not_act_on_it(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    api.post(TAGS_URL, status=503, json={"message": "Service Unavailable", "status": 503})
    api.post(TAGS_URL, json=TAG)
    assert no_jitter(hook).request_json("POST", "/api/v1/tags", json_body=NEW_TAG_BODY) == TAG
    assert len(api.calls) == 2
    assert no_real_sleep == [0.5]


def test_a_post_is_not_retried_after_a_dropped_connection(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    api.post(TAGS_URL, body=requests.ConnectionError("reset"))
    with pytest.raises(ApiConnectionError) as excinfo:
        hook.request("POST", "/api/v1/tags", json_body=NEW_TAG_BODY)
    assert excinfo.value.outcome_unknown
    assert len(api.calls) == 1
    assert no_real_sleep == []


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"body": requests.ConnectionError("reset")}, id="connection-reset"),
        pytest.param({"body": requests.ReadTimeout("read timed out")}, id="read-timeout"),
        pytest.param({"status": 500, "json": {"message": "Internal Server Error", "status": 500}}, id="500"),
        pytest.param({"status": 504, "body": "<html><title>504 Gateway Time-out</title></html>"}, id="html-504"),
    ],
)
def test_a_patch_whose_outcome_is_unknown_is_not_re_sent_and_says_so(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float], failure: dict[str, Any]
) -> None:
    api.patch(SAMPLE_URL, **failure)
    with pytest.raises(GenomicsApiError) as excinfo:
        hook.update_sample(SAMPLE_ID, {"visibility": "private"})
    assert excinfo.value.outcome_unknown
    assert str(excinfo.value).endswith("(not re-sent: the server may have applied it)")
    assert len(api.calls) == 1
    assert no_real_sleep == []


def test_a_write_refused_after_retries_says_how_many_attempts_were_made(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    for _ in range(5):
        api.patch(SAMPLE_URL, status=503, json={"message": "Service Unavailable", "status": 503})
    with pytest.raises(ServerError) as excinfo:
        no_jitter(hook).update_sample(SAMPLE_ID, {"visibility": "private"})
    assert excinfo.value.note == "gave up after 5 attempts"
    assert not excinfo.value.outcome_unknown
    assert len(api.calls) == 5


def test_a_post_is_retried_on_429(hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]) -> None:
    api.post(TAGS_URL, status=429, json=RATE_LIMITED_BODY, headers={"Retry-After": "2"})
    api.post(TAGS_URL, json=TAG)
    assert hook.request_json("POST", "/api/v1/tags", json_body=NEW_TAG_BODY) == TAG
    assert len(api.calls) == 2
    assert no_real_sleep == [2.0]
    assert [json.loads(call.request.body) for call in api.calls] == [NEW_TAG_BODY, NEW_TAG_BODY]


def test_a_post_is_retried_when_no_connection_was_made(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    api.post(TAGS_URL, body=requests.ConnectTimeout("connect timed out"))
    api.post(TAGS_URL, json=TAG)
    assert no_jitter(hook).request_json("POST", "/api/v1/tags", json_body=NEW_TAG_BODY) == TAG
    assert len(api.calls) == 2


def test_a_post_declared_idempotent_is_retried_on_503(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    api.post(TAGS_URL, status=503)
    api.post(TAGS_URL, json=TAG)
    assert no_jitter(hook).request_json("POST", "/api/v1/tags", json_body=NEW_TAG_BODY, idempotent=True) == TAG
    assert len(api.calls) == 2


def test_a_patch_is_retried_on_503(hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]) -> None:
    api.patch(SAMPLE_URL, status=503)
    api.patch(SAMPLE_URL, json=SAMPLE)
    assert no_jitter(hook).update_sample(SAMPLE_ID, {"visibility": "private"}) == SAMPLE
    assert len(api.calls) == 2


def test_an_html_502_page_becomes_a_server_error_without_html(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    api.get(SAMPLE_URL, status=502, body=HTML_502, content_type="text/html")
    with pytest.raises(ServerError) as excinfo:
        hook.get_sample(SAMPLE_ID)
    err = excinfo.value
    assert len(api.calls) == 5
    assert err.status == 502
    assert "502 Bad Gateway" in err.message
    assert "<" not in err.message
    assert ">" not in err.message
    assert "<" not in str(err)
    assert err.message == "Bad Gateway; the server sent an HTML page (502 Bad Gateway)"


def test_each_retry_is_logged_at_warning_with_method_path_status_and_wait(
    hook: OneCodexHook,
    api: responses.RequestsMock,
    hook_logs: pytest.LogCaptureFixture,
) -> None:
    api.get(SAMPLE_URL, status=503, headers={"Retry-After": "3"})
    api.get(SAMPLE_URL, body=requests.ConnectionError("reset"))
    api.get(SAMPLE_URL, status=429, json=RATE_LIMITED_BODY, headers={"Retry-After": "2"})
    api.get(SAMPLE_URL, json=SAMPLE)
    no_jitter(hook).get_sample(SAMPLE_ID)
    retries = [record for record in hook_logs.records if "retrying" in record.getMessage()]
    assert [record.levelno for record in retries] == [logging.WARNING] * 3
    assert [record.getMessage() for record in retries] == [
        f"One Codex GET {SAMPLE_PATH}: HTTP 503; retrying in 3.00 s (attempt 1 of 5)",
        f"One Codex GET {SAMPLE_PATH}: ConnectionError; retrying in 1.00 s (attempt 2 of 5)",
        f"One Codex GET {SAMPLE_PATH}: HTTP 429; retrying in 2.00 s (attempt 3 within max_wait)",
    ]


def test_the_key_never_reaches_the_logs(
    hook: OneCodexHook, api: responses.RequestsMock, hook_logs: pytest.LogCaptureFixture
) -> None:
    api.get(SAMPLE_URL, status=429, json=RATE_LIMITED_BODY, headers={"X-Request-Id": "req-1"})
    api.get(SAMPLE_URL, status=500, json={"message": "Internal Server Error", "status": 500})
    with pytest.raises(ServerError):
        hook.get_sample(SAMPLE_ID)
    assert "retrying in" in hook_logs.text
    assert KEY not in hook_logs.text


# -- error mapping ---------------------------------------------------------------------------------------------

WERKZEUG_401 = (
    "The server could not verify that you are authorized to access the URL requested. You either supplied the "
    "wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials "
    "required."
)
WERKZEUG_404 = (
    "The requested URL was not found on the server. If you entered the URL manually please check your spelling "
    "and try again."
)

ERROR_CASES = [
    pytest.param(
        400,
        BadRequestError,
        "The browser (or proxy) sent a request that this server could not understand.",
        "The browser (or proxy) sent a request that this server could not understand.",
        id="400-bad-request",
    ),
    pytest.param(
        401,
        UnauthorizedError,
        WERKZEUG_401,
        f"{WERKZEUG_401} (check the API key in connection 'onecodex_default')",
        id="401-unauthorized",
    ),
    pytest.param(
        403,
        ForbiddenError,
        "You don't have the permission to access the requested resource.",
        "You don't have the permission to access the requested resource. "
        "(the API key's account may not make this change)",
        id="403-forbidden",
    ),
    pytest.param(
        404,
        NotFoundError,
        WERKZEUG_404,
        f"{WERKZEUG_404} (it does not exist, or is not visible to this API key)",
        id="404-not-found",
    ),
    pytest.param(409, ConflictError, "Conflict.", "Conflict.", id="409-conflict"),
    pytest.param(500, ServerError, "Internal error.", "Internal error.", id="500-server-error"),
]


@pytest.mark.parametrize(("status", "error_class", "body_message", "message"), ERROR_CASES)
def test_error_statuses_map_to_typed_errors_keeping_every_field(
    set_connection: Callable[..., None],
    api: responses.RequestsMock,
    status: int,
    error_class: type[GenomicsApiError],
    body_message: str,
    message: str,
) -> None:
    api.get(
        SAMPLE_URL,
        status=status,
        json={"message": body_message, "status": status},
        headers={"X-Request-Id": f"req-{status}"},
    )
    with pytest.raises(error_class) as excinfo:
        OneCodexHook(max_attempts=1).get_sample(SAMPLE_ID, expand=True)
    err = excinfo.value
    assert type(err) is error_class
    assert err.status == status
    assert err.message == message
    assert err.request_id == f"req-{status}"
    assert err.method == "GET"
    assert err.path == SAMPLE_PATH
    assert err.code is None
    assert str(err) == f"GET {SAMPLE_PATH} failed, HTTP {status}: {message} (request id req-{status})"
    assert KEY not in str(err)
    assert KEY not in repr(err)


def test_a_404_says_the_object_may_not_be_visible_to_the_key(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLE_URL, status=404, json={"message": WERKZEUG_404, "status": 404})
    with pytest.raises(NotFoundError, match="not visible to this API key"):
        hook.get_sample(SAMPLE_ID)
    assert len(api.calls) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        pytest.param("", "text/plain", "Method Not Allowed; the server sent an empty body", id="empty-body"),
        pytest.param("oops", "text/plain", "Method Not Allowed; the server sent a non-JSON body (oops)", id="text"),
        pytest.param('["a", 1]', "application/json", 'Method Not Allowed; the server sent ["a", 1]', id="json-list"),
        pytest.param('{"status": 405}', "application/json", "Method Not Allowed", id="json-without-message"),
    ],
)
def test_error_bodies_without_a_message_are_summarised(
    hook: OneCodexHook, api: responses.RequestsMock, body: str, content_type: str, message: str
) -> None:
    api.get(SAMPLE_URL, status=405, body=body, content_type=content_type)
    with pytest.raises(GenomicsApiError) as excinfo:
        hook.get_sample(SAMPLE_ID)
    assert type(excinfo.value) is GenomicsApiError
    assert excinfo.value.status == 405
    assert excinfo.value.message == message


def test_error_path_leaves_out_the_query_string(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLE_URL, status=400, json={"message": "Bad where.", "status": 400})
    with pytest.raises(BadRequestError) as excinfo:
        hook.request("GET", SAMPLE_PATH, params={"where": '{"name":"x"}'})
    assert excinfo.value.path == SAMPLE_PATH


def test_a_2xx_body_that_is_not_json_is_an_error(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLE_URL, status=200, body=HTML_502, content_type="text/html")
    with pytest.raises(GenomicsApiError) as excinfo:
        hook.get_sample(SAMPLE_ID)
    assert excinfo.value.status == 200
    assert excinfo.value.message == "expected a JSON body, got an HTML page (502 Bad Gateway)"
    assert excinfo.value.path == SAMPLE_PATH


def test_an_empty_2xx_body_reads_as_none(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.delete(SAMPLE_URL, status=204)
    assert hook.request_json("DELETE", SAMPLE_PATH) is None


# -- test_connection ---------------------------------------------------------------------------------------------


def test_connection_test_succeeds_with_the_account_email(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(ACCOUNT_URL, json={"email": "ada@example.org", "user": {"$ref": "/api/v1/users/4ada56103d9a48b8"}})
    assert hook.test_connection() == (True, "Connected to One Codex at https://app.onecodex.com as ada@example.org")
    assert api.calls[0].request.headers["X-API-Key"] == KEY


def test_connection_test_reports_a_rejected_key(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(ACCOUNT_URL, status=401, json={"message": WERKZEUG_401, "status": 401})
    ok, message = hook.test_connection()
    assert ok is False
    assert message.startswith("One Codex rejected the API key (HTTP 401): ")
    assert WERKZEUG_401 in message
    assert KEY not in message
    assert len(api.calls) == 1


def test_connection_test_reports_a_connection_error_without_raising(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    api.get(ACCOUNT_URL, body=requests.ConnectionError("connection refused"))
    assert hook.test_connection() == (
        False,
        "GET /api/v1/account failed: no response from One Codex: ConnectionError (gave up after 5 attempts)",
    )


def test_connection_test_reports_a_refusal_without_raising(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(ACCOUNT_URL, status=403, json={"message": "Forbidden.", "status": 403})
    ok, message = hook.test_connection()
    assert ok is False
    assert (
        message == "GET /api/v1/account failed, HTTP 403: Forbidden. (the API key's account may not make this change)"
    )


@pytest.mark.parametrize(
    ("conn", "prefix"),
    [
        pytest.param({"host": "http://example.com"}, "InsecureTransportError: ", id="insecure-host"),
        pytest.param({"password": ""}, "InvalidInputError: ", id="empty-key"),
        pytest.param({"auth_scheme": "digest"}, "InvalidInputError: ", id="unknown-auth-scheme"),
    ],
)
def test_connection_test_reports_a_bad_connection_without_raising(
    set_connection: Callable[..., None], api: responses.RequestsMock, conn: dict[str, str], prefix: str
) -> None:
    set_connection(**conn)
    ok, message = OneCodexHook().test_connection()
    assert ok is False
    assert message.startswith(prefix)
    assert len(api.calls) == 0


def test_a_redirect_is_reported_as_an_error_and_not_followed(
    set_connection: Callable[..., None], api: responses.RequestsMock
) -> None:
    set_connection()
    api.get(ACCOUNT_URL, status=301, headers={"Location": "https://elsewhere.example.com/api/v1/account"})
    with pytest.raises(
        GenomicsApiError, match=r"redirected to elsewhere\.example\.com; redirects are not followed"
    ) as exc:
        OneCodexHook().get_account()
    assert exc.value.status == 301
    assert len(api.calls) == 1


def test_an_error_keeps_how_the_transport_ended_through_a_pickle_round_trip(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    import pickle

    api.patch(SAMPLE_URL, body=requests.ConnectionError("reset"))
    with pytest.raises(GenomicsApiError) as excinfo:
        hook.update_sample(SAMPLE_ID, {"visibility": "private"})

    clone = pickle.loads(pickle.dumps(excinfo.value))  # noqa: S301 - our own bytes
    assert clone.note == excinfo.value.note == "not re-sent: the server may have applied it"
    assert clone.outcome_unknown
    assert str(clone) == str(excinfo.value)
