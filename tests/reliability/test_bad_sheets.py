"""Bad-sheet corpus: UpdateFilesFromManifestOperator (and UpdateSamplesFromSheetOperator, ``OC_CASES``) refuse a bad
sheet whole, naming row and column, before a single request.

Every case is a real manifest (a CSV, TSV, JSON or JSON Lines file in ``tmp_path``, or rows in memory) run through
``execute`` against the emulator the connection points at. Each asserts the exact error text and that the emulator
received nothing from either API. A case the reader or the rules get wrong is written for the right behaviour and
marked ``xfail(strict=True)`` with its reason, so the fix turns it green and the marker must then go.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest

from genomics_provider.exceptions import InvalidInputError
from genomics_provider.operators.onecodex import UpdateSamplesFromSheetOperator
from genomics_provider.operators.sevenbridges import UpdateFilesFromManifestOperator
from genomics_provider.operators.sheets import describe_sheet
from genomics_provider.testing import Emulator

GENERATED_ITEMS = 0  # the demo seed alone (tests/reliability/conftest.py)

PROJECT = {"project": "rfranklin/demo-project"}
R1, R2 = "65a100000000000000000101", "65a100000000000000000102"
ID_RULE = "is not a file id; ids are 24 lowercase hex characters"
NO_KEY = "sheet: no key column; name one column 'id', 'name', 'File name' (given: "
NUL_VALUE = "contains a NUL character (U+0000); values must be printable text (tab and line breaks are allowed)"
STRINGS = "value; metadata values are strings (quote numbers)"
MODES = "is not allowed; use one of"
SEPARATOR = "is not allowed; use one or more characters that are not spaces, e.g. ';'"
BOM = "contains a byte order mark (U+FEFF);"
NOT_UTF8 = "not UTF-8 text (byte 0xe9); save the sheet as UTF-8"


@dataclass(frozen=True)
class File:
    """A manifest written to ``tmp_path`` before the run (bytes are written as they are, text as UTF-8).

    :param name: The file name (its suffix tells the format).
    :param content: The file's content.
    """

    name: str
    content: str | bytes


def problems(*texts: str, count: int | None = None) -> str:
    """Build the message of a sheet with problems (``{sheet}`` stands for the sheet's label).

    :param texts: The problems shown, in the order reported (the header's and the reader's among the rows').
    :param count: Optional. How many there are (default: as many as shown).
    :return: The expected message.
    """
    total = len(texts) if count is None else count
    noun = "problem" if total == 1 else "problems"
    return "{sheet}: " + f"{total} {noun}, nothing was sent: " + "; ".join(texts)


def case(sheet: Any, message: str, case_id: str, **kwargs: Any) -> Any:
    """One corpus case.

    :param sheet: A :class:`File`, or rows in memory.
    :param message: The exact error text (``{sheet}`` stands for the sheet's label).
    :param case_id: The test id, a sentence.
    :param kwargs: Optional. More operator arguments.
    :return: The pytest parameter.
    """
    return pytest.param(sheet, kwargs, message, id=case_id)


def jsonl(*rows: Any) -> str:
    """Write rows as JSON Lines.

    :param rows: The rows.
    :return: The text.
    """
    return "".join(json.dumps(row) + "\n" for row in rows)


CSV_ROWS = f"id,tags,sample_id\n{R1},a;a,S1\nnot-an-id,,S2\n{R2},,{'v' * 301}\n,x,\n"
MANY_PAIRS = {f"k{i}": "v" for i in range(1001)}

CASES = [
    # -- the key column
    case(File("a.csv", "tags,sample_id\nx,y\n"), NO_KEY + "'tags', 'sample_id')", "csv-without-a-key-column"),
    case([{"tags": "a"}], NO_KEY + "'tags')", "rows-without-a-key-column"),
    case([{"id": R1}], NO_KEY + "'id')", "the-only-key-column-ignored", ignore_columns=["id"]),
    case(File("a.csv", f"id,tags\n{R1},a\n,b\n"), problems("row 3, column id: empty; every row names its file"),
         "an-empty-id-cell"),
    case(File("a.jsonl", jsonl({"name": "   ", "tags": "a"})),
         problems("row 1, column name: empty; every row names its file"), "a-name-of-spaces", **PROJECT),
    case([{"id": None, "tags": "a"}], problems("row 1, column id: empty; every row names its file"), "a-null-id"),
    case([{"id": R1.upper()}], problems(f"row 1, column id: {R1.upper()!r} {ID_RULE}"), "an-uppercase-id"),
    case(File("a.tsv", f"id\ttags\n{R1[:-1]}\ta\n"), problems(f"row 2, column id: {R1[:-1]!r} {ID_RULE}"),
         "a-short-id-in-tsv"),
    case([{"id": 7}], problems("row 1, column id: not a name"), "a-number-as-id"),
    case([{"id": "<delete>"}], problems("row 1, column id: not a name"), "the-delete-marker-as-id"),
    # -- duplicate keys
    case(File("a.csv", f"id,tags\n{R1},a\n {R1} ,b\n"),
         problems(f"row 3, column id: {R1!r} is already given in row 2; each file may appear once"), "an-id-twice"),
    case([{"name": "fastq/a.bam"}, {"name": "/fastq//a.bam"}, {"name": "fastq\\a.bam"}],
         problems(*(f"row {n}, column name: 'fastq/a.bam' is already given in row 1; each file may appear once"
                    for n in (2, 3))), "a-name-twice-written-three-ways", **PROJECT),
    case(File("a.csv", "File name,sample_id\n../reads/S1.fastq.gz,A\nS1.fastq.gz,B\n"),
         problems("row 3, column File name: 'S1.fastq.gz' is already given in row 2; each file may appear once"),
         "an-uploader-file-name-twice", **PROJECT),
    case(File("a.csv", f"id,tags\n{R1},a;a\n{R1},a;a\n"),
         problems("row 2, column tags: tag 'a' appears more than once", "row 3, column tags: tag 'a' appears more "
                  "than once", f"row 3, column id: {R1!r} is already given in row 2; each file may appear once"),
         "an-id-twice-in-a-row-with-another-problem"),
    # -- paths
    case([{"name": "fastq/../HCC1143.bam"}],
         problems("row 1, column name: 'fastq/../HCC1143.bam': a path part cannot be '.' or '..'"), "a-dotdot-part",
         **PROJECT),
    case([{"name": "./x.bam"}], problems("row 1, column name: './x.bam': a path part cannot be '.' or '..'"),
         "a-dot-part", **PROJECT),
    # -- NUL bytes
    case(File("a.csv", f"id,sample_id\n{R1},a\x00b\n"),
         problems(f"row 2, column sample_id: value 'a\\x00b' {NUL_VALUE}"), "a-nul-in-a-csv-value"),
    case(File("a.json", json.dumps([{"id": R1, "tags": ["ok", "a\x00"]}])),
         problems("row 1, column tags: tag 'a\\x00' contains a NUL character (U+0000); tags must be printable text"),
         "a-nul-in-a-json-tag"),
    case(File("a.csv", f"id,sam\x00ple\n{R1},a\n"),
         problems("column sam\x00ple: metadata key 'sam\\x00ple' contains a NUL character (U+0000); keys must be "
                 "printable text"), "a-nul-in-a-header-key"),
    case([{"id": R1}, {"id": R2, "metadata.a\x00": "x"}],
         problems("row 2, column metadata.a\x00: metadata key 'a\\x00' contains a NUL character (U+0000); keys must "
                  "be printable text"), "a-nul-in-a-key-a-later-row-brings"),
    case(File("a.csv", f"id,sample_id\n{R1}\x00,a\n"), problems(f"row 2, column id: '{R1}\\x00' {ID_RULE}"),
         "a-nul-in-an-id"),
    case([{"name": "a\x00b.bam"}],
         problems("row 1, column name: name 'a\\x00b.bam' contains a NUL character (U+0000); file names must be "
                  "printable text"), "a-nul-in-a-name", **PROJECT),
    # -- limits (the passing side of each boundary is below)
    case([{"id": R1, "sample_id": "é" * 150 + "x"}], problems("row 1, column sample_id: 301 bytes, the limit is 300"),
         "a-value-of-301-bytes-in-2-byte-characters"),
    case(File("a.csv", f"id,sample_id\n{R1},{'é' * 149}€\n"),
         problems("row 2, column sample_id: 301 bytes, the limit is 300"), "a-3-byte-character-across-the-limit"),
    case([{"id": R1, "sample_id": "\U0001f600" * 75 + "x"}],
         problems("row 1, column sample_id: 301 bytes, the limit is 300"), "a-value-of-301-bytes-in-emoji"),
    case([{"id": R1, "metadata." + "k" * 101: "x"}],
         problems(f"column metadata.{'k' * 101}: metadata key {'k' * 40!r} is 101 bytes in UTF-8; the limit is 100"),
         "a-key-of-101-bytes"),
    case(File("a.csv", f"id,{'é' * 50}k\n{R1},x\n"),
         problems(f"column {'é' * 50}k: metadata key {'é' * 40!r} is 101 bytes in UTF-8; the limit is 100"),
         "a-key-of-101-bytes-in-2-byte-characters"),
    case([{"id": R1, **MANY_PAIRS}], problems("row 1: 1001 metadata pairs; a file may have at most 1000"),
         "1001-pairs-in-a-row"),
    case(File("a.csv", f"id,{','.join(MANY_PAIRS)}\n{R1},{','.join(MANY_PAIRS.values())}\n"),
         problems("row 2: 1001 metadata pairs; a file may have at most 1000"), "1001-pairs-in-a-csv-row"),
    # -- values that are not strings
    case(File("a.json", json.dumps([{"id": R1, "sample_id": 7}])), problems(f"row 1, column sample_id: int {STRINGS}"),
         "a-json-number"),
    case(File("a.jsonl", jsonl({"id": R1, "paired_end": 1.5})), problems(f"row 1, column paired_end: float {STRINGS}"),
         "a-json-lines-float"),
    case([{"id": R1, "sample_id": True}], problems(f"row 1, column sample_id: bool {STRINGS}"), "a-boolean"),
    case([{"id": R1, "sample_id": ["a"], "case_id": {"a": 1}}],
         problems(f"row 1, column sample_id: list {STRINGS}", f"row 1, column case_id: dict {STRINGS}"),
         "a-list-and-an-object"),
    case([{"id": R1, "tags": 5}],
         problems("row 1, column tags: tags must be text (a separated string, or a list of strings)"),
         "tags-as-a-number"),
    # -- CSV and TSV structure
    case(File("a.csv", f"id,tags\n{R1},a,b\n"), problems("row 2: 3 cells, but the header names 2 columns"),
         "a-long-csv-row"),
    case(File("a.tsv", f"id\ttags\n{R1}\ta\n{R2}\ta\tb\n"), problems("row 3: 3 cells, but the header names 2 columns"),
         "a-long-tsv-row"),
    case(File("a.csv", f"id,tags\nnot-an-id,a\n{R1},a,b\n"),
         problems(f"row 2, column id: 'not-an-id' {ID_RULE}", "row 3: 3 cells, but the header names 2 columns"),
         "a-row-problem-then-a-long-row"),
    case(File("a.csv", f'id,tags\n{R1},"a\n'), problems("row 2: not valid CSV (unexpected end of data)"),
         "an-unclosed-quote"),
    case(File("a.csv", f"id,tags,tags\n{R1},a,b\n"), problems("row 1: column(s) 'tags' appear more than once"),
         "a-duplicate-header"),
    case(File("a.csv", f"id, tags ,tags\n{R1},a,b\n"), problems("row 1: column(s) 'tags' appear more than once"),
         "a-header-duplicate-after-trimming"),
    case(File("a.csv", f"id,,tags\n{R1},a,b\n"), problems("row 1: column(s) 2 have no name; every column needs one"),
         "an-empty-header-cell"),
    case(File("a.csv", f"id,tags,\n{R1},a,\n"), problems("row 1: column(s) 3 have no name; every column needs one"),
         "a-trailing-empty-header-cell"),
    case(File("a.csv", ""), problems("it is empty; the first row must name the columns"), "an-empty-file"),
    # -- encodings
    case(File("a.csv", b"id,tags\n" + R1.encode() + b",caf\xe9\n"), problems(f"row 2, column tags: {NOT_UTF8}"),
         "latin-1-bytes-in-csv"),
    case(File("a.csv", b"id,tags\n" + R1.encode() + b",caf\xe9\nnot-an-id,a\n"),
         problems(f"row 2, column tags: {NOT_UTF8}", f"row 3, column id: 'not-an-id' {ID_RULE}"),
         "latin-1-bytes-named-by-row-and-column"),
    case(File("a.json", b'[{"id": "' + R1.encode() + b'", "tags": "\xff"}]'),
         problems("row 1, column tags: not UTF-8 text (byte 0xff); save the sheet as UTF-8"), "a-bad-byte-in-json"),
    case(File("a.csv", f"id,tags\n{R1},a\ufeffb\n"),
         problems(f"row 2, column tags: tag 'a\\ufeffb' {BOM} tags must be printable text"), "a-bom-inside-a-tag"),
    case(File("a.csv", f"id,sample_id\n{R1},S\ufeff1\n"),
         problems(f"row 2, column sample_id: value 'S\\ufeff1' {BOM} values must be printable text (tab and line "
                  "breaks are allowed)"), "a-bom-inside-a-value"),
    case(File("a.csv", f"id,\ufefftags\n{R1},a\n"),
         problems(f"column \ufefftags: metadata key '\\ufefftags' {BOM} keys must be printable text"),
         "a-bom-before-a-header-cell"),
    case(File("a.csv", f"id,tags\n{R1},a\n\ufeffid,tags\n{R2},b\n"),
         problems(f"row 3, column id: '\\ufeffid' {ID_RULE}"), "a-bom-mid-file-from-two-csvs-joined"),
    case(File("a.csv", "name,tags\nHCC1143.bam,a\n\ufeffname,tags\nHCC1954.bam,b\n"),
         problems(f"row 3, column name: name '\\ufeffname' {BOM} file names must be printable text"),
         "a-bom-mid-file-in-a-name-keyed-sheet", **PROJECT),
    case(File("a.jsonl", jsonl({"id": R1}) + "\ufeff" + jsonl({"id": R2})),
         problems("row 2: not valid JSON (Unexpected UTF-8 BOM (decode using utf-8-sig))"), "a-bom-mid-json-lines"),
    case(File("a.json", f'[{{"id": "{R1}"}},\ufeff{{"id": "{R2}"}}]'),
         problems("row 2: not valid JSON (Expecting value)"), "a-bom-mid-json-array"),
    # -- JSON shape
    case(File("a.json", json.dumps({"id": R1})),
         problems("not a JSON array; a JSON sheet is one array of objects, [{...}, {...}]"),
         "json-that-is-not-an-array"),
    case(File("a.json", json.dumps([{"id": R1}, [R2]])),
         problems("row 2: expected an object of column to value, got list"), "a-json-row-that-is-a-list"),
    case(File("a.json", json.dumps([{"id": R1}, None])),
         problems("row 2: expected an object of column to value, got null"), "a-json-row-that-is-null"),
    case(File("a.jsonl", jsonl({"id": R1}, R2)), problems("row 2: expected an object of column to value, got str"),
         "a-json-lines-row-that-is-a-string"),
    case([{"id": R1}, "x"], problems("row 2: expected an object of column to value, got str"),
         "a-listed-row-not-a-dict"),
    case([{"id": R1, 3: "x"}], problems("row 1: every column name must be a string"), "a-listed-row-with-a-number-key"),
    case(File("a.json", json.dumps([{"id": R1}]) + " x"), problems("text follows the JSON array's closing ']'"),
         "text-after-the-json-array"),
    case(File("a.jsonl", jsonl({"id": R1}) + "{bad\n"),
         problems("row 2: not valid JSON (Expecting property name enclosed in double quotes)"), "a-broken-json-line"),
    # -- tags, names and modes
    case([{"id": R1, "tags": "<delete>"}],
         problems("row 1, column tags: <delete> clears every tag, which needs tag_mode='replace'"),
         "delete-in-tags-in-add-mode"),
    case([{"id": R1, "tags": " <delete> "}],
         problems("row 1, column tags: <delete> clears every tag, which needs tag_mode='replace'"),
         "delete-in-tags-in-remove-mode", tag_mode="remove"),
    case([{"id": R1, "tags": "a; b;a"}], problems("row 1, column tags: tag 'a' appears more than once"),
         "a-tag-twice-in-a-cell"),
    case(File("a.csv", "name,tags\nHCC1143.bam,a\n"),
         "project: the sheet names 1 file(s) by 'name'; give project='owner/project' to look them up in (or key the "
         "sheet by id)", "names-without-project"),
    case([{"File name": "x/a.bam"}, {"File name": "b.bam"}],
         "project: the sheet names 2 file(s) by 'File name'; give project='owner/project' to look them up in (or key "
         "the sheet by id)", "uploader-names-without-project"),
    # -- several problems at once
    case(File("a.csv", CSV_ROWS),
         problems("row 2, column tags: tag 'a' appears more than once", f"row 3, column id: 'not-an-id' {ID_RULE}",
                  "row 4, column sample_id: 301 bytes, the limit is 300",
                  "row 5, column id: empty; every row names its file"), "four-rows-four-problems-in-row-order"),
    case([{"id": "bad", "tags": "a\x00", "sample_id": "x\x00", "case_id": 5}],
         problems(f"row 1, column id: 'bad' {ID_RULE}",
                  "row 1, column tags: tag 'a\\x00' contains a NUL character (U+0000); tags must be printable text",
                  f"row 1, column sample_id: value 'x\\x00' {NUL_VALUE}", f"row 1, column case_id: int {STRINGS}"),
         "one-row-four-problems-in-column-order"),
    case(File("a.csv", "id,sam\x00ple\nnot-an-id,a\n"),
         problems("column sam\x00ple: metadata key 'sam\\x00ple' contains a NUL character (U+0000); keys must be "
                  "printable text", f"row 2, column id: 'not-an-id' {ID_RULE}"),
         "a-header-problem-and-a-row-problem-together"),
    case([{"id": f"bad{n}"} for n in range(1, 61)],
         problems(*(f"row {n}, column id: 'bad{n}' {ID_RULE}" for n in range(1, 51)), count=60) + "; and 10 more",
         "sixty-problems-capped-at-fifty"),
]  # fmt: skip


def materialise(sheet: Any, tmp_path: Path) -> Any:
    """Write a :class:`File` case to ``tmp_path`` and return its ``file://`` URI; rows are returned as they are.

    :param sheet: The case's sheet.
    :param tmp_path: Where to write it.
    :return: The ``sheet`` argument.
    """
    if not isinstance(sheet, File):
        return sheet
    path = tmp_path / sheet.name
    path.write_bytes(sheet.content if isinstance(sheet.content, bytes) else sheet.content.encode("utf-8"))
    return f"file://{path}"


def run(operator: type = UpdateFilesFromManifestOperator, **kwargs: Any) -> dict[str, Any]:
    return dict(operator(task_id="stamp", **kwargs).execute(context={"ti": MagicMock()}))


def assert_refused(emu: Emulator, tmp_path: Path, sheet: Any, kwargs: dict[str, Any], message: str) -> None:
    source = materialise(sheet, tmp_path)
    with pytest.raises(InvalidInputError) as error:
        run(sheet=source, **kwargs)
    assert str(error.value) == message.replace("{sheet}", describe_sheet(source))
    assert emu.recorder.filter() == []


@pytest.mark.parametrize(("sheet", "kwargs", "message"), CASES)
def test_a_bad_sheet_is_refused_whole_before_any_request(
    fresh: Emulator, tmp_path: Path, sheet: Any, kwargs: dict[str, Any], message: str
) -> None:
    assert_refused(fresh, tmp_path, sheet, kwargs, message)


S1 = "7428cca4a3a04a8e"
OC_CASES = [
    case([{"tags": "a"}], "sheet: no key column; name one column 'id' (sample ids) or 'filename' (the samples' file "
         "names) (given: 'tags')", "no-key-column"),
    case([{"id": " ", "tags": "a"}], problems("row 1: no id; every row names its sample"), "an-empty-id"),
    case([{"filename": "a.fq"}, {"filename": "a.fq"}],
         problems("row 2, column filename: 'a.fq' is already given in row 1; each sample may appear once"),
         "a-filename-twice"),
    case([{"id": S1, "colour": "red"}], problems("row 1, column colour: not a One Codex sheet column (columns: id, "
         "filename, tags, visibility, project, metadata.<field>, custom.<key>; list others in ignore_columns)"),
         "an-unknown-column"),
    case(File("a.csv", f"id,visibility,metadata.starred,custom.k\nbad,x,,\n{S1},,maybe,a\x00\n"),
         problems("row 2, column id: 'bad' is not a sample id; ids are 16 lowercase hex characters",
                  "row 2, column visibility: 'x' is not allowed; use one of private, shared, public",
                  "row 3, column metadata.starred: 'maybe' is not a boolean; use true or false",
                  f"row 3, column custom.k: 'a\\x00' {NUL_VALUE}"), "four-problems-in-row-order"),
    case([{"id": S1, "tags": "<delete>"}],
         problems("row 1, column tags: <delete> clears every tag, which needs tag_mode='replace'"), "delete-in-tags"),
    case(File("a.tsv", f"id\ttags\n{S1}\ta\tb\n"), problems("row 2: 3 cells, but the header names 2 columns"),
         "a-long-tsv-row"),
    case(File("a.tsv", f"id\ttags\nbad\ta\n{S1}\ta\tb\n"),
         problems("row 2, column id: 'bad' is not a sample id; ids are 16 lowercase hex characters",
                  "row 3: 3 cells, but the header names 2 columns"), "a-row-problem-then-a-long-tsv-row"),
    case(File("a.json", json.dumps({"id": S1})),
         problems("not a JSON array; a JSON sheet is one array of objects, [{...}, {...}]"), "json-not-an-array"),
    case([], f"tag_separator: '' {SEPARATOR}", "an-empty-separator", tag_separator=""),
    case([], f"custom_mode: 'add' {MODES} 'merge', 'replace'", "a-bad-custom-mode", custom_mode="add"),
]  # fmt: skip


@pytest.mark.parametrize(("sheet", "kwargs", "message"), OC_CASES)
def test_a_bad_one_codex_sheet_is_refused_whole_before_any_request(
    fresh: Emulator, tmp_path: Path, sheet: Any, kwargs: dict[str, Any], message: str
) -> None:
    assert_refused(fresh, tmp_path, sheet, {"operator": UpdateSamplesFromSheetOperator, **kwargs}, message)


BAD_ARGUMENTS = [
    *(("tag_separator", v, f"tag_separator: {v!r} {SEPARATOR}") for v in ("", " ", " ; ", "\n", None, 1)),
    *(("tag_mode", v, f"tag_mode: {v!r} {MODES} 'add', 'remove', 'replace'") for v in ("merge", "ADD", None)),
    *(("metadata_mode", v, f"metadata_mode: {v!r} {MODES} 'merge', 'replace'") for v in ("add", "delete")),
    ("format", "xlsx", f"format: 'xlsx' {MODES} 'csv', 'tsv', 'json', 'jsonl'"),
    ("ignore_columns", 5, "ignore_columns: expected a list of strings, got int"),
]


@pytest.mark.parametrize(("argument", "value", "message"), BAD_ARGUMENTS)
def test_a_bad_argument_is_refused_when_parsed_and_when_rendered(
    fresh: Emulator, argument: str, value: Any, message: str
) -> None:
    sheet = [{"id": R1, "tags": "a"}]
    with pytest.raises(InvalidInputError) as parsed:
        UpdateFilesFromManifestOperator(task_id="stamp", sheet=sheet, **{argument: value})
    operator = UpdateFilesFromManifestOperator(task_id="stamp", sheet=sheet)
    setattr(operator, argument, value)  # as a template renders it, after the DAG was parsed

    with pytest.raises(InvalidInputError) as rendered:
        operator.execute(context={"ti": MagicMock()})

    assert str(parsed.value) == str(rendered.value) == message
    assert fresh.recorder.filter(api="sevenbridges") == []


VALUES_300 = {"2-byte": "é" * 150, "3-byte": "€" * 100, "emoji": "\U0001f600" * 75, "mixed": "é" * 148 + "€x"}


@pytest.mark.parametrize("value", VALUES_300.values(), ids=VALUES_300.keys())
def test_a_value_of_exactly_300_bytes_is_written(fresh: Emulator, tmp_path: Path, value: str) -> None:
    sheet = materialise(File("a.csv", f"id,sample_id\n{R1},{value}\n"), tmp_path)

    assert run(sheet=sheet)["changed"] == [R1]
    assert fresh.sevenbridges.files[R1]["metadata"]["sample_id"] == value


@pytest.mark.parametrize("key", ["k" * 100, "é" * 50, "\U0001f600" * 25], ids=["ascii", "2-byte", "emoji"])
def test_a_key_of_exactly_100_bytes_is_written(fresh: Emulator, key: str) -> None:
    assert run(sheet=[{"id": R1, f"metadata.{key}": "x"}])["changed"] == [R1]
    assert fresh.sevenbridges.files[R1]["metadata"][key] == "x"


def test_exactly_1000_pairs_in_a_row_are_written(fresh: Emulator) -> None:
    pairs = {f"k{i}": "v" for i in range(1000)}

    assert run(sheet=[{"id": R1, **pairs}], metadata_mode="replace")["changed"] == [R1]
    assert fresh.sevenbridges.files[R1]["metadata"] == pairs
