"""Child-process entry point: ``python -m benchmarks.worker JOB`` with the job's JSON parameters on stdin.

A job is a function ``setup(params) -> run``: ``setup`` imports and builds what the job needs (not measured),
``run()`` does the work and returns job-specific values. The worker measures ``run()`` only — wall time, CPU
time, the RSS just before it, and the process's peak RSS — and prints one ``BENCH-RESULT {json}`` line.

This module imports nothing heavy, so a job pays only for what it imports itself.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

#: Job name → ``module:function`` of its setup function.
JOBS: dict[str, str] = {
    "sb_ours_tag": "benchmarks.jobs_sevenbridges:ours_tag",
    "sb_ours_metadata": "benchmarks.jobs_sevenbridges:ours_metadata",
    "sb_sdk_loop_tag": "benchmarks.jobs_sevenbridges:sdk_loop_tag",
    "sb_sdk_bulk_tag": "benchmarks.jobs_sevenbridges:sdk_bulk_tag",
    "sb_sdk_loop_metadata": "benchmarks.jobs_sevenbridges:sdk_loop_metadata",
    "oc_ours_update": "benchmarks.jobs_onecodex:ours_update",
    "oc_client_loop": "benchmarks.jobs_onecodex:client_loop",
    "oc_tag_writer": "benchmarks.jobs_concurrent:oc_tag_writer",
    "sb_tag_writer": "benchmarks.jobs_concurrent:sb_tag_writer",
    "import_module": "benchmarks.jobs_airflow:import_module",
    "parse_dags": "benchmarks.jobs_airflow:parse_dags",
    "sb_ours_manifest": "benchmarks.jobs_sheet:sb_ours_manifest",
    "sb_sdk_loop_manifest": "benchmarks.jobs_sheet:sb_sdk_loop_manifest",
    "oc_ours_sheet": "benchmarks.jobs_sheet:oc_ours_sheet",
}
RESULT_PREFIX = "BENCH-RESULT "
Setup = Callable[[dict[str, Any]], Callable[[], dict[str, Any]]]


def current_rss_mb() -> float:
    """Read this process's current resident set size.

    :return: Megabytes (0.0 where ``/proc`` is not available).
    """
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1_048_576


def peak_rss_mb() -> float:
    """Read this process's peak resident set size so far.

    ``VmHWM`` is used where ``/proc`` has it: ``ru_maxrss`` survives ``exec``, so a child forked from a large parent
    (the emulator holding 100k files) would report the parent's size.

    :return: Megabytes.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def load(job: str) -> Setup:
    """Find a job's setup function.

    :param job: Job name.
    :return: The setup function.
    :raises SystemExit: For an unknown job.
    """
    target = JOBS.get(job)
    if target is None:
        raise SystemExit(f"unknown job {job!r}; known: {', '.join(sorted(JOBS))}")
    module, _, name = target.partition(":")
    setup: Setup = getattr(importlib.import_module(module), name)
    return setup


def main(argv: list[str]) -> int:
    """Run one job and print its measurements.

    :param argv: ``[program, job]``.
    :return: Exit status.
    """
    if len(argv) != 2:
        print("usage: python -m benchmarks.worker JOB < params.json", file=sys.stderr)
        return 2
    params = json.loads(sys.stdin.read() or "{}")
    run = load(argv[1])(params)
    rss_before = current_rss_mb()
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    info = run()
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    result = {
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_mb": rss_before,
        "info": info,
    }
    sys.stdout.flush()
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
