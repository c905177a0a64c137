"""Seven Bridges: auth, projects, listing rules, envelope, writes (details/metadata/tags), folders, bulk."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.errors import SB_MORE_INFO
from genomics_provider.testing.seeds_sevenbridges import (
    FILE_ARCHIVED_BAM,
    FILE_REFERENCE_GENOME,
    FOLDER_FASTQ,
    FOLDER_LANE2,
    PROJECT_DEMO,
    TASK_RUN_1,
)
from tests.testing.conftest import SB_TOKEN

BAM = "65a100000000000000000201"
BAI = "65a100000000000000000202"
VCF = "65a100000000000000000203"
DBSNP = "65a100000000000000000601"
RUN_1 = [f"65a1000000000000000002{i:02d}" for i in range(1, 6)]


def error(status: int, code: int, message: str) -> dict[str, Any]:
    return {"status": status, "code": code, "message": message, "more_info": SB_MORE_INFO}


def files(sb: requests.Session, emu: Emulator, params: Any) -> requests.Response:
    return sb.get(f"{emu.sevenbridges_url}/files", params=params)


def test_root_needs_no_token_and_lists_absolute_urls(emu: Emulator) -> None:
    response = requests.get(f"{emu.sevenbridges_url}/", timeout=10)
    assert response.status_code == 200
    assert response.json()["files_url"] == f"{emu.sevenbridges_url}/files"
    assert response.json()["rate_limit_url"] == f"{emu.sevenbridges_url}/rate_limit"


@pytest.mark.parametrize("headers", [{"X-SBG-Auth-Token": SB_TOKEN}, {"Authorization": f"Bearer {SB_TOKEN}"}])
def test_user_with_either_header(emu: Emulator, headers: dict[str, str]) -> None:
    response = requests.get(f"{emu.sevenbridges_url}/user", headers=headers, timeout=10)
    assert response.status_code == 200
    assert response.json()["username"] == "rfranklin"
    assert response.json()["href"] == f"{emu.sevenbridges_url}/users/rfranklin"
    assert response.headers["X-RateLimit-Limit"] == "1000"


@pytest.mark.parametrize("headers", [{}, {"X-SBG-Auth-Token": "wrong"}, {"X-API-Key": SB_TOKEN}])
def test_401_body(emu: Emulator, headers: dict[str, str]) -> None:
    response = requests.get(f"{emu.sevenbridges_url}/user", headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json() == error(401, 401, "Unauthorized")
    assert response.headers["X-Request-Id"]


def test_project_lookup_errors(sb: requests.Session, emu: Emulator) -> None:
    found = sb.get(f"{emu.sevenbridges_url}/projects/{PROJECT_DEMO}")
    assert found.status_code == 200
    assert found.json()["href"] == f"{emu.sevenbridges_url}/projects/{PROJECT_DEMO}"
    assert found.json()["permissions"]["write"] is True
    missing = sb.get(f"{emu.sevenbridges_url}/projects/rfranklin/nope")
    assert (missing.status_code, missing.json()) == (
        404,
        error(404, 3002, "Requested project or member does not exist."),
    )
    malformed = sb.get(f"{emu.sevenbridges_url}/projects/rfranklin/bad%20name")
    assert (malformed.status_code, malformed.json()["code"]) == (400, 3012)
    listed = sb.get(f"{emu.sevenbridges_url}/projects/").json()
    assert [p["id"] for p in listed["items"]] == [PROJECT_DEMO, "rfranklin/archive", "jdoe/reference-data"]


def test_unknown_route_and_method(sb: requests.Session, emu: Emulator) -> None:
    assert sb.get(f"{emu.sevenbridges_url}/nothing").json()["code"] == 404
    wrong = sb.delete(f"{emu.sevenbridges_url}/files/{BAM}/tags")
    assert wrong.status_code == 405
    assert wrong.json()["status"] == 405


def test_list_project_root_with_default_fields_and_envelope(sb: requests.Session, emu: Emulator) -> None:
    response = files(sb, emu, {"project": PROJECT_DEMO, "limit": 5})
    assert response.status_code == 200
    assert response.headers["X-Total-Matching-Query"] == "14"
    body = response.json()
    assert body["href"] == response.url == f"{emu.sevenbridges_url}/files?project=rfranklin%2Fdemo-project&limit=5"
    assert body["items"][0] == {
        "href": f"{emu.sevenbridges_url}/files/{FOLDER_FASTQ}", "id": FOLDER_FASTQ, "name": "fastq", "type": "folder",
        "project": PROJECT_DEMO, "parent": "65f000000000000000000001",
    }  # fmt: skip
    assert body["links"] == [
        {"href": f"{emu.sevenbridges_url}/files?project={PROJECT_DEMO}&offset=5&limit=5", "rel": "next",
         "method": "GET"}
    ]  # fmt: skip
    second = sb.get(body["links"][0]["href"]).json()
    assert [link["rel"] for link in second["links"]] == ["next", "prev"]
    last = files(sb, emu, {"project": PROJECT_DEMO, "limit": 5, "offset": 10}).json()
    assert len(last["items"]) == 4
    assert [link["rel"] for link in last["links"]] == ["prev"]


def test_filters_or_within_and_across_parameters(sb: requests.Session, emu: Emulator) -> None:
    by_run = files(sb, emu, {"project": PROJECT_DEMO, "origin.task": TASK_RUN_1, "metadata.sample_id": "HCC1143"})
    assert [item["id"] for item in by_run.json()["items"]] == RUN_1
    either = files(sb, emu, [("project", PROJECT_DEMO), ("tag", "vcf"), ("tag", "qc")])
    assert [item["name"] for item in either.json()["items"]] == [
        "HCC1143.vcf.gz", "HCC1143.metrics.txt", "HCC1954.vcf.gz", "HCC1954.metrics.txt"
    ]  # fmt: skip
    both = files(sb, emu, [("project", PROJECT_DEMO), ("tag", "vcf"), ("metadata.sample_id", "HCC1954")])
    assert [item["name"] for item in both.json()["items"]] == ["HCC1954.vcf.gz"]
    assert both.headers["X-Total-Matching-Query"] == "1"
    named = files(sb, emu, [("project", PROJECT_DEMO), ("name", "notes.txt"), ("name", "GRCh38.fa")])
    assert [item["name"] for item in named.json()["items"]] == ["GRCh38.fa", "notes.txt"]
    dataset = files(sb, emu, {"project": PROJECT_DEMO, "origin.dataset": "reference-genomes"})
    assert [item["id"] for item in dataset.json()["items"]] == [FILE_REFERENCE_GENOME]
    none = files(sb, emu, {"project": PROJECT_DEMO, "metadata.sample_id": "nobody"})
    assert (none.json()["items"], none.json()["links"], none.headers["X-Total-Matching-Query"]) == ([], [], "0")


def test_listing_is_one_level_and_parent_works(sb: requests.Session, emu: Emulator) -> None:
    fastq = files(sb, emu, {"parent": FOLDER_FASTQ}).json()["items"]
    assert [item["name"] for item in fastq] == [
        "lane2", "HCC1143_R1.fastq.gz", "HCC1143_R2.fastq.gz", "HCC1954_R1.fastq.gz", "HCC1954_R2.fastq.gz"
    ]  # fmt: skip
    lane2 = files(sb, emu, {"parent": FOLDER_LANE2}).json()["items"]
    assert [item["parent"] for item in lane2] == [FOLDER_LANE2, FOLDER_LANE2]
    assert sb.get(f"{emu.sevenbridges_url}/files/{FOLDER_LANE2}/list").json()["items"] == lane2


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 400, 5005),
        ({"project": PROJECT_DEMO, "parent": FOLDER_FASTQ}, 400, 5029),
        ({"project": "no-slash"}, 400, 5005),
        ({"project": "rfranklin/missing"}, 404, 3002),
        ({"parent": BAM}, 404, 5002),
        ({"project": PROJECT_DEMO, "limit": "x"}, 400, 5033),
        ({"project": PROJECT_DEMO, "offset": -1}, 400, 5033),
        ({"project": PROJECT_DEMO, "limit": 0}, 400, 5033),
    ],
)
def test_listing_errors(sb: requests.Session, emu: Emulator, params: dict[str, Any], status: int, code: int) -> None:
    response = files(sb, emu, params)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert set(response.json()) == {"status", "code", "message", "more_info"}


def test_limit_above_100_is_capped_or_rejected() -> None:
    with Emulator(seed="demo", sb_files=150, rate_limit_enabled=False) as emu, requests.Session() as sb:
        sb.headers["X-SBG-Auth-Token"] = emu.config.sevenbridges_token
        capped = files(sb, emu, {"project": "rfranklin/scale-test", "limit": 500})
        assert len(capped.json()["items"]) == 100
        assert capped.headers["X-Total-Matching-Query"] == "150"
        assert capped.json()["links"][0]["href"].endswith("offset=100&limit=100")
        assert len(files(sb, emu, {"project": "rfranklin/scale-test"}).json()["items"]) == 50
        emu.config.limit_over_max = "reject"
        assert files(sb, emu, {"project": "rfranklin/scale-test", "limit": 101}).status_code == 400


def test_fields_selection(sb: requests.Session, emu: Emulator) -> None:
    params = {"project": PROJECT_DEMO, "name": "HCC1143.bam"}
    full = files(sb, emu, {**params, "fields": "_all"}).json()["items"][0]
    assert full["tags"] == ["WGS", "tumor", "bam"]
    assert full["metadata"]["sample_id"] == "HCC1143"
    assert full["origin"] == {"task": TASK_RUN_1}
    assert full == sb.get(f"{emu.sevenbridges_url}/files/{BAM}").json()
    assert files(sb, emu, {**params, "fields": "id,name"}).json()["items"] == [{"id": BAM, "name": "HCC1143.bam"}]
    single = sb.get(f"{emu.sevenbridges_url}/files/{BAM}", params={"fields": "!metadata,!tags"}).json()
    assert "metadata" not in single
    assert single["size"] == 63703339


def test_file_get(sb: requests.Session, emu: Emulator) -> None:
    body = sb.get(f"{emu.sevenbridges_url}/files/{BAM}").json()
    assert body["href"] == f"{emu.sevenbridges_url}/files/{BAM}"
    assert body["created_on"] == "2024-03-02T12:00:00Z"
    missing = sb.get(f"{emu.sevenbridges_url}/files/{'0' * 24}")
    assert (missing.status_code, missing.json()) == (404, error(404, 5002, "Requested file does not exist."))


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


def test_scale_seed_lists_fast_and_filters() -> None:
    with Emulator(seed="demo", sb_files=100_000, rate_limit_enabled=False) as emu, requests.Session() as sb:
        sb.headers["X-SBG-Auth-Token"] = emu.config.sevenbridges_token
        assert len(emu.sevenbridges.files) == 100_030
        last = files(sb, emu, {"project": "rfranklin/scale-test", "offset": 99_950, "limit": 100})
        assert last.headers["X-Total-Matching-Query"] == "100000"
        assert last.json()["items"][-1]["name"] == "file_099999.txt"
        batch = files(sb, emu, {"project": "rfranklin/scale-test", "metadata.sample_id": "S00010", "fields": "_all"})
        assert [item["id"] for item in batch.json()["items"]] == [f"5ca1e{i:019x}" for i in range(40, 44)]


def test_listing_follows_files_added_or_deleted_directly_in_the_state(sb: requests.Session, emu: Emulator) -> None:
    state = emu.sevenbridges
    root = {"project": "rfranklin/demo-project", "limit": 100}
    before = [item["id"] for item in files(sb, emu, root).json()["items"]]

    del state.files[before[0]]  # behind add_file's back
    added = state.add_file({"name": "late.bam", "project": "rfranklin/demo-project"})
    listed = [item["id"] for item in files(sb, emu, root).json()["items"]]

    assert listed == [*before[1:], added["id"]]
    assert files(sb, emu, root).headers["X-Total-Matching-Query"] == str(len(before))
