"""Benchmarks of the provider's operators against the local emulator (``make bench`` / ``python -m benchmarks``).

Every scenario starts a fresh emulator in this process (injected per-request latency, the vendors' rate limits
on), runs each variant of the job in a fresh child interpreter (:mod:`benchmarks.worker`) so that peak RSS is the
job's own, and reads the calls the emulator received from its recorder. Results are printed as markdown and saved
as JSON under ``benchmarks/results/``. Nothing here is part of ``make test``, and nothing here times a test.

Modules:

* :mod:`benchmarks.settings` — run settings (defaults, ``--quick``) and the emulator's limits.
* :mod:`benchmarks.model` — result rows, targets and baseline extrapolation.
* :mod:`benchmarks.harness` — the emulator, the child processes and the recorder summary.
* :mod:`benchmarks.worker`, :mod:`benchmarks.jobs_sevenbridges`, :mod:`benchmarks.jobs_onecodex`,
  :mod:`benchmarks.jobs_airflow`, :mod:`benchmarks.jobs_concurrent`, :mod:`benchmarks.jobs_sheet` — what runs
  inside a child.
* :mod:`benchmarks.scenarios_sevenbridges`, :mod:`benchmarks.scenarios_onecodex`, :mod:`benchmarks.scenario_parse`
  — scenarios 1-6.
* :mod:`benchmarks.scenario_concurrent` and :mod:`benchmarks.scenario_concurrent_report` — scenario 7, several
  writer processes on one key, run by :mod:`benchmarks.race`, with and without :mod:`benchmarks.redis_server`.
* :mod:`benchmarks.scenario_sheet` and :mod:`benchmarks.scenario_sheet_onecodex` — scenario 8, curation from a
  sample sheet (per-file tags and metadata by name; One Codex samples by filename), beside the SDK's per-file loop.
* :mod:`benchmarks.report` — markdown and JSON output, machine description.
"""

from __future__ import annotations
