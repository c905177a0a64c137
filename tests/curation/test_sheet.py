"""Reading sample sheets: formats, quoting, BOM, row numbers, cells, problems, and streaming."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from genomics_provider.curation import sheet, sheet_json
from genomics_provider.curation.sheet import (
    DELETE,
    LEAVE,
    MAX_PROBLEMS_SHOWN,
    SheetProblems,
    SheetRow,
    cell_value,
    iter_rows,
    rows_from_records,
    sheet_format,
    split_tags,
)
from genomics_provider.exceptions import InvalidInputError


def rows(text: str, fmt: sheet.SheetFormat) -> list[SheetRow]:
    return list(iter_rows(io.StringIO(text), fmt))


# -- format ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("run42.csv", "csv"),
        ("RUN42.CSV", "csv"),
        ("sheets/run42.tsv", "tsv"),
        ("run.tab", "tsv"),
        ("s3://bucket/runs/run42.json", "json"),
        ("gs://bucket/run42.jsonl?generation=3", "jsonl"),
        ("file:///data/run42.ndjson", "jsonl"),
    ],
)
def test_the_suffix_tells_the_format(name: str, expected: str) -> None:
    assert sheet_format(name) == expected


def test_the_format_argument_wins_over_the_suffix() -> None:
    assert sheet_format("export.txt", " TSV ") == "tsv"
    assert sheet_format("run42.csv", "jsonl") == "jsonl"


def test_a_bad_format_argument_names_the_allowed_ones() -> None:
    with pytest.raises(InvalidInputError) as error:
        sheet_format("run42.csv", "xlsx")
    assert str(error.value) == "format: 'xlsx' is not allowed; use one of 'csv', 'tsv', 'json', 'jsonl'"


def test_a_name_without_a_known_suffix_asks_for_format() -> None:
    with pytest.raises(InvalidInputError) as error:
        sheet_format("s3://bucket/exports/samples.xlsx")
    assert str(error.value) == (
        "format: the name 'samples.xlsx' does not tell the format (suffix .xlsx); give format= one of 'csv', 'tsv', "
        "'json', 'jsonl', or name the file .csv, .json, .jsonl, .ndjson, .tab, .tsv"
    )
    with pytest.raises(InvalidInputError, match=r"suffix missing"):
        sheet_format("samples")


# -- CSV and TSV -------------------------------------------------------------------------------------------------


def test_csv_rows_are_numbered_as_a_spreadsheet_numbers_them() -> None:
    got = rows("File name,sample_id\nS1_R1.fastq.gz,S1\nS2_R1.fastq.gz,S2\n", "csv")
    assert got == [
        SheetRow(2, {"File name": "S1_R1.fastq.gz", "sample_id": "S1"}),
        SheetRow(3, {"File name": "S2_R1.fastq.gz", "sample_id": "S2"}),
    ]


def test_csv_quoting_is_standard() -> None:
    text = 'name,note\n"a,b.bam","md_value""1"""\n"multi\nline.bam",x\n'
    got = rows(text, "csv")
    assert [row.cells for row in got] == [
        {"name": "a,b.bam", "note": 'md_value"1"'},
        {"name": "multi\nline.bam", "note": "x"},
    ]
    assert [row.number for row in got] == [2, 3]


def test_a_byte_order_mark_before_the_header_is_dropped() -> None:
    assert rows("\ufeffid,tags\nabc,x\n", "csv")[0].cells == {"id": "abc", "tags": "x"}
    assert rows("\ufeff id \tb\n1\t2\n", "tsv")[0].cells == {"id": "1", "b": "2"}


def test_blank_lines_are_skipped_but_still_counted() -> None:
    got = rows("\nid,v\n1,a\n\n   \n2,b\n", "csv")
    assert [(row.number, row.cells["id"]) for row in got] == [(2, "1"), (5, "2")]


def test_tsv_keeps_commas_in_cells() -> None:
    assert rows("name\tnote\na.bam\tx, y\n", "tsv")[0].cells == {"name": "a.bam", "note": "x, y"}


def test_a_short_row_leaves_the_missing_cells_empty() -> None:
    assert rows("id,a,b\n1,x\n", "csv")[0].cells == {"id": "1", "a": "x", "b": ""}


