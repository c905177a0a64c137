"""How each cell of a One Codex sample sheet is read and checked: column names, keys, visibility, project, tags, fields.

The column rules of :mod:`genomics_provider.onecodex.sheet` (where the columns and their cells are described for
users), one function per kind of cell. Each notes its problem, naming row and column, in a
:class:`~genomics_provider.curation.sheet.SheetProblems` (or returns the problem's text), and never raises for a bad
cell, so a whole sheet is checked at once. The rules themselves are :mod:`genomics_provider.onecodex.rules`'.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection
from typing import Any, Final

from genomics_provider.curation.arguments import coerce_bool
from genomics_provider.curation.sheet import DELETE, LEAVE, SheetProblems, SheetRow, cell_value, split_tags
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.onecodex.limits import METADATA_FIELDS, VISIBILITIES
from genomics_provider.onecodex.rules import ID_RULE, READ_ONLY_METADATA, UNSET, TagMode, Unset, check_tag_names
from genomics_provider.validation import ONECODEX_ID, check_project_reference, check_text, shown

__all__ = [
    "CUSTOM_PREFIX",
    "KEY_COLUMNS",
    "METADATA_PREFIX",
    "PLAIN_COLUMNS",
    "PROJECT_COLUMN",
    "TAGS_COLUMN",
    "VISIBILITY_COLUMN",
    "column_problem",
    "converted",
    "read_key",
    "read_project",
    "read_tags",
    "read_visibility",
    "reworded",
    "row_key",
]

#: The key columns, in order of preference within a row.
KEY_COLUMNS: Final = ("id", "filename")
TAGS_COLUMN: Final = "tags"
VISIBILITY_COLUMN: Final = "visibility"
PROJECT_COLUMN: Final = "project"
METADATA_PREFIX: Final = "metadata."
CUSTOM_PREFIX: Final = "custom."
#: The columns read by name (every other column is ``metadata.<field>`` or ``custom.<key>``).
PLAIN_COLUMNS: Final = (*KEY_COLUMNS, TAGS_COLUMN, VISIBILITY_COLUMN, PROJECT_COLUMN)
#: An enum with at most this many values lists them in its message; a longer one suggests the closest.
_ENUM_SHOWN: Final = 5


def column_problem(column: str, custom_keys: Collection[str]) -> str | None:
    """Say what is wrong with a column that is neither plain nor ignored, or ``None`` for a good one.

    :param column: The column name.
    :param custom_keys: The custom keys of the columns seen so far.
    :return: The problem text, or ``None``.
    """
    if column.startswith(METADATA_PREFIX):
        name = column.removeprefix(METADATA_PREFIX)
        if name == "custom":
            return "custom metadata goes in custom.<key> columns, one per key"
        if name in READ_ONLY_METADATA:
            return f"{name!r} is read-only on One Codex and never sent; remove the column or list it in ignore_columns"
        if name not in METADATA_FIELDS:
            return f"{name!r} is not a One Codex metadata field; writable fields: {', '.join(METADATA_FIELDS)}"
        return None
    if column.startswith(CUSTOM_PREFIX):
        key = column.removeprefix(CUSTOM_PREFIX)
        if not key.strip():
            return "the custom key is empty; name the column custom.<key>"
        try:
            check_text(key, label="custom key", noun="keys")
        except InvalidInputError as exc:
            return str(exc)
        if key in custom_keys:
            return f"custom key {key!r} is given by two columns"
        return None
    hint = f"; did you mean {METADATA_PREFIX}{column}?" if column in METADATA_FIELDS else ""
    return (
        f"not a One Codex sheet column{hint} (columns: id, filename, tags, visibility, project, "
        "metadata.<field>, custom.<key>; list others in ignore_columns)"
    )


def row_key(row: SheetRow) -> tuple[str, str] | None:
    """Tell which key a row gives, as :func:`read_key` reads it but unchecked (duplicates are told even in bad rows).

    :param row: The row.
    :return: ``(column, value)``, or ``None`` when the row gives no key as text.
    """
    for column in KEY_COLUMNS:
        cell = cell_value(row.cells.get(column))
        if isinstance(cell, str):
            return column, cell.strip()
        if cell is not LEAVE:
            return None
    return None


def read_key(row: SheetRow, problems: SheetProblems) -> tuple[str | None, str | None]:
    for column in KEY_COLUMNS:
        cell = cell_value(row.cells.get(column))
        if cell is LEAVE:
            continue
        if not isinstance(cell, str):
            text = "<delete>" if cell is DELETE else shown(cell)
            problems.add(row.number, column, f"{text} is not a {'sample id' if column == 'id' else 'filename'}")
            return None, None
        text = cell.strip()
        if column == "id":
            if not ONECODEX_ID.fullmatch(text):
                problems.add(row.number, column, f"{shown(text)} is not a sample id; ids are {ID_RULE}")
            return text, None
        try:
            check_text(text, label="filename", noun="filenames")
        except InvalidInputError as exc:
            problems.add(row.number, column, str(exc))
        return None, text
    where = " or ".join(column for column in KEY_COLUMNS if column in row.cells) or "id or filename"
    problems.add(row.number, None, f"no {where}; every row names its sample")
    return None, None


def read_visibility(row: SheetRow, problems: SheetProblems) -> str | None:
    cell = cell_value(row.cells.get(VISIBILITY_COLUMN))
    if cell is LEAVE:
        return None
    value = cell.strip() if isinstance(cell, str) else cell
    if value not in VISIBILITIES:
        text = "<delete>" if cell is DELETE else shown(cell)
        problems.add(row.number, VISIBILITY_COLUMN, f"{text} is not allowed; use one of {', '.join(VISIBILITIES)}")
        return None
    return str(value)


def read_project(row: SheetRow, problems: SheetProblems) -> str | Unset | None:
    cell = cell_value(row.cells.get(PROJECT_COLUMN))
    if cell is LEAVE:
        return UNSET
    if cell is DELETE:
        return None
    try:
        return check_project_reference(cell.strip() if isinstance(cell, str) else cell, argument=PROJECT_COLUMN)
    except InvalidInputError as exc:
        problems.add(row.number, PROJECT_COLUMN, str(exc).removeprefix(f"{PROJECT_COLUMN}: "))
        return UNSET


def read_tags(row: SheetRow, problems: SheetProblems, separator: str, mode: TagMode) -> tuple[str, ...] | None:
    tags = split_tags(row.cells.get(TAGS_COLUMN), separator=separator)
    if tags is LEAVE:
        return None
    if tags is DELETE:
        if mode != "replace":
            problems.add(row.number, TAGS_COLUMN, "<delete> clears every tag, which needs tag_mode='replace'")
        return ()
    if isinstance(tags, list) and not tags:
        problems.add(row.number, TAGS_COLUMN, "no tag names; leave the cell empty to leave tags alone")
        return None
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        problems.add(row.number, TAGS_COLUMN, "tags must be text (a separated string, or a list of strings)")
        return None
    try:
        return check_tag_names(tags, mode=mode, mode_argument="tag_mode")
    except InvalidInputError as exc:
        problems.add(row.number, TAGS_COLUMN, str(exc).removeprefix("tags: "))
        return None


def converted(name: str, value: Any) -> Any:
    """Turn a text cell into the type its metadata field needs (numbers and booleans); dates stay text.

    :param name: The metadata field.
    :param value: The cell (not empty, not ``<delete>``).
    :return: The value to check.
    :raises InvalidInputError: When the text is not a number or a boolean as the field needs.
    """
    kind = METADATA_FIELDS[name][0]
    if not isinstance(value, str):
        return value
    text = value.strip()
    if kind == "num":
        try:
            number = float(text)
        except ValueError:
            raise InvalidInputError(f"fields: {text!r} is not a number") from None
        if not math.isfinite(number):
            raise InvalidInputError(f"fields: {text!r} is not a finite number")
        return number
    if kind == "bool":
        return coerce_bool(text, argument="fields")
    if kind == "enum" and text not in METADATA_FIELDS[name][1]:
        raise InvalidInputError(f"fields: {_enum_problem(text, METADATA_FIELDS[name][1])}")
    return text if kind in ("enum", "date") else value


def _enum_problem(text: str, values: tuple[str, ...]) -> str:
    if len(values) <= _ENUM_SHOWN:
        return f"{text!r} is not one of {', '.join(map(repr, values))}"
    close = difflib.get_close_matches(text, values, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    return f"{text!r} is not one of the {len(values)} values One Codex accepts{hint}"


def reworded(message: str, name: str) -> str:
    """Drop the argument prefix of a rule's message, which names ``fields`` where the sheet has a column.

    :param message: The rule's message (``fields: 'location_lat' = 91.0 is outside -90..90``).
    :param name: The field.
    :return: The message for the column (``91.0 is outside -90..90``).
    """
    text = message.removeprefix("fields: ")
    for prefix in (f"{name!r} = ", f"value of {name!r} ", f"{name!r} is ", f"{name!r} "):
        if text.startswith(prefix):
            return text.removeprefix(prefix)
    return text
