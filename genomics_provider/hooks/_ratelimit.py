"""Client-side rate limiting shared by all requests of one hook, adapting to what the server says.

Two mechanisms, both in :class:`RateLimiter`, both needing no infrastructure:

* **A token bucket whose rate adapts** (One Codex's 10 requests per second per key, no rate-limit headers). It starts
  at the configured ``rate``, so a worker alone goes at the full limit and never sees a 429. Other processes on the
  same key are invisible until the server answers 429; then the rate is halved (a 429 within :data:`DECREASE_HOLD_S`
  of the last decrease, or two requests' spacing if that is shorter, only counts: requests already in flight
  report the same congestion), and every answer
  that was not a 429 adds a little back (:data:`INCREASE_PER_S` of the configured rate per second, up to it). That
  is AIMD, as in TCP: N processes sharing one server bucket converge to about 1/N of it each, and the slow increase
  decides how often they probe past the limit. After :data:`QUIET_S` without a 429 the increase doubles every
  :data:`QUIET_DOUBLING_S`, so a worker whose neighbours finished gets its full rate back within about 75 s.
  Waits are jittered (:data:`PACING_JITTER`): a process pacing at exactly the server's refill rate would otherwise
  take every token as it is refilled, and never see the 429s that should slow it down. Four processes on the
  emulator's bucket discover each other at a cost of about ten 429s in the first seconds, then meet about one every
  10 to 20 s (under 2 % of requests); Redis removes them (:mod:`genomics_provider.hooks._shared_limit`).
* **Window pacing from the server's headers** (Seven Bridges' 1000 requests per 5 minutes, with
  ``X-RateLimit-Limit`` / ``-Remaining`` / ``-Reset`` on every response). Those headers are state the server shares
  among every process using the token. A worker far from the limit goes as fast as it likes; once the remaining
  budget is within :data:`PACE_FRACTION` of the limit, it spaces its requests so that what remains lasts until the
  reset (``time left / remaining``): N workers then each slow down as the budget shrinks, and the budget decays
  towards the reset instead of running out early. The last :data:`MARGIN_FRACTION` of the window is never used,
  because each worker's view of ``Remaining`` is a few requests old; at the margin the next request waits for the
  reset.

**One owner per wait.** A 429 or a 503 is retried by the transport, whose wait honours its ``Retry-After`` /
``X-RateLimit-Reset``; such an answer therefore clears the window here instead of recording it, so the same 429 is
not paced a second time on top of the retry's wait. With a caller's ``budget`` (the transport always passes one) a
window wait is not capped by ``max_wait`` but compared in full: a reset further away than the budget raises
:class:`TooLate` at once, naming the headers, instead of sleeping ``max_wait`` and sending into a spent window.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: Factor applied to the rate on a 429 (multiplicative decrease).
DECREASE_FACTOR = 0.5
#: After a decrease, further 429s within this many seconds do not decrease again (they report the same congestion).
DECREASE_HOLD_S = 1.0
#: The rate never drops below this fraction of the configured rate.
MIN_RATE_FRACTION = 0.02
#: Additive increase: this fraction of the configured rate is added per second of answers that were not 429.
INCREASE_PER_S = 0.0025
#: Seconds without a 429 after which the additive increase starts to accelerate.
QUIET_S = 30.0
#: Once quiet, the additive increase doubles every this many seconds.
QUIET_DOUBLING_S = 10.0
#: Spread of each request's token cost around 1 when the bucket paces (mean 1, so the mean rate is unchanged).
PACING_JITTER = 0.25
#: Window pacing starts when the remaining budget is within this fraction of ``X-RateLimit-Limit``.
PACE_FRACTION = 0.1
#: This fraction of ``X-RateLimit-Limit`` is left unused at the end of each window.
MARGIN_FRACTION = 0.01
#: Answers the transport retries honouring their wait headers: their window is the retry's to wait for, not ours.
RETRY_OWNS_WAIT = frozenset({429, 503})


class TooLate(Exception):
    """The request could not go out within the caller's budget; no slot was taken.

    :param wait: The wait the limiter would have needed, in seconds.
    :param reason: Optional. Who asks for the wait, e.g. ``the server's rate-limit window (X-RateLimit-Remaining: 0,
        X-RateLimit-Reset: 1700086400)``.
    """

    def __init__(self, wait: float, reason: str = "the client-side rate limit") -> None:
        super().__init__(f"{reason} would hold the request {wait:.2f} s")
        self.wait = wait
        self.reason = reason


@dataclass
class _Window:
    """The server's window as last reported, and what this limiter let out since."""

    remaining: int
    reset: float
    limit: int | None
    sent: int = 0

    @property
    def margin(self) -> int:
        """Requests left unused at the end of the window."""
        return math.ceil(self.limit * MARGIN_FRACTION) if self.limit else 0

    @property
    def pace_from(self) -> int:
        """Budget (beyond the margin) below which requests are spread until the reset."""
        return math.ceil(self.limit * PACE_FRACTION) if self.limit else 0


