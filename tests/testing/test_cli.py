"""The ``python -m genomics_provider.testing serve`` command."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from genomics_provider.testing.cli import build_parser, serve

ROOT = Path(__file__).resolve().parents[2]


def test_serve_prints_urls_and_exports_then_stops_on_sigterm() -> None:
    command = [sys.executable, "-m", "genomics_provider.testing", "serve", "--port", "0", "--seed", "empty",
               "--no-rate-limit", "--latency-ms", "1"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stdout.readline() if process.stdout else ""
            lines.append(line)
            if line.startswith("Press Ctrl+C") or not line:
                break
        output = "".join(lines)
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", output)
        assert url, output + (process.stderr.read() if process.stderr else "")
        assert f"Seven Bridges: {url[1]}/v2" in output
        exports = dict(shlex.split(line)[1].split("=", 1) for line in lines if line.startswith("export "))
        assert json.loads(exports["AIRFLOW_CONN_ONECODEX_DEFAULT"])["host"] == url[1]
        assert json.loads(exports["AIRFLOW_CONN_SEVENBRIDGES_DEFAULT"])["host"] == f"{url[1]}/v2"
        assert requests.get(f"{url[1]}/v2/", timeout=5).status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_in_process_with_a_stop_event() -> None:
    args = build_parser().parse_args(["serve", "--port", "0", "--onecodex-api-key", "cli-key-for-test-only-aaaa"])
    out = io.StringIO()
    stop = threading.Event()
    worker = threading.Thread(target=lambda: serve(args, out, stop))
    worker.start()
    deadline = time.monotonic() + 10
    while "Press Ctrl+C" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    url = re.search(r"listening on (\S+)", out.getvalue())
    assert url
    account = requests.get(f"{url[1]}/api/v1/account", headers={"X-API-Key": "cli-key-for-test-only-aaaa"}, timeout=10)
    assert account.status_code == 200
    stop.set()
    worker.join(10)
    assert not worker.is_alive()
    assert out.getvalue().endswith("Emulator stopped.\n")
