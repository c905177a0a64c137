"""Read a lab's sample sheet one row at a time: CSV, TSV, JSON or JSON Lines, or rows already in memory.

The first layer of sheet-driven curation (issue 15), vendor-neutral and free of Airflow and HTTP: the caller opens
the file (an operator through Airflow's ``ObjectStoragePath``) and hands over a text stream; this module turns it
into :class:`SheetRow` objects, one at a time, so a 100,000-row sheet is never held whole as Python dicts. What the
columns mean is the vendor's business (``<vendor>/sheet.py``); the cell grammar every vendor shares is here.

**Formats**, chosen by :func:`sheet_format` from a ``format`` argument or the file name's suffix:

* ``csv`` / ``tsv``: the first row is the header; standard quoting (a value holding the separator is in double
  quotes, a double quote inside is doubled). Blank lines are skipped. A row with more cells than the header has
  columns is an error; a row with fewer leaves the missing cells empty (spreadsheets drop trailing empty cells).
* ``json``: one array of objects, read incrementally; ``jsonl``: one object per line, blank lines skipped.
* rows in memory (an upstream task's list of dicts, or an inline list): :func:`rows_from_records`.

UTF-8 throughout; a byte order mark before the header is dropped. **Row numbers** are what the user sees: in CSV and
TSV the header is row 1, so the first data row is row 2 (as a spreadsheet numbers it); in JSON, JSON Lines and lists,
the first item is row 1 (JSON Lines counts blank lines too, so row N is line N).

**Cells**: an empty cell, or one holding only spaces, leaves the field alone (:data:`LEAVE`); the marker
:data:`DELETE_MARKER` (``<delete>``) removes a key; a tag cell is split on a separator (``;`` by default). Values are
otherwise taken verbatim: keys and values are case-sensitive on both platforms.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TextIO

from genomics_provider.curation.arguments import parse_string_list
from genomics_provider.curation.sheet_json import iter_json_array
from genomics_provider.exceptions import InvalidInputError

__all__ = [
    "DELETE",
    "DELETE_MARKER",
    "FORMATS",
    "LEAVE",
    "MAX_PROBLEMS_SHOWN",
    "SheetFormat",
    "SheetProblems",
    "SheetRow",
    "cell_value",
    "check_ignore_columns",
    "check_tag_separator",
    "guarded",
    "iter_rows",
    "note_undecodable",
    "rows_from_records",
    "sheet_format",
    "split_tags",
]

SheetFormat = Literal["csv", "tsv", "json", "jsonl"]
FORMATS: Final[tuple[SheetFormat, ...]] = ("csv", "tsv", "json", "jsonl")
#: File name suffixes and the format each means (lower-cased before the look-up).
SUFFIXES: Final[dict[str, SheetFormat]] = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
}  # fmt: skip
#: The cell text that removes a key (a metadata key, a ``custom`` key).
DELETE_MARKER: Final = "<delete>"
#: At most this many problems are listed in the error; the count says how many there are.
MAX_PROBLEMS_SHOWN: Final = 50


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: What an empty cell means: leave this field alone.
LEAVE: Final = _Sentinel("LEAVE")
#: What :data:`DELETE_MARKER` means: remove this key.
DELETE: Final = _Sentinel("DELETE")


@dataclass(frozen=True)
class SheetRow:
    """One row of a sheet: its number as the user sees it, and its cells by column.

    :param number: The row number (see the module notes: CSV data starts at row 2, JSON at row 1).
    :param cells: The cells by column name; CSV cells are strings, JSON cells whatever the JSON held.
    """

    number: int
    cells: dict[str, Any]


class SheetProblems:
    """Collect every problem of a sheet, then raise them together, so one run reports them all.

    :param source: How the sheet is named in the message, e.g. ``sheet 'run42.csv'``.
    """

    def __init__(self, source: str = "sheet") -> None:
        self.source = source
        self.problems: list[str] = []

    def add(self, row: int | None, column: str | None, text: str) -> None:
        """Note a problem.

        :param row: Optional. The row number (``None`` for the sheet as a whole).
        :param column: Optional. The column (``None`` for the whole row).
        :param text: What is wrong and the rule, e.g. ``341 bytes, the limit is 300``.
        """
        where = ", ".join(part for part in (_row(row), _column(column)) if part)
        self.problems.append(f"{where}: {text}" if where else text)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self, outcome: str = "nothing was sent") -> None:
        """Raise one error listing the problems (the first :data:`MAX_PROBLEMS_SHOWN`, and how many more).

        :param outcome: Optional. What the run did, said after the count (``nothing was written`` once reads were
            sent, e.g. to look up the tags and projects the sheet names).
        :raises InvalidInputError: When any problem was noted.
        """
        if not self.problems:
            return
        count = len(self.problems)
        shown = "; ".join(self.problems[:MAX_PROBLEMS_SHOWN])
        more = f"; and {count - MAX_PROBLEMS_SHOWN} more" if count > MAX_PROBLEMS_SHOWN else ""
        noun = "problem" if count == 1 else "problems"
        raise InvalidInputError(f"{self.source}: {count} {noun}, {outcome}: {shown}{more}")


def _row(row: int | None) -> str:
    return "" if row is None else f"row {row}"


def _column(column: str | None) -> str:
    # A header byte that is not UTF-8 is a lone surrogate here: shown escaped, so the message can be logged.
    return "" if column is None else f"column {column.encode('utf-8', 'backslashreplace').decode('utf-8')}"


def sheet_format(name: str | None, fmt: str | None = None) -> SheetFormat:
    """Choose the format: the ``format`` argument when given, else the file name's suffix.

    :param name: Optional. The file name or URI (``run42.csv``, ``s3://bucket/run42.tsv``).
    :param fmt: Optional. The ``format`` argument.
    :return: The format.
    :raises InvalidInputError: When ``format`` is not one of :data:`FORMATS`, or no suffix tells the format.
    """
    if fmt is not None:
        text = str(fmt).strip().lower()
        if text not in FORMATS:
            raise InvalidInputError(f"format: {fmt!r} is not allowed; use one of {', '.join(map(repr, FORMATS))}")
        return text
    base = (name or "").split("?", 1)[0].rsplit("/", 1)[-1].lower()
    suffix = base[base.rfind(".") :] if "." in base else ""
    if suffix not in SUFFIXES:
        raise InvalidInputError(
            f"format: the name {base or name!r} does not tell the format (suffix {suffix or 'missing'}); give "
            f"format= one of {', '.join(map(repr, FORMATS))}, or name the file {', '.join(sorted(SUFFIXES))}"
        )
    return SUFFIXES[suffix]


def iter_rows(stream: TextIO | Iterable[str], fmt: SheetFormat) -> Iterator[SheetRow]:
    """Yield a sheet's rows one at a time.

    :param stream: The sheet as text (an open file, or an iterable of lines).
    :param fmt: The format (:func:`sheet_format`).
    :return: The rows, in order.
    :raises InvalidInputError: When the sheet cannot be read as that format (naming the row), or a CSV/TSV header is
        missing, has an empty or repeated column name.
    """
    if fmt in ("csv", "tsv"):
        return _delimited(stream, "," if fmt == "csv" else "\t")
    if fmt == "jsonl":
        return _json_lines(stream)
    return (_record_row(number, record) for number, record in iter_json_array(stream))


def rows_from_records(records: Iterable[Any]) -> Iterator[SheetRow]:
    """Yield rows from records already in memory (an upstream task's output, or an inline list).

    :param records: Mappings of column to value.
    :return: The rows, numbered from 1.
    :raises InvalidInputError: When an item is not a mapping with string keys.
    """
    for number, record in enumerate(records, start=1):
        yield _record_row(number, record)


def _record_row(number: int, record: Any) -> SheetRow:
    if not isinstance(record, Mapping):
        raise InvalidInputError(f"sheet: row {number}: expected an object of column to value, got {_kind(record)}")
    if not all(isinstance(key, str) for key in record):
        raise InvalidInputError(f"sheet: row {number}: every column name must be a string")
    return SheetRow(number, dict(record))


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _delimited(stream: TextIO | Iterable[str], delimiter: str) -> Iterator[SheetRow]:
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    try:
        header = next((row for row in reader if row), None)
        if header is None:
            raise InvalidInputError("sheet: it is empty; the first row must name the columns")
        columns = _header(header)
        for number, cells in enumerate(reader, start=2):
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) > len(columns):
                raise InvalidInputError(
                    f"sheet: row {number}: {len(cells)} cells, but the header names {len(columns)} columns"
                )
            yield SheetRow(number, dict(zip(columns, cells + [""] * (len(columns) - len(cells)), strict=True)))
    except csv.Error as exc:
        raise InvalidInputError(f"sheet: row {reader.line_num}: not valid {_name(delimiter)} ({exc})") from None


def _name(delimiter: str) -> str:
    return "CSV" if delimiter == "," else "TSV"


def _header(header: list[str]) -> list[str]:
    columns = [name.strip() for name in header]
    if columns:
        columns[0] = columns[0].removeprefix("\ufeff").strip()
    empty = [str(index) for index, name in enumerate(columns, start=1) if not name]
    if empty:
        raise InvalidInputError(f"sheet: row 1: column(s) {', '.join(empty)} have no name; every column needs one")
    twice = sorted(name for name, count in Counter(columns).items() if count > 1)
    if twice:
        raise InvalidInputError(f"sheet: row 1: column(s) {', '.join(map(repr, twice))} appear more than once")
    return columns


def _json_lines(stream: TextIO | Iterable[str]) -> Iterator[SheetRow]:
    for number, line in enumerate(stream, start=1):
        text = line.removeprefix("\ufeff") if number == 1 else line
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"sheet: row {number}: not valid JSON ({exc.msg})") from None
        yield _record_row(number, record)


def check_tag_separator(value: Any) -> str:
    """Check the ``tag_separator`` argument: one or more characters, none of them spaces at either end.

    :param value: The rendered argument.
    :return: The separator.
    :raises InvalidInputError: When it is not such a string.
    """
    if not isinstance(value, str) or not value.strip() or value.strip() != value:
        raise InvalidInputError(
            f"tag_separator: {value!r} is not allowed; use one or more characters that are not spaces, e.g. ';'"
        )
    return value


def check_ignore_columns(value: Any) -> tuple[str, ...]:
    """Check the ``ignore_columns`` argument: column names (a list, a JSON list string, or one name).

    :param value: The rendered argument (``None`` or empty: none).
    :return: The names.
    :raises InvalidInputError: When an item is not a non-empty string.
    """
    names = parse_string_list(value, argument="ignore_columns") if value else []
    if not all(isinstance(name, str) and name.strip() for name in names):
        raise InvalidInputError("ignore_columns: every column name must be a non-empty string")
    return tuple(names)


def guarded(rows: Iterator[SheetRow], problems: SheetProblems) -> Iterator[SheetRow]:
    """Yield the rows until the reader fails; its failure becomes the last problem, so none found before is lost.

    :param rows: The rows as :func:`iter_rows` reads them.
    :param problems: Where the reader's failure goes (rows after it cannot be read).
    :return: The rows read.
    """
    try:
        yield from rows
    except InvalidInputError as exc:
        problems.add(None, None, str(exc).removeprefix("sheet: "))


def note_undecodable(row: SheetRow, problems: SheetProblems) -> bool:
    """Note the cells holding bytes that are not UTF-8 (read as lone surrogates, ``errors="surrogateescape"``).

    A column name with such a byte is the column rules' to report (``contains a byte that is not UTF-8``), once.

    :param row: The row.
    :param problems: Where each such cell goes, named by row and column.
    :return: ``True`` when the row has one (its cells cannot be checked further).
    """
    found = False
    for column, value in row.cells.items():
        byte = _undecodable_byte(value) if isinstance(value, str) else None
        if byte is not None:
            problems.add(row.number, column, f"not UTF-8 text (byte 0x{byte:02x}); save the sheet as UTF-8")
            found = True
    return found


def _undecodable_byte(text: str) -> int | None:
    return next((ord(ch) - 0xDC00 for ch in text if 0xDC80 <= ord(ch) <= 0xDCFF), None)


def cell_value(value: Any) -> Any:
    """Read a cell: empty leaves the field alone, :data:`DELETE_MARKER` removes the key, anything else is the value.

    :param value: The cell as read (a string from CSV, anything from JSON).
    :return: :data:`LEAVE`, :data:`DELETE`, or the value itself (verbatim; a JSON ``null`` is :data:`LEAVE`).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return LEAVE
    if isinstance(value, str) and value.strip() == DELETE_MARKER:
        return DELETE
    return value


def split_tags(value: Any, *, separator: str) -> list[str] | Any:
    """Read a tag cell: a separated string (``qc-passed; batch-3``), or a JSON list of strings.

    Each tag is stripped of surrounding spaces and empty pieces are dropped (``a;;b;`` is ``a``, ``b``).

    :param value: The cell.
    :param separator: The separator (the operator's ``tag_separator`` argument).
    :return: :data:`LEAVE` for an empty cell, else the tags in order (maybe repeated: the vendor rule checks
        that, naming the row), or the value unchanged when it is neither a string nor a list (the vendor rule
        refuses it).
    """
    cell = cell_value(value)
    if cell is LEAVE or cell is DELETE:
        return cell
    if isinstance(cell, str):
        return [tag.strip() for tag in cell.split(separator) if tag.strip()]
    if isinstance(cell, list):
        return [tag.strip() if isinstance(tag, str) else tag for tag in cell]
    return cell