class RateLimiter:
    """A thread-safe, adaptive token bucket with server-window pacing.

    :param rate: Requests per second; ``None`` or ``0`` disables the bucket. It is the ceiling: the bucket's current
        rate (``self.rate``) drops on 429s and climbs back to it.
    :param burst: Bucket capacity (requests that may go out back to back). Defaults to ``max(1, rate)``.
    :param max_wait: Cap, in seconds, on a single wait for the server's window when the caller gives no budget.
    :param jitter: Optional. Requests that wait for a token cost ``1 ± jitter`` tokens, at random (mean 1). Without
        it, a process pacing at exactly the server's rate takes each token the moment it is refilled, and the other
        processes on the key meet every 429 while it meets none (its rate then never comes down).
    :param rng: Optional. Random source of the jitter, injectable for tests.
    :param clock: Monotonic clock, injectable for tests.
    :param wall_clock: Epoch clock used to read ``X-RateLimit-Reset``, injectable for tests.
    :param sleep: Sleep function, injectable for tests.
    """

    def __init__(
        self,
        rate: float | None,
        *,
        burst: float | None = None,
        max_wait: float = 300.0,
        jitter: float = 0.0,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate is not None and rate < 0:
            raise ValueError(f"rate: {rate!r} must be a positive number of requests per second")
        self.rate = rate or None
        self.ceiling = self.rate
        self.burst = float(burst if burst is not None else max(1.0, rate or 1.0))
        self.max_wait = max_wait
        self.jitter = jitter
        self._random = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._updated = clock()
        self._window: _Window | None = None
        self._last_send: float | None = None
        self._last_decrease: float | None = None
        self._last_increase: float | None = None
        self.waited = 0.0
        #: 429s seen, and how many of them lowered the rate.
        self.rate_limited = 0
        self.decreases = 0

    def acquire(self, budget: float | None = None) -> float:
        """Block until one request may go out.

        :param budget: Optional. The longest the caller may wait, in seconds: when pacing needs longer, nothing is
            taken (the slot stays for the next caller) and :class:`TooLate` is raised. A write that must go out
            within ``max_read_age`` of its read passes what is left of it.
        :return: Seconds this call waited.
        :raises TooLate: When the wait would exceed ``budget``.
        """
        with self._lock:
            saved = (self._tokens, self._updated, self._window)
            window_wait = self._window_wait(capped=budget is None)
            wait = window_wait + self._bucket_wait()
            if budget is not None and wait > budget:
                self._tokens, self._updated, self._window = saved
                raise TooLate(wait, self._reason(saved[2] if window_wait > 0 else None))
            if wait > 0:
                self._sleep(wait)
                self.waited += wait
            self._last_send = self._clock()
            if self._window is not None:
                self._window.sent += 1
            return wait

    def _reason(self, window: _Window | None) -> str:
        if window is None:
            return f"the client-side rate limit of {self.rate or 0:g} requests per second"
        seen = [f"X-RateLimit-Remaining: {window.remaining}", f"X-RateLimit-Reset: {window.reset:.0f}"]
        if window.limit:
            seen.insert(0, f"X-RateLimit-Limit: {window.limit}")
        return f"the server's rate-limit window ({', '.join(seen)})"

    def _window_wait(self, *, capped: bool = True) -> float:
        cap = self.max_wait if capped else math.inf
        window = self._window
        if window is None:
            return 0.0
        now = self._wall_clock()
        if now >= window.reset:
            self._window = None  # the server has started a new window
            return 0.0
        budget = window.remaining - window.sent - window.margin
        if budget <= 0:
            self._window = None  # after this wait the window is over (or the wait was capped)
            return min(cap, window.reset - now)
        if budget > window.pace_from or self._last_send is None:
            return 0.0
        # Spread what remains until the reset; since everyone sees the same budget shrink, N workers slow together.
        due = self._last_send + (window.reset - now) / budget
        return min(cap, max(0.0, due - self._clock()))

    def _bucket_wait(self) -> float:
        if self.rate is None:
            return 0.0
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        self._tokens -= 1.0 + self.jitter * (2.0 * self._random.random() - 1.0)
        if self._tokens >= 0:
            return 0.0
        # Borrow the token: the wait pays it back, so the next caller sees an empty bucket.
        return -self._tokens / self.rate

    def observe(self, headers: Mapping[str, str], status: int | None = None) -> None:
        """Learn from a response: the server's window from its rate-limit headers, and congestion from its status.

        :param headers: Response headers (case-insensitive mapping).
        :param status: Optional. The HTTP status; a 429 lowers the bucket's rate, other answers below 500 raise it.
            A 429 or 503 clears the window: the retry's wait honours its headers (see the module).
        """
        with self._lock:
            if status in RETRY_OWNS_WAIT:
                self._window = None
            else:
                self._observe_window(headers)
            if status == 429:
                self._decrease()
            elif status is not None and status < 500:
                self._increase()

    def _observe_window(self, headers: Mapping[str, str]) -> None:
        remaining = headers.get("X-RateLimit-Remaining")
        reset = headers.get("X-RateLimit-Reset")
        if remaining is None or reset is None:
            return
        try:
            seen = _Window(int(remaining), float(reset), None)
        except ValueError:
            return
        if math.isnan(seen.reset):
            return
        try:
            seen.limit = int(headers.get("X-RateLimit-Limit") or "") or None
        except ValueError:
            seen.limit = None
        self._window = seen

    def _decrease(self) -> None:
        self.rate_limited += 1
        if self.rate is None or self.ceiling is None:
            return
        now = self._clock()
        if self._last_decrease is not None and now - self._last_decrease < min(DECREASE_HOLD_S, 2.0 / self.rate):
            return
        self._settle(now)
        lowered = max(self.ceiling * MIN_RATE_FRACTION, self.rate * DECREASE_FACTOR)
        self.decreases += lowered < self.rate
        self.rate = lowered
        self._last_decrease = self._last_increase = now

    def _increase(self) -> None:
        now = self._clock()
        last, self._last_increase = self._last_increase, now
        if self.rate is None or self.ceiling is None or self.rate >= self.ceiling or last is None:
            return
        quiet = now - (self._last_decrease if self._last_decrease is not None else now)
        speed = 2.0 ** min(10.0, max(0.0, quiet - QUIET_S) / QUIET_DOUBLING_S)
        self._settle(now)
        # Time spent idle says nothing about the server's load: at most a second (or two requests' spacing) counts.
        elapsed = min(max(1.0, 2.0 / self.rate), now - last)
        self.rate = min(self.ceiling, self.rate + self.ceiling * INCREASE_PER_S * speed * elapsed)

    def _settle(self, now: float) -> None:
        # Refill at the old rate up to now, so a rate change applies only from now on.
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * (self.rate or 0.0))
        self._updated = now
