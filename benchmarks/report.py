"""Output: the machine description, the markdown tables, and the JSON file under ``benchmarks/results/``."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.model import Row, ScenarioResult, fmt_ratio
from benchmarks.settings import Settings

RESULTS_DIR = Path(__file__).resolve().parent / "results"
_PACKAGES = ("apache-airflow", "sevenbridges-python", "onecodex", "requests", "urllib3", "uvicorn")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _free_g() -> str:
    if shutil.which("free") is None:
        return "n/a"
    done = subprocess.run(["free", "-g"], capture_output=True, text=True, check=False)  # noqa: S607
    return done.stdout.strip()


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """Describe the machine and the software under test.

    :return: ``nproc``, ``free -g``, CPU model, platform, Python and package versions.
    """
    return {
        "nproc": os.cpu_count(),
        "free_g": _free_g(),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in _PACKAGES},
    }


def _calls(row: Row) -> str:
    return ", ".join(f"{method} {count:,}" for method, count in row.calls_by_method.items()) or "-"


def _wall(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:,.1f} s" if seconds < 600 else f"{seconds:,.0f} s ({seconds / 60:.0f} min)"


def _rss(row: Row) -> str:
    if row.peak_rss_mb is None:
        return "-"
    growth = f" (+{row.rss_growth_mb:.0f})" if row.rss_growth_mb is not None else ""
    return f"{row.peak_rss_mb:.0f}{growth}"


def _cpu(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _ratio(row: Row) -> str:
    if row.kind == "limit":
        return "-"
    mark = "↑" if row.scenario == "5" else ""
    return f"{mark}{fmt_ratio(row.ratio_calls)} / {mark}{fmt_ratio(row.ratio_wall)}"


def _variant(row: Row) -> str:
    label = f"**{row.variant}**" if row.variant.startswith("ours") else row.variant
    if row.baseline:
        label += " *(baseline)*"
    if row.kind == "extrapolated":
        label += " †"
    return label


def scenario_markdown(result: ScenarioResult) -> str:
    """Render one scenario as a markdown section with its table and notes.

    :param result: The scenario.
    :return: Markdown text.
    """
    lines = [
        f"### Scenario {result.scenario} — {result.title}",
        "",
        "| Variant | N | Calls by method | Calls | Wall | Peak RSS MB (+job) | CPU s client / emulator | 429s "
        "| vs baseline: calls / wall |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result.rows:
        lines.append(
            f"| {_variant(row)} | {row.n:,} | {_calls(row)} | {row.calls:,} | {_wall(row.wall_s)} | {_rss(row)} "
            f"| {_cpu(row.client_cpu_s)} / {_cpu(row.emulator_cpu_s)} | {row.rate_limited:,} | {_ratio(row)} |"
        )
    notes = [f"† {row.variant}: {row.note}" for row in result.rows if row.kind == "extrapolated" and row.note]
    notes += [f"{row.variant}: {row.note}" for row in result.rows if row.kind != "extrapolated" and row.note]
    notes += result.notes
    if notes:
        lines += [""] + [f"- {note}" for note in notes]
    for table in result.tables:
        lines += ["", table]
    return "\n".join(lines)


def targets_markdown(results: Sequence[ScenarioResult]) -> str:
    """Render every scenario's targets as one table.

    :param results: The scenarios.
    :return: Markdown text.
    """
    lines = ["### Targets", "", "| # | Target | Measured | Met |", "|---|---|---|---|"]
    for result in results:
        for target in result.targets:
            verdict = "**NOT RUN**" if target.skipped else "met" if target.met else "**MISSED**"
            lines.append(f"| {target.scenario} | {target.text} | {target.measured} | {verdict} |")
    return "\n".join(lines)


def settings_markdown(settings: Settings, when: dt.datetime, info: dict[str, Any]) -> str:
    """Render the run's header: date, machine and settings.

    :param settings: Run settings.
    :param when: Start of the run (UTC).
    :param info: :func:`machine` output.
    :return: Markdown text.
    """
    window = f"{settings.sb_limit} requests / {settings.sb_window_s:g} s"
    window += " (**window scaled**)" if settings.window_scaled else " (the vendor's window, not scaled)"
    packages = ", ".join(f"{name} {version}" for name, version in info["packages"].items())
    return "\n".join(
        [
            f"Run {when.strftime('%Y-%m-%d %H:%M UTC')}{' (--quick)' if settings.quick else ''} on "
            f"{info['nproc']} CPUs ({info['cpu']}), Python {info['python']}; {packages}.",
            "",
            f"Emulator: {settings.latency_ms:g} ms injected latency per request; rate limits on — One Codex "
            f"{settings.oc_rate:g} req/s per key, Seven Bridges {window}. Baseline caps: SDK loop "
            f"{settings.sb_cap():,} files, client loop {settings.oc_cap():,} samples (extrapolated to N, †).",
        ]
    )


def markdown(results: Sequence[ScenarioResult], settings: Settings, when: dt.datetime, info: dict[str, Any]) -> str:
    """Render the whole report.

    :param results: The scenarios, in order.
    :param settings: Run settings.
    :param when: Start of the run (UTC).
    :param info: :func:`machine` output.
    :return: Markdown text.
    """
    parts = [settings_markdown(settings, when, info)]
    parts += [scenario_markdown(result) for result in results]
    parts.append(targets_markdown(results))
    parts.append(
        "Legend: calls by HTTP method as the emulator received them (429s included); wall time of the job only "
        "(child start-up and imports excluded); peak RSS of the job's fresh child process, with the growth "
        "during the job in brackets; vs baseline = baseline ÷ row (x fewer calls / x less wall time), "
        "except scenario 5 (↑ growth versus the smallest N); scenario 8's memory and One Codex rows have no "
        "baseline (their targets compare them with the smaller sheet and with the call budget)."
    )
    return "\n\n".join(parts) + "\n"


def write_json(
    path: Path | None, results: Sequence[ScenarioResult], settings: Settings, when: dt.datetime, info: dict[str, Any]
) -> Path:
    """Write the results as JSON.

    :param path: Optional. Where to write; default ``benchmarks/results/<UTC timestamp>.json``.
    :param results: The scenarios.
    :param settings: Run settings.
    :param when: Start of the run (UTC).
    :param info: :func:`machine` output.
    :return: The path written.
    """
    target = path or RESULTS_DIR / f"{when.strftime('%Y%m%dT%H%M%SZ')}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "date": when.isoformat(),
        "machine": info,
        "settings": settings.as_dict(),
        "scenarios": [result.to_dict() for result in results],
        "all_targets_met": all(target.met for result in results for target in result.targets),
    }
    target.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
