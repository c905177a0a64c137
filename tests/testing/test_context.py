"""The route context (context): the clock it reads and the lock handlers run under."""

from __future__ import annotations

import threading

from genomics_provider.testing import EmulatorConfig, ManualClock
from genomics_provider.testing.context import Context
from genomics_provider.testing.faults import FaultInjector
from genomics_provider.testing.state import OneCodexState, SevenBridgesState
from tests.testing.conftest import START


def fresh() -> Context:
    return Context(EmulatorConfig(), ManualClock(START), FaultInjector(), OneCodexState(), SevenBridgesState())


def test_now_reads_the_injected_clock(ctx: Context) -> None:
    assert ctx.now() == START
    ctx.clock.advance(7.5)  # type: ignore[attr-defined]
    assert ctx.now() == START + 7.5


def test_the_lock_is_reentrant_so_a_handler_may_call_another() -> None:
    context = fresh()
    with context.lock:
        assert context.lock.acquire(timeout=1)
        context.lock.release()


def test_the_lock_blocks_other_threads_while_held() -> None:
    context = fresh()
    got: list[bool] = []
    with context.lock:
        worker = threading.Thread(target=lambda: got.append(context.lock.acquire(timeout=0.05)))
        worker.start()
        worker.join(2)
    assert got == [False]


def test_each_context_has_its_own_lock() -> None:
    first, second = fresh(), fresh()
    assert first.lock is not second.lock
    with first.lock:
        assert second.lock.acquire(blocking=False)
        second.lock.release()