def test_a_long_row_is_refused_naming_it() -> None:
    with pytest.raises(InvalidInputError) as error:
        rows("id,a\n1,x\n2,y,z\n", "csv")
    assert str(error.value) == "sheet: row 3: 3 cells, but the header names 2 columns"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "sheet: it is empty; the first row must name the columns"),
        ("\n\n", "sheet: it is empty; the first row must name the columns"),
        ("id,,tags\n", "sheet: row 1: column(s) 2 have no name; every column needs one"),
        ("id,tags,id\n", "sheet: row 1: column(s) 'id' appear more than once"),
        ("id, tags,tags \n", "sheet: row 1: column(s) 'tags' appear more than once"),
    ],
)
def test_a_bad_header_is_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        rows(text, "csv")
    assert str(error.value) == message


def test_a_nul_byte_reaches_the_cell_rules_verbatim() -> None:
    # The reader keeps it; every vendor's cell rule (validation.check_text) refuses it naming row and column, so
    # the sheet's other problems are reported in the same run.
    assert rows("id,v\n1,a\n2,b\x00c\n", "csv")[1] == SheetRow(3, {"id": "2", "v": "b\x00c"})


def test_an_unclosed_quote_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"^sheet: row \d+: not valid TSV \("):
        rows('id\tv\n1\t"open\n', "tsv")


# -- JSON and JSON Lines ------------------------------------------------------------------------------------------


def test_a_json_array_is_read_row_by_row() -> None:
    text = '\ufeff [ {"id": "a", "tags": ["x", "y"]} ,\n{"id": "b", "n": 1.5} ] \n'
    assert rows(text, "json") == [SheetRow(1, {"id": "a", "tags": ["x", "y"]}), SheetRow(2, {"id": "b", "n": 1.5})]


def test_an_empty_json_array_has_no_rows() -> None:
    assert rows(" [ ] ", "json") == []


def test_json_rows_spanning_chunks_are_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheet_json, "CHUNK", 7)
    records = [{"id": f"s{n}", "note": "x" * n, "tags": ["a", "b"], "flag": True, "v": None} for n in range(40)]
    got = rows(json.dumps(records, indent=1), "json")
    assert [row.cells for row in got] == records
    assert [row.number for row in got] == list(range(1, 41))


def test_json_given_as_lines_is_read_too() -> None:
    lines = ['[{"id": "a"},\n', '{"id": "b"}]\n']
    assert [row.cells for row in iter_rows(iter(lines), "json")] == [{"id": "a"}, {"id": "b"}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": "a"}', "sheet: not a JSON array; a JSON sheet is one array of objects, [{...}, {...}]"),
        ("", "sheet: not a JSON array; a JSON sheet is one array of objects, [{...}, {...}]"),
        ('[{"id": "a"} {"id": "b"}]', "sheet: after row 1: expected ',' or ']' in the JSON array"),
        ('[{"id": "a"}, "b"]', "sheet: row 2: expected an object of column to value, got str"),
        ('[{"id": "a"}, null]', "sheet: row 2: expected an object of column to value, got null"),
        ('[{"id": "a"}] x', "sheet: text follows the JSON array's closing ']'"),
        ('[{"id": "a"}, {"id": ', "sheet: row 2: not valid JSON (Expecting value)"),
        ('[{"id": "a}]', "sheet: row 1: not valid JSON (Unterminated string starting at)"),
        ('[{"id": "a"},', "sheet: row 2: not valid JSON (Expecting value)"),
    ],
)
def test_a_bad_json_sheet_is_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        rows(text, "json")
    assert str(error.value) == message


def test_json_lines_count_blank_lines_so_row_n_is_line_n() -> None:
    got = rows('\ufeff{"id": "a"}\n\n{"id": "b"}\n', "jsonl")
    assert got == [SheetRow(1, {"id": "a"}), SheetRow(3, {"id": "b"})]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": "a"}\n{"id": \n', "sheet: row 2: not valid JSON (Expecting value)"),
        ('{"id": "a"}\n["b"]\n', "sheet: row 2: expected an object of column to value, got list"),
        ('{"id": "a"}\n{"1": 2, "x": 3}\n{"id": "c"} {"id": "d"}\n', "sheet: row 3: not valid JSON (Extra data)"),
    ],
)
def test_a_bad_json_lines_sheet_is_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        rows(text, "jsonl")
    assert str(error.value) == message


