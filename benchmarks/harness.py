"""The emulator, the child processes and the recorder summary shared by every scenario.

The emulator runs in this (parent) process; each job runs in a fresh child interpreter (``python -m
benchmarks.worker``) so that its peak RSS is its own. While a child runs, this process does nothing but serve the
emulator, so the CPU time this process spends meanwhile is the emulator's.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.model import Row
from benchmarks.settings import Settings
from genomics_provider.testing import Emulator
from genomics_provider.testing.recorder import RecordedRequest

ROOT = Path(__file__).resolve().parent.parent
#: Prefix of the one stdout line a worker prints its result on.
RESULT_PREFIX = "BENCH-RESULT "
#: A job that takes longer than this is killed (the default run's longest job takes about 2 minutes).
WORKER_TIMEOUT_S = 3_600.0
_ID_SEGMENT = re.compile(r"^(?:[0-9a-f]{16}|[0-9a-f]{24})$")


def progress(message: str) -> None:
    """Print a progress line to stderr.

    :param message: The line.
    """
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextmanager
def bench_emulator(settings: Settings, *, sb_files: int = 0, oc_samples: int = 0) -> Iterator[Emulator]:
    """Start a seeded emulator with the run's latency and rate limits; stop it afterwards.

    :param settings: The run settings (latency, limits).
    :param sb_files: Generated Seven Bridges files in ``rfranklin/scale-test``.
    :param oc_samples: Generated One Codex samples.
    :return: A context manager yielding the running emulator.
    """
    emu = Emulator(
        seed="demo",
        sb_files=sb_files,
        oc_samples=oc_samples,
        rate_limit_enabled=True,
        sevenbridges_limit=settings.sb_limit,
        sevenbridges_window_s=settings.sb_window_s,
        onecodex_rate_per_s=settings.oc_rate,
    )
    emu.start()
    try:
        if settings.latency_ms > 0:
            emu.faults.latency(settings.latency_ms)
        yield emu
    finally:
        emu.stop()


def refill_rate_limits(emu: Emulator) -> None:
    """Refill the emulator's rate limits (token buckets and windows) without touching its state.

    Used between a run and its re-run: a re-run is a later DAG run, not one squeezed into the same Seven Bridges
    window.

    :param emu: The running emulator.
    """
    emu.reset_limits()


@dataclass
class WorkerResult:
    """What a child reported about its job.

    :param wall_s: Wall time of the job.
    :param cpu_s: CPU time of the job.
    :param peak_rss_mb: Peak RSS of the child.
    :param rss_before_mb: RSS just before the job.
    :param info: Job-specific values.
    :param emulator_cpu_s: CPU time this process spent meanwhile (the emulator's).
    """

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    rss_before_mb: float
    info: dict[str, Any]
    emulator_cpu_s: float


def _bytecode_cache() -> str:
    """Return this run's bytecode cache directory (created once, removed when the run ends).

    Children write and read ``.pyc`` files there (``PYTHONPYCACHEPREFIX``) even when the environment sets
    ``PYTHONDONTWRITEBYTECODE``: an installed provider has its bytecode, and a module compiled from source on every
    import would measure the compiler, not the import. The source tree gets no ``__pycache__``.

    :return: The directory.
    """
    global _PYCACHE
    if _PYCACHE is None:
        _PYCACHE = tempfile.TemporaryDirectory(prefix="bench-pycache-")
    return _PYCACHE.name


_PYCACHE: tempfile.TemporaryDirectory[str] | None = None


def run_worker(job: str, params: Mapping[str, Any], emu: Emulator | None = None) -> WorkerResult:
    """Run a job in a fresh interpreter with a throw-away ``AIRFLOW_HOME`` and the emulator's connections.

    :param job: Job name in :data:`benchmarks.worker.JOBS`.
    :param params: JSON-serialisable job parameters.
    :param emu: Optional. The emulator whose connections the child gets.
    :return: The child's measurements.
    :raises RuntimeError: When the child fails (its stderr tail is included).
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW_CONN_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = _bytecode_cache()
    with tempfile.TemporaryDirectory(prefix="bench-airflow-home-") as home, tempfile.TemporaryFile() as errors:
        env.update(
            AIRFLOW_HOME=home,
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "example_dags"),
        )
        if emu is not None:
            env["AIRFLOW_CONN_ONECODEX_DEFAULT"] = emu.onecodex_conn_json()
            env["AIRFLOW_CONN_SEVENBRIDGES_DEFAULT"] = emu.sevenbridges_conn_json()
        started = time.process_time()
        proc = subprocess.run(  # noqa: S603 - our own interpreter running our own module
            [sys.executable, "-m", "benchmarks.worker", job],
            input=json.dumps(dict(params)),
            stdout=subprocess.PIPE,
            stderr=errors,
            cwd=ROOT,
            env=env,
            text=True,
            timeout=WORKER_TIMEOUT_S,
            check=False,
        )
        emulator_cpu = time.process_time() - started
        errors.seek(0)
        stderr_tail = errors.read()[-3000:].decode("utf-8", "replace")
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"job {job!r} failed (exit {proc.returncode}):\n{stderr_tail}")
    data = json.loads(lines[-1][len(RESULT_PREFIX) :])
    return WorkerResult(
        wall_s=data["wall_s"],
        cpu_s=data["cpu_s"],
        peak_rss_mb=data["peak_rss_mb"],
        rss_before_mb=data["rss_before_mb"],
        info=data.get("info", {}),
        emulator_cpu_s=emulator_cpu,
    )


