"""Scenario 7's writer jobs, run inside a child: one tagging operator, started when the parent says go.

Parameters from the parent: ``tag`` (this writer's tag), ``sample_ids`` (One Codex) or ``query`` (Seven Bridges),
and optionally ``ready_file`` / ``go_file``: setup creates ``ready_file`` once the operator is built and then waits
until ``go_file`` exists, so that every writer's measured run starts within a few milliseconds of the others'
(interpreter start-up and imports take seconds, and vary with the load).

A writer's run never raises: a failed task is an outcome the parent judges, so the exception's text is returned
with the summary the operator pushed to XCom before failing. The run also returns the requests its hook sent
(``hook.request_count``, retries included): the emulator cannot tell the writers apart, they share one key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

Run = Callable[[], dict[str, Any]]
#: Longest a ready writer waits for the parent's go before giving up.
GO_TIMEOUT_S = 300.0
#: How often a ready writer looks for the go file.
GO_POLL_S = 0.002


def _wait_for_go(params: dict[str, Any]) -> None:
    """Say ready, then wait until the parent says go (nothing to wait for without the two files).

    :param params: Job parameters, optionally with ``ready_file`` and ``go_file``.
    :raises TimeoutError: When the go file does not appear within :data:`GO_TIMEOUT_S`.
    """
    ready, go = params.get("ready_file"), params.get("go_file")
    if not ready or not go:
        return
    Path(ready).touch()
    deadline = time.monotonic() + GO_TIMEOUT_S
    while not Path(go).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no go from the parent within {GO_TIMEOUT_S:g} s")
        time.sleep(GO_POLL_S)


def _pushed_summary(ti: Any) -> dict[str, Any] | None:
    pushed = [call.kwargs["value"] for call in ti.xcom_push.call_args_list if call.kwargs.get("key") == "summary"]
    return pushed[-1] if pushed else None


def _writer(operator: Any, params: dict[str, Any]) -> Run:
    """Wrap an operator's ``execute`` as a writer's run (see the module docstring).

    :param operator: The operator, built.
    :param params: Job parameters (for the go handshake).
    :return: The measured run.
    """
    _wait_for_go(params)

    def run() -> dict[str, Any]:
        ti = mock.MagicMock()
        error = None
        try:
            summary = operator.execute(context={"ti": ti})
        except Exception as exc:  # the parent judges a failed task: it is an outcome, not a crash
            error = f"{type(exc).__name__}: {exc}"[:2000]
            summary = _pushed_summary(ti)
        summary = summary or {}
        hook = operator.__dict__.get("hook")
        return {
            "error": error,
            "changed": sorted(summary.get("changed", [])),
            "unchanged": sorted(summary.get("unchanged", [])),
            "failed": {str(key): str(value)[:200] for key, value in dict(summary.get("failed", {})).items()},
            "skipped": len(summary.get("skipped", {})),
            "requests_sent": getattr(hook, "request_count", None),
        }

    return run


def oc_tag_writer(params: dict[str, Any]) -> Run:
    """Build one One Codex writer: ``TagSamplesOperator(sample_ids=..., tags=[tag])`` (mode ``add``).

    :param params: ``sample_ids``, ``tag``, optional ``ready_file``/``go_file``.
    :return: The measured run.
    """
    from genomics_provider.operators.onecodex import TagSamplesOperator

    operator = TagSamplesOperator(
        task_id=f"bench_tag_samples_{params['tag']}", sample_ids=params["sample_ids"], tags=[params["tag"]]
    )
    return _writer(operator, params)


def sb_tag_writer(params: dict[str, Any]) -> Run:
    """Build one Seven Bridges writer: ``TagFilesOperator(query=..., tags=[tag], mode="add")``.

    :param params: ``query``, ``tag``, optional ``ready_file``/``go_file``.
    :return: The measured run.
    """
    from genomics_provider.operators.sevenbridges import TagFilesOperator

    operator = TagFilesOperator(
        task_id=f"bench_tag_files_{params['tag']}", query=params["query"], tags=[params["tag"]], mode="add"
    )
    return _writer(operator, params)
