"""UpdateFilesFromManifestOperator end to end on the emulator: a lab's manifest in, the platform as the sheet says."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest

from genomics_provider._compat import AirflowException
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.operators.sevenbridges import UpdateFilesFromManifestOperator
from genomics_provider.operators.sheets import describe_sheet
from genomics_provider.testing import Emulator

pytestmark = pytest.mark.integration

TOKEN = "sb-e2e-token-5d1f0c3a7b9e2d4f6a8c"
PROJECT = "rfranklin/demo-project"
R1, R2 = "65a100000000000000000101", "65a100000000000000000102"
LANE2_R1 = "65a100000000000000000105"
BAM, VCF = "65a100000000000000000201", "65a100000000000000000203"
SUMMARY = "65a100000000000000000403"

MANIFEST = (
    "name,tags,sample_type,metadata.case_id,notes\n"
    "fastq/HCC1143_R1.fastq.gz,qc-passed; batch-3,Tumor,C-17,first lane\n"
    "fastq/HCC1143_R2.fastq.gz,qc-passed; batch-3,Tumor,C-17,\n"
    "fastq/lane2/HCC1143_L2_R1.fastq.gz,,Tumor,<delete>,\n"
    "HCC1143.bam,aligned,,,\n"
)


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Any:
    with Emulator(seed="demo", sevenbridges_token=TOKEN) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", emu.sevenbridges_conn_json())
        yield emu


def sheet_file(tmp_path: Path, text: str, name: str = "run42.csv") -> str:
    path = tmp_path / name
    path.write_text("\ufeff" + text, encoding="utf-8")
    return f"file://{path}"


def run(**kwargs: Any) -> dict[str, Any]:
    operator = UpdateFilesFromManifestOperator(task_id="stamp", **kwargs)
    return dict(operator.execute(context={"ti": MagicMock()}))


def writes(emu: Emulator) -> list[Any]:
    return [r for r in emu.recorder.writes(api="sevenbridges") if not r.path.endswith("/bulk/files/get")]


def test_a_manifest_converges_and_a_second_run_writes_nothing(emulator: Emulator, tmp_path: Path) -> None:
    files = emulator.sevenbridges.files
    before = {fid: (list(files[fid]["tags"]), dict(files[fid]["metadata"])) for fid in (R1, R2, LANE2_R1, BAM)}
    sheet = sheet_file(tmp_path, MANIFEST)

    summary = run(sheet=sheet, project=PROJECT, ignore_columns=["notes"])

    assert summary == {
        "changed": [R1, R2, LANE2_R1, BAM], "unchanged": [], "skipped": {}, "failed": {}, "dry_run": False,
    }  # fmt: skip
    for fid in (R1, R2):
        assert files[fid]["tags"] == [*before[fid][0], "qc-passed", "batch-3"]
        assert files[fid]["metadata"] == {**before[fid][1], "sample_type": "Tumor", "case_id": "C-17"}
    assert files[LANE2_R1]["metadata"] == {**before[LANE2_R1][1], "sample_type": "Tumor"}
    assert files[BAM]["tags"] == [*before[BAM][0], "aligned"]
    assert files[BAM]["metadata"] == before[BAM][1]
    calls = [
        (r.method, r.path, r.query.get("parent") or r.query.get("project"))
        for r in emulator.recorder.filter(api="sevenbridges")
    ]
    # Names: the root, then fastq, then fastq/lane2, each listed once with trimmed fields; then one bulk get, one
    # bulk edit (only additions), and the verifying bulk get.
    assert calls == [
        ("GET", "/v2/files", [PROJECT]),
        ("GET", "/v2/files", ["65f100000000000000000001"]),
        ("GET", "/v2/files", ["65f100000000000000000002"]),
        ("POST", "/v2/bulk/files/get", None),
        ("POST", "/v2/bulk/files/edit", None),
        ("POST", "/v2/bulk/files/get", None),
    ]
    listings = [r for r in emulator.recorder.filter(api="sevenbridges") if r.method == "GET"]
    assert {tuple(r.query["fields"]) for r in listings} == {("id,name,type",)}
    # Each folder is asked only for the names the sheet wants there (one call each: fewer than a listing).
    assert [r.query["name"] for r in listings] == [
        ["HCC1143.bam", "fastq"],
        ["HCC1143_R1.fastq.gz", "HCC1143_R2.fastq.gz", "lane2"],
        ["HCC1143_L2_R1.fastq.gz"],
    ]
    edit = emulator.recorder.filter(api="sevenbridges", path="/v2/bulk/files/edit")[0].body
    assert edit["items"][3] == {"id": BAM, "tags": [*before[BAM][0], "aligned"]}
    assert edit["items"][2] == {"id": LANE2_R1, "metadata": {**before[LANE2_R1][1], "sample_type": "Tumor"}}

    emulator.recorder.clear()
    again = run(sheet=sheet, project=PROJECT, ignore_columns=["notes"])

    assert again["changed"] == []
    assert sorted(again["unchanged"]) == sorted([R1, R2, LANE2_R1, BAM])
    assert writes(emulator) == []


def test_a_dry_run_plans_and_writes_nothing(emulator: Emulator, tmp_path: Path) -> None:
    summary = run(sheet=sheet_file(tmp_path, MANIFEST), project=PROJECT, ignore_columns=["notes"], dry_run=True)

    assert summary["dry_run"] is True
    assert summary["changed"] == [R1, R2, LANE2_R1, BAM]
    assert writes(emulator) == []


def test_removals_go_out_as_complete_updates(emulator: Emulator) -> None:
    files = emulator.sevenbridges.files
    rows = [{"id": R1, "tags": "fastq", "paired_end": "<delete>"}]

    summary = run(sheet=rows, tag_mode="replace")

    assert summary["changed"] == [R1]
    assert files[R1]["tags"] == ["fastq"]
    assert files[R1]["metadata"] == {"sample_id": "HCC1143", "case_id": "CASE-0001"}
    update = emulator.recorder.filter(api="sevenbridges", path="/v2/bulk/files/update")[0].body
    assert update == {
        "items": [
            {
                "id": R1, "name": "HCC1143_R1.fastq.gz", "tags": ["fastq"],
                "metadata": {"sample_id": "HCC1143", "case_id": "CASE-0001"},
            }
        ]
    }  # fmt: skip


def test_rows_that_find_no_file_fail_after_the_others_are_written(emulator: Emulator, tmp_path: Path) -> None:
    text = "name,tags\nHCC1143.bam,aligned\nmissing.bam,x\nnope/a.bam,x\nfastq,x\n"
    ti = MagicMock()
    operator = UpdateFilesFromManifestOperator(task_id="stamp", sheet=sheet_file(tmp_path, text), project=PROJECT)

    with pytest.raises(AirflowException) as error:
        operator.execute(context={"ti": ti})

    assert emulator.sevenbridges.files[BAM]["tags"][-1] == "aligned"
    message = str(error.value)
    assert message.startswith("3 of 4 files failed (1 changed, 0 already as asked): ")
    assert "row 3: no file named 'missing.bam' in project rfranklin/demo-project" in message
    assert "row 4: no folder 'nope' in project rfranklin/demo-project" in message
    assert "row 5: 'fastq' is a folder in project rfranklin/demo-project; only files take tags and metadata" in message


def test_a_bad_sheet_is_refused_whole_before_any_request(emulator: Emulator, tmp_path: Path) -> None:
    text = f"id,tags,sample_id\n{R1},a;a,S1\nnot-an-id,,S2\n{R1},,{'v' * 301}\n"

    sheet = sheet_file(tmp_path, text)
    with pytest.raises(InvalidInputError) as error:
        run(sheet=sheet)

    assert str(error.value) == (
        f"{describe_sheet(sheet)}: 4 problems, nothing was sent: row 2, column tags: tag 'a' appears "
        "more than once; row 3, column id: 'not-an-id' is not a file id; ids are 24 lowercase hex characters; "
        f"row 4, column sample_id: 301 bytes, the limit is 300; row 4, column id: '{R1}' is already given in row 2; "
        "each file may appear once"
    )
    assert emulator.recorder.filter(api="sevenbridges") == []


def test_names_without_a_project_are_refused_before_any_request(emulator: Emulator) -> None:
    with pytest.raises(InvalidInputError) as error:
        run(sheet=[{"name": "HCC1143.bam", "tags": "x"}])

    assert str(error.value) == (
        "project: the sheet names 1 file(s) by 'name'; give project='owner/project' to look them up in (or key the "
        "sheet by id)"
    )
    assert emulator.recorder.filter(api="sevenbridges") == []


def test_an_empty_sheet_writes_nothing(emulator: Emulator, tmp_path: Path) -> None:
    assert run(sheet=[]) == {"changed": [], "unchanged": [], "skipped": {}, "failed": {}, "dry_run": False}
    assert run(sheet=sheet_file(tmp_path, "[]", name="empty.json"))["changed"] == []
    assert emulator.recorder.filter(api="sevenbridges") == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sheet": 7}, "sheet: got int; give a path or URI (str or ObjectStoragePath) or a list of rows (dicts)"),
        ({"sheet": "run.xlsx"}, "format: the name 'run.xlsx' does not tell the format (suffix .xlsx);"),
        ({"sheet": [], "tag_mode": "merge"}, "tag_mode: 'merge' is not allowed; use one of"),
        ({"sheet": [], "metadata_mode": "add"}, "metadata_mode: 'add' is not allowed; use one of"),
        ({"sheet": [], "tag_separator": " "}, "tag_separator: ' ' is not allowed;"),
        ({"sheet": [], "project": "no-slash"}, "project: 'no-slash' is not a project id; use 'owner/project'"),
    ],
)
def test_bad_arguments_are_refused_when_the_dag_is_parsed(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as error:
        UpdateFilesFromManifestOperator(task_id="stamp", **kwargs)
    assert str(error.value).startswith(message)
