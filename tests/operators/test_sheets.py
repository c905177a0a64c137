"""Where a sample sheet comes from: a path, a file:// URI, an ObjectStoragePath, or rows in memory."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow.sdk import ObjectStoragePath

from genomics_provider.curation.sheet import SheetProblems, SheetRow, note_undecodable
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.operators.sheets import check_sheet_argument, describe_sheet, open_sheet

CSV = '\ufeffid,tags\nS1,"a;b"\nS2,c\n'
EXPECTED = [SheetRow(2, {"id": "S1", "tags": "a;b"}), SheetRow(3, {"id": "S2", "tags": "c"})]


@pytest.fixture
def csv_path(tmp_path: Path) -> Path:
    path = tmp_path / "run42.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


@pytest.mark.parametrize("form", ["path", "uri", "object"])
def test_a_file_is_read_through_object_storage(csv_path: Path, form: str) -> None:
    sheet = {"path": str(csv_path), "uri": f"file://{csv_path}", "object": ObjectStoragePath(f"file://{csv_path}")}
    with open_sheet(sheet[form]) as rows:
        assert list(rows) == EXPECTED


def test_the_file_is_read_one_row_at_a_time_and_closed_after(csv_path: Path) -> None:
    with open_sheet(str(csv_path)) as rows:
        assert next(rows) == EXPECTED[0]
        csv_path.write_text("id\nchanged\n", encoding="utf-8")  # the open file still reads the old text
        assert next(rows) == EXPECTED[1]
    with open_sheet(str(csv_path)) as rows:
        assert list(rows) == [SheetRow(2, {"id": "changed"})]


def test_format_overrides_the_suffix(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text('{"id": "S1"}\n{"id": "S2"}\n', encoding="utf-8")
    with open_sheet(str(path), "jsonl") as rows:
        assert [row.cells for row in rows] == [{"id": "S1"}, {"id": "S2"}]


def test_rows_in_memory_are_numbered_from_one() -> None:
    with open_sheet([{"id": "S1"}, {"id": "S2", "tags": ["x"]}]) as rows:
        assert list(rows) == [SheetRow(1, {"id": "S1"}), SheetRow(2, {"id": "S2", "tags": ["x"]})]


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    with pytest.raises(InvalidInputError) as error, open_sheet(str(missing)) as rows:
        list(rows)
    assert str(error.value).startswith(f"sheet {str(missing)!r}: cannot be opened (FileNotFoundError: ")


def test_bytes_that_are_not_utf8_reach_the_cells_as_surrogates_for_the_rules_to_name(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("id,name\nS1,Müller\n".encode("latin-1"))
    with open_sheet(str(path)) as rows:
        (row,) = list(rows)
    assert row.cells == {"id": "S1", "name": "M\udcfcller"}
    problems = SheetProblems("sheet")
    assert note_undecodable(row, problems) is True
    assert problems.problems == ["row 2, column name: not UTF-8 text (byte 0xfc); save the sheet as UTF-8"]


@pytest.mark.parametrize(
    ("sheet", "fmt", "message"),
    [
        ("", None, "sheet: the path is empty; give a path or URI, or a list of rows"),
        ("  ", None, "sheet: the path is empty; give a path or URI, or a list of rows"),
        (7, None, "sheet: got int; give a path or URI (str or ObjectStoragePath) or a list of rows (dicts)"),
        (b"id\n", None, "sheet: got bytes; give a path or URI (str or ObjectStoragePath) or a list of rows (dicts)"),
        (
            {"id": "S1"},
            None,
            "sheet: got dict; give a path or URI (str or ObjectStoragePath) or a list of rows (dicts)",
        ),
        ("run.csv", "xlsx", "format: 'xlsx' is not allowed; use one of 'csv', 'tsv', 'json', 'jsonl'"),
        ([], "xlsx", "format: 'xlsx' is not allowed; use one of 'csv', 'tsv', 'json', 'jsonl'"),
    ],
)
def test_bad_sheet_arguments_are_refused_before_reading(sheet: object, fmt: str | None, message: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        check_sheet_argument(sheet, fmt)
    assert str(error.value) == message


def test_the_sheet_is_named_in_messages_and_long_names_are_cut() -> None:
    assert describe_sheet("s3://bucket/run42.csv") == "sheet 's3://bucket/run42.csv'"
    assert describe_sheet([{}, {}, {}]) == "sheet (3 rows given)"
    long = "s3://bucket/" + "x" * 100 + ".csv"
    assert describe_sheet(long) == f"sheet {long[:79] + '…'!r}"
