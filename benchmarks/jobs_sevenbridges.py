"""Seven Bridges jobs run inside a child: our operators, and ``sevenbridges-python`` written as its docs teach.

Each function is a setup step (imports, client or operator construction) returning the measured ``run``
callable. Parameters come from the parent as JSON: ``url``/``token`` for the SDK, ``query`` (an operator query:
``project`` plus ``metadata.<key>`` filters), ``tags``/``metadata``, ``dry_run``, and ``max_files`` (the SDK loop
stops after that many files: a capped baseline, listed from the same project as ours).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

Run = Callable[[], dict[str, Any]]
BULK = 100


def _summary_counts(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "changed": len(summary.get("changed", [])),
        "unchanged": len(summary.get("unchanged", [])),
        "skipped": len(summary.get("skipped", {})),
        "failed": len(summary.get("failed", {})),
    }


def _execute(operator: Any) -> Run:
    def run() -> dict[str, Any]:
        return _summary_counts(operator.execute(context={"ti": mock.MagicMock()}))

    return run


def _verify(params: dict[str, Any]) -> dict[str, Any]:
    """Pass ``verify_writes`` only when the parent set it (the operator's default otherwise).

    :param params: Job parameters.
    :return: ``{"verify_writes": bool}`` or ``{}``.
    """
    return {"verify_writes": bool(params["verify_writes"])} if "verify_writes" in params else {}


def ours_tag(params: dict[str, Any]) -> Run:
    """Build ``TagFilesOperator(query=..., tags=..., mode="add")`` (``dry_run`` from the parameters).

    :param params: ``query``, ``tags``, optional ``dry_run`` and ``verify_writes``.
    :return: The measured run: ``execute`` with a mocked task instance.
    """
    from genomics_provider.operators.sevenbridges import TagFilesOperator

    operator = TagFilesOperator(
        task_id="bench_tag_files",
        query=params["query"],
        tags=params["tags"],
        mode="add",
        dry_run=bool(params.get("dry_run", False)),
        **_verify(params),
    )
    return _execute(operator)


def ours_metadata(params: dict[str, Any]) -> Run:
    """Build ``UpdateFileMetadataOperator(query=..., metadata=..., mode="merge")``.

    :param params: ``query``, ``metadata``, optional ``verify_writes``.
    :return: The measured run.
    """
    from genomics_provider.operators.sevenbridges import UpdateFileMetadataOperator

    operator = UpdateFileMetadataOperator(
        task_id="bench_merge_metadata",
        query=params["query"],
        metadata=params["metadata"],
        mode="merge",
        **_verify(params),
    )
    return _execute(operator)


def sdk_api(params: dict[str, Any]) -> Any:
    """Create the SDK client as its docs teach, with the documented rate-limit and maintenance handlers.

    ``debug=True`` is only there because the emulator speaks plain http.

    :param params: ``url``, ``token``.
    :return: ``sevenbridges.Api``.
    """
    import sevenbridges as sbg
    from sevenbridges.http.error_handlers import maintenance_sleeper, rate_limit_sleeper

    return sbg.Api(
        url=params["url"],
        token=params["token"],
        debug=True,
        error_handlers=[rate_limit_sleeper, maintenance_sleeper],
    )


def _sdk_query(api: Any, params: dict[str, Any], **kwargs: Any) -> Any:
    """List the selected files with ``api.files.query(project=..., metadata={...})``.

    :param api: The SDK client.
    :param params: ``query`` in the operator's form.
    :param kwargs: Extra ``query`` arguments (``limit``).
    :return: The SDK collection.
    """
    query = params["query"]
    metadata = {key[len("metadata.") :]: value for key, value in query.items() if key.startswith("metadata.")}
    return api.files.query(project=query["project"], metadata=metadata or None, **kwargs)


def sdk_loop_tag(params: dict[str, Any]) -> Run:
    """The SDK loop: ``for file in query.all(): file.tags.append(tag); file.save()``.

    :param params: ``url``, ``token``, ``query``, ``tags`` (one tag), optional ``max_files``.
    :return: The measured run.
    """
    api = sdk_api(params)
    tag = params["tags"][0]
    limit = params.get("max_files")

    def run() -> dict[str, Any]:
        changed = 0
        for file in _sdk_query(api, params).all():
            file.tags.append(tag)
            file.save()
            changed += 1
            if changed == limit:
                break
        return {"changed": changed}

    return run


def sdk_bulk_tag(params: dict[str, Any]) -> Run:
    """The SDK's bulk API used by hand: pages of 100, ``file.tags.append``, ``api.files.bulk_edit`` per 100.

    :param params: ``url``, ``token``, ``query``, ``tags`` (one tag).
    :return: The measured run.
    """
    api = sdk_api(params)
    tag = params["tags"][0]

    def run() -> dict[str, Any]:
        changed = failed = 0
        batch: list[Any] = []

        def flush() -> None:
            nonlocal changed, failed
            for record in api.files.bulk_edit(batch):
                changed += 1 if record.valid else 0
                failed += 0 if record.valid else 1
            batch.clear()

        for file in _sdk_query(api, params, limit=BULK).all():
            file.tags.append(tag)
            batch.append(file)
            if len(batch) == BULK:
                flush()
        if batch:
            flush()
        return {"changed": changed, "failed": failed}

    return run


def sdk_loop_metadata(params: dict[str, Any]) -> Run:
    """The SDK loop: ``for file in query.all(): file.metadata[k] = v (each key); file.save()``.

    :param params: ``url``, ``token``, ``query``, ``metadata``, optional ``max_files``.
    :return: The measured run.
    """
    api = sdk_api(params)
    metadata: dict[str, str] = params["metadata"]
    limit = params.get("max_files")

    def run() -> dict[str, Any]:
        changed = 0
        for file in _sdk_query(api, params).all():
            for key, value in metadata.items():
                file.metadata[key] = value
            file.save()
            changed += 1
            if changed == limit:
                break
        return {"changed": changed}

    return run
