"""Pure planning for the Seven Bridges operators: desired state, per-file difference, bulk items.

Nothing here sends a request or touches Airflow's runtime: every function takes plain values (the files as the API
listed them, the validated arguments) and returns plain values, so the whole decision "what to send where" is tested
without a server and printed before anything is written.

Rules applied to every file:

* Folders are skipped (the API refuses their tags and metadata), and so is anything a query listing returned that
  does not match the query (a safety net against a filter the server ignored).
* Null-valued metadata keys on the platform count as absent; the provider never sends ``null``.
* A change that only adds or changes values goes out as a bulk **edit** item (``id`` + the complete desired ``tags``
  or ``metadata``). A change that removes a tag or a metadata key goes out as a bulk **update** item (``id`` +
  ``name`` + ``tags`` + ``metadata``, all complete), because edit may merge per key and would keep what we remove.
* A file whose metadata would exceed 1000 pairs after the change fails at plan time, is never written, and the rest
  proceed.

What a paged run remembers lives in :mod:`~genomics_provider.sevenbridges.progress`, how a bulk result is read
in :mod:`~genomics_provider.sevenbridges.results`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from genomics_provider.curation.outcome import format_plan
from genomics_provider.sevenbridges.query import FileQuery
from genomics_provider.sevenbridges.rules import MAX_PAIRS, MetadataMode, TagMode, file_metadata, file_tags
from genomics_provider.sevenbridges.types import BulkItem, SbFile

WriteCall = Literal["edit", "update"]
PlanRow = tuple[str, str, str, str]


class FileRefused(Exception):
    """A file cannot be planned (its reason becomes its entry in ``failed``)."""


@dataclass(frozen=True)
class FileChange:
    """What to write to one file: the bulk call, the item to send, and the plan table rows.

    :param file_id: The file.
    :param call: ``edit`` (only additions/changes) or ``update`` (something is removed).
    :param item: The bulk item to send.
    :param rows: ``(item, field, before, after)`` rows for the plan table.
    :param before: Optional. The written field (``tags`` or ``metadata``) as the read showed it, by field name: tells
        a conflicting ask from a stale write once the change is found gone
        (:func:`~genomics_provider.curation.conflict.conflict`).
    """

    file_id: str
    call: WriteCall
    item: BulkItem
    rows: tuple[PlanRow, ...]
    before: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class FilePlan:
    """The difference between the files' current and desired state, before anything is written."""

    changes: list[FileChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    #: Every file considered (not skipped), with its project, in listing order.
    projects: dict[str, str | None] = field(default_factory=dict)

    def rows(self) -> list[PlanRow]:
        """Return the plan table rows of every change.

        :return: ``(item, field, before, after)`` rows.
        """
        return [row for change in self.changes for row in change.rows]

    def render(self, title: str) -> str:
        """Render the plan for the task log.

        :param title: First line of the table.
        :return: The table, followed by the skipped and failed files.
        """
        lines = [format_plan(self.rows(), title=title)]
        lines += [f"skip {file_id}: {reason}" for file_id, reason in self.skipped.items()]
        lines += [f"fail {file_id}: {reason}" for file_id, reason in self.failed.items()]
        return "\n".join(lines)


def leaves_query(file: SbFile, change: FileChange, query: FileQuery | None) -> bool:
    """Tell whether writing a change moves the file out of the listing that selected it.

    Such a file is no longer listed once written, so every later file moves up one offset.

    :param file: The file as listed.
    :param change: Its planned change.
    :param query: Optional. The query it was listed with (``None``: selected by id, never listed).
    :return: ``True`` when the written file no longer matches the query.
    """
    if query is None:
        return False
    written: dict[str, Any] = {**file, **change.item}
    return query.mismatch(cast(SbFile, written)) is not None


# -- desired state -------------------------------------------------------------------------------------------


def desired_tags(current: Sequence[str], tags: Sequence[str], mode: TagMode) -> list[str]:
    """Compute the desired tag list: existing order kept, new tags appended in the given order, no duplicates.

    :param current: The file's tags.
    :param tags: The validated tags argument.
    :param mode: ``add``, ``remove`` or ``replace``.
    :return: The desired list.
    """
    kept = _dedupe(current)
    wanted = set(tags)
    if mode == "remove":
        return [tag for tag in kept if tag not in wanted]
    base = kept if mode == "add" else [tag for tag in kept if tag in wanted]
    present = set(base)
    return base + [tag for tag in _dedupe(tags) if tag not in present]


def desired_metadata(
    current: Mapping[str, Any], metadata: Mapping[str, str | None], mode: MetadataMode
) -> dict[str, Any]:
    """Compute the desired metadata: ``merge`` changes only the given keys (``None`` removes), ``replace`` is exact.

    :param current: The file's metadata, null values already dropped.
    :param metadata: The validated metadata argument.
    :param mode: ``merge`` or ``replace``.
    :return: The complete desired metadata.
    """
    if mode == "replace":
        return {key: value for key, value in metadata.items() if value is not None}
    result = dict(current)
    for key, value in metadata.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


# -- plans ---------------------------------------------------------------------------------------------------


def plan_tags(files: Iterable[SbFile], tags: Sequence[str], mode: TagMode, query: FileQuery | None = None) -> FilePlan:
    """Plan a tag change over files (consumed lazily, one listing page at a time).

    :param files: The files' current state (from the listing or a bulk get).
    :param tags: The validated tags argument.
    :param mode: ``add``, ``remove`` or ``replace``.
    :param query: Optional. The query the files were listed with, to re-check each file against.
    :return: The plan.
    """

    def change_for(file: SbFile) -> FileChange | None:
        current = _dedupe(file_tags(file))
        desired = desired_tags(current, tags, mode)
        if desired == current:
            return None
        file_id = str(file["id"])
        row = (_label(file), "tags", ", ".join(current) or "(none)", ", ".join(desired) or "(none)")
        if set(current) <= set(desired):
            return FileChange(file_id, "edit", {"id": file_id, "tags": desired}, (row,), {"tags": current})
        return FileChange(file_id, "update", _full_item(file, tags=desired), (row,), {"tags": current})

    return _plan(files, query, change_for)


def plan_metadata(
    files: Iterable[SbFile], metadata: Mapping[str, str | None], mode: MetadataMode, query: FileQuery | None = None
) -> FilePlan:
    """Plan a metadata change over files; files that would exceed 1000 pairs fail here and are not written.

    :param files: The files' current state (from the listing or a bulk get).
    :param metadata: The validated metadata argument.
    :param mode: ``merge`` or ``replace``.
    :param query: Optional. The query the files were listed with, to re-check each file against.
    :return: The plan.
    """

    def change_for(file: SbFile) -> FileChange | None:
        current = file_metadata(file)
        desired = desired_metadata(current, metadata, mode)
        if desired == current:
            return None
        if len(desired) > MAX_PAIRS:
            raise FileRefused(
                f"metadata would have {len(desired)} pairs after the {mode}; the platform allows at most "
                f"{MAX_PAIRS} per file, so it was not written"
            )
        file_id, label = str(file["id"]), _label(file)
        rows = tuple(
            (label, f"metadata.{key}", _shown(current, key, "(absent)"), _shown(desired, key, "(removed)"))
            for key in sorted(current.keys() | desired.keys())
            if current.get(key) != desired.get(key)
        )
        if current.keys() <= desired.keys():
            return FileChange(file_id, "edit", {"id": file_id, "metadata": desired}, rows, {"metadata": current})
        return FileChange(file_id, "update", _full_item(file, metadata=desired), rows, {"metadata": current})

    return _plan(files, query, change_for)


@dataclass(frozen=True)
class FileRequest:
    """What one sheet row asks of its file (see :class:`~genomics_provider.sevenbridges.sheet.FileRow`).

    :param tags: The row's tags, or ``None`` to leave them alone.
    :param metadata: The row's metadata, or ``None`` to leave it alone.
    """

    tags: tuple[str, ...] | None
    metadata: tuple[tuple[str, str | None], ...] | None


def plan_requests(
    files: Iterable[SbFile], requests: Mapping[str, FileRequest], tag_mode: TagMode, metadata_mode: MetadataMode
) -> FilePlan:
    """Plan per-file changes from a sheet: each file gets its own tags and metadata, in one bulk item.

    A file that only gains tags or metadata keys goes out as an edit item carrying the complete desired value of each
    field that changes; one that loses a tag or a key as an update item, complete (see the module notes).

    :param files: The files' current state (from a bulk get).
    :param requests: What each file's row asks, by file id; a file without one is left alone.
    :param tag_mode: ``add``, ``remove`` or ``replace``, for every row's tags.
    :param metadata_mode: ``merge`` or ``replace``, for every row's metadata.
    :return: The plan.
    """

    def change_for(file: SbFile) -> FileChange | None:
        request = requests.get(str(file["id"]))
        tags, metadata = _dedupe(file_tags(file)), file_metadata(file)
        want_tags = tags if request is None or request.tags is None else desired_tags(tags, request.tags, tag_mode)
        want_metadata = metadata
        if request is not None and request.metadata is not None:
            want_metadata = desired_metadata(metadata, dict(request.metadata), metadata_mode)
        if len(want_metadata) > MAX_PAIRS and want_metadata != metadata:
            raise FileRefused(
                f"metadata would have {len(want_metadata)} pairs after the {metadata_mode}; the platform allows at "
                f"most {MAX_PAIRS} per file, so it was not written"
            )
        return _combined_change(file, (tags, want_tags), (metadata, want_metadata))

    return _plan(files, None, change_for)


def _combined_change(
    file: SbFile, tags: tuple[list[str], list[str]], metadata: tuple[dict[str, Any], dict[str, Any]]
) -> FileChange | None:
    (tags_now, tags_then), (meta_now, meta_then) = tags, metadata
    file_id, label = str(file["id"]), _label(file)
    rows: list[PlanRow] = []
    item: BulkItem = {"id": file_id}
    before: dict[str, Any] = {}
    if tags_then != tags_now:
        rows.append((label, "tags", ", ".join(tags_now) or "(none)", ", ".join(tags_then) or "(none)"))
        item["tags"], before["tags"] = tags_then, tags_now
    if meta_then != meta_now:
        rows += [
            (label, f"metadata.{key}", _shown(meta_now, key, "(absent)"), _shown(meta_then, key, "(removed)"))
            for key in sorted(meta_now.keys() | meta_then.keys())
            if meta_now.get(key) != meta_then.get(key)
        ]
        item["metadata"], before["metadata"] = meta_then, meta_now
    if not rows:
        return None
    if set(tags_now) <= set(tags_then) and meta_now.keys() <= meta_then.keys():
        return FileChange(file_id, "edit", item, tuple(rows), before)
    return FileChange(file_id, "update", _full_item(file, tags=tags_then, metadata=meta_then), tuple(rows), before)


def _plan(
    files: Iterable[SbFile], query: FileQuery | None, change_for: Callable[[SbFile], FileChange | None]
) -> FilePlan:
    plan = FilePlan()
    for index, file in enumerate(files):
        file_id = file.get("id")
        if not isinstance(file_id, str) or not file_id:
            plan.skipped[f"(item {index} without id)"] = "the platform returned an item without an id"
            continue
        if file_id in plan.projects or file_id in plan.skipped:
            continue  # offset paging can repeat an item when the listing shifts
        reason = skip_reason(file, query)
        if reason:
            plan.skipped[file_id] = reason
            continue
        plan.projects[file_id] = file.get("project")
        try:
            change = change_for(file)
        except FileRefused as exc:
            plan.failed[file_id] = str(exc)
            continue
        if change is None:
            plan.unchanged.append(file_id)
        else:
            plan.changes.append(change)
    return plan


def skip_reason(file: SbFile, query: FileQuery | None) -> str | None:
    """Tell why a file is left alone: it is a folder, or it does not match the query.

    :param file: A file from the listing or a bulk get.
    :param query: Optional. The query it was listed with.
    :return: The reason, or ``None`` when it should be planned.
    """
    if is_folder(file):
        return "folder: the platform does not allow tags or metadata on folders"
    return query.mismatch(file) if query is not None else None


def is_folder(file: SbFile) -> bool:
    """Tell whether an item is a folder (``type`` compared case-insensitively: ``folder`` or ``FOLDER``).

    :param file: The file or folder.
    :return: ``True`` for folders.
    """
    return str(file.get("type") or "").lower() == "folder"


# -- helpers -------------------------------------------------------------------------------------------------


def _full_item(file: SbFile, *, tags: list[str] | None = None, metadata: dict[str, Any] | None = None) -> BulkItem:
    """Build a bulk update item: every field complete, since update erases what is left out.

    :param file: The file's current state.
    :param tags: Optional. Desired tags (default: the current ones).
    :param metadata: Optional. Desired metadata (default: the current one).
    :return: ``{"id", "name", "tags", "metadata"}``.
    :raises FileRefused: When the file's name, tags or metadata are unknown (they would be erased).
    """
    given = {"tags": tags is not None, "metadata": metadata is not None}
    needed = [name for name in ("name", "tags", "metadata") if name not in file and not given.get(name)]
    if needed:
        raise FileRefused(
            f"the platform did not return its {', '.join(needed)}; a bulk update would erase them, "
            "so it was not written"
        )
    return {
        "id": str(file["id"]),
        "name": str(file["name"]),
        "tags": tags if tags is not None else _dedupe(file_tags(file)),
        "metadata": metadata if metadata is not None else file_metadata(file),
    }


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _label(file: SbFile) -> str:
    return f"{file.get('id')} {file.get('name') or ''}".strip()


def _shown(metadata: Mapping[str, Any], key: str, absent: str) -> str:
    return str(metadata[key]) if key in metadata else absent
