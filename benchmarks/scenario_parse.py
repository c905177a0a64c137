"""Scenario 6: DAG-parse cost — import time of the operator modules, and parsing the example DAGs offline.

Each import is timed in a fresh interpreter that has already imported ``airflow.sdk`` (what a DAG file imports
first), ``import_runs`` times after one warm-up run that compiles the bytecode; the median is reported. The
reference row is a core provider's operator module (``airflow.providers.standard.operators.python``) measured the
same way. Parsing the example DAGs runs Airflow's ``DagBag`` with the connections pointing at the emulator and every
outgoing socket connection recorded and refused: the emulator's recorder and the connection log must both stay
empty.
"""

from __future__ import annotations

import statistics

from benchmarks.harness import ROOT, bench_emulator, progress, run_measured, run_worker
from benchmarks.model import Row, ScenarioResult, Target
from benchmarks.settings import Settings

MODULES = ("genomics_provider.operators.onecodex", "genomics_provider.operators.sevenbridges")
REFERENCE = "airflow.providers.standard.operators.python"
TARGET_MS = 30.0


def _import_row(module: str, runs: int) -> Row:
    """Time one module's import in ``runs`` fresh interpreters.

    :param module: Dotted module name.
    :param runs: Number of interpreters.
    :return: A row whose wall time is the median.
    """
    progress(f"S6 import {module}: {runs} fresh interpreters (+1 warm-up, not counted) ...")
    cold = run_worker("import_module", {"module": module})  # compiles and caches the bytecode (see harness)
    results = [run_worker("import_module", {"module": module}) for _ in range(runs)]
    walls = sorted(result.wall_s for result in results)
    median = statistics.median(walls)
    progress(f"S6 import {module}: median {median * 1000:.1f} ms")
    return Row(
        scenario="6",
        variant=f"import {module}",
        n=runs,
        wall_s=median,
        peak_rss_mb=statistics.median(result.peak_rss_mb for result in results),
        rss_growth_mb=statistics.median(max(0.0, r.peak_rss_mb - r.rss_before_mb) for r in results),
        client_cpu_s=statistics.median(result.cpu_s for result in results),
        note=f"median of {runs} with bytecode cached; min {walls[0] * 1000:.1f} ms, max {walls[-1] * 1000:.1f} ms; "
        f"first import, compiling from source: {cold.wall_s * 1000:.1f} ms",
        extra={
            "runs_ms": [round(wall * 1000, 2) for wall in walls],
            "new_packages": results[0].info.get("new_packages", []),
            "new_modules": results[0].info.get("new_modules"),
        },
    )


def parse_cost(settings: Settings) -> ScenarioResult:
    """Run scenario 6.

    :param settings: Run settings (``import_runs``, the emulator's latency and limits).
    :return: The result.
    """
    result = ScenarioResult("6", "DAG-parse cost: operator module import time; parsing the example DAGs")
    reference = _import_row(REFERENCE, settings.import_runs)
    reference.baseline = True
    reference.variant += " (reference)"
    rows = [_import_row(module, settings.import_runs) for module in MODULES]
    for row in [reference, *rows]:
        row.ratio_wall = (reference.wall_s or 0) / row.wall_s if row.wall_s else None
    with bench_emulator(settings) as emu:
        parse = run_measured(emu, "6", "parse example_dags/ (DagBag)", 0, "parse_dags",
                             {"folder": str(ROOT / "example_dags")})  # fmt: skip
    parse.n = len(parse.extra.get("dags", []))
    result.rows = [reference, *rows, parse]
    for row in rows:
        ms = (row.wall_s or 0) * 1000
        result.targets.append(Target("6", f"≤ {TARGET_MS:g} ms: import {row.variant.split()[-1]}",
                                     f"{ms:.1f} ms (median; reference module {(reference.wall_s or 0) * 1000:.1f} ms)",
                                     ms <= TARGET_MS))  # fmt: skip
        packages = row.extra["new_packages"]
        result.notes.append(f"`{row.variant}` also imported: {', '.join(packages) or 'nothing outside the provider'}.")
    attempts = parse.extra.get("connect_attempts", [])
    errors = parse.extra.get("import_errors", {})
    result.targets.append(
        Target("6", "parsing the example DAGs makes no request",
               f"{parse.calls} requests to the emulator, {len(attempts)} connection attempts, "
               f"{len(parse.extra.get('dags', []))} DAGs, {len(errors)} import errors",
               parse.calls == 0 and not attempts and not errors)
    )  # fmt: skip
    for path, error in errors.items():
        result.notes.append(f"Import error in {path}: {error}")
    return result
