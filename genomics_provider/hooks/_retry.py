"""The retry policy shared by every hook: which failures to retry, and how long to wait.

Both functions are pure (they look only at the exception and the clock they are given), so the policy is tested as a
truth table without a server. ``GenomicsRestHook`` wires them into ``tenacity``.
"""

from __future__ import annotations

import email.utils
import random
from dataclasses import dataclass

import requests

#: HTTP statuses worth retrying: rate limited, and the gateway/maintenance family.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def is_retryable(exc: BaseException, *, idempotent: bool = True) -> bool:
    """Decide whether a failed request may be sent again.

    A request that is not idempotent (a ``POST`` that creates something) is retried only when the server certainly
    did not act on it: a 429, or a connection that was never established. Everything else that is transient is
    retried for idempotent requests (GET, PUT, and the desired-state PATCH and bulk edits this provider sends).

    :param exc: The exception raised by ``requests`` (``HTTPError`` from ``raise_for_status`` included).
    :param idempotent: Whether sending the request twice has the same effect as sending it once.
    :return: ``True`` if the request should be retried.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.HTTPError):
        status = exc.response.status_code if exc.response is not None else None
        if status == 429:
            return True
        return idempotent and status in RETRYABLE_STATUSES
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return idempotent
    return False


@dataclass(frozen=True)
class BackoffPolicy:
    """How long to wait between attempts.

    :param initial: First exponential wait in seconds, before jitter.
    :param maximum: Cap for any single wait, including waits asked for by the server.
    :param jitter: Fraction of the exponential wait added at random (0 disables jitter).
    """

    initial: float = 0.5
    maximum: float = 60.0
    jitter: float = 0.5

    def exponential(self, attempt: int, rng: random.Random | None = None) -> float:
        """Return the capped exponential wait with jitter for an attempt.

        :param attempt: The number of the attempt that just failed, from 1.
        :param rng: Random source for the jitter (``random`` module by default).
        :return: Seconds to wait.
        """
        base = min(self.maximum, self.initial * 2.0 ** max(0, attempt - 1))
        draw: float = rng.random() if rng else random.random()  # noqa: S311 - jitter, not cryptography
        return float(min(self.maximum, base + base * self.jitter * draw))


def server_requested_wait(response: requests.Response | None, now: float) -> float | None:
    """Read how long the server asked us to wait, from ``Retry-After`` or ``X-RateLimit-Reset``.

    ``Retry-After`` may be delta-seconds or an HTTP date. ``X-RateLimit-Reset`` (Seven Bridges) is epoch seconds and
    is used only on a 429, or when ``X-RateLimit-Remaining`` says the window is spent.

    :param response: The failed response, if any.
    :param now: Current epoch time in seconds.
    :return: Seconds to wait (never negative), or ``None`` when the server said nothing usable.
    """
    if response is None:
        return None
    retry_after = (response.headers.get("Retry-After") or "").strip()
    if retry_after:
        if retry_after.isdigit():
            return float(retry_after)
        try:
            return max(0.0, email.utils.parsedate_to_datetime(retry_after).timestamp() - now)
        except (TypeError, ValueError):
            pass
    reset = (response.headers.get("X-RateLimit-Reset") or "").strip()
    spent = (response.headers.get("X-RateLimit-Remaining") or "").strip() == "0"
    if reset and (response.status_code == 429 or spent):
        try:
            return max(0.0, float(reset) - now)
        except ValueError:
            return None
    return None


def wait_before_retry(
    exc: BaseException | None,
    attempt: int,
    *,
    now: float,
    policy: BackoffPolicy,
    rng: random.Random | None = None,
) -> float:
    """Compute the wait before the next attempt, capped by the policy's maximum.

    :param exc: The exception of the attempt that just failed.
    :param attempt: The number of the attempt that just failed, from 1.
    :param now: Current epoch time in seconds.
    :param policy: Backoff settings.
    :param rng: Random source for jitter.
    :return: Seconds to wait.
    """
    response = getattr(exc, "response", None)
    asked = server_requested_wait(response if isinstance(response, requests.Response) else None, now)
    if asked is not None:
        return min(policy.maximum, asked)
    return policy.exponential(attempt, rng)
