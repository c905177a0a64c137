"""Scenario 8 jobs run inside a child: the sheet operators, and ``sevenbridges-python``'s per-file loop.

Parameters come from the parent as JSON: ``sheet`` (a ``file://`` URI of a sheet the parent wrote), ``project``,
optional ``dry_run``; for the SDK loop ``url``/``token`` and ``rows``, the sheet's rows as dicts (``name``,
``tags`` and the metadata columns; only the first rows of the sheet when the baseline is capped).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

from benchmarks.jobs_sevenbridges import sdk_api

Run = Callable[[], dict[str, Any]]


def _counts(summary: dict[str, Any]) -> dict[str, Any]:
    """Count a summary's items; a capped summary (over 16,000 characters) lists only some and carries ``counts``.

    :param summary: The operator's summary.
    :return: ``changed``, ``unchanged``, ``skipped``, ``failed``.
    """
    if "counts" in summary:
        return dict(summary["counts"])
    return {
        "changed": len(summary.get("changed", [])),
        "unchanged": len(summary.get("unchanged", [])),
        "skipped": len(summary.get("skipped", {})),
        "failed": len(summary.get("failed", {})),
    }


def sb_ours_manifest(params: dict[str, Any]) -> Run:
    """Build ``UpdateFilesFromManifestOperator(sheet=..., project=...)`` (tags ``add``, metadata ``merge``).

    :param params: ``sheet``, ``project``, optional ``dry_run``.
    :return: The measured run: ``execute`` with a mocked task instance.
    """
    from genomics_provider.operators.sevenbridges import UpdateFilesFromManifestOperator

    operator = UpdateFilesFromManifestOperator(
        task_id="bench_manifest",
        sheet=params["sheet"],
        project=params["project"],
        dry_run=bool(params.get("dry_run", False)),
    )

    def run() -> dict[str, Any]:
        return _counts(dict(operator.execute(context={"ti": mock.MagicMock()})))

    return run


def sb_sdk_loop_manifest(params: dict[str, Any]) -> Run:
    """The SDK loop over the sheet: find each file by name, set its metadata keys, add its tags, ``save()``.

    ``api.files.query(project=..., names=[name])`` is how the SDK's docs find a file by name; ``save()`` then sends
    ``PATCH /files/{id}/metadata`` and ``PUT /files/{id}/tags`` and reloads the file (``GET /files/{id}``).

    :param params: ``url``, ``token``, ``project``, ``rows``.
    :return: The measured run.
    """
    api = sdk_api(params)
    project: str = params["project"]
    rows: list[dict[str, str]] = params["rows"]

    def run() -> dict[str, Any]:
        changed = missing = 0
        for row in rows:
            found = api.files.query(project=project, names=[row["name"]])
            if not len(found):
                missing += 1
                continue
            file = found[0]
            for key, value in row.items():
                if key not in ("name", "tags"):
                    file.metadata[key] = value
            for tag in row["tags"].split(";"):
                if tag not in file.tags:
                    file.tags.append(tag)
            file.save()
            changed += 1
        return {"changed": changed, "missing": missing}

    return run


def oc_ours_sheet(params: dict[str, Any]) -> Run:
    """Build ``UpdateSamplesFromSheetOperator(sheet=...)`` (rows keyed by ``filename``; tags ``add``).

    :param params: ``sheet``, optional ``dry_run``.
    :return: The measured run.
    """
    from genomics_provider.operators.onecodex import UpdateSamplesFromSheetOperator

    operator = UpdateSamplesFromSheetOperator(
        task_id="bench_sample_sheet", sheet=params["sheet"], dry_run=bool(params.get("dry_run", False))
    )

    def run() -> dict[str, Any]:
        return _counts(dict(operator.execute(context={"ti": mock.MagicMock()})))

    return run
