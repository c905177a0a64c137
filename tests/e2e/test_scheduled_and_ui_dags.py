"""The nightly and the UI-triggered example DAGs, end to end on the emulator with ``dag.test()``."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

from genomics_provider.testing import Emulator

pytestmark = pytest.mark.integration

NIGHT = pendulum.datetime(2025, 6, 1, tz="UTC")
TODAYS = ["65a100000000000000000201", "65a100000000000000000202", "65a100000000000000000402"]
YESTERDAYS = ["65a100000000000000000203"]
SAMPLES = ["7428cca4a3a04a8e", "4d0a6b3c8e5f1a92"]


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Any:
    with Emulator(seed="demo") as emu:
        monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", emu.onecodex_conn_json())
        monkeypatch.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", emu.sevenbridges_conn_json())
        yield emu


def sb_writes(emu: Emulator) -> list[Any]:
    return [r for r in emu.recorder.writes() if not r.path.endswith("/bulk/files/get")]


def test_nightly_dag_tags_only_the_days_uploads_and_a_rerun_writes_nothing(
    emulator: Emulator, run_example: Any
) -> None:
    files = emulator.sevenbridges.files
    for fid in TODAYS:
        files[fid]["metadata"]["upload_date"] = "2025-06-01"
    for fid in YESTERDAYS:
        files[fid]["metadata"]["upload_date"] = "2025-05-31"
    others = {
        fid: (list(f.get("tags", [])), dict(f.get("metadata", {}))) for fid, f in files.items() if fid not in TODAYS
    }

    assert run_example("sevenbridges_nightly_tagging", logical_date=NIGHT).state == "success"

    for fid in TODAYS:
        assert files[fid]["tags"][-1] == "nightly-20250601"
        assert files[fid]["metadata"]["curated_on"] == "2025-06-01"
        assert files[fid]["metadata"]["curated_by"] == "airflow"
    assert {fid: (f.get("tags", []), f.get("metadata", {})) for fid, f in files.items() if fid not in TODAYS} == others
    listing = emulator.recorder.filter(method="GET", path="/v2/files")[0]
    assert listing.query["metadata.upload_date"] == ["2025-06-01"]
    assert listing.query["project"] == ["rfranklin/demo-project"]

    emulator.recorder.clear()
    assert run_example("sevenbridges_nightly_tagging", logical_date=NIGHT.add(minutes=1)).state == "success"
    assert sb_writes(emulator) == []


def test_ui_publish_dry_run_by_default_writes_nothing(emulator: Emulator, run_example: Any) -> None:
    before = {sid: dict(emulator.onecodex.samples[sid]) for sid in SAMPLES}

    assert run_example("ui_publish_samples", sample_ids=SAMPLES).state == "success"

    assert emulator.recorder.writes() == []
    assert {sid: emulator.onecodex.samples[sid] for sid in SAMPLES} == before


def test_ui_publish_applies_the_form_when_dry_run_is_unticked(emulator: Emulator, run_example: Any) -> None:
    form = {"sample_ids": SAMPLES, "visibility": "public", "tags": ["published"], "tag_mode": "add", "dry_run": False}

    assert run_example("ui_publish_samples", **form).state == "success"

    for sid in SAMPLES:
        assert emulator.onecodex.samples[sid]["visibility"] == "public"
        assert "published" in emulator.onecodex.sample_tag_names(sid)
    emulator.recorder.clear()
    assert run_example("ui_publish_samples", **form).state == "success"
    assert emulator.recorder.writes() == []


@pytest.mark.parametrize(
    "bad_form",
    [
        pytest.param({"visibility": "secret"}, id="visibility outside the enum"),
        pytest.param({"sample_ids": ["NOT-HEX"]}, id="malformed sample id"),
        pytest.param({"tags": ["x" * 31]}, id="tag over 30 characters"),
        pytest.param({"dry_run": "maybe"}, id="dry_run not a boolean"),
    ],
)
def test_ui_publish_form_refuses_invalid_input_before_any_request(
    emulator: Emulator, run_example: Any, bad_form: dict[str, Any]
) -> None:
    with pytest.raises(Exception, match=r"(?i)invalid input for param|validat"):
        run_example("ui_publish_samples", **bad_form)
    assert len(emulator.recorder) == 0


def test_ui_tag_files_dry_run_then_real_run(emulator: Emulator, run_example: Any) -> None:
    files = emulator.sevenbridges.files
    bams = [fid for fid, f in files.items() if f["project"] == "rfranklin/demo-project" and "bam" in f.get("tags", [])]
    bams = [fid for fid in bams if files[fid]["parent"] == "65f000000000000000000001"]  # the listing covers the root

    assert run_example("ui_tag_files", tags=["reviewed"]).state == "success"
    assert sb_writes(emulator) == []

    assert run_example("ui_tag_files", tags=["reviewed"], dry_run=False).state == "success"
    assert bams
    assert all("reviewed" in files[fid]["tags"] for fid in bams)
    emulator.recorder.clear()
    assert run_example("ui_tag_files", tags=["reviewed"], dry_run=False).state == "success"
    assert sb_writes(emulator) == []
