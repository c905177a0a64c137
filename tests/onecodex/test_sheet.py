"""One Codex sample sheets: key columns, the columns and cells, and every row/column problem, before any request."""

from __future__ import annotations

import io
import json
from contextlib import nullcontext
from typing import Any
from unittest.mock import MagicMock

import pytest
import responses

from genomics_provider.curation.sheet import SheetProblems, iter_rows, rows_from_records
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.onecodex.rules import UNSET
from genomics_provider.onecodex.sheet import SampleRow, SheetOptions, check_sheet, read_sheet
from genomics_provider.onecodex.sheet_run import SheetRun
from tests.operators.onecodex_fake import BASE, KEY

SAMPLE = "7428cca4a3a04a8e"
CONN = {"conn_type": "onecodex", "host": BASE, "password": KEY, "extra": {"rate_limit": 0}}
SOURCE = "sheet 'run.csv'"
HEAD = f"{SOURCE}: 1 problem, nothing was sent: "
COLUMNS = (
    "columns: id, filename, tags, visibility, project, metadata.<field>, custom.<key>; list others in ignore_columns"
)

SEPARATOR_RULE = "is not allowed; use one or more characters that are not spaces, e.g. ';'"


def options(**overrides: Any) -> SheetOptions:
    arguments = {"tag_separator": ";", "tag_mode": "add", "custom_mode": "merge", "create_missing": True,
                 "ignore_columns": (), "project": None, **overrides}  # fmt: skip
    return SheetOptions.of(MagicMock(**arguments))


def read_all(text: str, fmt: str = "csv", *, tag_mode: str = "add", ignore: tuple[str, ...] = ()) -> list[SampleRow]:
    """Check a sheet whole as the operator's first pass does, then read it again as the second pass does."""
    problems = SheetProblems(SOURCE)
    checked = check_sheet(iter_rows(io.StringIO(text), fmt), problems, ignore_columns=ignore, separator=";",
                          tag_mode=tag_mode)  # type: ignore[arg-type]  # fmt: skip
    problems.raise_if_any()
    assert checked is not None
    rows = iter_rows(io.StringIO(text), fmt)
    return list(read_sheet(rows, checked.columns, separator=";", tag_mode=tag_mode))  # type: ignore[arg-type]


def test_rows_name_samples_by_id_or_filename_and_an_id_wins_when_a_row_gives_both() -> None:
    text = f"id,filename\n{SAMPLE},labelled.fq\n,S12_R1.fastq.gz\n"
    assert read_all(text) == [SampleRow(2, SAMPLE, None), SampleRow(3, None, "S12_R1.fastq.gz")]
    assert [row.key for row in read_all(text)] == [f"id {SAMPLE}", "filename S12_R1.fastq.gz"]


def test_tags_visibility_and_project_are_read_and_empty_cells_leave_the_field_alone() -> None:
    text = "filename,tags,visibility,project\na.fq, qc-passed ; batch-3 ;,shared,Soil 2024\nb.fq,,,<delete>\nc.fq,,,\n"
    a, b, c = read_all(text)
    assert (a.tags, a.visibility, a.project) == (("qc-passed", "batch-3"), "shared", "Soil 2024")
    assert (b.tags, b.visibility, b.project) == (None, None, None)
    assert (c.tags, c.visibility, c.project, c.changes_sample, c.changes_metadata) == (None, None, UNSET, False, False)
    assert (a.changes_sample, b.changes_sample) == (True, True)


def test_delete_in_tags_removes_every_tag_with_replace() -> None:
    assert read_all("filename,tags\na.fq,<delete>\n", tag_mode="replace")[0].tags == ()


def test_metadata_cells_are_converted_as_each_field_needs() -> None:
    text = (
        "filename,metadata.location_lat,metadata.starred,metadata.date_collected,metadata.platform,metadata.name\n"
        "a.fq, 52.52 ,YES,2024-02-01,Illumina NovaSeq 6000,  Soil A1 \n"
        "b.fq,-7,0,2024-02-01T10:00:00+02:00,,<delete>\n"
    )
    a, b = read_all(text)
    assert a.fields == {"location_lat": 52.52, "starred": True, "date_collected": "2024-02-01T00:00:00Z",
                        "platform": "Illumina NovaSeq 6000", "name": "  Soil A1 "}  # fmt: skip
    assert b.fields == {"location_lat": -7.0, "starred": False, "date_collected": "2024-02-01T08:00:00Z", "name": None}
    assert (a.changes_metadata, a.custom) == (True, None)


