"""Four OS processes on one API key, against one emulator enforcing the vendor's limit: the limit is shared.

Each worker is a forked process with its own hook, sending requests as fast as its limiter lets it for a fixed time;
the emulator (in this process) counts every answer, so the 429s are the server's, not the workers' own account.

* With Redis (``coordination`` extra, a real ``redis-server``): 0 x 429, and together >= 0.9 x the limit.
* Without Redis, One Codex: the workers first discover each other (each halves its rate on a 429, two or three
  times), then settle; after that discovery, at most 2 % of requests are answered 429. The discovery itself costs
  about ten 429s, so over this short run the total share is larger (the README gives the figures).
* Without Redis, Seven Bridges: pacing from the shared ``X-RateLimit-*`` headers uses the window without a 429.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from genomics_provider.exceptions import GenomicsApiError
from genomics_provider.hooks import base as base_module
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.testing import Emulator
from tests.redis_server import RedisServer, running_redis

pytestmark = pytest.mark.integration

WORKERS = 4
OC_RATE = 10.0
#: The Seven Bridges window, scaled down from 1000 per 300 s so that a test sees two of them (the margin left
#: unused, 1 % = 5 requests, then covers 4 workers bursting, whose views of Remaining are each a few requests old).
SB_LIMIT, SB_WINDOW_S = 500, 5.0
#: Seconds the workers get to start before they all begin at the same instant.
START_IN_S = 0.5
REDIS_CONN = "redis_limits"


@dataclass
class WorkerResult:
    """What one worker saw: when each successful answer arrived, and how many calls failed after retries."""

    answered_at: list[float]
    failed: int


@pytest.fixture
def real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the hooks really wait (the suite records waits instead): the limits are enforced in real time.

    :param monkeypatch: pytest's monkeypatch.
    """
    monkeypatch.setattr(base_module, "_sleep", time.sleep)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A fresh redis-server for the test.

    :return: The running server.
    """
    with running_redis() as server:
        yield server


def _work(make_hook: Callable[[], Any], call: str, start_at: float, stop_at: float, results: Any) -> None:
    hook = make_hook()
    # Resolve the connection (and the limiter) before the start: on Airflow 3.1 the first lookup outside a task goes
    # through the database model and its ORM set-up (~0.9 s in a fresh process), which would eat the measured window.
    _ = hook.limiter
    answered: list[float] = []
    failed = 0
    time.sleep(max(0.0, start_at - time.time()))
    while time.time() < stop_at:
        try:
            getattr(hook, call)()
        except GenomicsApiError:
            failed += 1
        else:
            answered.append(time.time())
    results.put(WorkerResult(answered, failed))


def run_workers(make_hook: Callable[[], Any], call: str, duration: float) -> tuple[float, list[WorkerResult]]:
    """Fork the workers, start them together, and collect what they saw.

    :param make_hook: Builds a worker's hook (in the worker).
    :param call: The hook method each worker calls in a loop.
    :param duration: Seconds each worker sends for.
    :return: The common start time (epoch seconds) and the workers' results.
    """
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + START_IN_S
    args = (make_hook, call, start_at, start_at + duration, results)
    processes = [context.Process(target=_work, args=args) for _ in range(WORKERS)]
    for process in processes:
        process.start()
    try:
        collected = [results.get(timeout=duration + 30) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    assert [process.exitcode for process in processes] == [0] * WORKERS
    return start_at, collected


def answered_between(results: list[WorkerResult], start: float, stop: float) -> int:
    """Count successful answers that arrived in a time span, over all workers.

    :param results: The workers' results.
    :param start: Epoch seconds.
    :param stop: Epoch seconds.
    :return: The count.
    """
    return sum(start <= moment < stop for result in results for moment in result.answered_at)


def statuses(emu: Emulator, api: str, since: int = 0) -> list[int | None]:
    """Read the statuses the emulator answered, in order.

    :param emu: The emulator.
    :param api: ``"onecodex"`` or ``"sevenbridges"``.
    :param since: Skip this many logged requests first.
    :return: The statuses.
    """
    return [request.status for request in emu.recorder.requests[since:] if request.api == api]


def test_four_processes_sharing_redis_get_no_429_and_nine_tenths_of_the_limit(
    real_sleep: None, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    duration = 6.0
    with Emulator(seed="demo", rate_limit_enabled=True, onecodex_rate_per_s=OC_RATE) as emu:
        monkeypatch.setenv(f"AIRFLOW_CONN_{REDIS_CONN.upper()}", redis_server.conn_json())
        extra = {"coordination": {"redis_conn_id": REDIS_CONN}}
        monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", emu.onecodex_conn_json(extra))
        start_at, results = run_workers(OneCodexHook, "get_account", duration)
        seen = statuses(emu, "onecodex")
    together = answered_between(results, start_at, start_at + duration) / duration
    print(f"\nwith Redis: {len(seen)} requests, {seen.count(429)} x 429, {together / OC_RATE:.3f} x the limit")
    assert seen.count(429) == 0
    assert [result.failed for result in results] == [0] * WORKERS
    assert together >= 0.9 * OC_RATE
    assert min(len(result.answered_at) for result in results) >= 0.8 * together * duration / WORKERS  # fair shares


def test_four_processes_without_redis_settle_to_few_429s_and_use_the_whole_limit(
    real_sleep: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    discovery, settled = 6.0, 14.0
    with Emulator(seed="demo", rate_limit_enabled=True, onecodex_rate_per_s=OC_RATE) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", emu.onecodex_conn_json())
        mark: list[int] = []

        def mark_end_of_discovery() -> None:
            time.sleep(START_IN_S + discovery)
            mark.append(len(emu.recorder))

        marker = threading.Thread(target=mark_end_of_discovery)
        marker.start()
        start_at, results = run_workers(OneCodexHook, "get_account", discovery + settled)
        marker.join()
        seen, after = statuses(emu, "onecodex"), statuses(emu, "onecodex", since=mark[0])
    together = answered_between(results, start_at, start_at + discovery + settled) / (discovery + settled)
    print(
        f"\nwithout Redis: {len(seen)} requests, {seen.count(429)} x 429 ({seen.count(429) / len(seen):.1%}); "
        f"after {discovery:g} s of discovery {len(after)} requests, {after.count(429)} x 429 "
        f"({after.count(429) / len(after):.1%}); {together / OC_RATE:.3f} x the limit"
    )
    # Settled, about one 429 in 10-20 s (~1 %; the 2 % budget is measured by `make bench`, scenario 7). The bound
    # here leaves room for a loaded CI machine, and still fails a limiter that does not adapt (30-70 % answered 429).
    assert after.count(429) <= 0.05 * len(after)
    # Discovery: each worker halves its rate two or three times (10 -> 2.5 or 1.25 req/s), one 429 each time.
    assert seen.count(429) - after.count(429) <= 3 * WORKERS + 2
    assert [result.failed for result in results] == [0] * WORKERS
    assert together >= 0.9 * OC_RATE


def test_four_processes_on_one_seven_bridges_window_pace_from_its_headers_without_a_429(
    real_sleep: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    duration = 2 * SB_WINDOW_S
    config = {"sevenbridges_limit": SB_LIMIT, "sevenbridges_window_s": SB_WINDOW_S}
    with Emulator(seed="demo", rate_limit_enabled=True, **config) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", emu.sevenbridges_conn_json())
        start_at, results = run_workers(SevenBridgesHook, "get_user", duration)
        seen = statuses(emu, "sevenbridges")
    together = answered_between(results, start_at, start_at + duration)
    print(f"\nSeven Bridges: {len(seen)} requests, {seen.count(429)} x 429, {together} accepted in two windows")
    assert seen.count(429) == 0
    assert [result.failed for result in results] == [0] * WORKERS
    # Two windows, less the 1 % margin each (X-RateLimit-Reset is rounded up to whole seconds, so windows run long).
    assert together >= 0.9 * 2 * SB_LIMIT
