"""The shared rate limit: the ``coordination`` extra, the key, pacing through a store, and the fallback without it.

The GCRA script itself runs against a real redis-server in ``test_shared_limit_redis.py``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

import pytest
import responses

from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks._ratelimit import RateLimiter
from genomics_provider.hooks._shared_limit import (
    KEY_PREFIX,
    RETRY_AFTER_S,
    SHARED_RATE_FRACTION,
    RedisSlots,
    SharedLimitUnavailable,
    SharedRateLimiter,
    coordination_conn_id,
    limit_key,
)
from genomics_provider.hooks.onecodex import OneCodexHook
from tests.hooks.conftest import BASE, KEY

ACCOUNT_URL = f"{BASE}/api/v1/account"
ACCOUNT = {"email": "lab@example.org"}
COORDINATED = {"coordination": {"redis_conn_id": "redis_limits"}}
REDIS_ENV = "AIRFLOW_CONN_REDIS_LIMITS"


class FakeClock:
    """A monotonic clock and a sleep that advances it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        """Return the fake time.

        :return: Seconds.
        """
        return self.now

    def sleep(self, seconds: float) -> None:
        """Record a wait and let that much time pass.

        :param seconds: The wait.
        """
        self.sleeps.append(seconds)
        self.now += seconds


class FakeSlots:
    """A slot store that answers given waits, or fails while ``down`` is set."""

    def __init__(self, waits: list[float] | None = None) -> None:
        self.waits = list(waits or [])
        self.calls: list[tuple[float, float]] = []
        self.down = False

    def reserve(self, interval_s: float, tolerance_s: float, budget_s: float | None = None) -> float:
        """Record the call and answer the next wait.

        :param interval_s: Seconds between two requests.
        :param tolerance_s: Burst tolerance.
        :param budget_s: Ignored.
        :return: The next wait (0 when none is left).
        :raises SharedLimitUnavailable: While ``down``.
        """
        self.calls.append((interval_s, tolerance_s))
        if self.down:
            raise SharedLimitUnavailable("ConnectionError: Error 111 connecting to 127.0.0.1:1. Connection refused.")
        return self.waits.pop(0) if self.waits else 0.0


@pytest.fixture
def clock() -> FakeClock:
    """Provide a fresh fake clock.

    :return: The clock.
    """
    return FakeClock()


def shared(clock: FakeClock, store: FakeSlots, rate: float | None = 10.0) -> SharedRateLimiter:
    """Build a shared limiter on the fake clock, without a local bucket in the way (burst 100).

    :param clock: The fake clock.
    :param store: The fake store.
    :param rate: Requests per second.
    :return: The limiter.
    """
    log = logging.getLogger("tests.shared_limit")
    return SharedRateLimiter(
        rate, store=store, label="Redis connection 'redis_limits'", log=log, burst=100, clock=clock, sleep=clock.sleep
    )


# -- the coordination extra and the key --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param({}, None, id="absent"),
        pytest.param({"coordination": None}, None, id="null"),
        pytest.param({"coordination": {}}, None, id="empty"),
        pytest.param({"coordination": {"redis_conn_id": "redis_default"}}, "redis_default", id="a-redis-connection"),
        pytest.param({"coordination": {"redis_conn_id": " r2 "}}, "r2", id="spaces-trimmed"),
    ],
)
def test_the_coordination_extra_names_a_redis_connection(extra: dict[str, Any], expected: str | None) -> None:
    assert coordination_conn_id(extra, "oc") == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("redis_default", id="a-bare-string"),
        pytest.param({"redis_conn_id": ""}, id="an-empty-id"),
        pytest.param({"redis_conn_id": 3}, id="a-number"),
        pytest.param({"redis_conn": "redis_default"}, id="a-misspelt-key"),
        pytest.param({"redis_conn_id": "r", "rate": 5}, id="an-unknown-key"),
    ],
)
def test_a_malformed_coordination_extra_is_refused(value: Any) -> None:
    with pytest.raises(InvalidInputError) as caught:
        coordination_conn_id({"coordination": value}, "oc")
    assert str(caught.value).startswith(
        f"connection 'oc': extra 'coordination' = {value!r} must be "
        '{"redis_conn_id": "<an Airflow Redis connection id>"}'
    )


def test_the_key_is_a_hash_of_service_base_url_and_credential() -> None:
    key = limit_key("One Codex", BASE, KEY)
    assert key.startswith(KEY_PREFIX)
    assert len(key) == len(KEY_PREFIX) + 64
    assert KEY not in key
    assert key == limit_key("One Codex", BASE, KEY)
    others = {limit_key("Seven Bridges", BASE, KEY), limit_key("One Codex", "http://127.0.0.1:1", KEY)}
    others.add(limit_key("One Codex", BASE, KEY + "x"))
    assert key not in others
    assert len(others) == 3


# -- the shared limiter, with a fake store ------------------------------------------------------------------------


def test_each_request_reserves_a_slot_at_just_under_the_configured_rate(clock: FakeClock) -> None:
    store = FakeSlots(waits=[0.0, 0.25, 0.5])
    limiter = shared(clock, store)
    assert [limiter.acquire() for _ in range(3)] == [0.0, 0.25, 0.5]
    assert clock.sleeps == [0.25, 0.5]
    assert limiter.waited == 0.75
    assert store.calls == [(pytest.approx(1 / (10.0 * SHARED_RATE_FRACTION)), 0.0)] * 3
    assert SHARED_RATE_FRACTION == 0.97
    assert limiter.shared_rate == pytest.approx(9.7)