def test_custom_cells_are_kept_as_given_and_delete_removes_the_key() -> None:
    csv_row = read_all("filename,custom.depth_cm,custom.site\na.fq,10,<delete>\n")[0]
    assert csv_row.custom == {"depth_cm": "10", "site": None}
    json_row = read_all(json.dumps([{"filename": "a.fq", "custom.depth_cm": 10, "custom.ok": True}]), "json")[0]
    assert json_row.custom == {"depth_cm": 10, "ok": True}
    assert read_all("filename,custom.site\na.fq,\n")[0].custom is None


def test_json_lines_rows_may_bring_new_columns_and_ignored_columns_are_skipped() -> None:
    text = '{"filename": "a.fq"}\n{"filename": "b.fq", "custom.k": "v", "notes": "x"}\n'
    expected = [SampleRow(1, None, "a.fq"), SampleRow(2, None, "b.fq", custom={"k": "v"})]
    assert read_all(text, "jsonl", ignore=("notes",)) == expected
    assert read_all("filename,LIMS id\na.fq,L-1\n", ignore=("LIMS id",)) == [SampleRow(2, None, "a.fq")]


def test_rows_in_memory_are_read_the_same_way() -> None:
    problems = SheetProblems()
    checked = check_sheet(rows_from_records([{"id": SAMPLE, "visibility": "public"}]), problems, ignore_columns=(),
                          separator=";", tag_mode="add")  # fmt: skip
    assert checked is not None
    assert (checked.rows, problems.problems) == (1, [])


def test_the_check_collects_each_tag_and_project_once_with_its_first_row() -> None:
    problems = SheetProblems()
    text = "filename,tags,project\na.fq,qc;new,Soil\nb.fq,qc,Soil\nc.fq,other,<delete>\n"
    checked = check_sheet(iter_rows(io.StringIO(text), "csv"), problems, ignore_columns=(), separator=";",
                          tag_mode="add")  # fmt: skip
    assert checked is not None
    assert (checked.tags, checked.projects, checked.rows) == ({"qc": 2, "new": 2, "other": 4}, {"Soil": 2}, 3)


def test_every_problem_of_a_sheet_is_reported_at_once_with_row_and_column() -> None:
    text = "filename,visibility,metadata.location_lat\na.fq,secret,\nb.fq,,200\nb.fq,,\n"
    with pytest.raises(InvalidInputError) as error:
        read_all(text)
    assert str(error.value) == (
        f"{SOURCE}: 3 problems, nothing was sent: row 2, column visibility: 'secret' is not allowed; use one of "
        "private, shared, public; row 3, column metadata.location_lat: 200.0 is outside -90..90; "
        "row 4, column filename: 'b.fq' is already given in row 3; each sample may appear once"
    )


