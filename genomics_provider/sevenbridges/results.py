"""Reading the results of Seven Bridges bulk calls: an error item, or a written file that differs from what was sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from genomics_provider.sevenbridges.plan import FileChange
from genomics_provider.sevenbridges.rules import file_metadata
from genomics_provider.sevenbridges.types import BulkRecord, SbFile


def read_records(file_ids: Sequence[str], records: Sequence[BulkRecord]) -> tuple[list[SbFile], dict[str, Any]]:
    """Split a bulk get's answer into the files read and the error items, by the ids that were asked for.

    The requested id wins over an ``id`` inside the answer, so a file is always planned and reported under the id the
    user selected.

    :param file_ids: The ids asked for, in order.
    :param records: The bulk get's records, in the same order.
    :return: ``(files, errors)``: the files read, and each unreadable id's ``error`` object.
    """
    files: list[SbFile] = []
    errors: dict[str, Any] = {}
    for file_id, record in zip(file_ids, records, strict=True):
        if "error" in record:
            errors[file_id] = record["error"]
        else:
            files.append({**record.get("resource", {}), "id": file_id})
    return files, errors


def result_problem(change: FileChange, record: BulkRecord) -> str | None:
    """Check one bulk write result against what was sent.

    :param change: The change that was sent.
    :param record: Its result.
    :return: Why the file failed, or ``None`` when the platform now holds the desired state (or did not say).
    """
    if "error" in record:
        return describe_error(record["error"])
    resource = record.get("resource") or {}
    tags, metadata = resource.get("tags"), resource.get("metadata")
    if "tags" in change.item and isinstance(tags, list) and set(tags) != set(change.item["tags"]):
        return f"written, but the platform now has tags {tags!r} instead of {change.item['tags']!r}"
    wanted = change.item.get("metadata")
    if wanted is not None and isinstance(metadata, dict) and file_metadata(resource) != wanted:
        return "written, but the platform's metadata differs from the metadata sent"
    return None


def describe_error(error: Mapping[str, Any]) -> str:
    """Render a bulk error item (``status``, ``code``, ``message``) for the failure report.

    :param error: The ``error`` object of a bulk result.
    :return: ``HTTP 403, code 5011: Modifying file tags is not allowed.``
    """
    parts = [f"HTTP {error['status']}" if error.get("status") is not None else "error"]
    if error.get("code") is not None:
        parts.append(f"code {error['code']}")
    return f"{', '.join(parts)}: {error.get('message') or 'no message'}"
