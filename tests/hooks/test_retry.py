"""The pure retry policy: which failures are retried, and how long the transport waits before the next attempt."""

from __future__ import annotations

import email.utils
import random

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from genomics_provider.hooks._retry import (
    NOT_APPLIED_STATUSES,
    RETRYABLE_STATUSES,
    BackoffPolicy,
    is_retryable,
    outcome_unknown,
    server_requested_wait,
    wait_before_retry,
)

NOW = 1_700_000_000.0
NO_JITTER = BackoffPolicy(jitter=0.0)


def make_response(status: int = 503, headers: dict[str, str] | None = None) -> requests.Response:
    """Build a bare ``requests.Response`` with a status and headers.

    :param status: HTTP status code.
    :param headers: Optional. Response headers.
    :return: The response.
    """
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    return response


def http_error(status: int, headers: dict[str, str] | None = None) -> requests.HTTPError:
    """Build the ``HTTPError`` that ``raise_for_status`` raises for a status.

    :param status: HTTP status code.
    :param headers: Optional. Response headers.
    :return: The error, carrying its response.
    """
    return requests.HTTPError(f"{status} error", response=make_response(status, headers))


# -- is_retryable: the truth table ---------------------------------------------------------------------------


def refused_connection() -> requests.ConnectionError:
    """Build the error ``requests`` raises when the TCP connection cannot be established.

    :return: A ``ConnectionError`` wrapping urllib3's ``NewConnectionError``.
    """
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, "/x", reason))  # type: ignore[arg-type]


# (exception factory, retried for a read, retried for a write, sentence)
TRUTH_TABLE = [
    (lambda: requests.ConnectionError("reset"), True, False, "a dropped connection"),
    (refused_connection, True, True, "a refused connection (nothing was sent)"),
    (lambda: requests.ConnectTimeout("connect timed out"), True, True, "a connect timeout (nothing was sent)"),
    (lambda: requests.ReadTimeout("read timed out"), True, False, "a read timeout"),
    (lambda: http_error(400), False, False, "HTTP 400 bad request"),
    (lambda: http_error(401), False, False, "HTTP 401 unauthorized"),
    (lambda: http_error(403), False, False, "HTTP 403 forbidden"),
    (lambda: http_error(404), False, False, "HTTP 404 not found"),
    (lambda: http_error(409), False, False, "HTTP 409 conflict"),
    (lambda: http_error(429), True, True, "HTTP 429 rate limited"),
    (lambda: http_error(500), True, False, "HTTP 500 server error"),
    (lambda: http_error(502), True, False, "HTTP 502 bad gateway"),
    (lambda: http_error(503), True, True, "HTTP 503 unavailable (the server did not act)"),
    (lambda: http_error(504), True, False, "HTTP 504 gateway timeout"),
    (lambda: ValueError("not a transport error"), False, False, "a plain ValueError"),
]

CASES = [
    pytest.param(
        factory,
        idempotent,
        expected,
        id=f"{sentence} is {'retried' if expected else 'not retried'} for {'a read' if idempotent else 'a write'}",
    )
    for factory, when_idempotent, when_not, sentence in TRUTH_TABLE
    for idempotent, expected in ((True, when_idempotent), (False, when_not))
]


@pytest.mark.parametrize(("make_exc", "idempotent", "expected"), CASES)
def test_is_retryable_truth_table(make_exc, idempotent: bool, expected: bool) -> None:
    assert is_retryable(make_exc(), idempotent=idempotent) is expected


def test_is_retryable_defaults_to_idempotent() -> None:
    assert is_retryable(http_error(503)) is True
    assert is_retryable(requests.ReadTimeout("read timed out")) is True


def test_http_error_without_a_response_is_not_retried() -> None:
    assert is_retryable(requests.HTTPError("no response attached"), idempotent=True) is False


def test_retryable_statuses_are_429_and_the_gateway_family() -> None:
    assert frozenset({429, 500, 502, 503, 504}) == RETRYABLE_STATUSES
    assert frozenset({429, 503}) == NOT_APPLIED_STATUSES


# (exception factory, whether a write that failed this way may have been applied, sentence)
OUTCOME_TABLE = [
    (lambda: requests.ConnectionError("reset"), True, "a connection dropped after sending"),
    (lambda: requests.ReadTimeout("read timed out"), True, "a read timeout"),
    (lambda: http_error(500), True, "HTTP 500"),
    (lambda: http_error(502), True, "HTTP 502"),
    (lambda: http_error(504), True, "HTTP 504"),
    (refused_connection, False, "a refused connection"),
    (lambda: requests.ConnectTimeout("connect timed out"), False, "a connect timeout"),
    (lambda: http_error(503), False, "HTTP 503"),
    (lambda: http_error(429), False, "HTTP 429"),
    (lambda: http_error(400), False, "HTTP 400"),
    (lambda: ValueError("not a transport error"), False, "a plain ValueError"),
]


@pytest.mark.parametrize(
    ("make_exc", "expected"),
    [
        pytest.param(factory, expected, id=f"after {sentence} the write {'may' if expected else 'cannot'} have applied")
        for factory, expected, sentence in OUTCOME_TABLE
    ],
)
def test_outcome_unknown_truth_table(make_exc, expected: bool) -> None:
    assert outcome_unknown(make_exc()) is expected


# -- server_requested_wait -----------------------------------------------------------------------------------


