"""Run N writer OS processes against one emulator per seed, and judge what they left behind.

Each writer is a real process (``fork``: the parent has Airflow imported, so a child starts in milliseconds). All
writers of one configuration are forked *before* any emulator starts, so no server thread exists at fork time; each
then blocks on its pipe until the parent sends the connection variables and the moment to start. A writer runs its
operator as a task would (``execute`` with a mock task instance, like ``helpers.run``) and sends back its summary,
or the exception text plus the summary it pushed before failing.

Randomness, all derived from the seed: each writer's start offset, and each request's latency. The emulator has no
random-latency switch, so latency is a stack of ``latency`` faults of 10, 20, 40 and 80 ms, each firing with
probability 0.5 from the emulator's seeded fault generator (``fault_seed``): every request is held 0-150 ms, in
10 ms steps, before the server handles it (and before it is rate-limited), which is when a write lands.

Bounds: the parent waits at most ``deadline_s`` for all writers; a child that has not answered by then is
terminated (and killed if it does not stop) in a ``finally``, and each child also arms ``SIGALRM`` with its default
action, so it dies on its own even if the parent is killed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import random
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any
from unittest.mock import MagicMock

import structlog

from genomics_provider.testing import Emulator

#: Latency faults stacked on every request, each firing with probability 0.5: 0-150 ms in 10 ms steps.
LATENCY_STEPS_MS = (10, 20, 40, 80)
#: Short protocol bounds, so verification waits about S + T = 1.5 s.
CONNECTION_EXTRA = {"max_read_age": 2.0, "write_timeout": 1.0}
#: How long after the "go" message the first writer may start (every writer has forked and is listening by then).
START_DELAY_S = 0.2
#: A child that never receives "go" gives up after this long.
GO_TIMEOUT_S = 60.0
#: Extra lifetime a child gets beyond the parent's deadline before SIGALRM kills it.
ALARM_MARGIN_S = 30


@dataclass(frozen=True)
class Workload:
    """One kind of race: the items, the emulator, one writer's operator, and how to read the outcome.

    :param name: Short name, for messages.
    :param items: The ids every writer writes.
    :param emulator: Builds a fresh, unstarted emulator for a seed (its state prepared with pre-existing values).
    :param operator: Builds writer ``index``'s operator; the second argument is ``verify_writes``.
    :param snapshot: Reads each item's value of the written field, ``{item: value}``.
    :param has_change: Tells whether writer ``index``'s change is present in an item's value.
    :param kept: Tells whether an item's value still holds every pre-existing value (``before, after``).
    :param writes: Optional. Counts the writes the emulator applied per item (kept in :attr:`SeedRun.writes`).
    :param extra: Optional. The connections' protocol bounds (default :data:`CONNECTION_EXTRA`).
    """

    name: str
    items: tuple[str, ...]
    emulator: Callable[[int], Emulator]
    operator: Callable[[int, bool], Any]
    snapshot: Callable[[Emulator], dict[str, Any]]
    has_change: Callable[[int, Any], bool]
    kept: Callable[[Any, Any], bool]
    writes: Callable[[Emulator], Mapping[str, int]] | None = None
    extra: Mapping[str, float] | None = None


@dataclass
class WriterResult:
    """What one writer process reported.

    :param index: The writer's number.
    :param offset_s: Its start offset after the common start.
    :param summary: The returned summary, or on failure the summary pushed to XCom before raising (if any).
    :param error: ``"Type: message"`` when the operator raised; ``None`` when it returned.
    :param elapsed_s: Seconds from its start to its end.
    """

    index: int
    offset_s: float
    summary: dict[str, Any] | None = None
    error: str | None = None
    elapsed_s: float = 0.0


@dataclass
class SeedRun:
    """One seed's race: the writers' reports and the items before and after.

    :param seed: The seed.
    :param writers: One result per writer, by index.
    :param before: Each item's value before the writers started.
    :param after: Each item's value after every writer ended.
    :param requests: Requests the emulator logged.
    :param rate_limited: Of those, answered 429.
    :param elapsed_s: Seconds from the common start to the last writer's end.
    :param lost: Writer index to the items missing its change at the end (writers that lost nothing are absent).
    :param writes: Applied writes per item, when the workload counts them.
    """

    seed: int
    writers: list[WriterResult]
    before: dict[str, Any]
    after: dict[str, Any]
    requests: int = 0
    rate_limited: int = 0
    elapsed_s: float = 0.0
    lost: dict[int, list[str]] = field(default_factory=dict)
    writes: dict[str, int] = field(default_factory=dict)


def _quiet_child(lifetime_s: int) -> None:
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # default action: terminate the process
    signal.alarm(lifetime_s)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Forty writers' plan tables and retry warnings would bury the verdict and cost CPU the writers need; the
    # verdict carries each failed writer's error, and the 429 count stands for the retry warnings.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))


def _writer_main(conn: Connection, workload: Workload, index: int, verify: bool, lifetime_s: int) -> None:
    """Wait for "go", run one operator, send back a :class:`WriterResult` (runs in the child process).

    :param conn: The child's end of its pipe: receives ``(env, start_at, offset)``, sends the result.
    :param workload: The race.
    :param index: This writer's number.
    :param verify: The operator's ``verify_writes``.
    :param lifetime_s: Seconds after which ``SIGALRM`` ends the process, whatever it is doing.
    """
    _quiet_child(lifetime_s)
    try:
        if not conn.poll(GO_TIMEOUT_S):
            return
        env, start_at, offset = conn.recv()
        os.environ.update(env)
        time.sleep(max(0.0, start_at + offset - time.time()))
        result = WriterResult(index=index, offset_s=offset)
        started = time.monotonic()
        ti = MagicMock()
        try:
            result.summary = workload.operator(index, verify).execute(context={"ti": ti})
        except Exception as exc:  # reported to the parent, which judges it
            result.error = f"{type(exc).__name__}: {exc}"
            pushed = [c.kwargs["value"] for c in ti.xcom_push.call_args_list if c.kwargs.get("key") == "summary"]
            result.summary = pushed[-1] if pushed else None
        result.elapsed_s = time.monotonic() - started
        conn.send(result)
    finally:
        conn.close()


def _add_latency(emu: Emulator) -> None:
    for ms in LATENCY_STEPS_MS:
        emu.faults.latency(ms, probability=0.5)


def _env(emu: Emulator, extra: Mapping[str, float] | None) -> dict[str, str]:
    bounds = dict(extra or CONNECTION_EXTRA)
    return {
        "AIRFLOW_CONN_ONECODEX_DEFAULT": emu.onecodex_conn_json(bounds),
        "AIRFLOW_CONN_SEVENBRIDGES_DEFAULT": emu.sevenbridges_conn_json(bounds),
    }


def start_offsets(workload: Workload, processes: int, seed: int, max_offset_s: float) -> list[float]:
    """Draw each writer's start offset, reproducibly from the configuration and seed.

    :param workload: The race.
    :param processes: Number of writers.
    :param seed: The seed.
    :param max_offset_s: Largest offset in seconds.
    :return: One offset per writer.
    """
    rng = random.Random(f"{workload.name}/{processes}/{seed}")
    return [round(rng.uniform(0.0, max_offset_s), 3) for _ in range(processes)]


def race(
    workload: Workload,
    processes: int,
    seeds: Sequence[int],
    *,
    verify: bool = True,
    max_offset_s: float = 1.0,
    offsets: Sequence[float] | None = None,
    deadline_s: float = 120.0,
) -> list[SeedRun]:
    """Run ``processes`` writers per seed, every seed at once on its own emulator, and collect the outcome.

    :param workload: The race.
    :param processes: Writers per seed.
    :param seeds: The seeds (one emulator each, run in parallel).
    :param verify: Optional. The operators' ``verify_writes`` (``False``: the control, protection off).
    :param max_offset_s: Optional. Largest random start offset.
    :param offsets: Optional. Each writer's start offset, the same for every seed, instead of random ones.
    :param deadline_s: Optional. Longest wait for every writer, from the common start.
    :return: One :class:`SeedRun` per seed, in order.
    :raises TimeoutError: If a writer has not answered by the deadline (all children are terminated first).
    """
    emulators = [workload.emulator(seed) for seed in seeds]
    befores = [workload.snapshot(emu) for emu in emulators]
    children: list[Child] = []
    started: list[Emulator] = []
    try:
        # Every writer forks before any emulator starts: no server thread may exist at fork time.
        children = _fork_writers(
            workload, processes, len(seeds), verify, int(deadline_s + GO_TIMEOUT_S + ALARM_MARGIN_S)
        )
        for emu in emulators:
            _add_latency(emu)
            started.append(emu.start())
        start_at = time.time() + START_DELAY_S
        for child in children:
            drawn = offsets or start_offsets(workload, processes, seeds[child.slot], max_offset_s)
            child.conn.send((_env(emulators[child.slot], workload.extra), start_at, drawn[child.index]))
        results = _collect(children, start_at + deadline_s)
        span = time.time() - start_at
        return [
            _seed_run(workload, seed, emu, before, results[slot], span)
            for slot, (seed, emu, before) in enumerate(zip(seeds, emulators, befores, strict=True))
        ]
    finally:
        _stop_children(children)
        for emu in started:
            emu.stop()


@dataclass
class Child:
    """A forked writer: which seed slot and writer it is, its process, and the parent's end of its pipe."""

    slot: int
    index: int
    process: Any
    conn: Connection


