"""Seven Bridges manifests: key columns, metadata columns, cells and the row/column problems they report."""

from __future__ import annotations

import io

import pytest

from genomics_provider.curation.sheet import SheetProblems, SheetRow, iter_rows
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.sevenbridges.sheet import FileRow, ManifestColumns, duplicate_key

FILE_ID = "5f0c1a2b3c4d5e6f7a8b9c0d"


def read_all(text: str, *, tag_mode: str = "add", metadata_mode: str = "merge", **kwargs: object) -> list[FileRow]:
    """Read a CSV manifest whole, raising every problem at once as an operator does."""
    reader = iter_rows(io.StringIO(text), "csv")
    rows = list(reader)
    columns = ManifestColumns.of(list(rows[0].cells) if rows else [], **kwargs)  # type: ignore[arg-type]
    problems = SheetProblems()
    read = [
        columns.read(row, problems, separator=";", tag_mode=tag_mode, metadata_mode=metadata_mode)  # type: ignore[arg-type]
        for row in rows
    ]
    problems.raise_if_any()
    return [row for row in read if row is not None]


def problems_of(text: str, **kwargs: object) -> str:
    with pytest.raises(InvalidInputError) as error:
        read_all(text, **kwargs)  # type: ignore[arg-type]
    return str(error.value)


def test_an_uploader_manifest_is_read_as_it_is() -> None:
    text = 'File name,sample_id,case_id\n../reads/S1_R1.fastq.gz,S1,C-17\nS2_R1.fastq.gz,S2,"C-1,8"\n'
    assert read_all(text) == [
        FileRow(2, None, "S1_R1.fastq.gz", None, {"sample_id": "S1", "case_id": "C-17"}),
        FileRow(3, None, "S2_R1.fastq.gz", None, {"sample_id": "S2", "case_id": "C-1,8"}),
    ]


def test_an_exported_manifest_keys_on_id_and_never_sends_its_read_only_columns() -> None:
    text = f"id,name,size,project,DRS URI,metadata.sample_type\n{FILE_ID},a.bam,12,me/p,drs://x,Tumor\n"
    columns = ManifestColumns.of(["id", "name", "size", "project", "DRS URI", "metadata.sample_type"])
    assert columns.key == "id"
    assert columns.ignored == {"name", "size", "project", "DRS URI"}
    assert read_all(text) == [FileRow(2, FILE_ID, None, None, {"sample_type": "Tumor"})]
    assert read_all(text)[0].key == FILE_ID


def test_a_name_keeps_its_folder_path_inside_the_project() -> None:
    rows = read_all("name,tags\nalignments/HCC1143_T.bam,qc-passed; batch-3\n/top.bam,\n")
    assert rows == [
        FileRow(2, None, "alignments/HCC1143_T.bam", ["qc-passed", "batch-3"], None),
        FileRow(3, None, "top.bam", None, None),
    ]
    assert rows[0].key == "alignments/HCC1143_T.bam"


def test_empty_cells_leave_alone_and_the_marker_deletes() -> None:
    text = "name,a,metadata.b,c\nf.bam,,<delete>,x\n"
    assert read_all(text) == [FileRow(2, None, "f.bam", None, {"b": None, "c": "x"})]
    # In replace mode the row's metadata is exactly what it gives, so <delete> just leaves the key out.
    assert read_all(text, metadata_mode="replace") == [FileRow(2, None, "f.bam", None, {"c": "x"})]
    # A row whose only metadata cell is <delete> clears the metadata in replace mode, and leaves it alone when empty.
    assert read_all("name,a\nf.bam,<delete>\ng.bam,\n", metadata_mode="replace") == [
        FileRow(2, None, "f.bam", None, {}),
        FileRow(3, None, "g.bam", None, None),
    ]


def test_delete_in_tags_clears_them_in_replace_mode_only() -> None:
    assert read_all("name,tags\nf.bam,<delete>\n", tag_mode="replace")[0].tags == []
    assert problems_of("name,tags\nf.bam,<delete>\n") == (
        "sheet: 1 problem, nothing was sent: row 2, column tags: <delete> clears every tag, which needs "
        "tag_mode='replace'"
    )


