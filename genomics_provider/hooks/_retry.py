"""The retry policy shared by every hook: which failures to retry, and how long to wait.

The functions are pure (they look only at the exception and the clock they are given), so the policy is tested as a
truth table without a server. ``GenomicsRestHook`` wires them into ``tenacity``, with one :class:`WaitBudget` per
request: every retry wait and every rate-limit pause of that request is charged to it, and a wait it cannot afford
(a ``Retry-After: 3600``, a reset a day ahead) is refused before it starts, so a request fails at once with a message
saying what the server asked for instead of sleeping into the task's timeout.

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
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

#: HTTP statuses worth retrying for reads: rate limited, and the gateway/maintenance family.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
#: HTTP statuses that say the server did not act on the request, so even a write may be sent again.
NOT_APPLIED_STATUSES = frozenset({429, 503})


#: A request answered 429 again and again is sent at most this many times ``max_attempts`` (see :func:`attempts_stop`).
RATE_LIMITED_ATTEMPTS_FACTOR = 4


@dataclass
class AttemptCounts:
    """How one request's failed attempts split into 429s and the rest: a request's stop, backoff and log read it.

    A 429 says the server did not act and the key's budget is spent for now, typically by other workers sharing the
    key: the request keeps waiting (capped exponential backoff or what the server asked) while its wait budget
    ``max_wait`` lasts, instead of failing after ``max_attempts`` quick tries while the workers find their shares.
    So ``max_attempts`` counts the other failures; 429s are bounded by the wait budget, and — so that a server
    answering ``Retry-After: 0`` forever cannot loop — by ``RATE_LIMITED_ATTEMPTS_FACTOR * max_attempts`` sends.
    Each kind's exponential backoff counts its own attempts, so a 503 after six 429s waits 0.5 s, not 32 s.

    :param max_attempts: Attempts per request, first try included, for every failure but a 429.
    :param rate_limited: 429s so far.
    :param other: Other failures so far.
    """

    max_attempts: int
    rate_limited: int = 0
    other: int = 0
    #: tenacity's number of the last attempt counted: ``stop`` and ``wait`` both observe each failure, in an order
    #: that differs between tenacity releases, and it is counted once.
    counted: int = 0

    def observe(self, state: Any) -> BaseException | None:
        """Count the attempt that just failed, once however often it is observed.

        :param state: tenacity's ``RetryCallState``.
        :return: The attempt's failure.
        """
        exc = state.outcome.exception() if state.outcome else None
        if state.attempt_number > self.counted:
            self.counted = state.attempt_number
            if is_rate_limited(exc):
                self.rate_limited += 1
            else:
                self.other += 1
        return exc

    def of_kind(self, exc: BaseException | None) -> int:
        """Return how many failures of ``exc``'s kind have been counted.

        :param exc: A failure.
        :return: 429s so far for a 429, other failures so far otherwise.
        """
        return self.rate_limited if is_rate_limited(exc) else self.other

    def spent(self) -> bool:
        """Tell whether the request must stop retrying.

        :return: ``True`` after ``max_attempts`` failures other than 429, or after
            ``RATE_LIMITED_ATTEMPTS_FACTOR * max_attempts`` failures of any kind.
        """
        total = self.rate_limited + self.other
        return self.other >= self.max_attempts or total >= RATE_LIMITED_ATTEMPTS_FACTOR * self.max_attempts


def is_rate_limited(exc: BaseException | None) -> bool:
    """Tell whether a failure is an HTTP 429 answer.

    :param exc: The failure.
    :return: ``True`` for a 429.
    """
    return getattr(getattr(exc, "response", None), "status_code", None) == 429


def attempts_stop(counts: AttemptCounts) -> Callable[[Any], bool]:
    """Build the tenacity ``stop`` of one request from its :class:`AttemptCounts`.

    :param counts: The request's counts, which ``stop`` and the wait both bring up to date.
    :return: A callable taking tenacity's ``RetryCallState`` and returning ``True`` to stop.
    """

    def stop(state: Any) -> bool:
        counts.observe(state)
        return counts.spent()

    return stop


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
    """How long to wait between attempts when the server does not say.

    :param initial: First exponential wait in seconds, before jitter.
    :param maximum: Cap of the exponential wait. A wait the server asks for (``Retry-After``, ``X-RateLimit-Reset``)
        is not capped by it: sending earlier would only draw another refusal. The request's :class:`WaitBudget`
        bounds every wait instead, and refuses one it cannot afford.
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


def seconds_text(seconds: float) -> str:
    """Write a duration for a message: one decimal at most, ``240`` rather than ``240.0``, ``1e+26`` when absurd.

    :param seconds: The duration.
    :return: The text, without the unit.
    """
    if seconds >= 1e9 or not math.isfinite(seconds):  # an absurd ask: its order of magnitude is what matters
        return f"{seconds:.3g}"
    return f"{seconds:.1f}".removesuffix(".0")