def _fork_writers(workload: Workload, processes: int, slots: int, verify: bool, lifetime_s: int) -> list[Child]:
    context = multiprocessing.get_context("fork")
    children: list[Child] = []
    try:
        for slot in range(slots):
            for index in range(processes):
                mine, theirs = context.Pipe()
                process = context.Process(
                    target=_writer_main, args=(theirs, workload, index, verify, lifetime_s), daemon=True
                )
                process.start()
                theirs.close()
                children.append(Child(slot, index, process, mine))
    except BaseException:
        _stop_children(children)
        raise
    return children


def _collect(children: list[Child], deadline: float) -> dict[int, list[WriterResult]]:
    waiting = {child.conn: (child.slot, child.index) for child in children}
    got: dict[int, dict[int, WriterResult]] = {}
    while waiting:
        ready = wait(list(waiting), timeout=max(0.0, deadline - time.time()))
        if not ready:
            late = sorted(waiting.values())
            raise TimeoutError(f"{len(late)} writers did not finish by the deadline (seed slot, writer): {late}")
        for conn in ready:
            slot, index = waiting.pop(conn)  # type: ignore[call-overload]
            try:
                result = conn.recv()
            except EOFError:
                result = WriterResult(index=index, offset_s=0.0, error="the writer process died without a report")
            got.setdefault(slot, {})[index] = result
    return {slot: [by_index[i] for i in sorted(by_index)] for slot, by_index in got.items()}


