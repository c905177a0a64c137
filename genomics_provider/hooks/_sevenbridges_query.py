"""What a Seven Bridges request carries, checked before it is sent: ids, bulk items, metadata pairs, listing queries.

Every file or folder id (24 lowercase hex) and project (``owner/project``, neither part ``.`` or ``..``) a method puts
into a URL path, a query or a bulk body is checked, and so are tags, metadata keys and names (no control character)
and a rename (no ``/``), by the rules of :mod:`genomics_provider.validation`. A
:class:`~genomics_provider.sevenbridges.query.FileQuery` becomes the query string of ``GET /files`` here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from genomics_provider.exceptions import InvalidInputError
from genomics_provider.sevenbridges import limits
from genomics_provider.sevenbridges.query import FileQuery
from genomics_provider.sevenbridges.types import BulkItem
from genomics_provider.validation import check_finite_body, check_id, check_text

__all__ = ["BULK_LIMIT", "check_pairs", "checked_id", "checked_items", "list_params", "query_of"]

#: Most items one bulk call accepts, and most items one list page returns (the vendor's limits, one source).
BULK_LIMIT = limits.BULK_LIMIT


def checked_id(file_id: Any, argument: str = "file id") -> str:
    """Check a file or folder id before it becomes part of a URL path, a query or a bulk body.

    :param file_id: The id.
    :param argument: Optional. What to call it in the error.
    :return: The id.
    :raises InvalidInputError: When it is not 24 lowercase hex characters.
    """
    return check_id(file_id, argument=argument, kind="sevenbridges")


def checked_items(items: Sequence[BulkItem]) -> Sequence[BulkItem]:
    """Check every item of a bulk edit or update: its ``id``, and no NaN or Infinity in it.

    :param items: The items.
    :return: The same items.
    :raises InvalidInputError: On the first bad item (nothing is sent).
    """
    for index, item in enumerate(items):
        checked_id(item.get("id") if isinstance(item, dict) else item, f"items[{index}] id")
        check_finite_body(item, label=f"items[{index}]:")
    return items


def check_pairs(metadata: Mapping[str, Any]) -> None:
    """Check metadata keys and string values for control characters (values may hold line breaks).

    :param metadata: The metadata to send.
    :raises InvalidInputError: On the first bad key or value.
    """
    for key, value in metadata.items():
        check_text(key, label="metadata: key", noun="metadata keys")
        if isinstance(value, str):
            check_text(value, label=f"metadata: value of {key!r}", noun="metadata values", line_breaks=True)


def query_of(
    query: FileQuery | None,
    project: str | None,
    parent: str | None,
    names: Sequence[str] | None,
    tags: Sequence[str] | None,
    metadata: Mapping[str, str | Sequence[str]] | None,
    origin: Mapping[str, str] | None,
    *,
    caller: str = "iter_files",
) -> FileQuery:
    """Turn the listing keyword arguments into one :class:`FileQuery` (checked later, by :func:`list_params`).

    :param query: The query, if the caller gave one.
    :param project: The ``project`` argument.
    :param parent: The ``parent`` argument.
    :param names: The ``names`` argument.
    :param tags: The ``tags`` argument.
    :param metadata: The ``metadata`` argument (a single value or several per key).
    :param origin: The ``origin`` argument.
    :param caller: Optional. The hook method whose arguments these are, for messages (``iter_files``).
    :return: The query to list.
    :raises InvalidInputError: When ``query`` comes with any of the other arguments.
    """
    given = {"project": project, "parent": parent, "names": names, "tags": tags, "metadata": metadata, "origin": origin}
    if query is not None:
        mixed = [name for name, value in given.items() if value is not None]
        if mixed:
            raise InvalidInputError(
                f"{caller}: give either query or {', '.join(mixed)}, not both; the query holds the whole selection"
            )
        return query
    return FileQuery(
        project=project,
        parent=parent,
        names=tuple(names or ()),
        tags=tuple(tags or ()),
        metadata={key: (value,) if isinstance(value, str) else tuple(value) for key, value in (metadata or {}).items()},
        origin=dict(origin or {}),
    )


def list_params(query: FileQuery, fields: str, page_size: int, *, caller: str = "iter_files") -> list[tuple[str, Any]]:
    """Check a listing query and turn it into the query string of ``GET /files``.

    Repeated keys are OR filters; the order is the one the official client sends.

    :param query: The selection.
    :param fields: The field selector.
    :param page_size: Items per page, 1 to :data:`BULK_LIMIT`.
    :param caller: Optional. The hook method that lists, for messages (``iter_files``).
    :return: The query parameters, in order.
    :raises InvalidInputError: When not exactly one of ``project`` and ``parent`` is set, on a bad page size, id or
        filter text.
    """
    if (query.project is None) == (query.parent is None):
        raise InvalidInputError(f"{caller}: give exactly one of project (owner/project) or parent (a folder id)")
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= BULK_LIMIT:
        raise InvalidInputError(f"page_size: {page_size!r} must be between 1 and {BULK_LIMIT}")
    if query.project is not None:
        check_id(query.project, argument="project", kind="sevenbridges project")
    if query.parent is not None:
        checked_id(query.parent, "parent")
    _check_filters(query)
    params: list[tuple[str, Any]] = [("limit", page_size), ("fields", fields)]
    params.append(("project", query.project) if query.project is not None else ("parent", query.parent))
    params += [("name", name) for name in query.names]
    params += [("tag", tag) for tag in query.tags]
    params += [(f"metadata.{key}", item) for key, values in query.metadata.items() for item in values]
    params += [(f"origin.{key}", value) for key, value in query.origin.items()]
    return params


def _check_filters(query: FileQuery) -> None:
    """Check every filter name, key and value of a query for control characters.

    :param query: The selection.
    :raises InvalidInputError: On the first bad text.
    """
    for argument, listed in (("names", query.names), ("tags", query.tags)):
        for index, name in enumerate(listed):
            check_text(name, label=f"{argument}[{index}]", noun="filter values")
    filters: dict[str, str | Sequence[str]] = {
        **query.metadata,
        **{f"origin.{k}": v for k, v in query.origin.items()},
    }
    for key, value in filters.items():
        check_text(key, label="filter key", noun="filter keys")
        for text in [value] if isinstance(value, str) else list(value):
            check_text(text, label=f"filter {key!r}", noun="filter values")