BAD_SHEETS = [
    pytest.param("id\nxyz\n", "row 2, column id: 'xyz' is not a sample id; ids are 16 lowercase hex characters",
                 id="an id that is not 16 hex"),
    pytest.param(f"id\n{SAMPLE}\n{SAMPLE}\n",
                 f"row 3, column id: '{SAMPLE}' is already given in row 2; each sample may appear once",
                 id="an id given twice"),
    pytest.param("filename\na.fq\na.fq\n", "row 3, column filename: 'a.fq' is already given in row 2; each sample "
                 "may appear once", id="a filename given twice"),
    pytest.param("filename,tags\n,qc\n", "row 2: no filename; every row names its sample", id="an empty key"),
    pytest.param("id,filename\n,\n", "row 2: no id or filename; every row names its sample", id="both keys empty"),
    pytest.param("filename\na\x00.fq\n", "row 2, column filename: filename 'a\\x00.fq' contains a NUL character "
                 "(U+0000); filenames must be printable text", id="a NUL byte in a filename"),
    pytest.param("filename,visibility\na.fq,secret\n", "row 2, column visibility: 'secret' is not allowed; use one "
                 "of private, shared, public", id="an unknown visibility"),
    pytest.param("filename,visibility\na.fq,<delete>\n", "row 2, column visibility: <delete> is not allowed; use "
                 "one of private, shared, public", id="visibility cannot be deleted"),
    pytest.param("filename,tags\na.fq,<delete>\n", "row 2, column tags: <delete> clears every tag, which needs "
                 "tag_mode='replace'", id="delete in tags outside replace"),
    pytest.param("filename,tags\na.fq," + "x" * 31 + "\n", f"row 2, column tags: '{'x' * 31}' is 31 characters "
                 "long; each tag must be at most 30 characters (the One Codex limit)", id="a tag too long"),
    pytest.param("filename,tags\na.fq,a;a\n", "row 2, column tags: 'a' appears more than once; tags must be unique",
                 id="a tag repeated"),
    pytest.param("filename,tags\na.fq,;\n", "row 2, column tags: no tag names; leave the cell empty to leave tags "
                 "alone", id="a tag cell of separators only"),
    pytest.param("filename,colour\na.fq,red\n", f"row 1, column colour: not a One Codex sheet column ({COLUMNS})",
                 id="an unknown column"),
    pytest.param("filename,platform\na.fq,Illumina\n", "row 1, column platform: not a One Codex sheet column; did "
                 f"you mean metadata.platform? ({COLUMNS})", id="a metadata field without its prefix"),
    pytest.param("filename,metadata.custom\na.fq,x\n", "row 1, column metadata.custom: custom metadata goes in "
                 "custom.<key> columns, one per key", id="metadata.custom"),
    pytest.param("filename,metadata.updated_at\na.fq,x\n", "row 1, column metadata.updated_at: 'updated_at' is "
                 "read-only on One Codex and never sent; remove the column or list it in ignore_columns",
                 id="a read-only metadata field"),
    pytest.param("filename,metadata.foo\na.fq,x\n", "row 1, column metadata.foo: 'foo' is not a One Codex metadata "
                 "field; writable fields: name, description, external_sample_id, platform, library_type, "
                 "sample_type, date_collected, date_sequenced, location_lat, location_lon, location_string, starred",
                 id="an unknown metadata field"),
    pytest.param("filename,custom.\na.fq,x\n", "row 1, column custom.: the custom key is empty; name the column "
                 "custom.<key>", id="an empty custom key"),
    pytest.param("filename,metadata.location_lat\na.fq,abc\n", "row 2, column metadata.location_lat: 'abc' is not a "
                 "number", id="a number that is not one"),
    pytest.param("filename,metadata.location_lat\na.fq,91\n", "row 2, column metadata.location_lat: 91.0 is outside "
                 "-90..90", id="a latitude out of range"),
    pytest.param("filename,metadata.location_lon\na.fq,nan\n", "row 2, column metadata.location_lon: 'nan' is not a "
                 "finite number", id="NaN"),
    pytest.param("filename,metadata.starred\na.fq,maybe\n", "row 2, column metadata.starred: 'maybe' is not a "
                 "boolean; use true or false", id="a boolean that is not one"),
    pytest.param("filename,metadata.starred\na.fq,<delete>\n", "row 2, column metadata.starred: starred cannot be "
                 "deleted; write true or false", id="starred cannot be null"),
    pytest.param("filename,metadata.date_collected\na.fq,yesterday\n", "row 2, column metadata.date_collected: "
                 "'yesterday' is not an RFC 3339 date-time", id="a date that is not one"),
    pytest.param("filename,metadata.platform\na.fq,Ilumina NovaSeq 6000\n", "row 2, column metadata.platform: "
                 "'Ilumina NovaSeq 6000' is not one of the 45 values One Codex accepts; did you mean 'Illumina NovaSeq "
                 "6000' or 'Illumina NovaSeq 5000' or 'Illumina NovaSeq'?", id="a misspelt platform"),
    pytest.param("filename,metadata.library_type\na.fq,WGX\n", "row 2, column metadata.library_type: 'WGX' is not "
                 "one of 'WGS', 'Targeted/16S', 'Other'", id="an unknown library type"),
    pytest.param("filename,metadata.name\na.fq," + "n" * 256 + "\n", "row 2, column metadata.name: 256 characters; "
                 "the limit is 255", id="a name too long"),
    pytest.param("filename,metadata.name\na.fq,a\x00b\n", "row 2, column metadata.name: 'a\\x00b' contains a NUL "
                 "character (U+0000); metadata values must be printable text", id="a NUL byte in a metadata value"),
    pytest.param("filename,custom.k\na.fq,a\x00b\n", "row 2, column custom.k: 'a\\x00b' contains a NUL character "
                 "(U+0000); values must be printable text (tab and line breaks are allowed)",
                 id="a NUL byte in a custom value"),
    pytest.param("filename,project\na.fq,p\x01\n", "row 2, column project: project 'p\\x01' contains a control "
                 "character (U+0001); project names must be printable text", id="a control character in a project"),
]  # fmt: skip


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A One Codex connection whose every request would be recorded: the bad sheets must send none."""
    monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", json.dumps(CONN))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def run_sheet(text: str, fmt: str = "csv", **overrides: Any) -> None:
    def open_rows() -> Any:
        return nullcontext(iter_rows(io.StringIO(text), fmt))  # type: ignore[arg-type]

    run = SheetRun(OneCodexHook(), MagicMock(), options(**overrides), dry_run=False, verify=True)
    run.run(open_rows, SOURCE)


@pytest.mark.parametrize(("text", "problem"), BAD_SHEETS)
def test_a_bad_sheet_is_refused_whole_before_any_request(no_server: Any, text: str, problem: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        run_sheet(text)
    assert str(error.value) == HEAD + problem
    assert len(no_server.calls) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('{"filename": "a", "custom.k": [1]}\n', "row 1, column custom.k: list; values must be strings, "
                     "numbers, booleans or null (no nesting)", id="a nested custom value"),
        pytest.param('{"filename": "a", "visibility": 5}\n', "row 1, column visibility: 5 is not allowed; use one of "
                     "private, shared, public", id="a visibility that is not text"),
        pytest.param('{"id": 5}\n', "row 1, column id: 5 is not a sample id", id="an id that is not text"),
        pytest.param('{"filename": "a", "metadata.location_lat": true}\n', "row 1, column metadata.location_lat: "
                     "True is not a number", id="a boolean for a number"),
        pytest.param('{"filename": "a"}\n{"filename": "b", "colour": 1}\n', f"row 2, column colour: not a One Codex "
                     f"sheet column ({COLUMNS})", id="an unknown column in a later row"),
    ],
)  # fmt: skip
def test_a_bad_json_lines_sheet_is_refused_before_any_request(no_server: Any, text: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        run_sheet(text, "jsonl")
    assert str(error.value) == f"{SOURCE}: 1 problem, nothing was sent: {message}"
    assert len(no_server.calls) == 0


@pytest.mark.parametrize(
    ("text", "ignore", "message"),
    [
        pytest.param("tags\nqc\n", (), "sheet: no key column; name one column 'id' (sample ids) or 'filename' (the "
                     "samples' file names) (given: 'tags')", id="no key column"),
        pytest.param("filename,tags\na.fq,qc,extra\n", (), HEAD + "row 2: 3 cells, but the header names 2 columns",
                     id="a row longer than the header"),
        pytest.param("filename,visibility,tags\na.fq,secret\nb.fq,,qc,extra\n", (), f"{SOURCE}: 2 problems, nothing "
                     "was sent: row 2, column visibility: 'secret' is not allowed; use one of private, shared, public; "
                     "row 3: 4 cells, but the header names 3 columns", id="a row problem then a row longer than the "
                     "header"),
        pytest.param("filename\na.fq\n", ("filename",), "sheet: no key column; name one column 'id' (sample ids) or "
                     "'filename' (the samples' file names) (given: 'filename')", id="the key column ignored"),
    ],
)  # fmt: skip
def test_a_sheet_that_cannot_be_read_is_refused_before_any_request(
    no_server: Any, text: str, ignore: tuple[str, ...], message: str
) -> None:
    with pytest.raises(InvalidInputError) as error:
        run_sheet(text, ignore_columns=ignore)
    assert str(error.value) == message
    assert len(no_server.calls) == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"tag_separator": " "}, f"tag_separator: ' ' {SEPARATOR_RULE}"),
        ({"tag_separator": ""}, f"tag_separator: '' {SEPARATOR_RULE}"),
        ({"tag_mode": "merge"}, "tag_mode"),
        ({"custom_mode": "add"}, "custom_mode"),
        ({"create_missing": "perhaps"}, "create_missing: 'perhaps' is not a boolean; use true or false"),
        ({"ignore_columns": [1]}, "ignore_columns: every column name must be a non-empty string"),
        ({"project": ""}, "project: an empty string is not a project; use None to remove the project"),
    ],
)
def test_the_options_are_checked(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match="^" + message):
        options(**overrides)


def test_the_options_keep_what_was_given() -> None:
    checked = options(tag_separator=",", tag_mode="replace", custom_mode="replace", create_missing="false",
                      ignore_columns=["notes"], project="Soil")  # fmt: skip
    assert checked == SheetOptions(",", "replace", "replace", False, ("notes",), "Soil")
