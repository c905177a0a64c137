"""A Seven Bridges manifest, row by row: which file each row names, and the tags and metadata it should carry.

The vendor rules of sheet-driven curation (issue 15) over :mod:`genomics_provider.curation.sheet`, which reads the
rows. Both manifest shapes labs already keep are read as they are (``/work/shared/reference/sevenbridges-manifests.md``
in the project's notes):

* **the Command Line Uploader manifest**: the first column ``File name``, every other column a metadata key. The
  uploader's file names may carry a local relative path (``../reads/S1_R1.fastq.gz``); the uploaded file's name on
  the platform is the last part, so that is the name looked up;
* **a manifest exported from a project**: ``id`` and/or ``name`` (the name with its folder path inside the project,
  ``alignments/HCC1143_T.bam``), then metadata columns; ``DRS URI``, ``size`` and ``project`` are read-only there,
  so they are recognised and never sent.

**Columns.** The key column is ``id`` when present, else ``name``, else ``File name`` (the others are then read-only
and ignored). ``tags`` holds the tags (split on the operator's separator, ``;`` by default). ``metadata.<key>``, or a
bare ``<key>`` as both manifests write it, is a metadata key. A column listed in ``ignore_columns`` is skipped.
**Cells**: empty leaves the key (or the tags) alone; ``<delete>`` removes a metadata key, and in the ``tags`` column
clears every tag (with ``tag_mode="replace"`` only, as ``tags=[]`` does on :class:`TagFilesOperator`). Every value is
a string, as the platform stores it; limits are :mod:`genomics_provider.sevenbridges.limits`'.

Every problem is collected with its row and column (:class:`~genomics_provider.curation.sheet.SheetProblems`), so a
whole sheet is checked before any request.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from genomics_provider.curation.sheet import (
    DELETE,
    LEAVE,
    SheetProblems,
    SheetRow,
    cell_value,
    guarded,
    note_undecodable,
    split_tags,
)
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.sevenbridges.limits import MAX_KEY_BYTES, MAX_PAIRS, MAX_VALUE_BYTES
from genomics_provider.sevenbridges.rules import ID_RULE, MetadataMode, TagMode
from genomics_provider.validation import SEVENBRIDGES_ID, check_file_name, check_text, nfc

__all__ = [
    "KEY_COLUMNS",
    "METADATA_PREFIX",
    "READ_ONLY_COLUMNS",
    "TAGS_COLUMN",
    "CheckedManifest",
    "FileRow",
    "ManifestColumns",
    "check_manifest",
    "duplicate_key",
    "read_manifest",
]

#: The key columns, in order of preference.
KEY_COLUMNS: Final = ("id", "name", "File name")
#: Columns of an exported manifest that are read-only on the platform: recognised, never sent.
READ_ONLY_COLUMNS: Final = frozenset({"DRS URI", "size", "project"})
TAGS_COLUMN: Final = "tags"
METADATA_PREFIX: Final = "metadata."


@dataclass(frozen=True)
class FileRow:
    """What one manifest row asks of one file.

    :param number: The row number, as the user sees it.
    :param file_id: The file id when the key column is ``id``.
    :param name: The file's path inside the project (``alignments/HCC1143_T.bam``) when the key is a name.
    :param tags: The row's tags (NFC), ``[]`` for ``<delete>``, or ``None`` when the cell leaves tags alone.
    :param metadata: The metadata the row gives, or ``None`` when every metadata cell is empty (leave it alone). In
        ``merge`` mode a key given ``None`` is removed (``<delete>``); in ``replace`` mode the dict is the file's
        whole metadata (``{}`` when the row only says ``<delete>``).
    """

    number: int
    file_id: str | None
    name: str | None
    tags: list[str] | None
    metadata: dict[str, str | None] | None

    @property
    def key(self) -> str:
        """The id or the name: what the row is matched by, and reported under."""
        return self.file_id if self.file_id is not None else str(self.name)


@dataclass
class ManifestColumns:
    """What each column of a manifest means, decided from the first row and extended by later JSON rows.

    :param key: The key column (one of :data:`KEY_COLUMNS`).
    :param ignore_columns: Columns to skip (the operator's ``ignore_columns``).
    """

    key: str
    ignore_columns: frozenset[str] = frozenset()
    #: Metadata key by column, for every metadata column seen.
    metadata: dict[str, str] = field(default_factory=dict)
    #: Columns seen that carry nothing to write (read-only, the other key columns, ``ignore_columns``).
    ignored: set[str] = field(default_factory=set)

    @classmethod
    def of(
        cls, columns: Collection[str], *, ignore_columns: Collection[str] = (), problems: SheetProblems | None = None
    ) -> ManifestColumns:
        """Choose the key column and read what the other columns mean.

        :param columns: The first row's columns (a CSV header).
        :param ignore_columns: Optional. Columns to skip.
        :param problems: Optional. Where a malformed column goes (default: raised at once).
        :return: The columns' meaning.
        :raises InvalidInputError: When no key column is present, or (without ``problems``) a metadata column is
            malformed or repeats a key.
        """
        key = next((name for name in KEY_COLUMNS if name in columns and name not in ignore_columns), None)
        if key is None:
            raise InvalidInputError(
                f"sheet: no key column; name one column {', '.join(map(repr, KEY_COLUMNS))} (given: "
                f"{', '.join(map(repr, columns)) or 'none'})"
            )
        meaning = cls(key, frozenset(ignore_columns))
        noted = SheetProblems() if problems is None else problems
        for column in columns:
            meaning.learn(column, noted)
        if problems is None:
            noted.raise_if_any()
        return meaning

    def key_of(self, row: SheetRow) -> str | None:
        """Read a row's key alone (to find a repeated one even in a row with other problems).

        :param row: The row.
        :return: The id or the path, or ``None`` when the key cell is unusable.
        """
        file_id, name = self._key(row, SheetProblems())
        return file_id if file_id is not None else name

    def learn(self, column: str, problems: SheetProblems, row: int | None = None) -> None:
        """Read what a column means, noting a malformed one.

        :param column: The column name.
        :param problems: Where a problem goes.
        :param row: Optional. The row that brought the column (``None``: the header).
        """
        if column in self.metadata or column in self.ignored or column in (self.key, TAGS_COLUMN):
            return
        if column in self.ignore_columns or column in READ_ONLY_COLUMNS or column in KEY_COLUMNS:
            self.ignored.add(column)
            return
        key = column.removeprefix(METADATA_PREFIX)
        problem = _key_problem(key)
        if problem is None and key in self.metadata.values():
            problem = f"metadata key {key!r} is given by two columns"
        if problem is not None:
            problems.add(row, column, problem)
            self.ignored.add(column)
            return
        self.metadata[column] = key

    def read(
        self, row: SheetRow, problems: SheetProblems, *, separator: str, tag_mode: TagMode, metadata_mode: MetadataMode
    ) -> FileRow | None:
        """Read one row, noting every problem with its row and column.

        :param row: The row.
        :param problems: Where problems go.
        :param separator: The tag separator.
        :param tag_mode: The operator's tag mode (``<delete>`` in ``tags`` needs ``replace``).
        :param metadata_mode: The operator's metadata mode (``<delete>`` is only meaningful in ``merge``).
        :return: The row's request, or ``None`` when it has a problem.
        """
        before = len(problems.problems)
        for column in row.cells:
            self.learn(column, problems, row.number)
        file_id, name = self._key(row, problems)
        tags = self._tags(row, problems, separator, tag_mode)
        metadata: dict[str, str | None] = {}
        given = False
        for column, key in self.metadata.items():
            value = _metadata_value(row.cells.get(column), row.number, column, problems)
            given = given or value is not LEAVE
            if value is DELETE:
                if metadata_mode == "merge":
                    metadata[key] = None
            elif value is not LEAVE:
                metadata[key] = value
        pairs = sum(value is not None for value in metadata.values())
        if pairs > MAX_PAIRS:
            problems.add(row.number, None, f"{pairs} metadata pairs; a file may have at most {MAX_PAIRS}")
        if len(problems.problems) > before:
            return None
        return FileRow(row.number, file_id, name, tags, metadata if given else None)

    def _key(self, row: SheetRow, problems: SheetProblems) -> tuple[str | None, str | None]:
        cell = cell_value(row.cells.get(self.key))
        if cell is LEAVE or cell is DELETE or not isinstance(cell, str):
            problems.add(row.number, self.key, "empty; every row names its file" if cell is LEAVE else "not a name")
            return None, None
        if self.key == "id":
            if not SEVENBRIDGES_ID.fullmatch(cell.strip()):
                problems.add(row.number, self.key, f"{cell[:40]!r} is not a file id; ids are {ID_RULE}")
            return cell.strip(), None
        path = cell.strip().replace("\\", "/")
        parts = [part for part in path.split("/") if part] if self.key == "name" else path.split("/")[-1:]
        for part in parts or [""]:
            if part in (".", ".."):
                problems.add(row.number, self.key, f"{cell[:60]!r}: a path part cannot be '.' or '..'")
                return None, None
            try:
                check_file_name(part)
            except InvalidInputError as exc:
                problems.add(row.number, self.key, str(exc).removeprefix("name: "))
                return None, None
        return None, "/".join(parts)

    def _tags(self, row: SheetRow, problems: SheetProblems, separator: str, mode: TagMode) -> list[str] | None:
        if TAGS_COLUMN not in row.cells:
            return None
        tags = split_tags(row.cells[TAGS_COLUMN], separator=separator)
        if tags is LEAVE:
            return None
        if tags is DELETE:
            if mode != "replace":
                problems.add(row.number, TAGS_COLUMN, "<delete> clears every tag, which needs tag_mode='replace'")
            return []
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            problems.add(row.number, TAGS_COLUMN, "tags must be text (a separated string, or a list of strings)")
            return None
        return _checked_tags(tags, row.number, problems)


def _checked_tags(tags: list[str], number: int, problems: SheetProblems) -> list[str] | None:
    result: list[str] = []
    for tag in tags:
        try:
            check_text(tag, label="tag", noun="tags")
        except InvalidInputError as exc:
            problems.add(number, TAGS_COLUMN, str(exc))
            return None
        if nfc(tag) in result:
            problems.add(number, TAGS_COLUMN, f"tag {tag!r} appears more than once")
            return None
        result.append(nfc(tag))
    return result


def _key_problem(key: str) -> str | None:
    if not key.strip():
        return "the metadata key is empty; name it metadata.<key>"
    size = len(key.encode("utf-8", "surrogatepass"))
    if size > MAX_KEY_BYTES:
        return f"metadata key {key[:40]!r} is {size} bytes in UTF-8; the limit is {MAX_KEY_BYTES}"
    try:
        check_text(key, label="metadata key", noun="keys")
    except InvalidInputError as exc:
        return str(exc)
    return None


def _metadata_value(value: Any, number: int, column: str, problems: SheetProblems) -> Any:
    cell = cell_value(value)
    if cell is LEAVE or cell is DELETE:
        return cell
    if not isinstance(cell, str):
        problems.add(number, column, f"{type(cell).__name__} value; metadata values are strings (quote numbers)")
        return LEAVE
    size = len(cell.encode("utf-8", "surrogatepass"))
    if size > MAX_VALUE_BYTES:
        problems.add(number, column, f"{size} bytes, the limit is {MAX_VALUE_BYTES}")
        return LEAVE
    try:
        check_text(cell, label="value", noun="values", line_breaks=True)
    except InvalidInputError as exc:
        problems.add(number, column, str(exc))
        return LEAVE
    return cell


def duplicate_key(seen: Mapping[str, int], key: str | None) -> str | None:
    """Tell whether a row's key was already given by an earlier row.

    :param seen: The row number of each key given so far.
    :param key: The row's id or path (``None``: unusable, never a repeat).
    :return: The problem text, or ``None``.
    """
    first = None if key is None else seen.get(key)
    return None if first is None else f"{key!r} is already given in row {first}; each file may appear once"


@dataclass
class CheckedManifest:
    """What the check of a whole manifest found: the columns' meaning, the names to look up, and the row count.

    :param columns: What each column means.
    :param names: The paths of the rows keyed by name (to resolve before writing).
    :param rows: How many rows the sheet has.
    """

    columns: ManifestColumns
    names: set[str] = field(default_factory=set)
    rows: int = 0


def check_manifest(
    rows: Iterator[SheetRow],
    problems: SheetProblems,
    *,
    ignore_columns: Collection[str],
    separator: str,
    tag_mode: TagMode,
    metadata_mode: MetadataMode,
) -> CheckedManifest | None:
    """Read a whole manifest once and note every problem (the first pass, before any request).

    :param rows: The sheet's rows.
    :param problems: Where the problems go (raise them afterwards).
    :param ignore_columns: Columns to skip.
    :param separator: The tag separator.
    :param tag_mode: The tag mode.
    :param metadata_mode: The metadata mode.
    :return: What was found, or ``None`` when the sheet has no rows.
    :raises InvalidInputError: When the first row has no key column or malformed columns.
    """
    rows = guarded(rows, problems)
    first = next(rows, None)
    if first is None:
        return None
    columns = ManifestColumns.of(list(first.cells), ignore_columns=ignore_columns, problems=problems)
    checked = CheckedManifest(columns)
    seen: dict[str, int] = {}
    for row in itertools.chain([first], rows):
        checked.rows += 1
        if note_undecodable(row, problems):
            continue
        read = columns.read(row, problems, separator=separator, tag_mode=tag_mode, metadata_mode=metadata_mode)
        key = read.key if read is not None else columns.key_of(row)
        repeat = duplicate_key(seen, key)
        if repeat is not None:
            problems.add(row.number, columns.key, repeat)
            continue
        if key is not None:
            seen[key] = row.number
        if read is not None and read.name is not None:
            checked.names.add(read.name)
    return checked


def read_manifest(
    rows: Iterator[SheetRow],
    columns: ManifestColumns,
    *,
    separator: str,
    tag_mode: TagMode,
    metadata_mode: MetadataMode,
) -> Iterator[FileRow]:
    """Read a checked manifest again, row by row (the second pass, which writes).

    :param rows: The sheet's rows.
    :param columns: What the first pass found the columns to mean.
    :param separator: The tag separator.
    :param tag_mode: The tag mode.
    :param metadata_mode: The metadata mode.
    :return: The rows' requests.
    :raises InvalidInputError: When a row has a problem now (the file changed since the first pass).
    """
    for row in rows:
        problems = SheetProblems("sheet (changed since it was checked)")
        read = columns.read(row, problems, separator=separator, tag_mode=tag_mode, metadata_mode=metadata_mode)
        problems.raise_if_any()
        if read is not None:
            yield read
