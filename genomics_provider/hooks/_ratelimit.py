"""Client-side rate limiting shared by all requests of one hook.

Two mechanisms, both in :class:`RateLimiter`:

* a token bucket (``rate`` requests per second, ``burst`` at once), for One Codex's 10 requests per second;
* window pacing from the server's own ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset`` headers, for Seven Bridges'
  1000 requests per 5 minutes: once the window is spent, the next request waits until the reset.

Together they keep a well-behaved run from drawing a 429 in the first place.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping


class RateLimiter:
    """A thread-safe token bucket with optional server-window pacing.

    :param rate: Requests per second; ``None`` or ``0`` disables the bucket.
    :param burst: Bucket capacity (requests that may go out back to back). Defaults to ``max(1, rate)``.
    :param max_wait: Cap, in seconds, on a single wait for the server's window to reset.
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
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate is not None and rate < 0:
            raise ValueError(f"rate: {rate!r} must be a positive number of requests per second")
        self.rate = rate or None
        self.burst = float(burst if burst is not None else max(1.0, rate or 1.0))
        self.max_wait = max_wait
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._updated = clock()
        self._window_reset: float | None = None
        self.waited = 0.0

    def acquire(self) -> float:
        """Block until one request may go out.

        :return: Seconds this call waited.
        """
        with self._lock:
            wait = self._window_wait() + self._bucket_wait()
            if wait > 0:
                self._sleep(wait)
                self.waited += wait
            return wait

    def _window_wait(self) -> float:
        if self._window_reset is None:
            return 0.0
        wait = min(self.max_wait, max(0.0, self._window_reset - self._wall_clock()))
        self._window_reset = None
        return wait

    def _bucket_wait(self) -> float:
        if self.rate is None:
            return 0.0
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        self._tokens -= 1.0
        if self._tokens >= 0:
            return 0.0
        # Borrow the token: the wait pays it back, so the next caller sees an empty bucket.
        return -self._tokens / self.rate

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn the server's window from a response's rate-limit headers.

        :param headers: Response headers (case-insensitive mapping).
        """
        remaining = headers.get("X-RateLimit-Remaining")
        reset = headers.get("X-RateLimit-Reset")
        if remaining is None or reset is None:
            return
        try:
            spent = int(remaining) <= 0
            reset_at = float(reset)
        except ValueError:
            return
        with self._lock:
            self._window_reset = reset_at if spent else None
