"""The sample-sheet example DAG end to end on the emulator: one sheet, Seven Bridges files and One Codex samples."""

from __future__ import annotations

import csv
from typing import Any

import pytest

from genomics_provider.testing import Emulator
from genomics_provider.testing.state import link_id
from tests.conftest import EXAMPLE_DAGS_DIR

pytestmark = pytest.mark.integration

SHEET = EXAMPLE_DAGS_DIR / "data" / "run42_samplesheet.csv"
FILES = {
    "HCC1143.bam": "65a100000000000000000201",
    "HCC1143.vcf.gz": "65a100000000000000000203",
    "HCC1954.bam": "65a100000000000000000301",
    "HCC1954.vcf.gz": "65a100000000000000000303",
}


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Any:
    with Emulator(seed="demo") as emu:
        monkeypatch.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", emu.sevenbridges_conn_json())
        monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", emu.onecodex_conn_json())
        yield emu


def sheet_rows() -> list[dict[str, str]]:
    with SHEET.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def test_the_sheet_lands_on_both_platforms_and_a_second_run_writes_nothing(
    emulator: Emulator, run_example: Any
) -> None:
    files = emulator.sevenbridges.files
    samples = {sample["filename"]: sample for sample in emulator.onecodex.samples.values()}
    before_tags = {name: list(files[file_id]["tags"]) for name, file_id in FILES.items()}

    dagrun = run_example("sequencing_run_sample_sheet")

    assert dagrun.state == "success"
    for row in sheet_rows():
        file = files[FILES[row["name"]]]
        assert file["tags"] == [*before_tags[row["name"]], "qc-passed", "run-42"]
        for key in ("sample_id", "case_id", "sample_type", "library_id"):
            assert file["metadata"][key] == row[key]
        sample = samples[row["filename"]]
        expected = row["visibility"] or {"soil_A2_R1.fastq.gz": "public"}[row["filename"]]
        assert sample["visibility"] == expected
        names = {emulator.onecodex.tags[str(link_id(tag))]["name"] for tag in sample["tags"]}
        assert {"qc-passed", "run-42"} <= names
    first = len(emulator.recorder.writes())
    assert first > 0

    assert run_example("sequencing_run_sample_sheet").state == "success"
    again = [r for r in emulator.recorder.writes()[first:] if not r.path.endswith("/bulk/files/get")]
    assert again == []
