"""The One Codex sheet operator end to end on the emulator: a sheet file read through ``ObjectStoragePath``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from airflow.sdk import ObjectStoragePath

from genomics_provider._compat import AirflowException
from genomics_provider.operators.onecodex import UpdateSamplesFromSheetOperator
from genomics_provider.testing import Emulator
from genomics_provider.testing.contracts import validate_onecodex_request

pytestmark = pytest.mark.integration

KEY = "oc-e2e-key-7c2e9a4b1d3f5a6c8e0b"
SAMPLE_1 = "7428cca4a3a04a8e"
SOIL_A1 = "2b8e4f1a6c3d9e70"
MOCK = "4d0a6b3c8e5f1a92"
GUT = "1d5a9c3e7b2f4a60"
SOIL_A2 = "3c9f5a2b7d4e0f81"
PROJECT_SOIL = "7e1a2b3c4d5e6f70"
#: Rows by filename and by id; tags to add (one new), visibility, a project by name, by short name and removed,
#: metadata converted from text, and custom keys set and removed.
SHEET = (
    "id,filename,tags,visibility,project,metadata.platform,metadata.location_lat,metadata.starred,custom.run,"
    "custom.site\n"
    ",SRR2352185.fastq.gz,qc-passed;batch-3,shared,Soil survey 2024,Illumina NovaSeq 6000,52.52,true,run-42,\n"
    ",soil_A1_R1.fastq.gz,batch-3,,<delete>,,,,run-42,<delete>\n"
    f"{MOCK},mock_community.fasta,,public,soil_2024,,,,,\n"
)


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Any:
    with Emulator(seed="demo", onecodex_api_key=KEY) as emu:
        monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", emu.onecodex_conn_json())
        yield emu


@pytest.fixture
def sheet(tmp_path: Path) -> ObjectStoragePath:
    path = tmp_path / "run42.csv"
    path.write_text("\ufeff" + SHEET, encoding="utf-8")  # as a spreadsheet saves it: UTF-8 with a BOM
    return ObjectStoragePath(f"file://{path}")


def tag_names(emu: Any, sample_id: str) -> list[str]:
    return [emu.onecodex.tags[tag_id]["name"] for tag_id in emu.onecodex.sample_tag_ids(sample_id)]


def state(emu: Any) -> dict[str, Any]:
    return {
        sample_id: (dict(emu.onecodex.samples[sample_id]), dict(emu.onecodex.metadata_for_sample(sample_id)))
        for sample_id in emu.onecodex.samples
    }


def test_a_sheet_converges_in_one_run_a_dry_run_and_a_second_run_write_nothing(
    emulator: Any, sheet: ObjectStoragePath, capfd: Any
) -> None:
    before = state(emulator)
    ids = [SAMPLE_1, SOIL_A1, MOCK]

    dry = UpdateSamplesFromSheetOperator(task_id="sheet", sheet=sheet, dry_run=True).execute({"ti": MagicMock()})

    assert dry == {"changed": ids, "unchanged": [], "skipped": {}, "failed": {}, "dry_run": True}
    assert emulator.recorder.writes() == []
    assert state(emulator) == before

    result = UpdateSamplesFromSheetOperator(task_id="sheet", sheet=sheet).execute({"ti": MagicMock()})

    assert result == {"changed": ids, "unchanged": [], "skipped": {}, "failed": {}, "dry_run": False}
    samples = emulator.onecodex.samples
    assert (samples[SAMPLE_1]["visibility"], samples[SOIL_A1]["visibility"], samples[MOCK]["visibility"]) == (
        "shared", "private", "public",
    )  # fmt: skip
    soil = {"$ref": f"/api/v1/projects/{PROJECT_SOIL}"}
    assert (samples[SAMPLE_1]["project"], samples[SOIL_A1]["project"], samples[MOCK]["project"]) == (soil, None, soil)
    assert tag_names(emulator, SAMPLE_1) == ["S. aureus", "neg. control", "qc-passed", "batch-3"]
    assert tag_names(emulator, SOIL_A1) == ["qc-passed", "batch-3"]
    assert tag_names(emulator, MOCK) == []
    first = emulator.onecodex.metadata_for_sample(SAMPLE_1)
    assert (first["platform"], first["location_lat"], first["starred"]) == ("Illumina NovaSeq 6000", 52.52, True)
    assert first["custom"] == {"totalige": 112.0, "run": "run-42"}
    assert emulator.onecodex.metadata_for_sample(SOIL_A1)["custom"] == {"depth_cm": 10, "run": "run-42"}
    untouched = [sample_id for sample_id in before if sample_id not in ids]
    assert {sample_id: state(emulator)[sample_id] for sample_id in untouched} == {
        sample_id: before[sample_id] for sample_id in untouched
    }
    writes = emulator.recorder.writes()
    assert [(r.method, r.path) for r in writes if r.method == "POST"] == [("POST", "/api/v1/tags")]  # batch-3, once
    for request in writes:
        assert validate_onecodex_request(request.method, request.path, request.body) == []
    assert emulator.contract_violations == []
    assert KEY not in capfd.readouterr().out

    emulator.recorder.clear()
    again = UpdateSamplesFromSheetOperator(task_id="sheet", sheet=sheet).execute({"ti": MagicMock()})

    assert again == {"changed": [], "unchanged": ids, "skipped": {}, "failed": {}, "dry_run": False}
    assert emulator.recorder.writes() == []


def test_rows_whose_filename_matches_nothing_or_two_samples_fail_by_row_and_the_rest_is_written(
    emulator: Any, tmp_path: Path
) -> None:
    emulator.onecodex.samples[GUT]["filename"] = "twice.fq"
    emulator.onecodex.samples[SOIL_A2]["filename"] = "twice.fq"
    path = tmp_path / "run43.jsonl"
    rows = [{"filename": "mock_community.fasta", "visibility": "shared"}, {"filename": "S12_R1.fastq.gz", "tags": "x"},
            {"filename": "twice.fq", "visibility": "public"}]  # fmt: skip
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    ti = MagicMock()

    with pytest.raises(AirflowException, match="2 of 3 samples failed"):
        UpdateSamplesFromSheetOperator(task_id="sheet", sheet=f"file://{path}").execute({"ti": ti})

    summary = ti.xcom_push.call_args_list[-1].kwargs["value"]
    assert summary["changed"] == [MOCK]
    assert summary["failed"] == {
        "row 2": "no sample has filename 'S12_R1.fastq.gz'",
        "row 3": f"2 samples have filename 'twice.fq' ({GUT}, {SOIL_A2}); give their ids instead",
    }
    assert emulator.onecodex.samples[MOCK]["visibility"] == "shared"
    assert [r.path for r in emulator.recorder.writes()] == [f"/api/v1/samples/{MOCK}"]
