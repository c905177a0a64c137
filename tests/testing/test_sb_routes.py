"""Seven Bridges read routes (sb_routes): root, user, projects, listing filters, folders, files."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.seeds_sevenbridges import (
    FILE_REFERENCE_GENOME,
    FOLDER_FASTQ,
    FOLDER_LANE2,
    PROJECT_DEMO,
    ROOT_DEMO,
    TASK_RUN_1,
)
from tests.testing.conftest import sb_error_body as error
from tests.testing.conftest import sb_files as files

BAM = "65a100000000000000000201"
BAI = "65a100000000000000000202"
VCF = "65a100000000000000000203"
DBSNP = "65a100000000000000000601"
RUN_1 = [f"65a1000000000000000002{i:02d}" for i in range(1, 6)]


def test_root_needs_no_token_and_lists_absolute_urls(emu: Emulator) -> None:
    response = requests.get(f"{emu.sevenbridges_url}/", timeout=10)
    assert response.status_code == 200
    assert response.json()["files_url"] == f"{emu.sevenbridges_url}/files"
    assert response.json()["rate_limit_url"] == f"{emu.sevenbridges_url}/rate_limit"


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


def test_file_get(sb: requests.Session, emu: Emulator) -> None:
    body = sb.get(f"{emu.sevenbridges_url}/files/{BAM}").json()
    assert body["href"] == f"{emu.sevenbridges_url}/files/{BAM}"
    assert body["created_on"] == "2024-03-02T12:00:00Z"
    missing = sb.get(f"{emu.sevenbridges_url}/files/{'0' * 24}")
    assert (missing.status_code, missing.json()) == (404, error(404, 5002, "Requested file does not exist."))


def test_scale_seed_lists_fast_and_filters() -> None:
    with Emulator(seed="demo", sb_files=100_000, rate_limit_enabled=False) as emu, requests.Session() as sb:
        sb.headers["X-SBG-Auth-Token"] = emu.config.sevenbridges_token
        assert len(emu.sevenbridges.files) == 100_030
        last = files(sb, emu, {"project": "rfranklin/scale-test", "offset": 99_950, "limit": 100})
        assert last.headers["X-Total-Matching-Query"] == "100000"
        assert last.json()["items"][-1]["name"] == "file_099999.txt"
        batch = files(sb, emu, {"project": "rfranklin/scale-test", "metadata.sample_id": "S00010", "fields": "_all"})
        assert [item["id"] for item in batch.json()["items"]] == [f"5ca1e{i:019x}" for i in range(40, 44)]


def test_root_lists_every_resource_url(emu: Emulator) -> None:
    body = requests.get(f"{emu.sevenbridges_url}/", timeout=10).json()
    names = ["user", "users", "projects", "files", "tasks", "apps", "rate_limit", "storage", "billing"]
    assert body == {
        **{f"{name}_url": f"{emu.sevenbridges_url}/{name}" for name in names},
        "upload_url": f"{emu.sevenbridges_url}/upload/multipart",
        "action_url": f"{emu.sevenbridges_url}/action",
    }


def test_projects_of_one_owner_and_default_list_fields(sb: requests.Session, emu: Emulator) -> None:
    body = sb.get(f"{emu.sevenbridges_url}/projects/jdoe").json()
    assert body["items"] == [{
        "href": f"{emu.sevenbridges_url}/projects/jdoe/reference-data", "id": "jdoe/reference-data",
        "name": "Reference data", "category": "PRIVATE",
    }]  # fmt: skip
    assert body["href"] == f"{emu.sevenbridges_url}/projects/jdoe"
    assert sb.get(f"{emu.sevenbridges_url}/projects/nobody").json()["items"] == []


def test_folder_list_of_a_root_and_of_a_file(sb: requests.Session, emu: Emulator) -> None:
    root = sb.get(f"{emu.sevenbridges_url}/files/{ROOT_DEMO}/list", params={"limit": 100}).json()["items"]
    assert [item["id"] for item in root] == [
        item["id"] for item in files(sb, emu, {"project": PROJECT_DEMO, "limit": 100}).json()["items"]
    ]
    not_a_folder = sb.get(f"{emu.sevenbridges_url}/files/{BAM}/list")
    assert (not_a_folder.status_code, not_a_folder.json()) == (
        404, error(404, 5002, "Requested folder does not exist.")
    )  # fmt: skip


def test_metadata_filters_match_exact_values(sb: requests.Session, emu: Emulator) -> None:
    by_prefix = files(sb, emu, {"project": PROJECT_DEMO, "metadata.sample_id": "HCC"})
    assert by_prefix.json()["items"] == []
    either = files(sb, emu, [("project", PROJECT_DEMO), ("metadata.sample_id", "HCC1143"),
                             ("metadata.sample_id", "HCC1954"), ("origin.task", TASK_RUN_1)])  # fmt: skip
    assert [item["id"] for item in either.json()["items"]] == RUN_1
