"""Fidelity: the official ``sevenbridges-python`` SDK (``debug=True`` for http) drives the emulator."""

from __future__ import annotations

import pytest

from genomics_provider.testing import Emulator

sbg = pytest.importorskip("sevenbridges")

BAM = "65a100000000000000000201"
VCF = "65a100000000000000000203"


@pytest.fixture
def api(emu: Emulator) -> object:
    return sbg.Api(url=emu.sevenbridges_url, token=emu.config.sevenbridges_token, debug=True)


def test_sdk_reads(api: object, emu: Emulator) -> None:
    assert api.users.me().username == "rfranklin"  # type: ignore[attr-defined]
    assert api.remaining == 1000  # type: ignore[attr-defined]
    project = api.projects.get("rfranklin/demo-project")  # type: ignore[attr-defined]
    assert project.name == "Demo Project"
    page = api.files.query(project="rfranklin/demo-project", limit=5)  # type: ignore[attr-defined]
    assert page.total == 14
    everything = list(page.all())
    assert len(everything) == 14
    outputs = api.files.query(  # type: ignore[attr-defined]
        project="rfranklin/demo-project",
        metadata={"sample_id": "HCC1143"},
        origin={"task": "8f9e2c1a-3b4d-4e5f-a6b7-c8d9e0f1a2b3"},
    )
    assert sorted(f.name for f in outputs) == sorted(
        ["HCC1143.bam", "HCC1143.bam.bai", "HCC1143.vcf.gz", "HCC1143.vcf.gz.tbi", "HCC1143.metrics.txt"]
    )
    folder = api.files.get("65f100000000000000000001")  # type: ignore[attr-defined]
    assert folder.is_folder()
    assert next(f.name for f in folder.list_files()) == "lane2"


def test_sdk_writes_and_bulk(api: object, emu: Emulator) -> None:
    bam = api.files.get(BAM)  # type: ignore[attr-defined]
    bam.tags = [*bam.tags, "reviewed"]
    bam.save()
    bam.metadata["review"] = "ok"
    bam.save()
    stored = emu.sevenbridges.files[BAM]
    assert stored["tags"] == ["WGS", "tumor", "bam", "reviewed"]
    assert stored["metadata"]["review"] == "ok"
    assert stored["metadata"]["sample_id"] == "HCC1143"
    assert [(r.method, r.path) for r in emu.recorder.writes()] == [
        ("PUT", f"/v2/files/{BAM}/tags"), ("PATCH", f"/v2/files/{BAM}/metadata")
    ]  # fmt: skip
    vcf = api.files.get(VCF)  # type: ignore[attr-defined]
    vcf.tags = ["bulk"]
    results = api.files.bulk_edit([vcf])  # type: ignore[attr-defined]
    assert [r.valid for r in results] == [True]
    assert emu.sevenbridges.files[VCF]["tags"] == ["bulk"]
    mixed = api.files.bulk_get([VCF, "0" * 24])  # type: ignore[attr-defined]
    assert [r.valid for r in mixed] == [True, False]
    assert mixed[1].error.code == 5002


def test_sdk_error_mapping(api: object, emu: Emulator) -> None:
    reference = api.files.get("65a100000000000000000401")  # type: ignore[attr-defined]
    reference.tags = ["x"]
    with pytest.raises(sbg.errors.Forbidden) as forbidden:
        reference.save()
    assert forbidden.value.code == 5011
    with pytest.raises(sbg.errors.NotFound):
        api.files.get("0" * 24)  # type: ignore[attr-defined]
    emu.faults.gateway_error(502, "GET /v2/user")
    with pytest.raises(sbg.errors.NonJSONResponseError):
        api.users.me()  # type: ignore[attr-defined]


def test_sdk_finds_a_project_by_name(api: object, emu: Emulator) -> None:
    found = api.projects.query(name="Archive")  # type: ignore[attr-defined]
    assert [project.id for project in found] == ["rfranklin/archive"]
    assert emu.recorder.last("GET", "/v2/projects").query["name"] == ["Archive"]
    assert list(api.projects.query(name="No such project")) == []  # type: ignore[attr-defined]
