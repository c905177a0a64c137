"""``make demo``: run the example DAGs with ``airflow dags test`` against the local emulator and show what changed.

Migrates one throw-away SQLite Airflow DB, then runs each example DAG's chain of runs — each chain on its own
emulator (seed ``demo``, 127.0.0.1) and its own copy of the Airflow home, two chains at a time — and prints, per run,
the requests it sent and a before → after table of every field that changed, and proof that the runs that must not
write (second runs, dry runs) wrote nothing. It never touches the internet.

Usage: ``python -m genomics_provider.testing.demo [--dags-folder example_dags] [--dag DAG_ID ...] [--keep-logs]``
(``--dag`` runs only the named chains, e.g. to check an installed wheel).
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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genomics_provider.testing.emulator import Emulator
from genomics_provider.testing.recorder import RecordedRequest

IMPORTING_SAMPLE = "5e1b7c4d9f6a2ba3"


@dataclass(frozen=True)
class Step:
    """One ``airflow dags test`` run of a demo chain.

    :param label: What the run shows.
    :param conf: ``--conf`` for the run (None: the DAG's own defaults).
    :param expect_writes: Whether the run should write (False: it must send no write).
    :param prepare: Optional. Called with the emulator before the run.
    """

    label: str
    conf: dict[str, Any] | None = None
    expect_writes: bool = True
    prepare: Callable[[Emulator], None] | None = None


def _start_upload(emu: Emulator) -> None:
    emu.start_import(IMPORTING_SAMPLE, delay_s=12)


#: Each DAG's chain of runs. Chains run in parallel, each on its own emulator and Airflow home.
DEMO_CHAINS: dict[str, list[Step]] = {
    "onecodex_sample_curation": [Step("first run"), Step("second run", expect_writes=False)],
    "sevenbridges_tag_outputs": [Step("first run"), Step("second run", expect_writes=False)],
    "sequencing_run_sample_sheet": [Step("first run"), Step("second run", expect_writes=False)],
    "onecodex_post_sequencing": [
        Step("first run (sample 5e1b… still importing: the sensor defers)", prepare=_start_upload),
        Step("second run", expect_writes=False),
    ],
    "ui_publish_samples": [
        Step(
            "triggered with params, dry_run left ticked",
            {"sample_ids": ["1d5a9c3e7b2f4a60", "2b8e4f1a6c3d9e70"], "visibility": "public", "tags": ["published"]},
            expect_writes=False,
        ),
        Step(
            "triggered again with dry_run unticked",
            {
                "sample_ids": ["1d5a9c3e7b2f4a60", "2b8e4f1a6c3d9e70"],
                "visibility": "public",
                "tags": ["published"],
                "dry_run": False,
            },
        ),
    ],
}
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
        label = f"file …{file_id[-6:]}"
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
    writes = len(_writes(requests))
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
            # The copied airflow.cfg names the template's DB; each chain must use its own copy.
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "AIRFLOW_CONN_ONECODEX_DEFAULT": emu.onecodex_conn_json(),
            "AIRFLOW_CONN_SEVENBRIDGES_DEFAULT": emu.sevenbridges_conn_json(),
        }
    )
    return env


def run_demo(dags: Path, workdir: Path, only: list[str] | None = None) -> int:
    """Migrate one Airflow DB, then run every chain (in parallel, two at a time) and print the reports in order.

    :param dags: The example DAGs folder.
    :param workdir: Where the temporary Airflow homes and logs go.
    :param only: Optional. The DAG ids of the chains to run (default: every chain of :data:`DEMO_CHAINS`).
    :return: Process exit code (0 when every run did what it should).
    """
    chains = {dag_id: steps for dag_id, steps in DEMO_CHAINS.items() if not only or dag_id in only}
    started = time.monotonic()
    template = workdir / "template-home"
    template.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(template),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{template / 'airflow.db'}",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        }
    )
    if _airflow(["db", "migrate"], env, workdir / "migrate.log") != 0:
        print(f"airflow db migrate failed; see {workdir / 'migrate.log'}")
        return 1
    print(f"Running {len(chains)} example DAGs with `airflow dags test`, each on its own local emulator ...")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_run_chain, dag_id, steps, dags, workdir, template) for dag_id, steps in chains.items()]
        results = [future.result() for future in futures]
    for report, _ in results:
        print(report)
    failures = sum(failed for _, failed in results)
    print(f"\n{'Done' if not failures else f'{failures} run(s) FAILED'} in {time.monotonic() - started:.0f} s.")
    return 1 if failures else 0


def _run_chain(dag_id: str, steps: list[Step], dags: Path, workdir: Path, template: Path) -> tuple[str, int]:
    home = workdir / dag_id
    shutil.copytree(template, home)
    log = workdir / f"{dag_id}.log"
    lines = [f"\n== {dag_id}"]
    with Emulator(seed="demo") as emu:
        env = _environment(home, dags, emu)
        for step in steps:
            if step.prepare:
                step.prepare(emu)
            before = snapshot(emu)
            emu.recorder.clear()
            args = ["dags", "test", dag_id] + (["--conf", json.dumps(step.conf)] if step.conf else [])
            if _airflow(args, env, log) != 0:
                lines.append(f"  {step.label}: FAILED (airflow dags test exited non-zero; see {log})")
                return "\n".join(lines), 1
            requests = emu.recorder.requests
            lines.append(f"  {step.label}: {request_counts(requests)}")
            if step.expect_writes:
                lines.append(diff_table(before, snapshot(emu)))
            elif _writes(requests):
                lines.append(f"  NOT IDEMPOTENT: wrote {[f'{r.method} {r.path}' for r in _writes(requests)]}")
                return "\n".join(lines), 1
    return "\n".join(lines), 0


def _writes(requests: list[RecordedRequest]) -> list[RecordedRequest]:
    return [r for r in requests if r.is_write and not r.path.endswith("/bulk/files/get")]


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run the demo.

    :param argv: Command-line arguments (default: ``sys.argv[1:]``).
    :return: Exit code.
    """
    parser = argparse.ArgumentParser(prog="python -m genomics_provider.testing.demo", description=__doc__)
    parser.add_argument("--dags-folder", type=Path, default=Path.cwd() / "example_dags")
    parser.add_argument(
        "--dag", action="append", choices=sorted(DEMO_CHAINS), help="run only this DAG's chain (repeatable)"
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the temporary AIRFLOW_HOME and log")
    args = parser.parse_args(argv)
    dags = args.dags_folder.resolve()
    if not dags.is_dir():
        parser.error(f"--dags-folder {dags} is not a directory (run from the repository root)")
    workdir = Path(tempfile.mkdtemp(prefix="genomics-demo-"))
    code = run_demo(dags, workdir, args.dag)
    if not args.keep_logs and code == 0:
        shutil.rmtree(workdir, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
