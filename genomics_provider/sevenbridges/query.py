"""The Seven Bridges file query: the validated selection a listing is filtered by, read by the operators, the sensor,
the trigger and the hook alike.

:func:`check_query` turns the ``query`` argument into a :class:`FileQuery`; :func:`query_to_dict` turns it back
into the JSON-safe argument (what a trigger is serialised with). The hook takes a :class:`FileQuery` directly and
builds its listing parameters from it, so this module imports nothing from the hooks at runtime.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from genomics_provider.curation.arguments import as_mapping
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.sevenbridges.rules import ID_RULE, file_metadata, file_tags
from genomics_provider.validation import check_text, id_problem, nfc, shown

if TYPE_CHECKING:
    from genomics_provider.sevenbridges.types import SbFile

#: The keys a ``query`` may have (``metadata.<key>`` for any metadata key).
QUERY_KEYS: tuple[str, ...] = ("project", "parent", "name", "tag", "metadata.<key>", "origin.task", "origin.dataset")


@dataclass(frozen=True)
class FileQuery:
    """A validated file selection: where to list (project xor parent) and the filters.

    :param project: ``owner/project``, or ``None`` when listing a folder.
    :param parent: Folder id, or ``None`` when listing a project root.
    :param names: Exact names (any of).
    :param tags: Tags (any of).
    :param metadata: ``{key: values}`` (any of the values, for every key).
    :param origin: ``{"task" | "dataset": value}``.
    """

    project: str | None = None
    parent: str | None = None
    names: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    metadata: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    origin: Mapping[str, str] = field(default_factory=dict)

    def mismatch(self, file: SbFile) -> str | None:
        """Check a listed file against the query, as the API should have.

        :param file: A file from the listing.
        :return: Which filter it fails, or ``None`` when it matches.
        """
        project = (self.project or "").lower()
        checks: list[tuple[str, bool]] = [
            ("project", bool(project) and str(file.get("project", project)).lower() != project),
            ("parent", bool(self.parent) and file.get("parent", self.parent) != self.parent),
            ("name", bool(self.names) and file.get("name") not in self.names),
            ("tag", bool(self.tags) and not set(file_tags(file)) & set(self.tags)),
        ]
        metadata = file_metadata(file)
        checks += [
            (f"metadata.{key}", metadata.get(key) is None or str(metadata[key]) not in values)
            for key, values in self.metadata.items()
        ]
        origin = file.get("origin") or {}
        checks += [(f"origin.{key}", origin.get(key) != value) for key, value in self.origin.items()]
        failed = [name for name, bad in checks if bad]
        return f"does not match query {', '.join(failed)}; the listing returned it anyway" if failed else None


def check_query(value: Any) -> FileQuery:
    """Check the ``query`` argument and turn it into a :class:`FileQuery`.

    :param value: The rendered argument, e.g. ``{"project": "owner/p", "tag": ["raw"], "metadata.sample_id": "S1"}``.
    :return: The query.
    :raises InvalidInputError: On unknown keys, both or neither of ``project`` and ``parent``, malformed ids, or
        filter values that are not non-empty strings.
    """
    query = as_mapping(value, argument="query")
    unknown = [key for key in query if key not in _PLAIN_QUERY_KEYS and not _is_metadata_filter(key)]
    if unknown:
        raise InvalidInputError(f"query: unknown key(s) {', '.join(map(repr, unknown))}; use {', '.join(QUERY_KEYS)}")
    project, parent = query.get("project"), query.get("parent")
    if (project is None) == (parent is None):
        raise InvalidInputError(
            "query: give exactly one of 'project' ('owner/project') and 'parent' (a folder id); "
            "the API lists one project root or one folder"
        )
    problem = None if project is None else id_problem(project, "sevenbridges project")
    if problem:
        raise InvalidInputError(f"query: project {shown(project)} is not a project id; {problem}")
    if parent is not None and id_problem(parent, "sevenbridges"):
        raise InvalidInputError(f"query: parent {shown(parent)} is not a folder id; ids are {ID_RULE}")
    origin = {
        key[len("origin.") :]: _query_values(query, key, single=True)[0] for key in query if key.startswith("origin.")
    }
    return FileQuery(
        project=project,
        parent=parent,
        names=_query_values(query, "name"),
        tags=_query_values(query, "tag"),
        metadata={key[len("metadata.") :]: _query_values(query, key) for key in query if _is_metadata_filter(key)},
        origin=origin,
    )


_PLAIN_QUERY_KEYS = frozenset({"project", "parent", "name", "tag", "origin.task", "origin.dataset"})


def _is_metadata_filter(key: Any) -> bool:
    return isinstance(key, str) and key.startswith("metadata.") and len(key) > len("metadata.")


def _query_values(query: Mapping[str, Any], key: str, *, single: bool = False) -> tuple[str, ...]:
    if key not in query:
        return ()
    value = query[key]
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)) or not values or not all(isinstance(v, str) and v for v in values):
        rule = "a non-empty string" if single else "a non-empty string or a non-empty list of them"
        raise InvalidInputError(f"query: {key} = {value!r} is not allowed; it must be {rule}")
    if single and len(values) != 1:
        raise InvalidInputError(f"query: {key} = {value!r} is not allowed; it must be a non-empty string")
    for text in values:
        check_text(text, label=f"query: {key}", noun="filter values")
    # Tags are compared in NFC form, and sent that way, as the tags the operators write are.
    return tuple(nfc(text) for text in values) if key == "tag" else tuple(values)


def query_to_dict(query: FileQuery) -> dict[str, Any]:
    """Turn a validated query back into the JSON-safe ``query`` argument it came from.

    ``check_query(query_to_dict(q)) == q`` for every validated ``q``.

    :param query: The validated query.
    :return: E.g. ``{"project": "owner/p", "tag": ["raw"], "metadata.sample_id": ["S1"]}``.
    """
    result: dict[str, Any] = {"project": query.project} if query.project is not None else {"parent": query.parent}
    if query.names:
        result["name"] = list(query.names)
    if query.tags:
        result["tag"] = list(query.tags)
    result.update({f"metadata.{key}": list(values) for key, values in query.metadata.items()})
    result.update({f"origin.{key}": value for key, value in query.origin.items()})
    return result
