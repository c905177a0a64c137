"""One Codex jobs run inside a child: our ``UpdateSampleOperator``, and the official ``onecodex`` client's loop.

Parameters from the parent: ``sample_ids``, ``visibility``, ``tag`` (an existing tag's name), and ``url``/``key``
for the client.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any
from unittest import mock

Run = Callable[[], dict[str, Any]]


def ours_update(params: dict[str, Any]) -> Run:
    """Build ``UpdateSampleOperator(sample_ids=..., visibility=..., tags=[tag])``.

    :param params: ``sample_ids``, ``visibility``, ``tag``.
    :return: The measured run: ``execute`` with a mocked task instance.
    """
    from genomics_provider.operators.onecodex import UpdateSampleOperator

    operator = UpdateSampleOperator(
        task_id="bench_update_samples",
        sample_ids=params["sample_ids"],
        visibility=params["visibility"],
        tags=[params["tag"]],
    )

    def run() -> dict[str, Any]:
        summary = operator.execute(context={"ti": mock.MagicMock()})
        return {
            "changed": len(summary.get("changed", [])),
            "unchanged": len(summary.get("unchanged", [])),
            "failed": len(summary.get("failed", {})),
        }

    return run


def client_loop(params: dict[str, Any]) -> Run:
    """The ``onecodex`` client's documented loop: get each sample, set visibility, add the tag, ``save()``.

    ``Samples.get`` sends ``GET /api/v1/samples/{id}?expand=all``; ``save()`` sends the PATCH and then saves the
    sample's metadata, which reads the metadata record again. The client's session retries 429/502/503 with
    ``Retry(total=3, backoff_factor=4)`` (sleeps of 0, 8 and 16 s) and has no client-side rate limiter.

    The tag is added with ``sample.tags = [*sample.tags, tag]``: the documented ``sample.tags.append(tag)`` is
    silently lost on a sample that has no tags yet (the client returns a fresh list for an empty one), so the loop
    would not do the same job.

    :param params: ``url``, ``key``, ``sample_ids``, ``visibility``, ``tag``.
    :return: The measured run.
    """
    from onecodex import Api

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Using base API URL: http://127.0.0.1:..."
        ocx = Api(api_key=params["key"], base_url=params["url"])

    def run() -> dict[str, Any]:
        tag = ocx.Tags.where(name=params["tag"])[0]
        changed = 0
        for sample_id in params["sample_ids"]:
            sample = ocx.Samples.get(sample_id)
            sample.visibility = params["visibility"]
            sample.tags = [*sample.tags, tag]
            sample.save()
            changed += 1
        return {"changed": changed}

    return run
