"""Run several writer children at once against one emulator, and measure the requests they sent together.

Every writer is a fresh interpreter (``python -m benchmarks.worker JOB``, as in :mod:`benchmarks.harness`), with
its own throw-away ``AIRFLOW_HOME`` and the same connections: one key shared by all. The writers start their
measured runs together (the ready/go handshake of :mod:`benchmarks.jobs_concurrent`): start-up and imports take
seconds and would otherwise stagger them. The first writer is started alone, so that in a run's first race the
others load its bytecode rather than all compiling the same modules at once on the same cores.

The emulator's log has no clock, so while a race runs each logged request is stamped with the moment the emulator
received it (before its injected latency and its rate-limit check). The aggregate rate is judged on those stamps
(:func:`request_rate`).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from benchmarks.harness import RESULT_PREFIX, ROOT, WORKER_TIMEOUT_S, WorkerResult, _bytecode_cache, progress
from genomics_provider.testing import Emulator
from genomics_provider.testing.recorder import RecordedRequest

#: Longest the writers may take to start up and say ready (four Airflow imports on two busy cores take ~10 s).
READY_TIMEOUT_S = 180.0
#: A pause of at least this long with no request at all is idle time, not pacing: the writers wait on purpose
#: before verifying (V = S + T + margin, 3.5 s on the emulator's connections). A 429's ``Retry-After`` is 1 s.
IDLE_GAP_S = 2.0
#: A shorter pause of at least this long is a stall: at 10 requests/s shared, requests are 0.1 s apart.
STALL_GAP_S = 0.3


@dataclass
class RaceResult:
    """What a race produced.

    :param writers: Each writer's measurements and job values, by index.
    :param requests: What the emulator received during the race.
    :param stamps: When the emulator received each request (``time.monotonic()``), by ``seq``.
    :param span_s: Seconds from the go to the last writer's exit.
    :param emulator_cpu_s: CPU time this process spent meanwhile (the emulator's).
    """

    writers: list[WorkerResult]
    requests: list[RecordedRequest]
    stamps: dict[int, float] = field(default_factory=dict)
    span_s: float = 0.0
    emulator_cpu_s: float = 0.0


@dataclass(frozen=True)
class Rate:
    """Accepted requests per second, judged on the emulator's receive stamps.

    :param accepted: Requests not answered 429.
    :param span_s: First to last request.
    :param idle_s: Pauses of at least :data:`IDLE_GAP_S` with no request, inside the span.
    :param per_s: ``accepted / (span_s - idle_s)``: the rate while the writers were sending.
    :param per_s_whole: ``accepted / span_s``: the rate over the whole span, idle pauses included.
    :param stalled_s: Pauses of :data:`STALL_GAP_S` to :data:`IDLE_GAP_S` with no request (counted in ``per_s``).
    :param idle_gaps: How many idle pauses there were.
    """

    accepted: int
    span_s: float
    idle_s: float
    per_s: float
    per_s_whole: float
    stalled_s: float = 0.0
    idle_gaps: int = 0


def request_rate(requests: Sequence[RecordedRequest], stamps: Mapping[int, float]) -> Rate:
    """Measure the accepted-request rate of a set of requests.

    :param requests: The requests.
    :param stamps: Receive time by ``seq``.
    :return: The rate, with and without idle pauses.
    """
    times = sorted(stamps[request.seq] for request in requests if request.seq in stamps)
    accepted = sum(1 for request in requests if request.status != 429)
    if len(times) < 2:
        return Rate(accepted, 0.0, 0.0, 0.0, 0.0)
    span = times[-1] - times[0]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    idle_gaps = [gap for gap in gaps if gap >= IDLE_GAP_S]
    idle = sum(idle_gaps)
    stalled = sum(gap for gap in gaps if STALL_GAP_S <= gap < IDLE_GAP_S)
    active = span - idle
    per_s = accepted / active if active > 0 else 0.0
    return Rate(accepted, span, idle, per_s, accepted / span if span else 0.0, stalled, len(idle_gaps))


@contextmanager
def stamping(emu: Emulator) -> Iterator[dict[int, float]]:
    """Stamp every request the emulator logs with its receive time, until the block ends.

    :param emu: The running emulator.
    :return: A context manager yielding the stamps by ``seq`` (filled while it is open).
    """
    stamps: dict[int, float] = {}
    recorder = emu.recorder
    original = recorder.append

    def append(item: RecordedRequest) -> None:
        stamps[item.seq] = time.monotonic()
        original(item)

    recorder.append = append  # type: ignore[method-assign]
    try:
        yield stamps
    finally:
        del recorder.append  # back to the class's method


def child_env(connections: Mapping[str, str], home: str) -> dict[str, str]:
    """Build a writer's environment: this one without its ``AIRFLOW_CONN_*``, plus the given connections.

    :param connections: ``AIRFLOW_CONN_*`` variables to set.
    :param home: The child's ``AIRFLOW_HOME``.
    :return: The environment.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW_CONN_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PYTHONPYCACHEPREFIX=_bytecode_cache(),
        AIRFLOW_HOME=home,
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "example_dags"),
        **connections,
    )
    return env