def _stop_children(children: list[Child]) -> None:
    alive = [child.process for child in children if child.process.is_alive()]
    for process in alive:
        process.terminate()
    for process in alive:
        process.join(timeout=3)
        if process.is_alive():
            process.kill()
            process.join(timeout=3)
    for child in children:
        child.conn.close()


def _seed_run(
    workload: Workload, seed: int, emu: Emulator, before: dict[str, Any], writers: list[WriterResult], span: float
) -> SeedRun:
    with emu.lock:
        after = workload.snapshot(emu)
    requests = list(emu.recorder.requests)
    run = SeedRun(
        seed=seed,
        writers=writers,
        before=before,
        after=after,
        requests=len(requests),
        rate_limited=sum(1 for r in requests if r.status == 429),
        elapsed_s=round(span, 1),
        writes=dict(workload.writes(emu)) if workload.writes else {},
    )
    for writer in writers:
        missing = [item for item in workload.items if not workload.has_change(writer.index, after[item])]
        if missing:
            run.lost[writer.index] = missing
    return run


def problems(workload: Workload, run: SeedRun) -> list[str]:
    """List everything wrong with one seed's outcome when no two writers conflict.

    Wrong: a lost change, a lost pre-existing value, a failed task (nothing conflicts, so none may fail), and a
    dishonest task: one that returned without listing every item as changed or unchanged, or with an item missing
    its change, or that failed without naming every item missing its change.

    :param workload: The race.
    :param run: The seed's outcome.
    :return: One sentence per problem; empty when all is well.
    """
    found: list[str] = []
    prefix = f"seed {run.seed}"
    dropped = [item for item in workload.items if not workload.kept(run.before[item], run.after[item])]
    if dropped:
        found.append(f"{prefix}: pre-existing values lost on {len(dropped)} items, e.g. {dropped[0]}")
    for writer in run.writers:
        missing = run.lost.get(writer.index, [])
        name = f"{prefix} writer {writer.index}"
        if missing:
            found.append(f"{name}: its change is missing on {len(missing)} of {len(workload.items)} items")
        found += [f"{name}: {p}" for p in _dishonesty(workload, writer, missing)]
    return found


def _dishonesty(workload: Workload, writer: WriterResult, missing: list[str]) -> list[str]:
    summary = writer.summary or {}
    claimed = [item for item in summary.get("changed", []) if item in missing]
    found = [f"reported {len(claimed)} items changed that lack its change"] if claimed else []
    if writer.error is None:
        listed = set(summary.get("changed", [])) | set(summary.get("unchanged", []))
        if listed != set(workload.items) or summary.get("failed"):
            found.append(f"succeeded listing {len(listed)} items changed/unchanged, failed={summary.get('failed')}")
        if missing:
            found.append(f"succeeded (changed: {len(summary.get('changed', []))}) yet lost {len(missing)} items")
        return found
    unnamed = [item for item in missing if item not in writer.error]
    found.append(f"failed: {writer.error[:300]}")
    if unnamed:
        found.append(f"its failure does not name {len(unnamed)} items that lack its change")
    return found


def describe(runs: Sequence[SeedRun]) -> str:
    """Summarise runs in one line each: seed, time, requests, 429s, changes lost per writer.

    :param runs: The runs.
    :return: Text for assertion messages and logs.
    """
    lines = []
    for run in runs:
        lost = {index: len(items) for index, items in sorted(run.lost.items())}
        failed = [w.index for w in run.writers if w.error is not None]
        lines.append(
            f"seed {run.seed}: {run.elapsed_s:.1f} s, {run.requests} requests, {run.rate_limited} x 429, "
            f"lost per writer {lost or 'none'}, failed writers {failed or 'none'}"
        )
    return "\n".join(lines)
