"""Input rules of the Seven Bridges operators, checked before any request, and the validated file query.

Every check raises :class:`~genomics_provider.exceptions.InvalidInputError` with a message naming the argument, the
key and the rule. The platform's metadata limits: keys are non-empty strings of at most 100 UTF-8 bytes, values
strings of at most 300 UTF-8 bytes, and a file holds at most 1000 pairs. The rules shared with the hooks (ids,
projects, printable text, tags in Unicode NFC form, file names) live in :mod:`genomics_provider.validation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from genomics_provider.curation.arguments import as_mapping, parse_string_list, repeated
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.sevenbridges import SbFile
from genomics_provider.validation import check_file_name, check_text, id_problem, nfc, nfc_names, shown

TagMode = Literal["add", "remove", "replace"]
MetadataMode = Literal["merge", "replace"]
TAG_MODES: tuple[str, ...] = ("add", "remove", "replace")
METADATA_MODES: tuple[str, ...] = ("merge", "replace")
#: Platform limits on custom metadata (UTF-8 bytes, pairs per file).
MAX_KEY_BYTES = 100
MAX_VALUE_BYTES = 300
MAX_PAIRS = 1000
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

    def hook_kwargs(self) -> dict[str, Any]:
        """Return the keyword arguments of :meth:`SevenBridgesHook.iter_files` for this query.

        :return: ``project``/``parent`` and the filters.
        """
        return {
            "project": self.project,
            "parent": self.parent,
            "names": list(self.names) or None,
            "tags": list(self.tags) or None,
            "metadata": {key: list(values) for key, values in self.metadata.items()} or None,
            "origin": dict(self.origin) or None,
        }

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


# -- input rules (all raise InvalidInputError naming the argument, the key and the rule) ----------------------


def validate_tags(value: Any, *, mode: TagMode) -> list[str]:
    """Check the ``tags`` argument: a list (or JSON list, or one tag) of unique non-empty printable strings.

    Tags are returned (and so compared and sent) in Unicode NFC form; two equal only after normalising are refused.

    :param value: The rendered argument.
    :param mode: The tag mode; only ``replace`` accepts an empty list (it clears every tag).
    :return: The tags in NFC form, in the given order.
    :raises InvalidInputError: On a non-string, empty, unprintable or duplicate tag, or an empty list outside
        ``replace``.
    """
    tags = parse_string_list(value, argument="tags")
    bad = [tag for tag in tags if not isinstance(tag, str) or not tag.strip()]
    if bad:
        raise InvalidInputError(f"tags: {bad[0]!r} is not allowed; each tag must be a non-empty string")
    normal = nfc_names(tags, argument="tags")
    dupes = repeated(tags)
    if dupes:
        raise InvalidInputError(f"tags: {', '.join(map(repr, dupes))} appears more than once; tags must be unique")
    if not tags and mode != "replace":
        raise InvalidInputError(
            f"tags: the list is empty; mode={mode!r} needs at least one tag (mode='replace' with [] clears all tags)"
        )
    return normal


def validate_metadata(value: Any, *, mode: MetadataMode) -> dict[str, str | None]:
    """Check the ``metadata`` argument against the platform's rules, before any request.

    Keys: non-empty strings of at most 100 UTF-8 bytes. Values: strings of at most 300 UTF-8 bytes, or ``None``
    (remove the key) in ``merge`` mode only. At most 1000 pairs.

    :param value: The rendered argument (a mapping or a JSON object string).
    :param mode: ``merge`` or ``replace``; ``merge`` needs at least one key.
    :return: The metadata.
    :raises InvalidInputError: Naming every offending key (up to five) and the rule it breaks.
    """
    metadata = as_mapping(value, argument="metadata")
    if not metadata and mode == "merge":
        raise InvalidInputError(
            "metadata: the mapping is empty; give at least one key to merge (mode='replace' with {} clears all)"
        )
    problems = [problem for key, item in metadata.items() for problem in _pair_problems(key, item, mode)]
    if problems:
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise InvalidInputError(f"metadata: {'; '.join(problems[:5])}{more}")
    pairs = sum(item is not None for item in metadata.values())
    if pairs > MAX_PAIRS:
        raise InvalidInputError(f"metadata: {pairs} pairs given; a file may have at most {MAX_PAIRS}")
    return metadata


def _pair_problems(key: Any, value: Any, mode: MetadataMode) -> list[str]:
    if not isinstance(key, str) or not key.strip():
        return [f"key {key!r} is not allowed; keys must be non-empty strings"]
    problems = []
    size = _utf8_size(key)
    if size is None or size > MAX_KEY_BYTES:
        problems.append(f"key {key[:40]!r} is {_size_text(size)}; keys may have at most {MAX_KEY_BYTES} bytes")
    if size is not None:
        problems += _unprintable(key, "key", "keys")
    if value is None:
        if mode == "replace":
            problems.append(f"key {key[:40]!r} is None; None removes a key only in mode='merge' (leave it out here)")
        return problems
    if not isinstance(value, str):
        problems.append(f"value of {key[:40]!r} is {type(value).__name__}; values must be strings (quote numbers)")
        return problems
    size = _utf8_size(value)
    if size is None or size > MAX_VALUE_BYTES:
        problems.append(f"value of {key[:40]!r} is {_size_text(size)}; values may have at most {MAX_VALUE_BYTES} bytes")
    if size is not None:
        problems += _unprintable(value, f"value of {key[:40]!r}", "values", line_breaks=True)
    return problems


def _unprintable(text: str, label: str, noun: str, *, line_breaks: bool = False) -> list[str]:
    # The shared rule, collected with the other problems of the mapping instead of raised alone.
    try:
        check_text(text, label=label, noun=noun, line_breaks=line_breaks)
    except InvalidInputError as exc:
        return [str(exc)]
    return []


def validate_query(value: Any) -> FileQuery:
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
        raise InvalidInputError(
            f"query: parent {shown(parent)} is not a folder id; ids are 24 lowercase hex characters"
        )
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


def validate_file_name(value: Any) -> str:
    """Check a new file name: non-empty printable text without surrounding whitespace, ``/``, ``.`` or ``..``.

    :param value: The rendered ``name`` argument.
    :return: The name.
    :raises InvalidInputError: When it is not.
    """
    return check_file_name(value)


def _utf8_size(text: str) -> int | None:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return None


def _size_text(size: int | None) -> str:
    return "not valid UTF-8" if size is None else f"{size} bytes in UTF-8"


def file_tags(file: Mapping[str, Any]) -> list[str]:
    """Read a file's tags as the API returned them, in Unicode NFC form (strings only; missing means none).

    :param file: The file.
    :return: Its tags.
    """
    tags = file.get("tags")
    # In NFC form, as the tags asked for are, so a tag stored decomposed is recognised (and rewritten composed).
    return [nfc(tag) for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def file_metadata(file: Mapping[str, Any]) -> dict[str, Any]:
    """Read a file's metadata, null-valued keys dropped (they count as absent).

    :param file: The file.
    :return: Its metadata.
    """
    metadata = file.get("metadata")
    return {key: value for key, value in metadata.items() if value is not None} if isinstance(metadata, dict) else {}
