"""Shared pieces of the reliability suite: credentials, connections, running an operator, reading the emulator.

"Applied writes" are counted from the emulator's request log: a write request counts for an item when the server
applied it — a 2xx answer, or a connection dropped *after* the write was applied (``extra["applied_status"]``), or a
slow answer the client gave up on (the status is logged before the delay).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any
from unittest.mock import MagicMock

from genomics_provider.testing import Emulator
from genomics_provider.testing.faults import BULK_ITEM_ERRORS, Fault
from genomics_provider.testing.recorder import RecordedRequest

#: Distinctive credentials, so a leak anywhere can be searched for.
OC_KEY = "oc-reliability-key-4e1f8a2b9c7d3e5f60"
SB_TOKEN = "sb-reliability-token-7a9c2e4b6d8f0a1c3e"
#: Read timeout of the ``*_short_timeout`` connections, to turn a slow answer into a read timeout quickly.
SHORT_TIMEOUT_S = 0.05
OC_SHORT = "onecodex_short_timeout"
SB_SHORT = "sevenbridges_short_timeout"


def connection_env(emu: Emulator, *, short_timeout: float) -> dict[str, str]:
    """Build the ``AIRFLOW_CONN_*`` variables: the defaults, and a short-read-timeout variant of each.

    :param emu: The running emulator.
    :param short_timeout: Read timeout of the variants, in seconds.
    :return: Environment variable name to JSON connection.
    """
    # No client-side bucket: with the transport's sleep patched away its waits would pile up as a debt, and a write
    # whose pacing "waits" longer than max_read_age is not sent (the emulator's own limiters are off here too).
    unpaced = {"rate_limit": 0}
    extra = {"timeout": short_timeout, "connect_timeout": 5, **unpaced}
    return {
        "AIRFLOW_CONN_ONECODEX_DEFAULT": emu.onecodex_conn_json(unpaced),
        "AIRFLOW_CONN_SEVENBRIDGES_DEFAULT": emu.sevenbridges_conn_json(unpaced),
        f"AIRFLOW_CONN_{OC_SHORT.upper()}": emu.onecodex_conn_json(extra),
        f"AIRFLOW_CONN_{SB_SHORT.upper()}": emu.sevenbridges_conn_json(extra),
    }


def run(operator: Any) -> tuple[dict[str, Any], MagicMock]:
    """Execute an operator as a task would, with a mock task instance.

    :param operator: The operator.
    :return: ``(summary, ti)``.
    """
    ti = MagicMock()
    return operator.execute(context={"ti": ti}), ti


def applied(request: RecordedRequest) -> bool:
    """Tell whether the server applied a logged request.

    :param request: A logged request.
    :return: ``True`` for a 2xx answer, or a 2xx outcome before the connection was dropped.
    """
    status = request.status if request.status is not None else request.extra.get("applied_status")
    return status is not None and 200 <= status < 300


def onecodex_sample_writes(emu: Emulator) -> Counter[str]:
    """Count applied writes per sample: ``PATCH /samples/{id}`` and ``POST /tags`` (which attaches to a sample).

    :param emu: The emulator.
    :return: Sample id to applied writes.
    """
    counts: Counter[str] = Counter()
    for request in emu.recorder.writes(api="onecodex"):
        if not applied(request):
            continue
        if request.method == "PATCH" and request.path.startswith("/api/v1/samples/"):
            counts[request.path.rsplit("/", 1)[-1]] += 1
        elif request.method == "POST" and request.path == "/api/v1/tags":
            counts[str(request.body["sample"]["$ref"]).rsplit("/", 1)[-1]] += 1
    return counts


def onecodex_metadata_writes(emu: Emulator) -> Counter[str]:
    """Count applied ``PATCH /metadata/{id}`` per metadata record.

    :param emu: The emulator.
    :return: Metadata id to applied writes.
    """
    return Counter(
        r.path.rsplit("/", 1)[-1] for r in emu.recorder.filter(method="PATCH", path="/api/v1/metadata/") if applied(r)
    )


def sevenbridges_file_writes(emu: Emulator, faults: Iterable[Fault] = ()) -> Counter[str]:
    """Count applied writes per file: bulk edit/update items (minus items an item fault failed) and PATCHes.

    An item fault fires on the first ``fired`` bulk calls its route handles, failing the items whose ids it names.

    :param emu: The emulator.
    :param faults: The faults of the run (item faults are read from it).
    :return: File id to applied writes.
    """
    item_faults = [f for f in faults if f.kind == BULK_ITEM_ERRORS]
    shaped: dict[int, set[str]] = {}
    for fault in item_faults:
        handled = [r for r in emu.recorder.requests if r.status == 200 and fault.matches(r.method, r.path)]
        for request in handled[: fault.fired]:
            shaped.setdefault(request.seq, set()).update(fault.params["ids"])
    counts: Counter[str] = Counter()
    for request in emu.recorder.writes(api="sevenbridges"):
        if not applied(request) or request.path == "/v2/bulk/files/get":
            continue
        if request.path.startswith("/v2/bulk/files/"):
            failed = shaped.get(request.seq, set())
            counts.update(item["id"] for item in request.body["items"] if item["id"] not in failed)
        elif request.method == "PATCH":
            counts[request.path.rsplit("/", 1)[-1]] += 1
    return counts


def onecodex_state(emu: Emulator) -> str:
    """Snapshot One Codex state without write timestamps, as comparable text.

    :param emu: The emulator.
    :return: Samples, metadata records and tags as sorted JSON.
    """
    state = emu.onecodex
    drop = {"updated_at"}
    return json.dumps(
        {
            "samples": {k: {f: v for f, v in s.items() if f not in drop} for k, s in state.samples.items()},
            "metadata": {k: {f: v for f, v in m.items() if f not in drop} for k, m in state.metadata.items()},
            "tags": state.tags,
        },
        sort_keys=True,
    )


def sevenbridges_state(emu: Emulator) -> str:
    """Snapshot Seven Bridges files without ``modified_on``, as comparable text.

    :param emu: The emulator.
    :return: Files as sorted JSON.
    """
    files = {k: {f: v for f, v in item.items() if f != "modified_on"} for k, item in emu.sevenbridges.files.items()}
    return json.dumps(files, sort_keys=True)