# -- rows in memory ----------------------------------------------------------------------------------------------


def test_records_in_memory_are_rows_numbered_from_one() -> None:
    assert list(rows_from_records([{"id": "a"}, {"id": "b", "tags": "x"}])) == [
        SheetRow(1, {"id": "a"}),
        SheetRow(2, {"id": "b", "tags": "x"}),
    ]


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{"id": "a"}, ["b"]], "sheet: row 2: expected an object of column to value, got list"),
        ([{1: "a"}], "sheet: row 1: every column name must be a string"),
    ],
)
def test_bad_records_are_refused(records: list[object], message: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        list(rows_from_records(records))
    assert str(error.value) == message


# -- streaming ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_rows_are_yielded_before_the_rest_of_the_sheet_is_read(fmt: sheet.SheetFormat) -> None:
    consumed: list[int] = []

    def lines() -> Iterator[str]:
        yield "id,v\n" if fmt == "csv" else '{"id": "0"}\n'
        for number in range(1, 100_000):
            consumed.append(number)
            yield f"{number},x\n" if fmt == "csv" else f'{{"id": "{number}"}}\n'

    reader = iter_rows(lines(), fmt)
    next(reader)
    next(reader)
    assert len(consumed) <= 2


def test_a_json_array_is_not_read_ahead_more_than_a_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheet_json, "CHUNK", 64)
    text = json.dumps([{"id": f"s{n:05d}"} for n in range(10_000)])
    stream = io.StringIO(text)
    reader = iter_rows(stream, "json")
    assert next(reader).cells == {"id": "s00000"}
    assert stream.tell() <= 128


# -- cells -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", LEAVE),
        ("   ", LEAVE),
        (None, LEAVE),
        ("<delete>", DELETE),
        (" <delete> ", DELETE),
        ("<DELETE>", "<DELETE>"),
        (" S1 ", " S1 "),
        (0, 0),
        (False, False),
    ],
)
def test_a_cell_leaves_alone_deletes_or_is_the_value(value: object, expected: object) -> None:
    assert cell_value(value) == expected if expected not in (LEAVE, DELETE) else cell_value(value) is expected


@pytest.mark.parametrize(
    ("value", "separator", "expected"),
    [
        ("qc-passed; batch-3", ";", ["qc-passed", "batch-3"]),
        ("a;;b;", ";", ["a", "b"]),
        ("a|b c", "|", ["a", "b c"]),
        ("a;a", ";", ["a", "a"]),
        ([" a", "b "], ";", ["a", "b"]),
        ([1, "b"], ";", [1, "b"]),
        (7, ";", 7),
    ],
)
def test_a_tag_cell_is_split_on_the_separator(value: object, separator: str, expected: object) -> None:
    assert split_tags(value, separator=separator) == expected


def test_an_empty_tag_cell_leaves_tags_alone_and_the_marker_is_passed_on() -> None:
    assert split_tags(" ", separator=";") is LEAVE
    assert split_tags("<delete>", separator=";") is DELETE


# -- problems ----------------------------------------------------------------------------------------------------


def test_every_problem_is_reported_at_once() -> None:
    problems = SheetProblems("sheet 'run42.csv'")
    assert not problems
    problems.raise_if_any()
    problems.add(17, "metadata.sample_id", "341 bytes, the limit is 300")
    problems.add(18, None, "the key column id is empty")
    problems.add(None, None, "the key column is missing: give id or name")
    assert problems
    with pytest.raises(InvalidInputError) as error:
        problems.raise_if_any()
    assert str(error.value) == (
        "sheet 'run42.csv': 3 problems, nothing was sent: row 17, column metadata.sample_id: 341 bytes, the limit "
        "is 300; row 18: the key column id is empty; the key column is missing: give id or name"
    )


