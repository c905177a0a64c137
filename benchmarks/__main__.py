"""``python -m benchmarks [--quick] [--scenario 1,3 | --only 7] [--n N] ...``: run the benchmarks and report.

Prints the markdown report to stdout and progress to stderr, and writes the JSON to
``benchmarks/results/<UTC timestamp>.json``. Exits 0 when the run completed (1 with ``--strict`` when a target is
missed, 2 on bad arguments).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks import report
from benchmarks.harness import progress
from benchmarks.model import Row, ScenarioResult
from benchmarks.settings import ALL_SCENARIOS, Settings, quick_preset


def _scenarios(values: list[str]) -> tuple[int, ...]:
    """Parse ``--scenario`` values (repeatable, comma-separated).

    :param values: The raw values.
    :return: Sorted scenario ids.
    :raises argparse.ArgumentTypeError: For an unknown id.
    """
    chosen = {int(part) for value in values for part in value.split(",") if part.strip()}
    unknown = chosen - set(ALL_SCENARIOS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown scenario(s) {sorted(unknown)}; choose from {list(ALL_SCENARIOS)}")
    return tuple(sorted(chosen))


def _sizes(value: str) -> tuple[int, ...]:
    """Parse ``--scale``, e.g. ``1000,10000,100000``.

    :param value: The raw value.
    :return: The sizes.
    """
    return tuple(int(part) for part in value.split(",") if part.strip())


def parse_args(argv: list[str]) -> tuple[Settings, Path | None, bool]:
    """Read the command line.

    :param argv: Arguments after the program name.
    :return: ``(settings, JSON path or None, strict)``.
    """
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes: a smoke run of about two and a half minutes (+ 3-4 for scenario 7, + 1 for 8)",
    )
    parser.add_argument(
        "--scenario", "--only", action="append", default=[], metavar="1,2,...", help="scenarios to run (repeatable)"
    )
    parser.add_argument("--n", type=int, help="N for the Seven Bridges scenarios 1, 2, 4 (default 10000)")
    parser.add_argument("--oc-n", type=int, help="N for the One Codex scenarios 3, 4 (default 1000)")
    parser.add_argument("--scale", type=_sizes, help="scenario 5 sizes, e.g. 1000,10000,100000")
    parser.add_argument("--latency-ms", type=float, help="latency injected per request (default 20)")
    parser.add_argument("--sb-cap", type=int, help="files the SDK loop really processes (default 300; 0: all N)")
    parser.add_argument("--oc-cap", type=int, help="samples the client loop really processes (default 30; 0: all N)")
    parser.add_argument("--sb-window-s", type=float, help="Seven Bridges window in seconds (default 300; less: scaled)")
    parser.add_argument("--import-runs", type=int, help="fresh interpreters per module in scenario 6 (default 7)")
    parser.add_argument("--workers", type=int, help="writer processes on one key in scenario 7 (default 4)")
    parser.add_argument("--race-oc-n", type=int, help="samples each One Codex writer tags in scenario 7 (default 1000)")
    parser.add_argument(
        "--race-sb-n", type=int, help="files each Seven Bridges writer tags in scenario 7 (default 10000)"
    )
    parser.add_argument("--sheet-scale", type=_sizes, help="scenario 8 memory sheet sizes (default 1000,100000)")
    parser.add_argument("--sheet-sdk-cap", type=int, help="files the SDK loop of scenario 8 processes (default 200)")
    parser.add_argument("--output", type=Path, help="JSON path (default benchmarks/results/<timestamp>.json)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    settings = quick_preset(Settings()) if args.quick else Settings()
    overrides = {
        "sb_files": args.n,
        "oc_samples": args.oc_n,
        "scale_sizes": args.scale,
        "latency_ms": args.latency_ms,
        "sb_baseline_cap": args.sb_cap,
        "oc_baseline_cap": args.oc_cap,
        "sb_window_s": args.sb_window_s,
        "import_runs": args.import_runs,
        "race_workers": args.workers,
        "race_oc_samples": args.race_oc_n,
        "race_sb_files": args.race_sb_n,
        "sheet_scale_sizes": args.sheet_scale,
        "sheet_sdk_cap": args.sheet_sdk_cap,
    }
    settings = replace(settings, **{key: value for key, value in overrides.items() if value is not None})
    try:
        scenarios = _scenarios(args.scenario) if args.scenario else ALL_SCENARIOS
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    return replace(settings, scenarios=scenarios), args.output, args.strict


def run(settings: Settings) -> list[ScenarioResult]:
    """Run the selected scenarios in order (scenario 4 re-uses the converged state of 1 and 3).

    :param settings: Run settings.
    :return: The results, in scenario order.
    """
    from benchmarks import (
        scenario_concurrent,
        scenario_parse,
        scenario_sheet,
        scenario_sheet_onecodex,
        scenarios_onecodex,
        scenarios_sevenbridges,
    )

    chosen = set(settings.scenarios)
    results: dict[int, ScenarioResult] = {}
    rerun_sb: list[Row] = []
    rerun_oc: list[Row] = []
    if chosen & {1, 4}:
        s1, rerun_sb = scenarios_sevenbridges.tagging(settings, with_s1=1 in chosen, with_s4=4 in chosen)
        if s1 is not None:
            results[1] = s1
    if 2 in chosen:
        results[2] = scenarios_sevenbridges.metadata(settings)
    if chosen & {3, 4}:
        s3, rerun_oc = scenarios_onecodex.updating(settings, with_s3=3 in chosen, with_s4=4 in chosen)
        if s3 is not None:
            results[3] = s3
    if 4 in chosen:
        results[4] = scenarios_onecodex.rerun(rerun_sb, rerun_oc)
    if 5 in chosen:
        results[5] = scenarios_sevenbridges.scale(settings)
    if 6 in chosen:
        results[6] = scenario_parse.parse_cost(settings)
    if 7 in chosen:
        results[7] = scenario_concurrent.many_writers(settings)
    if 8 in chosen:
        with tempfile.TemporaryDirectory(prefix="bench-sheets-") as tmp:
            results[8] = scenario_sheet.manifest(settings, Path(tmp))
            scenario_sheet_onecodex.sample_sheet(settings, Path(tmp), results[8])
    return [results[key] for key in sorted(results)]


def main(argv: list[str]) -> int:
    """Run the benchmarks, print the report, write the JSON.

    :param argv: Arguments after the program name.
    :return: Exit status.
    """
    settings, output, strict = parse_args(argv)
    when = dt.datetime.now(dt.UTC).replace(microsecond=0)
    started = time.monotonic()
    progress(f"scenarios {list(settings.scenarios)}; settings {settings.as_dict()}")
    results = run(settings)
    info = report.machine()
    print(report.markdown(results, settings, when, info))
    path = report.write_json(output, results, settings, when, info)
    missed = [target for result in results for target in result.targets if not target.met]
    progress(f"done in {time.monotonic() - started:.0f} s; JSON: {path}; {len(missed)} target(s) missed")
    return 1 if strict and missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