def route_of(request: RecordedRequest) -> str:
    """Name a request's route with ids replaced, e.g. ``PUT /v2/files/{id}/tags``.

    :param request: A recorded request.
    :return: ``METHOD /path`` with id segments as ``{id}``.
    """
    parts = ["{id}" if _ID_SEGMENT.match(part) else part for part in request.path.split("/")]
    return f"{request.method} {'/'.join(parts)}"


def measured_row(
    scenario: str, variant: str, n: int, requests: Iterable[RecordedRequest], result: WorkerResult, note: str = ""
) -> Row:
    """Build a measured row from the recorder's requests and the child's measurements.

    :param scenario: Scenario id.
    :param variant: Variant label.
    :param n: Items processed.
    :param requests: What the emulator received during the job.
    :param result: The child's measurements.
    :param note: Optional note.
    :return: The row.
    """
    seen = list(requests)
    by_method = Counter(request.method for request in seen)
    return Row(
        scenario=scenario,
        variant=variant,
        n=n,
        calls_by_method=dict(sorted(by_method.items())),
        calls_by_route=dict(sorted(Counter(route_of(request) for request in seen).items())),
        calls=len(seen),
        writes=sum(count for method, count in by_method.items() if method != "GET"),
        rate_limited=sum(1 for request in seen if request.status == 429),
        wall_s=result.wall_s,
        peak_rss_mb=result.peak_rss_mb,
        rss_growth_mb=max(0.0, result.peak_rss_mb - result.rss_before_mb),
        client_cpu_s=result.cpu_s,
        emulator_cpu_s=result.emulator_cpu_s,
        note=note,
        extra=dict(result.info),
    )


def run_measured(
    emu: Emulator, scenario: str, variant: str, n: int, job: str, params: Mapping[str, Any], note: str = ""
) -> Row:
    """Clear the recorder, run a job in a child, and return its measured row.

    :param emu: The running emulator.
    :param scenario: Scenario id.
    :param variant: Variant label.
    :param n: Items the job processes.
    :param job: Job name.
    :param params: Job parameters.
    :param note: Optional note.
    :return: The row.
    """
    progress(f"S{scenario} {variant}: N={n} ...")
    emu.recorder.clear()
    result = run_worker(job, params, emu)
    row = measured_row(scenario, variant, n, emu.recorder.requests, result, note)
    progress(f"S{scenario} {variant}: {row.calls} calls, {row.rate_limited} x 429, {row.wall_s:.1f} s")
    return row
