"""One rate limit for every process and machine that uses the same API key, kept in Redis.

Chosen by the connection extra ``"coordination": {"redis_conn_id": "redis_default"}`` and reached through
``apache-airflow-providers-redis``' ``RedisHook`` (``pip install 'airflow-provider-genomics[redis]'``). Without it,
each process adapts on its own (:mod:`genomics_provider.hooks._ratelimit`): few 429s, but not none.

**The algorithm** is GCRA (the generic cell rate algorithm), run by one Lua script, so each call is one atomic round
trip: Redis keeps, per key, the *theoretical arrival time* ``tat`` of the next request. A caller reserves the slot
``max(tat, now)``, moves ``tat`` one emission interval (``1 / rate``) further, and sleeps until its slot. Every
process reserves from the same ``tat``, so together they send at most ``rate`` requests per second, evenly spaced,
in the order they asked, with no polling. ``now`` is Redis' own clock, so clocks of different machines never meet.

**The rate** is :data:`SHARED_RATE_FRACTION` of the connection's ``rate_limit`` (One Codex: 10, so 9.7 requests per
second): requests reserved evenly can still reach the server bunched by a few milliseconds of scheduling and network
jitter, and the vendor's own counting is undocumented. The 3 % headroom means the server's bucket (One Codex and the
emulator keep 10 tokens) refills faster than it is spent, so jitter never empties it, while the workers together
still use about 0.96 x the limit (4 processes, measured). The local adaptive bucket and the Seven Bridges window
pacing stay in force underneath; a connection without ``rate_limit`` (Seven Bridges by default, whose window headers
are already shared by the server) does not use Redis.

**The key** is a SHA-256 of the service, base URL and credential: the same credential on the same service shares
one budget wherever it runs; the credential itself never reaches Redis, a log or an exception.

**If Redis is unreachable** (at the start or mid-run) the limiter logs one WARNING and falls back to the process's
own adaptive limiter, then tries Redis again every :data:`RETRY_AFTER_S` seconds, and logs when it is back. A task
is never failed for a limiter: without Redis it meets a few 429s, which are retried (a write is re-read first, see
:mod:`genomics_provider.hooks._retry`). A misconfiguration (the extra is malformed, names an undefined connection,
or the provider is missing) fails at once, before any request, with an
:class:`~genomics_provider.exceptions.InvalidInputError` that says what to fix.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks._ratelimit import PACING_JITTER, RateLimiter, TooLate

#: The shared rate, as a fraction of the connection's ``rate_limit``.
SHARED_RATE_FRACTION = 0.97
#: Seconds to wait for Redis to connect or answer; a slower Redis counts as unreachable.
REDIS_TIMEOUT_S = 1.0
#: Seconds between attempts to reach Redis again after it failed.
RETRY_AFTER_S = 30.0
#: Prefix of the Redis keys this provider writes.
KEY_PREFIX = "airflow-provider-genomics:gcra:"
INSTALL_HINT = "pip install 'airflow-provider-genomics[redis]'"

#: KEYS[1]: the key's theoretical arrival time, in microseconds of Redis time. ARGV[1]: emission interval,
#: ARGV[2]: burst tolerance and ARGV[3]: the longest the caller may wait (-1: no limit), all in microseconds. Returns
#: the microseconds the caller waits before sending, or -1 (and reserves nothing) when that is longer than ARGV[3].
GCRA_SCRIPT = """
if redis.replicate_commands then redis.replicate_commands() end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
local budget = tonumber(ARGV[3])
if budget >= 0 and wait > budget then return -1 end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.floor((next_tat - now) / 1000) + 60000)
return wait
"""


class SharedLimitUnavailable(Exception):
    """Redis did not answer; the message says why (never the credential)."""


class SlotStore(Protocol):
    """Where slots are reserved: Redis in production, a fake in unit tests."""

    def reserve(self, interval_s: float, tolerance_s: float, budget_s: float | None = None) -> float:
        """Reserve the next slot.

        :param interval_s: Seconds between two requests (``1 / rate``).
        :param tolerance_s: Seconds a request may go ahead of its even slot (``(burst - 1) * interval``).
        :param budget_s: Optional. The longest the caller may wait; a later slot is not reserved.
        :return: Seconds to wait before sending.
        :raises SharedLimitUnavailable: When the store cannot be reached.
        :raises TooLate: When the slot would come later than ``budget_s``.
        """
        ...


class LogLike(Protocol):
    """The two logger methods the limiter uses (stdlib and structlog loggers both have them)."""

    def warning(self, event: Any, *args: Any, **kw: Any) -> Any: ...
    def info(self, event: Any, *args: Any, **kw: Any) -> Any: ...


class HookLike(Protocol):
    """What :func:`make_limiter` reads from a hook."""

    @property
    def conn_id(self) -> str: ...
    @property
    def service_name(self) -> str: ...
    @property
    def extra(self) -> dict[str, Any]: ...
    @property
    def base_url(self) -> str: ...
    @property
    def credential(self) -> str: ...
    @property
    def log(self) -> LogLike: ...


def coordination_conn_id(extra: Mapping[str, Any], conn_id: str) -> str | None:
    """Read the Redis connection id from the connection extra ``coordination``.

    :param extra: The connection's extra.
    :param conn_id: The connection's id, for the message.
    :return: The Redis connection id, or ``None`` when no coordination is asked for.
    :raises InvalidInputError: When ``coordination`` is not ``{"redis_conn_id": "<connection id>"}``.
    """
    value = extra.get("coordination")
    if value is None or value == {}:
        return None
    redis_conn_id = value.get("redis_conn_id") if isinstance(value, dict) else None
    if not isinstance(redis_conn_id, str) or not redis_conn_id.strip() or set(value) != {"redis_conn_id"}:
        raise InvalidInputError(
            f"connection {conn_id!r}: extra 'coordination' = {value!r} must be "
            '{"redis_conn_id": "<an Airflow Redis connection id>"}'
        )
    return redis_conn_id.strip()


def limit_key(service: str, base_url: str, credential: str) -> str:
    """Name the Redis key of one credential's budget on one service, without the credential in it.

    :param service: The service's display name.
    :param base_url: The API base URL (the same token on another deployment is another budget).
    :param credential: The API key or token.
    :return: ``airflow-provider-genomics:gcra:<sha-256 hex>``.
    """
    digest = hashlib.sha256("\n".join((service, base_url, credential)).encode()).hexdigest()
    return KEY_PREFIX + digest


class RedisSlots:
    """GCRA slots in Redis, through ``RedisHook``.

    :param client: A ``redis.Redis`` (or cluster) client.
    :param key: The budget's key (see :func:`limit_key`).
    """

    def __init__(self, client: Any, key: str) -> None:
        self._script = client.register_script(GCRA_SCRIPT)
        self._key = key

    @classmethod
    def connect(cls, redis_conn_id: str, key: str, conn_id: str) -> RedisSlots:
        """Build the client from an Airflow Redis connection (no network yet), with short timeouts and no retries.

        :param redis_conn_id: The Airflow Redis connection id.
        :param key: The budget's key.
        :param conn_id: The API connection's id, for messages.
        :return: The store.
        :raises InvalidInputError: When the Redis provider is not installed or the connection is not defined.
        """
        try:
            from airflow.providers.redis.hooks.redis import RedisHook
        except ImportError:
            raise InvalidInputError(
                f"connection {conn_id!r}: extra 'coordination' names Redis connection {redis_conn_id!r}, but the "
                f"Redis provider is not installed; run {INSTALL_HINT}"
            ) from None
        from genomics_provider._compat import AirflowNotFoundException

        redis_hook: Any = RedisHook(redis_conn_id=redis_conn_id)
        try:
            client = redis_hook.get_conn()
        except AirflowNotFoundException:
            raise InvalidInputError(
                f"connection {conn_id!r}: extra 'coordination' names Redis connection {redis_conn_id!r}, "
                "which is not defined"
            ) from None
        _short_timeouts(client)
        return cls(client, key)

    def reserve(self, interval_s: float, tolerance_s: float, budget_s: float | None = None) -> float:
        """Reserve the next slot (one script call).

        :param interval_s: Seconds between two requests.
        :param tolerance_s: Seconds a request may go ahead of its even slot.
        :param budget_s: Optional. The longest the caller may wait; a later slot is not reserved.
        :return: Seconds to wait before sending.
        :raises SharedLimitUnavailable: When Redis cannot be reached or refuses the script.
        :raises TooLate: When the slot would come later than ``budget_s`` (nothing was reserved).
        """
        import redis

        budget = -1 if budget_s is None else max(0, round(budget_s * 1e6))
        try:
            waited = self._script(keys=[self._key], args=[round(interval_s * 1e6), round(tolerance_s * 1e6), budget])
        except (redis.RedisError, OSError) as exc:
            raise SharedLimitUnavailable(f"{type(exc).__name__}: {exc}") from None
        if int(waited) < 0:
            raise TooLate(budget / 1e6, "the shared rate limit in Redis")
        return int(waited) / 1e6


def _short_timeouts(client: Any) -> None:
    # RedisHook offers no timeout settings, and redis-py's defaults (5 s, then retries) would stall every request.
    pool = getattr(client, "connection_pool", None)
    if pool is not None:
        for name in ("socket_timeout", "socket_connect_timeout"):
            pool.connection_kwargs[name] = min(pool.connection_kwargs.get(name) or REDIS_TIMEOUT_S, REDIS_TIMEOUT_S)
    if hasattr(client, "set_retry"):
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        client.set_retry(Retry(NoBackoff(), 0))


class SharedRateLimiter(RateLimiter):
    """The adaptive local limiter, plus a slot reserved in a store shared by every process on the key.

    :param rate: The connection's requests per second; the shared rate is :data:`SHARED_RATE_FRACTION` of it.
        ``None`` leaves only the local limiter (the store is not used).
    :param store: Where slots are reserved.
    :param label: Names the store in log messages, e.g. ``"Redis connection 'redis_default'"``.
    :param log: Where the fallback WARNING goes.
    :param clock: Optional. Monotonic clock.
    :param sleep: Optional. Sleep function.
    :param kwargs: Passed to :class:`RateLimiter`.
    """

    def __init__(
        self,
        rate: float | None,
        *,
        store: SlotStore,
        label: str,
        log: LogLike,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        **kwargs: Any,
    ) -> None:
        super().__init__(rate, clock=clock, sleep=sleep, **kwargs)
        self.shared_rate = rate * SHARED_RATE_FRACTION if rate else None
        self.store, self.label, self.log = store, label, log
        self._store_lock = threading.Lock()
        self._retry_at: float | None = None
        #: Whether the last attempt to reach the store failed.
        self.degraded = False

    def acquire(self, budget: float | None = None) -> float:
        """Block until one request may go out: local pacing first, then the shared slot.

        :param budget: Optional. The longest the caller may wait (see :meth:`RateLimiter.acquire`); a shared slot
            later than what is left of it is not reserved.
        :return: Seconds this call waited.
        :raises TooLate: When the wait would exceed ``budget``.
        """
        waited = super().acquire(budget)
        if self.shared_rate is None:
            return waited
        wait = self._reserve(1.0 / self.shared_rate, None if budget is None else budget - waited)
        if wait > 0:
            self._sleep(wait)
            self.waited += wait
        return waited + wait

    def _reserve(self, interval: float, budget: float | None) -> float:
        with self._store_lock:
            if self._retry_at is not None and self._clock() < self._retry_at:
                return 0.0
        try:
            wait = self.store.reserve(interval, 0.0, budget)
        except SharedLimitUnavailable as exc:
            with self._store_lock:
                self._retry_at = self._clock() + RETRY_AFTER_S
                first, self.degraded = not self.degraded, True
            if first:
                self.log.warning(
                    "the shared rate limit (%s) is unreachable (%s); this process paces its own requests and "
                    "adapts to 429s until it answers again (retried every %g s)",
                    self.label,
                    exc,
                    RETRY_AFTER_S,
                )
            return 0.0
        with self._store_lock:
            back, self.degraded, self._retry_at = self.degraded, False, None
        if back:
            self.log.info("the shared rate limit (%s) answers again; requests are paced by it", self.label)
        return wait


def make_limiter(
    hook: HookLike,
    rate: float | None,
    *,
    sleep: Callable[[float], None],
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], float] = time.time,
) -> RateLimiter:
    """Build a hook's limiter: shared through Redis when the connection asks for it, else the local one.

    :param hook: The hook (its extra, credential, base URL and log are read).
    :param rate: Requests per second from the connection (``None``: no bucket).
    :param sleep: The transport's sleep.
    :param clock: Optional. The transport's monotonic clock.
    :param wall_clock: Optional. The transport's epoch clock (``X-RateLimit-Reset`` is read against it).
    :return: The limiter.
    :raises InvalidInputError: When the coordination extra is malformed or cannot be used (see the module).
    """
    redis_conn_id = coordination_conn_id(hook.extra, hook.conn_id)
    if redis_conn_id is None:
        return RateLimiter(rate, burst=1.0, jitter=PACING_JITTER, sleep=sleep, clock=clock, wall_clock=wall_clock)
    store = RedisSlots.connect(
        redis_conn_id, limit_key(hook.service_name, hook.base_url, hook.credential), hook.conn_id
    )
    return SharedRateLimiter(
        rate,
        store=store,
        label=f"Redis connection {redis_conn_id!r}",
        log=hook.log,
        burst=1.0,
        jitter=PACING_JITTER,
        sleep=sleep,
        clock=clock,
        wall_clock=wall_clock,
    )
