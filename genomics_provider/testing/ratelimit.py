"""Server-side rate limiters: One Codex's token bucket and Seven Bridges' fixed window."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Generic, TypeVar

from genomics_provider.testing.config import Clock

#: Tolerance for float clocks (epoch seconds near 1.7e9 have a resolution of about 2.4e-7 s).
_EPSILON = 1e-5

StateT = TypeVar("StateT")


@dataclass
class Decision:
    """Outcome of one rate-limit check.

    ``retry_after`` is the number of whole seconds until a request would be accepted (0 when allowed).
    """

    allowed: bool
    limit: int
    remaining: int
    reset: int
    retry_after: int = 0


class _PerKey(Generic[StateT]):
    """A limiter's state per key (a principal id or token), behind one lock, on one clock."""

    def __init__(self, clock: Clock) -> None:
        """Create empty state.

        :param clock: Time source.
        """
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[str, StateT] = {}

    def reset(self) -> None:
        """Forget every key's state: every bucket full again, every window new."""
        with self._lock:
            self._state.clear()


class TokenBucket(_PerKey[tuple[float, float]]):
    """Per-key token buckets refilling continuously (the state: tokens left, when counted)."""

    def take(self, key: str, rate: float, burst: int | None) -> Decision:
        """Take one token for a key.

        :param key: Who is calling (a principal id).
        :param rate: Tokens added per second.
        :param burst: Bucket capacity; ``None`` means ``rate`` (at least 1).
        :return: Whether the request may proceed.
        """
        capacity = float(burst if burst is not None else max(1.0, rate))
        now = self._clock()
        with self._lock:
            tokens, stamp = self._state.get(key, (capacity, now))
            tokens = min(capacity, tokens + max(0.0, now - stamp) * rate)
            if tokens >= 1.0 - _EPSILON:
                tokens = max(tokens, 1.0)
                self._state[key] = (tokens - 1.0, now)
                return Decision(True, int(capacity), int(tokens - 1.0), int(now))
            self._state[key] = (tokens, now)
        wait = (1.0 - tokens) / rate if rate > 0 else 1.0
        return Decision(False, int(capacity), 0, math.ceil(now + wait), max(1, math.ceil(wait)))


class FixedWindow(_PerKey[tuple[float, int]]):
    """Per-token fixed windows: ``limit`` requests, then nothing until the window ends (the state: start, used)."""

    def _current(self, key: str, window_s: float, now: float) -> tuple[float, int]:
        start, used = self._state.get(key, (now, 0))
        if now >= start + window_s:
            start, used = now, 0
        return start, used

    def peek(self, key: str, limit: int, window_s: float) -> Decision:
        """Report a window's state without counting a request.

        :param key: Who is calling.
        :param limit: Requests per window.
        :param window_s: Window length in seconds.
        :return: The current state (always allowed).
        """
        now = self._clock()
        with self._lock:
            start, used = self._current(key, window_s, now)
            self._state[key] = (start, used)
        return Decision(True, limit, max(0, limit - used), math.ceil(start + window_s))

    def take(self, key: str, limit: int, window_s: float) -> Decision:
        """Count one request.

        :param key: Who is calling.
        :param limit: Requests per window.
        :param window_s: Window length in seconds.
        :return: Whether the request may proceed, with the header values.
        """
        now = self._clock()
        with self._lock:
            start, used = self._current(key, window_s, now)
            allowed = used < limit
            if allowed:
                used += 1
            self._state[key] = (start, used)
        reset = start + window_s
        retry = 0 if allowed else max(1, math.ceil(reset - now))
        return Decision(allowed, limit, max(0, limit - used), math.ceil(reset), retry)
