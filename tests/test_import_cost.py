"""DAG-parse cost: importing an operator or sensor module must not import the HTTP stack.

Every DAG file that uses the provider imports these modules on every parse; ``requests`` and ``urllib3`` cost about
70 ms there and are needed only once a task sends a request (issue 6, scenario 6). Time itself is measured by
``make bench``, never asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

MODULES = [
    "genomics_provider.operators.onecodex",
    "genomics_provider.operators.sevenbridges",
    "genomics_provider.sensors.onecodex",
    "genomics_provider.sensors.sevenbridges",
]
HTTP_STACK = ["requests", "urllib3"]


@pytest.mark.parametrize("module", MODULES)
def test_importing_the_module_leaves_the_http_stack_unimported(module: str) -> None:
    code = (
        "import json, sys\n"
        "import airflow.sdk\n"
        f"before = {{name: name in sys.modules for name in {HTTP_STACK!r}}}\n"
        f"import {module}\n"
        f"after = {{name: name in sys.modules for name in {HTTP_STACK!r}}}\n"
        "print(json.dumps([before, after]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    before, after = json.loads(done.stdout.strip().splitlines()[-1])

    assert before == dict.fromkeys(HTTP_STACK, False), "airflow.sdk itself now imports the HTTP stack"
    assert after == dict.fromkeys(HTTP_STACK, False)