def test_ignore_columns_are_skipped() -> None:
    text = "name,notes,sample_id\nf.bam,free text that is not metadata,S1\n"
    assert read_all(text, ignore_columns=["notes"]) == [FileRow(2, None, "f.bam", None, {"sample_id": "S1"})]


def test_no_key_column_is_refused_naming_the_choices() -> None:
    with pytest.raises(InvalidInputError) as error:
        ManifestColumns.of(["sample", "tags"])
    assert str(error.value) == (
        "sheet: no key column; name one column 'id', 'name', 'File name' (given: 'sample', 'tags')"
    )


def test_bad_metadata_columns_are_refused_together() -> None:
    with pytest.raises(InvalidInputError) as error:
        ManifestColumns.of(["name", "metadata.", "sample_id", "metadata.sample_id", "k" * 101])
    assert str(error.value) == (
        "sheet: 3 problems, nothing was sent: column metadata.: the metadata key is empty; name it metadata.<key>; "
        "column metadata.sample_id: metadata key 'sample_id' is given by two columns; "
        f"column {'k' * 101}: metadata key {'k' * 40!r} is 101 bytes in UTF-8; the limit is 100"
    )


def test_every_row_problem_is_named_with_row_and_column() -> None:
    text = f"id,tags,sample_id\n{FILE_ID},ok,S1\nnot-an-id,,S2\n,a;a,{'v' * 301}\n{FILE_ID[:-1]}1,bad\x00tag,é\x00\n"
    assert problems_of(text) == (
        "sheet: 5 problems, nothing was sent: "
        "row 3, column id: 'not-an-id' is not a file id; ids are 24 lowercase hex characters; "
        "row 4, column id: empty; every row names its file; "
        "row 4, column tags: tag 'a' appears more than once; "
        "row 4, column sample_id: 301 bytes, the limit is 300; "
        "row 5, column tags: tag 'bad\\x00tag' contains a NUL character (U+0000); tags must be printable text; "
        "row 5, column sample_id: value 'é\\x00' contains a NUL character (U+0000); values must be printable text "
        "(tab and line breaks are allowed)"
    ).replace("5 problems", "6 problems")


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("a/../b.bam", "'a/../b.bam': a path part cannot be '.' or '..'"),
        ("a/ b.bam", "' b.bam' is not allowed; use a non-empty name without surrounding spaces"),
        (" ", "empty; every row names its file"),
    ],
)
def test_bad_names_are_refused(cell: str, message: str) -> None:
    text = f"name,sample_id\n{cell},S1\n"
    assert problems_of(text).startswith(f"sheet: 1 problem, nothing was sent: row 2, column name: {message}")


def test_json_rows_may_bring_new_columns_and_non_string_values_are_refused() -> None:
    columns = ManifestColumns.of(["name"])
    problems = SheetProblems()
    first = columns.read(
        SheetRow(1, {"name": "a.bam", "tags": ["x", "y"]}), problems, separator=";", tag_mode="add",
        metadata_mode="merge",
    )  # fmt: skip
    second = columns.read(
        SheetRow(2, {"name": "b.bam", "metadata.lane": 3, "metadata.": "x"}), problems, separator=";",
        tag_mode="add", metadata_mode="merge",
    )  # fmt: skip
    assert first == FileRow(1, None, "a.bam", ["x", "y"], None)
    assert second is None
    assert problems.problems == [
        "row 2, column metadata.: the metadata key is empty; name it metadata.<key>",
        "row 2, column metadata.lane: int value; metadata values are strings (quote numbers)",
    ]


def test_a_repeated_key_is_found() -> None:
    assert duplicate_key({"a.bam": 3}, "a.bam") == "'a.bam' is already given in row 3; each file may appear once"
    assert duplicate_key({"b.bam": 3}, "a.bam") is None
    assert duplicate_key({"a.bam": 3}, None) is None