def test_retry_after_in_seconds_is_read_as_a_number() -> None:
    assert server_requested_wait(make_response(429, {"Retry-After": "7"}), NOW) == 7.0


def test_retry_after_as_an_http_date_is_read_relative_to_now() -> None:
    date = email.utils.formatdate(NOW + 20, usegmt=True)
    assert server_requested_wait(make_response(503, {"Retry-After": date}), NOW) == 20.0


def test_retry_after_as_an_http_date_in_the_past_means_no_wait() -> None:
    date = email.utils.formatdate(NOW - 60, usegmt=True)
    assert server_requested_wait(make_response(503, {"Retry-After": date}), NOW) == 0.0


def test_garbage_retry_after_alone_gives_none() -> None:
    assert server_requested_wait(make_response(429, {"Retry-After": "soon"}), NOW) is None


def test_garbage_retry_after_falls_through_to_the_rate_limit_reset() -> None:
    response = make_response(429, {"Retry-After": "soon", "X-RateLimit-Reset": str(int(NOW) + 12)})
    assert server_requested_wait(response, NOW) == 12.0


def test_ratelimit_reset_on_a_429_is_the_time_until_reset() -> None:
    response = make_response(429, {"X-RateLimit-Reset": str(int(NOW) + 45)})
    assert server_requested_wait(response, NOW) == 45.0


def test_ratelimit_reset_on_a_200_with_the_window_spent_is_the_time_until_reset() -> None:
    response = make_response(200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 30)})
    assert server_requested_wait(response, NOW) == 30.0


def test_ratelimit_reset_on_a_200_with_requests_remaining_gives_none() -> None:
    response = make_response(200, {"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": str(int(NOW) + 30)})
    assert server_requested_wait(response, NOW) is None


def test_ratelimit_reset_in_the_past_means_no_wait() -> None:
    response = make_response(429, {"X-RateLimit-Reset": str(int(NOW) - 5)})
    assert server_requested_wait(response, NOW) == 0.0


def test_malformed_ratelimit_reset_gives_none() -> None:
    response = make_response(429, {"X-RateLimit-Reset": "tomorrow"})
    assert server_requested_wait(response, NOW) is None


def test_a_response_without_wait_headers_gives_none() -> None:
    assert server_requested_wait(make_response(503), NOW) is None


def test_no_response_gives_none() -> None:
    assert server_requested_wait(None, NOW) is None


# -- wait_before_retry -----------------------------------------------------------------------------------------


def test_wait_honours_retry_after() -> None:
    assert wait_before_retry(http_error(429, {"Retry-After": "3"}), 1, now=NOW, policy=BackoffPolicy()) == 3.0


def test_wait_honours_a_retry_after_beyond_the_backoff_maximum_in_full() -> None:
    # The request's wait budget bounds it (tests/reliability/test_wait_budget.py); retrying early draws another 429.
    exc = http_error(429, {"Retry-After": "600"})
    assert wait_before_retry(exc, 1, now=NOW, policy=BackoffPolicy()) == 600.0


def test_the_backoff_maximum_caps_only_the_exponential_wait() -> None:
    policy = BackoffPolicy(maximum=5.0, jitter=0.0)
    assert wait_before_retry(http_error(429, {"Retry-After": "600"}), 1, now=NOW, policy=policy) == 600.0
    assert wait_before_retry(http_error(429), 8, now=NOW, policy=policy) == 5.0


def test_wait_without_jitter_doubles_from_half_a_second() -> None:
    waits = [wait_before_retry(http_error(503), attempt, now=NOW, policy=NO_JITTER) for attempt in range(1, 6)]
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0]


def test_wait_without_jitter_is_capped_at_the_maximum() -> None:
    assert wait_before_retry(http_error(503), 8, now=NOW, policy=NO_JITTER) == 60.0
    assert wait_before_retry(http_error(503), 30, now=NOW, policy=NO_JITTER) == 60.0


def test_wait_after_a_connection_error_is_exponential() -> None:
    assert wait_before_retry(requests.ConnectionError("reset"), 3, now=NOW, policy=NO_JITTER) == 2.0


def test_wait_without_an_exception_is_exponential() -> None:
    assert wait_before_retry(None, 2, now=NOW, policy=NO_JITTER) == 1.0


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 6])
def test_jittered_wait_stays_between_base_and_base_plus_jitter(attempt: int) -> None:
    policy = BackoffPolicy()
    rng = random.Random(1234)
    base = min(policy.maximum, policy.initial * 2 ** (attempt - 1))
    waits = [wait_before_retry(http_error(502), attempt, now=NOW, policy=policy, rng=rng) for _ in range(200)]
    assert all(base <= wait <= base * (1 + policy.jitter) for wait in waits)
    # The jitter is really random: 200 draws are not all the same value.
    assert len(set(waits)) > 100


def test_jittered_wait_is_reproducible_with_a_seeded_random() -> None:
    first = wait_before_retry(http_error(502), 3, now=NOW, policy=BackoffPolicy(), rng=random.Random(7))
    second = wait_before_retry(http_error(502), 3, now=NOW, policy=BackoffPolicy(), rng=random.Random(7))
    assert first == second
    assert first == 2.0 + 2.0 * 0.5 * random.Random(7).random()


def test_jittered_wait_never_exceeds_the_maximum() -> None:
    rng = random.Random(99)
    waits = [wait_before_retry(None, attempt, now=NOW, policy=BackoffPolicy(), rng=rng) for attempt in range(8, 40)]
    assert waits == [60.0] * 32