@dataclass
class _Child:
    proc: subprocess.Popen[str]
    stdout: IO[str]
    stderr: IO[bytes]


def _spawn(job: str, params: Mapping[str, Any], env: Mapping[str, str], stack: ExitStack) -> _Child:
    stdout = stack.enter_context(tempfile.TemporaryFile(mode="w+", encoding="utf-8"))  # noqa: SIM115 - closed by the stack
    stderr = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - closed by the stack
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter running our own module
        [sys.executable, "-m", "benchmarks.worker", job],
        stdin=subprocess.PIPE, stdout=stdout, stderr=stderr, cwd=ROOT, env=dict(env), text=True,
    )  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(dict(params)))
    proc.stdin.close()
    return _Child(proc, stdout, stderr)


def _stop(children: Sequence[_Child]) -> None:
    """Terminate (then kill) every child still running: only the processes this race started."""
    running = [child.proc for child in children if child.proc.poll() is None]
    for proc in running:
        proc.terminate()
    for proc in running:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _result(index: int, child: _Child, emulator_cpu_s: float) -> WorkerResult:
    child.stdout.seek(0)
    lines = [line for line in child.stdout.read().splitlines() if line.startswith(RESULT_PREFIX)]
    if child.proc.returncode != 0 or not lines:
        child.stderr.seek(0)
        tail = child.stderr.read()[-3000:].decode("utf-8", "replace")
        raise RuntimeError(f"writer {index} failed (exit {child.proc.returncode}):\n{tail}")
    data = json.loads(lines[-1][len(RESULT_PREFIX) :])
    return WorkerResult(
        wall_s=data["wall_s"], cpu_s=data["cpu_s"], peak_rss_mb=data["peak_rss_mb"],
        rss_before_mb=data["rss_before_mb"], info=data.get("info", {}), emulator_cpu_s=emulator_cpu_s,
    )  # fmt: skip


def _await_ready(children: Sequence[_Child], ready: Sequence[Path]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not all(path.exists() for path in ready):
        failed = [index for index, child in enumerate(children) if child.proc.poll() is not None]
        if failed:
            _result(failed[0], children[failed[0]], 0.0)  # raises with the child's stderr
            raise RuntimeError(f"writer(s) {failed} exited before saying ready")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the writers were not ready within {READY_TIMEOUT_S:g} s")
        time.sleep(0.05)


def race(emu: Emulator, job: str, params: Sequence[Mapping[str, Any]], connections: Mapping[str, str]) -> RaceResult:
    """Start one writer child per parameter set, let them all go at once, and collect what they did.

    :param emu: The running emulator (its recorder is cleared first).
    :param job: The writers' job name.
    :param params: One parameter set per writer.
    :param connections: ``AIRFLOW_CONN_*`` variables every writer gets.
    :return: The race's outcome.
    :raises RuntimeError: When a writer crashes (a failed task is not a crash: it is reported in its values).
    :raises TimeoutError: When the writers do not start, or do not end within the worker timeout.
    """
    with ExitStack() as stack:
        sync = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-race-")))
        ready = [sync / f"ready-{index}" for index in range(len(params))]
        go = sync / "go"
        children: list[_Child] = []
        stack.callback(_stop, children)
        for index, values in enumerate(params):
            home = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-airflow-home-"))
            writer = {**values, "ready_file": str(ready[index]), "go_file": str(go)}
            children.append(_spawn(job, writer, child_env(connections, home), stack))
            if index == 0:  # the others then find its bytecode instead of all compiling the same modules at once
                _await_ready(children, ready[:1])
        _await_ready(children, ready)
        emu.recorder.clear()
        stamps = stack.enter_context(stamping(emu))
        cpu_start, started = time.process_time(), time.monotonic()
        go.touch()
        progress(f"S7 {job}: {len(children)} writers started")
        for index, child in enumerate(children):
            try:
                child.proc.wait(timeout=max(1.0, started + WORKER_TIMEOUT_S - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise TimeoutError(f"writer {index} did not end within {WORKER_TIMEOUT_S:g} s") from None
        span, cpu = time.monotonic() - started, time.process_time() - cpu_start
        writers = [_result(index, child, cpu) for index, child in enumerate(children)]
        return RaceResult(writers, list(emu.recorder.requests), dict(stamps), span, cpu)
