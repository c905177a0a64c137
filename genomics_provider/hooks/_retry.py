"""The retry policy shared by every hook: which failures to retry, and how long to wait.

Both functions are pure (they look only at the exception and the clock they are given), so the policy is tested as a
truth table without a server. ``GenomicsRestHook`` wires them into ``tenacity``.

Two kinds of request:

* **Reads** (``idempotent=True``) are sent again after any transient failure: connection errors, timeouts, 429, 500,
  502, 503 and 504.
* **Writes** (``idempotent=False``) are sent again only when the server certainly did not act on them: a 429 or a 503
  (the server refused to handle the request), or a connection that was never established. After a dropped
  connection, a read timeout, a 500, 502 or 504 the write may or may not have been applied; it is not re-sent
  blindly. The error reaches the caller, which re-reads the item and writes again only what still differs (the
  operators do this), so a write the server applied is not sent twice, and a stale body is not re-sent over a change
  another writer made meanwhile.

``requests`` and ``urllib3`` are imported inside the functions: they are needed once a request fails, and importing
them here would add their cost to every DAG file that imports an operator.
"""

from __future__ import annotations

import email.utils
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests

#: HTTP statuses worth retrying for reads: rate limited, and the gateway/maintenance family.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
#: HTTP statuses that say the server did not act on the request, so even a write may be sent again.
NOT_APPLIED_STATUSES = frozenset({429, 503})


def never_connected(exc: BaseException) -> bool:
    """Tell whether a request failed before any byte reached the server (connect timeout, connection refused).

    :param exc: The exception raised by ``requests``.
    :return: ``True`` when the server cannot have seen the request.
    """
    import requests
    from urllib3.exceptions import NewConnectionError

    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError) or not exc.args:
        return False
    reason = getattr(exc.args[0], "reason", None)
    return isinstance(reason, NewConnectionError)


def outcome_unknown(exc: BaseException) -> bool:
    """Tell whether a failed write may nevertheless have been applied by the server.

    :param exc: The exception raised by ``requests``.
    :return: ``True`` after a dropped connection, a timeout once connected, or a 5xx other than 503; ``False`` when
        the server refused or never saw the request (4xx, 429, 503, no connection) or for anything else.
    """
    import requests

    if never_connected(exc):
        return False
    if isinstance(exc, requests.HTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        return status >= 500 and status not in NOT_APPLIED_STATUSES
    return isinstance(exc, (requests.ConnectionError, requests.Timeout))


def is_retryable(exc: BaseException, *, idempotent: bool = True) -> bool:
    """Decide whether a failed request may be sent again.

    :param exc: The exception raised by ``requests`` (``HTTPError`` from ``raise_for_status`` included).
    :param idempotent: Whether the request only reads, so sending it again cannot change anything; ``False`` for
        writes, which are re-sent only when the server certainly did not act on them.
    :return: ``True`` if the request should be retried.
    """
    import requests

    if never_connected(exc):
        return True
    if isinstance(exc, requests.HTTPError):
        status = exc.response.status_code if exc.response is not None else None
        if status in NOT_APPLIED_STATUSES:
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
    import requests

    response = getattr(exc, "response", None)
    asked = server_requested_wait(response if isinstance(response, requests.Response) else None, now)
    if asked is not None:
        return min(policy.maximum, asked)
    return policy.exponential(attempt, rng)