def test_the_local_bucket_still_applies_before_the_slot(clock: FakeClock) -> None:
    store = FakeSlots(waits=[0.0, 0.05])
    log = logging.getLogger("tests.shared_limit")
    limiter = SharedRateLimiter(10.0, store=store, label="r", log=log, burst=1.0, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    assert limiter.acquire() == pytest.approx(0.15)
    assert clock.sleeps == [pytest.approx(0.1), 0.05]


def test_without_a_rate_the_store_is_not_used(clock: FakeClock) -> None:
    store = FakeSlots()
    limiter = shared(clock, store, rate=None)
    assert [limiter.acquire() for _ in range(5)] == [0.0] * 5
    assert store.calls == []


def test_an_unreachable_store_falls_back_to_the_local_limiter_with_one_warning(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    store = FakeSlots()
    store.down = True
    limiter = shared(clock, store)
    with caplog.at_level(logging.INFO, logger="tests.shared_limit"):
        waits = [limiter.acquire() for _ in range(20)]
    assert waits == [0.0] * 20
    assert len(store.calls) == 1  # not asked again within the retry period
    assert limiter.degraded
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "WARNING",
            "the shared rate limit (Redis connection 'redis_limits') is unreachable (ConnectionError: Error 111 "
            "connecting to 127.0.0.1:1. Connection refused.); this process paces its own requests and adapts to "
            "429s until it answers again (retried every 30 s)",
        )
    ]


def test_the_store_is_tried_again_after_the_retry_period_and_its_return_is_logged(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    store = FakeSlots(waits=[0.3])
    store.down = True
    limiter = shared(clock, store)
    with caplog.at_level(logging.INFO, logger="tests.shared_limit"):
        limiter.acquire()
        clock.now += RETRY_AFTER_S - 0.01
        limiter.acquire()
        assert len(store.calls) == 1
        clock.now += 0.02
        limiter.acquire()  # still down: tried, no second warning
        assert len(store.calls) == 2
        store.down = False
        clock.now += RETRY_AFTER_S
        assert limiter.acquire() == 0.3
        assert not limiter.degraded
        store.down = True
        limiter.acquire()  # a second outage warns again
    assert [r.levelname for r in caplog.records] == ["WARNING", "INFO", "WARNING"]
    assert caplog.records[1].getMessage() == (
        "the shared rate limit (Redis connection 'redis_limits') answers again; requests are paced by it"
    )


def test_the_shared_limiter_keeps_adapting_locally(clock: FakeClock) -> None:
    limiter = shared(clock, FakeSlots())
    limiter.observe({}, 429)
    assert (limiter.rate, limiter.ceiling, limiter.shared_rate) == (5.0, 10.0, pytest.approx(9.7))


# -- how a hook builds its limiter ---------------------------------------------------------------------------------


def test_without_coordination_a_hook_gets_the_local_limiter(set_connection: Callable[..., None]) -> None:
    set_connection(rate_limit=None)
    limiter = OneCodexHook().limiter
    assert type(limiter) is RateLimiter
    assert (limiter.rate, limiter.burst, limiter.jitter) == (10.0, 1.0, 0.25)


def test_with_coordination_a_hook_gets_the_shared_limiter(
    set_connection: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(REDIS_ENV, '{"conn_type": "redis", "host": "127.0.0.1", "port": 1}')
    set_connection(rate_limit=None, **COORDINATED)
    limiter = OneCodexHook().limiter
    assert isinstance(limiter, SharedRateLimiter)
    assert limiter.label == "Redis connection 'redis_limits'"
    assert (limiter.rate, limiter.shared_rate, limiter.burst) == (10.0, pytest.approx(9.7), 1.0)
    assert isinstance(limiter.store, RedisSlots)


def test_coordination_without_the_redis_provider_fails_before_any_request(
    set_connection: Callable[..., None], api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "airflow.providers.redis.hooks.redis", None)  # import raises ImportError
    set_connection(**COORDINATED)
    with pytest.raises(InvalidInputError) as caught:
        OneCodexHook().get_account()
    assert str(caught.value) == (
        "connection 'onecodex_default': extra 'coordination' names Redis connection 'redis_limits', but the Redis "
        "provider is not installed; run pip install 'airflow-provider-genomics[redis]'"
    )
    assert len(api.calls) == 0


def test_coordination_naming_an_undefined_connection_fails_before_any_request(
    set_connection: Callable[..., None], api: responses.RequestsMock
) -> None:
    set_connection(**COORDINATED)
    with pytest.raises(InvalidInputError) as caught:
        OneCodexHook().get_account()
    assert str(caught.value) == (
        "connection 'onecodex_default': extra 'coordination' names Redis connection 'redis_limits', which is not "
        "defined"
    )
    assert len(api.calls) == 0


def test_a_malformed_coordination_extra_fails_before_any_request(
    set_connection: Callable[..., None], api: responses.RequestsMock
) -> None:
    set_connection(coordination="redis_default")
    with pytest.raises(InvalidInputError, match=r"extra 'coordination' = 'redis_default' must be"):
        OneCodexHook().get_account()
    assert len(api.calls) == 0
