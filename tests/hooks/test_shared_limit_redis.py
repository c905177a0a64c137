"""The shared rate limit against a real redis-server: the GCRA script's schedule, and a Redis that stops mid-run."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator

import pytest
import responses

from genomics_provider.hooks._ratelimit import TooLate
from genomics_provider.hooks._shared_limit import KEY_PREFIX, RedisSlots, SharedLimitUnavailable, limit_key
from genomics_provider.hooks.onecodex import OneCodexHook
from tests.hooks.conftest import BASE, KEY
from tests.hooks.test_shared_limit import ACCOUNT, ACCOUNT_URL, COORDINATED, REDIS_ENV
from tests.redis_server import RedisServer, running_redis


@pytest.fixture(scope="module")
def redis_module() -> Iterator[RedisServer]:
    """One redis-server for the module.

    :return: The running server.
    """
    with running_redis() as server:
        yield server


@pytest.fixture
def redis_server(redis_module: RedisServer) -> RedisServer:
    """The module's server, emptied for this test.

    :param redis_module: The module's server.
    :return: The same server.
    """
    redis_module.client().flushall()
    return redis_module


def slots(server: RedisServer, key: str = KEY_PREFIX + "test") -> RedisSlots:
    """Open a store on its own client, as another process would.

    :param server: The server.
    :param key: The budget's key.
    :return: The store.
    """
    return RedisSlots(server.client(), key)


def test_the_script_spaces_reservations_one_interval_apart(redis_server: RedisServer) -> None:
    store = slots(redis_server)
    waits = [store.reserve(0.1, 0.0) for _ in range(10)]
    assert waits[0] == 0.0
    assert waits[1:] == [pytest.approx(0.1 * index, abs=0.02) for index in range(1, 10)]
    # Each reservation is one interval after the previous one (Redis time passes a little between calls).
    assert all(0.08 < later - earlier <= 0.1 + 1e-9 for earlier, later in itertools.pairwise(waits))


def test_a_slot_later_than_the_callers_budget_is_not_reserved(redis_server: RedisServer) -> None:
    store = slots(redis_server)
    assert store.reserve(1.0, 0.0) == 0.0  # the next slot is now one second away
    with pytest.raises(TooLate):
        store.reserve(1.0, 0.0, budget_s=0.5)
    # Nothing was reserved: the next caller gets the slot one interval away, not two.
    assert store.reserve(1.0, 0.0, budget_s=1.5) == pytest.approx(1.0, abs=0.05)


def test_a_burst_tolerance_lets_that_many_go_at_once(redis_server: RedisServer) -> None:
    store = slots(redis_server)
    waits = [store.reserve(0.1, 0.2) for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3:] == [pytest.approx(0.1, abs=0.02), pytest.approx(0.2, abs=0.02)]


def test_an_idle_key_banks_no_capacity(redis_server: RedisServer) -> None:
    store = slots(redis_server)
    store.reserve(0.1, 0.0)
    time.sleep(0.3)
    assert store.reserve(0.1, 0.0) == 0.0
    assert store.reserve(0.1, 0.0) == pytest.approx(0.1, abs=0.02)


def test_two_clients_on_one_key_share_one_schedule(redis_server: RedisServer) -> None:
    first, second = slots(redis_server), slots(redis_server)
    waits = [store.reserve(0.1, 0.0) for store in (first, second, first, second)]
    assert waits == [0.0, pytest.approx(0.1, abs=0.02), pytest.approx(0.2, abs=0.02), pytest.approx(0.3, abs=0.02)]


def test_another_key_has_its_own_schedule(redis_server: RedisServer) -> None:
    first, other = slots(redis_server), slots(redis_server, KEY_PREFIX + "other")
    assert [first.reserve(0.1, 0.0), first.reserve(0.1, 0.0), other.reserve(0.1, 0.0)] == [
        0.0,
        pytest.approx(0.1, abs=0.02),
        0.0,
    ]


def test_the_key_holds_an_integer_time_and_expires_when_idle(redis_server: RedisServer) -> None:
    key = limit_key("One Codex", BASE, KEY)
    slots(redis_server, key).reserve(0.5, 0.0)
    client = redis_server.client()
    assert [name.decode() for name in client.keys("*")] == [key]
    stored = client.get(key).decode()
    assert stored.isdigit()
    seconds, micros = client.time()
    assert int(stored) == pytest.approx(seconds * 1_000_000 + micros + 500_000, abs=50_000)
    assert 60_000 < client.pttl(key) <= 60_500


def test_a_stopped_server_raises_unavailable_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    with running_redis() as server:
        monkeypatch.setenv(REDIS_ENV, server.conn_json())
        store = RedisSlots.connect("redis_limits", KEY_PREFIX + "x", "oc")  # with the hook's short timeouts
        assert store.reserve(0.1, 0.0) == 0.0
        server.stop()
        started = time.monotonic()
        with pytest.raises(SharedLimitUnavailable, match=r"^ConnectionError: "):
            store.reserve(0.1, 0.0)
        assert time.monotonic() - started < 2.5


def test_a_hook_falls_back_with_one_warning_when_redis_stops_mid_run(
    set_connection: Callable[..., None],
    api: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
    hook_logs: pytest.LogCaptureFixture,
    no_real_sleep: list[float],
) -> None:
    api.get(ACCOUNT_URL, json=ACCOUNT)
    with running_redis() as server:
        monkeypatch.setenv(REDIS_ENV, server.conn_json())
        set_connection(rate_limit=None, **COORDINATED)
        hook = OneCodexHook()
        for _ in range(3):
            hook.get_account()
        key = limit_key("One Codex", BASE, KEY)
        assert server.client().exists(key) == 1
        # Requests 2 and 3 each wait for the local bucket, then for their slot (1/9.7 s apart; nobody sleeps here).
        assert len(no_real_sleep) == 4
        assert [round(wait, 1) for wait in no_real_sleep[1::2]] == [0.1, 0.2]
        server.stop()
        for _ in range(3):
            hook.get_account()
    assert len(api.calls) == 6
    assert len(no_real_sleep) == 7  # the local bucket only
    warnings = [r.getMessage() for r in hook_logs.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "the shared rate limit (Redis connection 'redis_limits') is unreachable (ConnectionError: "
    )
    assert KEY not in hook_logs.text
    assert key.removeprefix(KEY_PREFIX) not in hook_logs.text
