"""Seven Bridges writes (sb_writes): details, metadata merge/replace, tags, folders, read-only, bulk."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.seeds_sevenbridges import FILE_ARCHIVED_BAM, FILE_REFERENCE_GENOME, FOLDER_FASTQ
from tests.testing.conftest import sb_error_body as error

BAM = "65a100000000000000000201"
BAI = "65a100000000000000000202"
VCF = "65a100000000000000000203"
DBSNP = "65a100000000000000000601"


def test_patch_file_replaces_metadata_and_tags_and_renames(sb: requests.Session, emu: Emulator) -> None:
    response = sb.patch(f"{emu.sevenbridges_url}/files/{BAM}", json={"name": "x.bam", "metadata": {"k": "v"}})
    assert response.status_code == 200
    stored = emu.sevenbridges.files[BAM]
    assert (stored["name"], stored["metadata"], stored["tags"]) == ("x.bam", {"k": "v"}, ["WGS", "tumor", "bam"])
    assert stored["modified_on"] != stored["created_on"]
    assert response.json()["metadata"] == {"k": "v"}
    sb.patch(f"{emu.sevenbridges_url}/files/{BAM}", json={"tags": ["only"]})
    assert emu.sevenbridges.files[BAM]["tags"] == ["only"]
    assert sb.patch(f"{emu.sevenbridges_url}/files/{BAM}", json={"size": 1}).json()["code"] == 5033


def test_metadata_merge_and_replace(sb: requests.Session, emu: Emulator) -> None:
    url = f"{emu.sevenbridges_url}/files/{BAM}/metadata"
    merged = sb.patch(url, json={"review": "ok", "sample_id": "HCC1143-b"})
    assert merged.json() == {
        "sample_id": "HCC1143-b", "reference_genome": "GRCh38", "experimental_strategy": "WGS", "review": "ok"
    }  # fmt: skip
    assert sb.get(url).json() == merged.json()
    replaced = sb.put(url, json={"only": "this"})
    assert replaced.json() == {"only": "this"} == emu.sevenbridges.files[BAM]["metadata"]


@pytest.mark.parametrize(
    ("mode", "status", "expected"),
    [("ignore", 200, {"a": "1", "b": "2"}), ("delete", 200, {"b": "2"}), ("reject", 400, {"a": "1", "b": "2"})],
)
def test_null_metadata_switch(
    sb: requests.Session, emu: Emulator, mode: str, status: int, expected: dict[str, str]
) -> None:
    emu.config.null_metadata = mode  # type: ignore[assignment]
    emu.sevenbridges.files[BAI]["metadata"] = {"a": "1", "b": "2"}
    response = sb.patch(f"{emu.sevenbridges_url}/files/{BAI}/metadata", json={"a": None})
    assert response.status_code == status
    assert emu.sevenbridges.files[BAI]["metadata"] == expected


@pytest.mark.parametrize(
    ("metadata", "code"),
    [
        ({"k": 1}, 5006),
        ({"k": ["a"]}, 5006),
        ({"": "v"}, 5035),
        ({"k" * 101: "v"}, 5006),
        ({"é" * 51: "v"}, 5006),  # 102 bytes
        ({"k": "v" * 301}, 5006),
        ({"k": "é" * 151}, 5006),  # 302 bytes
        ({f"k{i}": "v" for i in range(1001)}, 5006),
        ("not-an-object", 5006),
    ],
)
def test_metadata_validation(sb: requests.Session, emu: Emulator, metadata: Any, code: int) -> None:
    response = sb.put(f"{emu.sevenbridges_url}/files/{BAM}/metadata", json=metadata)
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert emu.sevenbridges.files[BAM]["metadata"]["sample_id"] == "HCC1143"


def test_metadata_limits_are_inclusive(sb: requests.Session, emu: Emulator) -> None:
    ok = {"k" * 100: "v" * 300, **{f"k{i}": "v" for i in range(999)}}
    assert sb.put(f"{emu.sevenbridges_url}/files/{BAM}/metadata", json=ok).status_code == 200
    assert sb.patch(f"{emu.sevenbridges_url}/files/{BAM}/metadata", json={"one-more": "v"}).json()["code"] == 5006


def test_put_tags_takes_a_bare_array(sb: requests.Session, emu: Emulator) -> None:
    response = sb.put(f"{emu.sevenbridges_url}/files/{BAM}/tags", json=["reviewed", "WGS"])
    assert (response.status_code, response.json()) == (200, ["reviewed", "WGS"])
    assert emu.sevenbridges.files[BAM]["tags"] == ["reviewed", "WGS"]
    bad = sb.put(f"{emu.sevenbridges_url}/files/{BAM}/tags", json={"tags": ["x"]})
    assert (bad.status_code, bad.json()["code"]) == (400, 5033)


@pytest.mark.parametrize(
    ("method", "suffix", "body", "code"),
    [
        ("PATCH", "", {"name": "renamed"}, 5023),
        ("PATCH", "/metadata", {"k": "v"}, 5025),
        ("PUT", "/metadata", {"k": "v"}, 5025),
        ("PUT", "/tags", ["t"], 5027),
    ],
)
def test_folders_refuse_updates(
    sb: requests.Session, emu: Emulator, method: str, suffix: str, body: Any, code: int
) -> None:
    response = sb.request(method, f"{emu.sevenbridges_url}/files/{FOLDER_FASTQ}{suffix}", json=body)
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert emu.sevenbridges.files[FOLDER_FASTQ]["name"] == "fastq"


@pytest.mark.parametrize(
    ("method", "suffix", "body", "code"),
    [
        ("PATCH", "/metadata", {"k": "v"}, 5009),
        ("PUT", "/tags", ["t"], 5011),
        ("PATCH", "", {"tags": ["t"]}, 5011),
    ],
)
def test_read_only_files(sb: requests.Session, emu: Emulator, method: str, suffix: str, body: Any, code: int) -> None:
    for file_id in (FILE_REFERENCE_GENOME, FILE_ARCHIVED_BAM):
        response = sb.request(method, f"{emu.sevenbridges_url}/files/{file_id}{suffix}", json=body)
        assert (response.status_code, response.json()["code"]) == (403, code)
    emu.sevenbridges.read_only.add(BAM)
    assert sb.put(f"{emu.sevenbridges_url}/files/{BAM}/tags", json=["t"]).json()["code"] == 5011


def test_project_without_write_permission(sb: requests.Session, emu: Emulator) -> None:
    response = sb.put(f"{emu.sevenbridges_url}/files/{DBSNP}/tags", json=["t"])
    assert (response.status_code, response.json()["code"]) == (403, 5001)


def test_bulk_get_keeps_request_order_and_reports_errors(sb: requests.Session, emu: Emulator) -> None:
    response = sb.post(f"{emu.sevenbridges_url}/bulk/files/get", json={"file_ids": [VCF, "0" * 24, BAM, ""]})
    assert response.status_code == 200
    items = response.json()["items"]
    assert items[0]["resource"]["id"] == VCF
    assert items[0]["resource"]["href"] == f"{emu.sevenbridges_url}/files/{VCF}"
    assert items[1] == {"error": error(404, 5002, "Requested file does not exist.")}
    assert items[2]["resource"]["id"] == BAM
    assert items[3]["error"]["code"] == 5004


def test_bulk_edit_merges_metadata_and_replaces_tags(sb: requests.Session, emu: Emulator) -> None:
    body = {
        "items": [{"id": BAM, "metadata": {"review": "ok"}, "tags": ["reviewed"]}, {"file_id": BAI, "name": "i.bai"}]
    }
    response = sb.post(f"{emu.sevenbridges_url}/bulk/files/edit", json=body)
    assert response.status_code == 200
    assert [item["resource"]["id"] for item in response.json()["items"]] == [BAM, BAI]
    bam, bai = emu.sevenbridges.files[BAM], emu.sevenbridges.files[BAI]
    assert bam["metadata"]["review"] == "ok"
    assert bam["metadata"]["sample_id"] == "HCC1143"
    assert bam["tags"] == ["reviewed"]
    assert (bai["name"], bai["tags"]) == ("i.bai", ["WGS", "tumor"])


def test_bulk_edit_switches(sb: requests.Session, emu: Emulator) -> None:
    emu.config.bulk_edit_metadata = "replace"
    emu.config.bulk_edit_tags = "merge"
    body = {"items": [{"id": BAM, "metadata": {"review": "ok"}, "tags": ["reviewed", "WGS"]}]}
    sb.post(f"{emu.sevenbridges_url}/bulk/files/edit", json=body)
    assert emu.sevenbridges.files[BAM]["metadata"] == {"review": "ok"}
    assert emu.sevenbridges.files[BAM]["tags"] == ["WGS", "tumor", "bam", "reviewed"]


def test_bulk_update_erases_omitted_fields(sb: requests.Session, emu: Emulator) -> None:
    sb.post(f"{emu.sevenbridges_url}/bulk/files/update", json={"items": [{"id": BAM, "metadata": {"only": "x"}}]})
    bam = emu.sevenbridges.files[BAM]
    assert (bam["name"], bam["metadata"], bam["tags"]) == ("HCC1143.bam", {"only": "x"}, [])


def test_bulk_per_item_errors(sb: requests.Session, emu: Emulator) -> None:
    body = {"items": [
        {"id": FOLDER_FASTQ, "tags": []}, {"id": FILE_REFERENCE_GENOME, "tags": []}, {"id": BAM, "metadata": {"": "x"}},
        {"tags": []}, "junk", {"id": VCF, "tags": ["fine"]},
    ]}  # fmt: skip
    items = sb.post(f"{emu.sevenbridges_url}/bulk/files/edit", json=body).json()["items"]
    assert [item.get("error", {}).get("code") for item in items] == [5023, 5011, 5035, 5004, 5033, None]
    assert emu.sevenbridges.files[VCF]["tags"] == ["fine"]


@pytest.mark.parametrize("path", ["get", "update", "edit"])
def test_bulk_over_100_items_is_400_5033(sb: requests.Session, emu: Emulator, path: str) -> None:
    key = "file_ids" if path == "get" else "items"
    values: list[Any] = [BAM] * 101 if path == "get" else [{"id": BAM}] * 101
    response = sb.post(f"{emu.sevenbridges_url}/bulk/files/{path}", json={key: values})
    assert (response.status_code, response.json()["code"]) == (400, 5033)
    assert sb.post(f"{emu.sevenbridges_url}/bulk/files/{path}", json={key: values[:100]}).status_code == 200