def server_wait(response: requests.Response | None, now: float) -> tuple[float, str] | None:
    """Read how long the server asked us to wait, and which header asked.

    ``Retry-After`` may be delta-seconds or an HTTP date. ``X-RateLimit-Reset`` (Seven Bridges) is epoch seconds and
    is used only on a 429, or when ``X-RateLimit-Remaining`` says the window is spent.

    :param response: The failed response, if any.
    :param now: Current epoch time in seconds.
    :return: ``(seconds, header)``: the wait (never negative) and the header as parsed, e.g. ``Retry-After: 3600``
        (rebuilt from the parsed value, so nothing else the server wrote reaches a message); ``None`` when the
        server said nothing usable.
    """
    if response is None:
        return None
    retry_after = (response.headers.get("Retry-After") or "").strip()
    if retry_after:
        if retry_after.isdigit():
            shown = retry_after if len(retry_after) <= 20 else retry_after[:20] + "..."
            return float(retry_after), f"Retry-After: {shown}"
        try:
            when = email.utils.parsedate_to_datetime(retry_after)
            wait = max(0.0, when.timestamp() - now)
            return wait, f"Retry-After: {email.utils.formatdate(when.timestamp(), usegmt=True)}"
        except (TypeError, ValueError, OverflowError):
            pass
    reset = (response.headers.get("X-RateLimit-Reset") or "").strip()
    spent = (response.headers.get("X-RateLimit-Remaining") or "").strip() == "0"
    if reset and (response.status_code == 429 or spent):
        try:
            at = float(reset)
        except ValueError:
            return None
        if math.isnan(at):
            return None
        return max(0.0, at - now), f"X-RateLimit-Reset: {at:.0f}"
    return None


def server_requested_wait(response: requests.Response | None, now: float) -> float | None:
    """Read how long the server asked us to wait, from ``Retry-After`` or ``X-RateLimit-Reset``.

    See :func:`server_wait`, which also says which header asked.

    :param response: The failed response, if any.
    :param now: Current epoch time in seconds.
    :return: Seconds to wait (never negative), or ``None`` when the server said nothing usable.
    """
    asked = server_wait(response, now)
    return None if asked is None else asked[0]


def retry_wait(
    exc: BaseException | None,
    attempt: int,
    *,
    now: float,
    policy: BackoffPolicy,
    rng: random.Random | None = None,
) -> tuple[float, str]:
    """Compute the wait before the next attempt, and say who asked for it.

    :param exc: The exception of the attempt that just failed.
    :param attempt: The number of the attempt that just failed, from 1.
    :param now: Current epoch time in seconds.
    :param policy: Backoff settings.
    :param rng: Random source for jitter.
    :return: ``(seconds, why)``, e.g. ``(3600.0, "the server asked to wait 3600 s (Retry-After: 3600)")``. The
        server's ask is honoured in full; only the exponential backoff is capped by ``policy.maximum``.
    """
    import requests

    response = getattr(exc, "response", None)
    asked = server_wait(response if isinstance(response, requests.Response) else None, now)
    if asked is not None:
        seconds, header = asked
        return seconds, f"the server asked to wait {seconds_text(seconds)} s ({header})"
    seconds = policy.exponential(attempt, rng)
    return seconds, f"the backoff after attempt {attempt} is {seconds_text(seconds)} s"


def wait_before_retry(
    exc: BaseException | None,
    attempt: int,
    *,
    now: float,
    policy: BackoffPolicy,
    rng: random.Random | None = None,
) -> float:
    """Compute the wait before the next attempt (see :func:`retry_wait`).

    :param exc: The exception of the attempt that just failed.
    :param attempt: The number of the attempt that just failed, from 1.
    :param now: Current epoch time in seconds.
    :param policy: Backoff settings.
    :param rng: Random source for jitter.
    :return: Seconds to wait.
    """
    return retry_wait(exc, attempt, now=now, policy=policy, rng=rng)[0]


@dataclass
class WaitBudget:
    """What one request may still spend waiting, retries and rate-limit pacing together.

    :param max_wait: Seconds all waits of the request may add up to (connection extra ``max_wait``).
    :param deadline: Optional. Monotonic time no wait may outlast: the task's ``execution_timeout``.
    :param clock: The monotonic clock ``deadline`` is on.
    :param waited: Seconds already waited.
    """

    max_wait: float
    deadline: float | None = None
    clock: Callable[[], float] = time.monotonic
    waited: float = 0.0

    def left(self) -> float:
        """Return the seconds the request may still wait (never negative).

        :return: Seconds.
        """
        left = self.max_wait - self.waited
        if self.deadline is not None:
            left = min(left, self.deadline - self.clock())
        return max(0.0, left)

    def charge(self, seconds: float) -> None:
        """Count a wait against the budget.

        :param seconds: The wait, in seconds.
        """
        self.waited += max(0.0, seconds)

    def refusal(self, wait: float, why: str) -> str | None:
        """Tell why a wait cannot be started, or nothing when the budget affords it.

        :param wait: The wait about to start, in seconds.
        :param why: Who asks for it, e.g. ``the server asked to wait 3600 s (Retry-After: 3600)``.
        :return: ``None`` when ``wait`` fits; else the message, ending with what limits the budget.
        """
        return None if wait <= self.left() else self.explain(why)

    def explain(self, why: str) -> str:
        """Say why a wait is refused: who asked for it, and what limits the budget now.

        :param why: Who asks for the wait.
        :return: ``<why> but this request's wait budget max_wait=300 s has 240 s left``, or ``<why> but the task's
            deadline (execution_timeout) is 12 s away`` when the deadline is the tighter limit.
        """
        left = self.left()
        if self.deadline is not None and left < self.max_wait - self.waited:
            return f"{why} but the task's deadline (execution_timeout) is {seconds_text(left)} s away"
        return (
            f"{why} but this request's wait budget max_wait={seconds_text(self.max_wait)} s "
            f"has {seconds_text(left)} s left"
        )
