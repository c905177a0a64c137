"""Where a sheet-driven operator's sample sheet comes from: a file anywhere Airflow can read, or rows in memory.

A ``sheet`` argument is one of:

* a path or URI, read through Airflow's :class:`~airflow.sdk.ObjectStoragePath`: ``/data/run42.csv``,
  ``file:///data/run42.csv``, and ``s3://`` / ``gs://`` / any scheme whose Airflow provider is installed (no cloud SDK
  of ours), with ``sheet_conn_id`` naming the storage connection when one is needed;
* an :class:`~airflow.sdk.ObjectStoragePath` itself;
* rows in memory: a list of dicts (inline, or an upstream task's output through XCom).

The format comes from ``format`` or the name's suffix (:func:`genomics_provider.curation.sheet.sheet_format`); the
text is UTF-8, with or without a byte order mark (bytes that are not UTF-8 are reported by row and column). The file
is opened once per pass and read a row at a time (:mod:`genomics_provider.curation.sheet`): the operators check the
whole sheet in a first pass, before any request, and plan and write in a second.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from airflow.sdk import ObjectStoragePath

from genomics_provider.curation.sheet import SheetRow, iter_rows, rows_from_records, sheet_format
from genomics_provider.exceptions import InvalidInputError

__all__ = ["check_sheet_argument", "describe_sheet", "open_sheet"]

_SHOWN = 80


def check_sheet_argument(sheet: Any, fmt: Any = None) -> None:
    """Check the ``sheet`` and ``format`` arguments' form, without reading anything.

    :param sheet: The rendered ``sheet`` argument.
    :param fmt: Optional. The rendered ``format`` argument.
    :raises InvalidInputError: When ``sheet`` is empty or of another type, or the format cannot be told.
    """
    if isinstance(sheet, (str, ObjectStoragePath)):
        if not str(sheet).strip():
            raise InvalidInputError("sheet: the path is empty; give a path or URI, or a list of rows")
        sheet_format(str(sheet), fmt)
        return
    if isinstance(sheet, Sequence) and not isinstance(sheet, (bytes, bytearray)):
        if fmt is not None:
            sheet_format(None, fmt)
        return
    raise InvalidInputError(
        f"sheet: got {type(sheet).__name__}; give a path or URI (str or ObjectStoragePath) or a list of rows (dicts)"
    )


def describe_sheet(sheet: Any) -> str:
    """Name the sheet in messages: ``sheet 's3://bucket/run42.csv'`` or ``sheet (3 rows given)``.

    :param sheet: The rendered ``sheet`` argument.
    :return: The label.
    """
    if isinstance(sheet, (str, ObjectStoragePath)):
        text = str(sheet)
        return f"sheet {text if len(text) <= _SHOWN else text[: _SHOWN - 1] + '…'!r}"
    return f"sheet ({len(sheet)} rows given)" if isinstance(sheet, Sequence) else "sheet"


@contextmanager
def open_sheet(sheet: Any, fmt: Any = None, conn_id: str | None = None) -> Iterator[Iterator[SheetRow]]:
    """Open the sheet for one pass and yield its rows, one at a time; the file is closed on leaving.

    :param sheet: The rendered ``sheet`` argument (checked by :func:`check_sheet_argument`).
    :param fmt: Optional. The rendered ``format`` argument.
    :param conn_id: Optional. The Airflow connection of the object store (``sheet_conn_id``).
    :return: A context manager yielding the rows.
    :raises InvalidInputError: When the file cannot be opened, or a row cannot be parsed. Bytes that are not UTF-8
        reach the cells as lone surrogates (:func:`genomics_provider.curation.sheet.note_undecodable` names them).
    """
    check_sheet_argument(sheet, fmt)
    if not isinstance(sheet, (str, ObjectStoragePath)):
        yield rows_from_records(sheet)
        return
    path = sheet if isinstance(sheet, ObjectStoragePath) else ObjectStoragePath(sheet, conn_id=conn_id)
    fmt_name = sheet_format(str(sheet), fmt)
    try:
        # Bytes that are not UTF-8 become lone surrogates, so the checks name their row and column.
        stream = path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="")  # type: ignore[no-untyped-call]  # universal_pathlib is untyped
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"{describe_sheet(sheet)}: cannot be opened ({type(exc).__name__}: {exc})") from None
    with stream:
        yield iter_rows(stream, fmt_name)
