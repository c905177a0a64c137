"""The retry loop of the shared transport (``_retrying``), exercised through ``OneCodexHook``.

Covers 429 and ``Retry-After`` within the wait budget, backoff, which writes are re-sent and which are not, and the
retry log lines (which never carry the API key).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses

from genomics_provider.exceptions import (
    ApiConnectionError,
    GenomicsApiError,
    RateLimitedError,
    ServerError,
    WaitBudgetExceededError,
)
from genomics_provider.hooks._retry import BackoffPolicy
from genomics_provider.hooks.onecodex import OneCodexHook

KEY = "oc-test-key-7f3a9c1e5b2d4f60a8"
BASE = "https://app.onecodex.com"
SAMPLE_ID = "7428cca4a3a04a8e"
SAMPLE_PATH = f"/api/v1/samples/{SAMPLE_ID}"
SAMPLE_URL = f"{BASE}{SAMPLE_PATH}"
TAGS_URL = f"{BASE}/api/v1/tags"
SAMPLE = {"$uri": SAMPLE_PATH, "visibility": "private", "tags": [], "project": None}
NEW_TAG_BODY = {"name": "neg. control", "sample": {"$ref": SAMPLE_PATH}}
TAG = {"$uri": "/api/v1/tags/42997b7a62634985", "name": "neg. control"}
RATE_LIMITED_BODY = {"msg": "Rate limited.", "status": 429}
HTML_502 = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)


# -- fixtures ------------------------------------------------------------------------------------------------


def no_jitter(oc_hook: OneCodexHook) -> OneCodexHook:
    """Make the hook's exponential backoff deterministic (0.5, 1, 2, 4 ... seconds).

    :param oc_hook: The hook.
    :return: The same hook.
    """
    oc_hook.backoff = BackoffPolicy(jitter=0.0)
    return oc_hook


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
    # Six 429s (waited as asked), then 503s until the fifth non-429 failure, backing off from their own first attempt.
    assert len(api.calls) == 11
    assert no_real_sleep == [1.0] * 6 + [0.5, 1.0, 2.0, 4.0]
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
        f"One Codex GET {SAMPLE_PATH}: HTTP 429; retrying in 2.00 s (429 number 1, retried while max_wait lasts)",
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
