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
#: Characters of JSON read at a time by the incremental array reader.
_CHUNK: Final = 1 << 16
#: A JSON row longer than this is refused (it is not a sample sheet row, or the JSON is broken).
_MAX_ROW_CHARS: Final = 1 << 24


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
    return "" if column is None else f"column {column}"


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
    return _json_array(stream)


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


def _json_array(stream: TextIO | Iterable[str]) -> Iterator[SheetRow]:
    """Read a JSON array of objects one object at a time, holding at most one object and one chunk of text.

    :param stream: The text.
    :return: The rows, numbered from 1.
    :raises InvalidInputError: When the text is not one JSON array of objects.
    """
    text = _JsonText(_chunks(stream))
    if text.peek() != "[":
        raise InvalidInputError("sheet: not a JSON array; a JSON sheet is one array of objects, [{...}, {...}]")
    text.pos += 1
    number = 0
    while (next_char := text.peek()) != "]":
        if number:
            if next_char != ",":
                raise InvalidInputError(f"sheet: after row {number}: expected ',' or ']' in the JSON array")
            text.pos += 1
            text.peek()
        number += 1
        yield _record_row(number, text.value(number))
    text.pos += 1
    if text.peek():
        raise InvalidInputError("sheet: text follows the JSON array's closing ']'")


def _chunks(stream: TextIO | Iterable[str]) -> Iterator[str]:
    read = getattr(stream, "read", None)
    if read is None:
        yield from stream
        return
    while chunk := read(_CHUNK):
        yield chunk


class _JsonText:
    """A window on a JSON text: the unread rest of the chunks read so far, and a position in it.

    :param chunks: The text, in pieces.
    """

    def __init__(self, chunks: Iterator[str]) -> None:
        self.chunks = chunks
        self.buffer = next(chunks, "").removeprefix("\ufeff")
        self.pos = 0
        self.decoder = json.JSONDecoder()

    def more(self) -> bool:
        """Read the next chunk, dropping what was already read.

        :return: ``False`` when the text has ended.
        """
        chunk = next(self.chunks, None)
        if chunk is None:
            return False
        self.buffer, self.pos = self.buffer[self.pos :] + chunk, 0
        return True

    def peek(self) -> str:
        """Skip whitespace, reading on as needed.

        :return: The next character, or ``""`` at the end of the text.
        """
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self.more():
                return ""

    def value(self, number: int) -> Any:
        """Decode the JSON value at the position, reading on until it is whole.

        :param number: The row number, for messages.
        :return: The value.
        :raises InvalidInputError: When it is not JSON, or the text ends first.
        """
        while True:
            try:
                value, self.pos = self.decoder.raw_decode(self.buffer, self.pos)
                return value
            except json.JSONDecodeError as exc:
                if len(self.buffer) - self.pos > _MAX_ROW_CHARS or not self.more():
                    raise InvalidInputError(f"sheet: row {number}: not valid JSON ({exc.msg})") from None


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

    :param row: The row.
    :param problems: Where each such cell goes, named by row and column.
    :return: ``True`` when the row has one (its cells cannot be checked further).
    """
    found = False
    for column, value in row.cells.items():
        for text in (column, value if isinstance(value, str) else ""):
            byte = next((ord(ch) - 0xDC00 for ch in text if 0xDC80 <= ord(ch) <= 0xDCFF), None)
            if byte is not None:
                problems.add(row.number, column, f"not UTF-8 text (byte 0x{byte:02x}); save the sheet as UTF-8")
                found = True
                break
    return found


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
