"""A One Codex sample sheet, row by row: which sample each row names, and the state it should end in.

The vendor rules of sheet-driven curation (issue 15) over :mod:`genomics_provider.curation.sheet`, which reads the
rows; :mod:`genomics_provider.onecodex.sheet_run` does the requests.

**Key columns.** A row names its sample by ``id`` (16 lowercase hex characters) or, when that cell is empty or the
sheet has no ``id`` column, by ``filename``: the sample's ``filename`` field, the name the sequencer or LIMS gave the
uploaded file. Filename and not metadata ``name``, because the file name is what the lab's own sheets already hold
and it is one upload's; metadata ``name`` is free text anybody may edit, often left empty or repeated. A filename
that matches no sample, or several (the same file uploaded twice), is reported for its row, never guessed; the
operator's ``project`` argument restricts the match to one project. A sheet exported with both columns keys on
``id``, and its ``filename`` cells then only label the row.

**Columns** (every other column is an error naming it, unless ``ignore_columns`` lists it):

* ``tags``: tag names split on the separator (``;`` by default), applied with the operator's ``tag_mode``;
  ``<delete>`` removes every tag (``tag_mode="replace"`` only).
* ``visibility``: ``private``, ``shared`` or ``public``.
* ``project``: a project id, name or short name; ``<delete>`` removes the sample from its project.
* ``metadata.<field>``: a One Codex metadata field (:data:`~genomics_provider.onecodex.limits.METADATA_FIELDS`),
  checked by :func:`~genomics_provider.onecodex.rules.check_metadata_fields`. CSV and TSV cells are text, so a cell
  is converted as its field needs: ``location_lat`` / ``location_lon`` to a number (``52.52``), ``starred`` to a
  boolean (``true``/``false``, ``yes``/``no``, ``1``/``0``, any case), ``date_collected`` / ``date_sequenced`` from
  a date or RFC 3339 date-time to UTC; enum values lose surrounding spaces, text fields are taken verbatim. JSON
  cells must already have the field's type (a number, ``true``), or be text converted the same way. ``<delete>``
  sets the field to null (``starred`` cannot be null).
* ``custom.<key>``: one key of the custom metadata, merged into it (``custom_mode="merge"``) or making it up whole
  (``"replace"``); ``<delete>`` removes the key. Values are kept as given: text from CSV and TSV (which cannot tell
  the text ``10`` from the number), any JSON scalar from JSON and JSON Lines.

An empty cell leaves its field alone. Every problem is collected with its row and column
(:class:`~genomics_provider.curation.sheet.SheetProblems`), so a whole sheet is checked before any request.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from genomics_provider.curation.arguments import check_choice, coerce_bool
from genomics_provider.curation.sheet import (
    DELETE,
    LEAVE,
    SheetProblems,
    SheetRow,
    cell_value,
    check_ignore_columns,
    check_tag_separator,
    guarded,
    note_undecodable,
)
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.onecodex.limits import NOT_NULLABLE_METADATA
from genomics_provider.onecodex.rules import (
    CUSTOM_MODES,
    TAG_MODES,
    UNSET,
    CustomMode,
    TagMode,
    Unset,
    check_custom,
    check_metadata_fields,
)
from genomics_provider.onecodex.sheet_cells import (
    CUSTOM_PREFIX,
    KEY_COLUMNS,
    METADATA_PREFIX,
    PLAIN_COLUMNS,
    column_problem,
    converted,
    read_key,
    read_project,
    read_tags,
    read_visibility,
    reworded,
    row_key,
)
from genomics_provider.validation import check_project_reference

__all__ = ["CheckedSheet", "SampleColumns", "SampleRow", "SheetOptions", "check_sheet", "read_sheet"]


@dataclass(frozen=True)
class SampleRow:
    """What one sheet row asks of one sample.

    :param number: The row number, as the user sees it.
    :param sample_id: The sample id when the row gives one.
    :param filename: The filename to look the sample up by, when the row gives no id.
    :param visibility: The visibility, or ``None`` to leave it.
    :param project: The project reference (id, name or short name), ``None`` to remove the sample from its project,
        or ``UNSET`` to leave it.
    :param tags: The tag names (NFC), ``()`` for ``<delete>``, or ``None`` to leave tags alone.
    :param fields: The metadata fields to set (converted and checked; ``None`` for ``<delete>``).
    :param custom: The custom keys the row gives (``None`` for ``<delete>``), or ``None`` when it gives none.
    """

    number: int
    sample_id: str | None
    filename: str | None
    visibility: str | None = None
    project: str | Unset | None = UNSET
    tags: tuple[str, ...] | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        """How the row is matched, and how duplicates are told: ``id <id>`` or ``filename <name>``."""
        return f"id {self.sample_id}" if self.sample_id is not None else f"filename {self.filename}"

    @property
    def changes_sample(self) -> bool:
        """Whether the row asks for a sample PATCH (visibility, project or tags)."""
        return self.visibility is not None or self.project is not UNSET or self.tags is not None

    @property
    def changes_metadata(self) -> bool:
        """Whether the row asks for a metadata PATCH (fields or custom keys)."""
        return bool(self.fields) or self.custom is not None


@dataclass
class SampleColumns:
    """What each column of a sheet means, decided from the first row and extended by later JSON rows.

    :param ignore_columns: Columns to skip (the operator's ``ignore_columns``).
    """

    ignore_columns: frozenset[str] = frozenset()
    #: Metadata field by column, for every ``metadata.<field>`` column seen.
    fields: dict[str, str] = field(default_factory=dict)
    #: Custom key by column, for every ``custom.<key>`` column seen.
    custom: dict[str, str] = field(default_factory=dict)
    #: Columns seen that are read for their meaning (key, tags, visibility, project).
    plain: set[str] = field(default_factory=set)
    #: Columns seen that carry nothing to write (``ignore_columns``, and malformed ones already reported).
    ignored: set[str] = field(default_factory=set)

    @classmethod
    def of(
        cls, columns: Collection[str], problems: SheetProblems, *, ignore_columns: Collection[str] = ()
    ) -> SampleColumns:
        """Read what the first row's columns mean, noting malformed ones (in row 1, as the header is there).

        :param columns: The first row's columns (a CSV header).
        :param problems: Where problems go.
        :param ignore_columns: Optional. Columns to skip.
        :return: The columns' meaning.
        :raises InvalidInputError: When neither key column is present.
        """
        if not any(name in columns and name not in ignore_columns for name in KEY_COLUMNS):
            raise InvalidInputError(
                f"sheet: no key column; name one column 'id' (sample ids) or 'filename' (the samples' file names) "
                f"(given: {', '.join(map(repr, columns)) or 'none'})"
            )
        meaning = cls(frozenset(ignore_columns))
        for column in columns:
            meaning.learn(column, problems, 1)
        return meaning

    def learn(self, column: str, problems: SheetProblems, row: int) -> None:
        """Read what a column means, noting an unknown or malformed one.

        :param column: The column name.
        :param problems: Where a problem goes.
        :param row: The row that brought the column.
        """
        if column in self.plain or column in self.fields or column in self.custom or column in self.ignored:
            return
        if column in self.ignore_columns:
            self.ignored.add(column)
            return
        if column in PLAIN_COLUMNS:
            self.plain.add(column)
            return
        problem = column_problem(column, self.custom.values())
        if problem is not None:
            problems.add(row, column, problem)
            self.ignored.add(column)
        elif column.startswith(METADATA_PREFIX):
            self.fields[column] = column.removeprefix(METADATA_PREFIX)
        else:
            self.custom[column] = column.removeprefix(CUSTOM_PREFIX)

    def read(self, row: SheetRow, problems: SheetProblems, *, separator: str, tag_mode: TagMode) -> SampleRow | None:
        """Read one row, noting every problem with its row and column.

        :param row: The row.
        :param problems: Where problems go.
        :param separator: The tag separator.
        :param tag_mode: The tag mode (``<delete>`` in ``tags`` needs ``replace``).
        :return: The row's request, or ``None`` when it has a problem.
        """
        before = len(problems.problems)
        for column in row.cells:
            self.learn(column, problems, row.number)
        sample_id, filename = read_key(row, problems)
        read = SampleRow(
            row.number, sample_id, filename,
            visibility=read_visibility(row, problems), project=read_project(row, problems),
            tags=read_tags(row, problems, separator, tag_mode),
            fields=self._fields(row, problems), custom=self._custom(row, problems),
        )  # fmt: skip
        return None if len(problems.problems) > before else read

    def _fields(self, row: SheetRow, problems: SheetProblems) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for column, name in self.fields.items():
            cell = cell_value(row.cells.get(column))
            if cell is LEAVE:
                continue
            if cell is DELETE and name in NOT_NULLABLE_METADATA:
                problems.add(row.number, column, f"{name} cannot be deleted; write true or false")
                continue
            try:
                value = None if cell is DELETE else converted(name, cell)
                fields[name] = check_metadata_fields({name: value})[name]
            except InvalidInputError as exc:
                problems.add(row.number, column, reworded(str(exc), name))
        return fields

    def _custom(self, row: SheetRow, problems: SheetProblems) -> dict[str, Any] | None:
        custom: dict[str, Any] = {}
        given = False
        for column, key in self.custom.items():
            cell = cell_value(row.cells.get(column))
            if cell is LEAVE:
                continue
            given = True
            if cell is DELETE:
                custom[key] = None
                continue
            try:
                check_custom({key: cell})
            except InvalidInputError as exc:
                text = str(exc).removeprefix("custom: ").removeprefix(f"value of {key!r} ")
                problems.add(row.number, column, text.removeprefix("is "))
                continue
            custom[key] = cell
        return custom if given else None


@dataclass(frozen=True)
class SheetOptions:
    """The sheet operator's arguments, checked.

    :param separator: The tag separator.
    :param tag_mode: ``add``, ``remove`` or ``replace``, for every row's tags.
    :param custom_mode: ``merge`` or ``replace``, for every row's custom keys.
    :param create_missing: Create tags the sheet names that do not exist yet.
    :param ignore_columns: Columns to leave out.
    :param project: The project filename matching is restricted to, or ``None``.
    """

    separator: str
    tag_mode: TagMode
    custom_mode: CustomMode
    create_missing: bool
    ignore_columns: tuple[str, ...]
    project: str | None

    @classmethod
    def of(cls, operator: Any) -> SheetOptions:
        """Check an operator's (rendered) arguments, before anything is read or sent.

        :param operator: The sheet operator: its ``tag_separator``, ``tag_mode``, ``custom_mode``, ``create_missing``,
            ``ignore_columns`` and ``project`` are read.
        :return: The checked arguments.
        :raises InvalidInputError: Naming the argument and the rule.
        """
        tag_separator, project = check_tag_separator(operator.tag_separator), operator.project
        ignore = check_ignore_columns(operator.ignore_columns)
        return cls(
            tag_separator,
            cast(TagMode, check_choice(operator.tag_mode, argument="tag_mode", choices=TAG_MODES)),
            cast(CustomMode, check_choice(operator.custom_mode, argument="custom_mode", choices=CUSTOM_MODES)),
            coerce_bool(operator.create_missing, argument="create_missing"),
            ignore,
            None if project is None else check_project_reference(project, argument="project"),
        )


@dataclass
class CheckedSheet:
    """What the check of a whole sheet found: the columns, what must be looked up, and the row count.

    :param columns: What each column means.
    """

    columns: SampleColumns
    rows: int = 0
    #: The first row naming each tag, and each project reference (looked up once each).
    tags: dict[str, int] = field(default_factory=dict)
    projects: dict[str, int] = field(default_factory=dict)


def check_sheet(
    rows: Iterator[SheetRow], problems: SheetProblems, *, ignore_columns: Collection[str], separator: str,
    tag_mode: TagMode,
) -> CheckedSheet | None:  # fmt: skip
    """Read a whole sheet once and note every problem (the first pass, before any request).

    :param rows: The sheet's rows.
    :param problems: Where the problems go (raise them afterwards).
    :param ignore_columns: Columns to skip.
    :param separator: The tag separator.
    :param tag_mode: The tag mode.
    :return: What was found, or ``None`` when the sheet has no rows.
    :raises InvalidInputError: When the first row has no key column.
    """
    rows = guarded(rows, problems)
    first = next(rows, None)
    if first is None:
        return None
    checked = CheckedSheet(SampleColumns.of(list(first.cells), problems, ignore_columns=ignore_columns))
    seen: dict[tuple[str, str], int] = {}
    for row in itertools.chain([first], rows):
        checked.rows += 1
        if note_undecodable(row, problems):
            continue
        read = checked.columns.read(row, problems, separator=separator, tag_mode=tag_mode)
        key = row_key(row)
        if key is not None and key in seen:
            problems.add(
                row.number, key[0], f"{key[1]!r} is already given in row {seen[key]}; each sample may appear once"
            )
            continue
        if key is not None:
            seen[key] = row.number
        if read is None:
            continue
        for name in read.tags or ():
            checked.tags.setdefault(name, read.number)
        if isinstance(read.project, str):
            checked.projects.setdefault(read.project, read.number)
    return checked


def read_sheet(
    rows: Iterator[SheetRow], columns: SampleColumns, *, separator: str, tag_mode: TagMode
) -> Iterator[SampleRow]:
    """Read a checked sheet again, row by row (the second pass, which writes).

    :param rows: The sheet's rows.
    :param columns: What the first pass found the columns to mean.
    :param separator: The tag separator.
    :param tag_mode: The tag mode.
    :return: The rows' requests.
    :raises InvalidInputError: When a row has a problem now (the sheet changed since the first pass).
    """
    for row in rows:
        problems = SheetProblems("sheet (changed since it was checked)")
        read = columns.read(row, problems, separator=separator, tag_mode=tag_mode)
        problems.raise_if_any()
        if read is not None:
            yield read