def test_one_problem_is_singular() -> None:
    problems = SheetProblems()
    problems.add(2, "visibility", "'secret' is not allowed")
    with pytest.raises(InvalidInputError, match=r"^sheet: 1 problem, nothing was sent: row 2, column visibility: "):
        problems.raise_if_any()


def test_many_problems_are_capped_with_the_count() -> None:
    problems = SheetProblems()
    for row in range(2, 2 + MAX_PROBLEMS_SHOWN + 7):
        problems.add(row, "id", "not an id")
    with pytest.raises(InvalidInputError) as error:
        problems.raise_if_any()
    text = str(error.value)
    assert text.startswith(f"sheet: {MAX_PROBLEMS_SHOWN + 7} problems, nothing was sent: row 2, column id:")
    assert text.count("not an id") == MAX_PROBLEMS_SHOWN
    assert text.endswith(f"row {MAX_PROBLEMS_SHOWN + 1}, column id: not an id; and 7 more")


# -- reading on after a problem ----------------------------------------------------------------------------------


def test_a_reader_failure_becomes_the_last_problem_after_those_before_it() -> None:
    problems = SheetProblems("sheet 'a.csv'")
    rows = sheet.guarded(iter_rows(io.StringIO("id,v\n1,a\n2,b,c\n3,d\n"), "csv"), problems)
    seen = []
    for row in rows:
        seen.append(row.number)
        problems.add(row.number, "v", "bad")
    assert seen == [2]
    assert problems.problems == ["row 2, column v: bad", "row 3: 3 cells, but the header names 2 columns"]


def test_undecodable_values_are_named_by_row_and_column_once_per_cell() -> None:
    problems = SheetProblems()
    row = SheetRow(4, {"id": "S1", "na\udce9me": "x", "note": "a\udcff\udcfeb", "n": 3})
    assert sheet.note_undecodable(row, problems) is True
    assert problems.problems == ["row 4, column note: not UTF-8 text (byte 0xff); save the sheet as UTF-8"]
    assert sheet.note_undecodable(SheetRow(5, {"id": "S1\ud800"}), problems) is False  # a JSON escape, not a byte


def test_an_outcome_other_than_nothing_sent_can_be_said() -> None:
    problems = SheetProblems()
    problems.add(3, "tags", "tag 'x' does not exist")
    with pytest.raises(InvalidInputError, match=r"^sheet: 1 problem, nothing was written: row 3, column tags: "):
        problems.raise_if_any("nothing was written")


@pytest.mark.parametrize("value", [";", "|", " ; ".strip(), ",,", "\t".join("ab")])
def test_a_tag_separator_is_one_or_more_characters_without_spaces_around(value: str) -> None:
    assert sheet.check_tag_separator(value) == value


@pytest.mark.parametrize("value", ["", " ", " ;", "; ", 1, None])
def test_a_bad_tag_separator_is_refused_naming_the_rule(value: object) -> None:
    with pytest.raises(InvalidInputError) as error:
        sheet.check_tag_separator(value)
    assert str(error.value) == (
        f"tag_separator: {value!r} is not allowed; use one or more characters that are not spaces, e.g. ';'"
    )


def test_ignore_columns_are_names() -> None:
    assert sheet.check_ignore_columns(None) == ()
    assert sheet.check_ignore_columns(["notes", "size"]) == ("notes", "size")
    assert sheet.check_ignore_columns('["notes"]') == ("notes",)
    assert sheet.check_ignore_columns("notes") == ("notes",)
    for bad in (["notes", ""], [1], ["  "]):
        with pytest.raises(InvalidInputError) as error:
            sheet.check_ignore_columns(bad)
        assert str(error.value) == "ignore_columns: every column name must be a non-empty string"


def test_a_header_byte_that_is_not_utf8_is_shown_escaped_and_not_blamed_on_the_rows() -> None:
    problems = SheetProblems()
    assert sheet.note_undecodable(SheetRow(2, {"id": "S1", "t\udce9gs": "a"}), problems) is False
    problems.add(None, "t\udce9gs", "bad")
    assert problems.problems == ["column t\\udce9gs: bad"]
    "".join(problems.problems).encode("utf-8")  # can be logged
