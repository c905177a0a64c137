"""``make demo``: run the example DAGs with ``airflow dags test`` against the local emulator and show what changed.

Starts the emulator (seed ``demo``) on 127.0.0.1, creates a throw-away ``AIRFLOW_HOME`` with a migrated SQLite DB,
runs each example DAG twice, and prints a before → after table of every field that changed, the requests each run
sent, and proof that the second run wrote nothing. It never touches the internet.

Usage: ``python -m genomics_provider.testing.demo [--dags-folder example_dags] [--keep-logs]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from genomics_provider.testing.emulator import Emulator
from genomics_provider.testing.recorder import RecordedRequest

#: The DAGs the demo runs, in order, with their ``--conf`` (None: the DAG's own defaults).
DEMO_DAGS: list[tuple[str, dict[str, Any] | None]] = [
    ("onecodex_sample_curation", None),
    ("sevenbridges_tag_outputs", None),
]
Snapshot = dict[tuple[str, str, str], str]


def snapshot(emu: Emulator) -> Snapshot:
    """Flatten the curated state of both APIs into ``(api, item, field) -> value``.

    :param emu: The running emulator.
    :return: The snapshot.
    """
    with emu.lock:
        return dict(_onecodex_rows(emu)) | dict(_sevenbridges_rows(emu))


def _onecodex_rows(emu: Emulator) -> Iterator[tuple[tuple[str, str, str], str]]:
    state = emu.onecodex
    for sample_id, sample in state.samples.items():
        project = state.projects.get(str((sample.get("project") or {}).get("$ref", "")).rsplit("/", 1)[-1])
        yield ("One Codex", sample_id, "visibility"), str(sample.get("visibility"))
        yield ("One Codex", sample_id, "project"), str(project["name"]) if project else "(none)"
        yield ("One Codex", sample_id, "tags"), ", ".join(state.sample_tag_names(sample_id)) or "(none)"
        record = state.metadata_for_sample(sample_id) or {}
        for name in ("platform", "library_type"):
            yield ("One Codex", sample_id, f"metadata.{name}"), str(record.get(name))
        for key, value in sorted((record.get("custom") or {}).items()):
            yield ("One Codex", sample_id, f"custom.{key}"), str(value)


def _sevenbridges_rows(emu: Emulator) -> Iterator[tuple[tuple[str, str, str], str]]:
    for file_id, item in emu.sevenbridges.files.items():
        label = f"{item.get('name')} ({file_id[-4:]})"
        yield ("Seven Bridges", label, "name"), str(item.get("name"))
        yield ("Seven Bridges", label, "tags"), ", ".join(item.get("tags") or []) or "(none)"
        for key, value in sorted((item.get("metadata") or {}).items()):
            yield ("Seven Bridges", label, f"metadata.{key}"), str(value)


def diff_table(before: Snapshot, after: Snapshot) -> str:
    """Render the rows whose value changed.

    :param before: Snapshot before the run.
    :param after: Snapshot after the run.
    :return: An aligned text table (or a line saying nothing changed).
    """
    rows = [
        (*key, before.get(key, "(none)"), value)
        for key, value in sorted(after.items())
        if before.get(key, "(none)") != value
    ]
    if not rows:
        return "  nothing changed"
    header = ("api", "item", "field", "before", "after")
    widths = [min(48, max(len(str(row[i])) for row in [header, *rows])) for i in range(4)]
    lines = []
    for row in [header, *rows]:
        cells = [str(cell)[:48].ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        arrow = "   " if row is header else "→ "
        lines.append("  " + "  ".join(cells) + f"  {arrow}{row[4]}")
    return "\n".join(lines)


def request_counts(requests: list[RecordedRequest]) -> str:
    """Summarise requests as ``N calls (GET 3, PATCH 2), W writes, 429s``.

    :param requests: Recorded requests of one run.
    :return: One line.
    """
    by_method = Counter(r.method for r in requests)
    writes = sum(1 for r in requests if r.is_write and not r.path.endswith("/bulk/files/get"))
    limited = sum(1 for r in requests if r.status == 429)
    methods = ", ".join(f"{method} {count}" for method, count in sorted(by_method.items()))
    return f"{len(requests)} calls ({methods or 'none'}), {writes} writes, {limited} answered 429"


def _airflow(args: list[str], env: dict[str, str], log: Path) -> int:
    airflow = Path(sys.executable).with_name("airflow")
    with log.open("a") as out:
        out.write(f"\n$ airflow {' '.join(args)}\n")
        out.flush()
        return subprocess.call([str(airflow), *args], env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603


def _environment(home: Path, dags: Path, emu: Emulator) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "AIRFLOW_CONN_ONECODEX_DEFAULT": emu.onecodex_conn_json(),
            "AIRFLOW_CONN_SEVENBRIDGES_DEFAULT": emu.sevenbridges_conn_json(),
        }
    )
    return env


def run_demo(dags: Path, workdir: Path) -> int:
    """Run every demo DAG twice on a fresh emulator and print the report.

    :param dags: The example DAGs folder.
    :param workdir: Where the temporary ``AIRFLOW_HOME`` and the log go.
    :return: Process exit code (0 when every run succeeded and every second run wrote nothing).
    """
    log = workdir / "demo.log"
    with Emulator(seed="demo") as emu:
        print(f"Emulator: One Codex at {emu.url}, Seven Bridges at {emu.sevenbridges_url} (seed 'demo')")
        env = _environment(workdir / "airflow-home", dags, emu)
        started = time.monotonic()
        if _airflow(["db", "migrate"], env, log) != 0:
            print(f"airflow db migrate failed; see {log}")
            return 1
        failures = 0
        for dag_id, conf in DEMO_DAGS:
            failures += _run_twice(emu, dag_id, conf, env, log)
        print(f"\nDone in {time.monotonic() - started:.0f} s (Airflow's own output: {log}, kept with --keep-logs)")
    return 1 if failures else 0


def _run_twice(emu: Emulator, dag_id: str, conf: dict[str, Any] | None, env: dict[str, str], log: Path) -> int:
    args = ["dags", "test", dag_id] + (["--conf", json.dumps(conf)] if conf else [])
    print(f"\n== {dag_id}")
    before = snapshot(emu)
    emu.recorder.clear()
    if _airflow(args, env, log) != 0:
        print(f"  FAILED: airflow dags test {dag_id}; see {log}")
        return 1
    print(diff_table(before, snapshot(emu)))
    print(f"  first run:  {request_counts(emu.recorder.requests)}")
    emu.recorder.clear()
    if _airflow(args, env, log) != 0:
        print(f"  FAILED: second airflow dags test {dag_id}; see {log}")
        return 1
    second = emu.recorder.requests
    print(f"  second run: {request_counts(second)}")
    writes = [r for r in second if r.is_write and not r.path.endswith("/bulk/files/get")]
    if writes:
        print(f"  NOT IDEMPOTENT: the second run wrote {[f'{r.method} {r.path}' for r in writes]}")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run the demo.

    :param argv: Command-line arguments (default: ``sys.argv[1:]``).
    :return: Exit code.
    """
    parser = argparse.ArgumentParser(prog="python -m genomics_provider.testing.demo", description=__doc__)
    parser.add_argument("--dags-folder", type=Path, default=Path.cwd() / "example_dags")
    parser.add_argument("--keep-logs", action="store_true", help="keep the temporary AIRFLOW_HOME and log")
    args = parser.parse_args(argv)
    dags = args.dags_folder.resolve()
    if not dags.is_dir():
        parser.error(f"--dags-folder {dags} is not a directory (run from the repository root)")
    workdir = Path(tempfile.mkdtemp(prefix="genomics-demo-"))
    code = run_demo(dags, workdir)
    if not args.keep_logs and code == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
