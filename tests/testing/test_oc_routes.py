"""One Codex read routes (oc_routes): tags, projects, metadata, users, account."""

from __future__ import annotations

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.errors import WERKZEUG_MESSAGES
from genomics_provider.testing.seeds_onecodex import (
    PROJECT_READ_ONLY,
    PROJECT_SOIL,
    PROJECT_TEST,
    TAG_DUPLICATE_1,
    TAG_DUPLICATE_2,
    TAG_QC_PASSED,
    USER_ME,
)
from genomics_provider.testing.state import link_id
from tests.testing.conftest import LISTED, OC, ids, listing


def test_tags_projects_metadata_users(oc: requests.Session, emu: Emulator) -> None:
    duplicates = listing(oc, emu, "/tags", where={"name": "duplicate"})
    assert ids(duplicates) == [TAG_DUPLICATE_1, TAG_DUPLICATE_2]
    assert oc.get(f"{emu.url}{OC}/tags/{TAG_QC_PASSED}").json() == {
        "$uri": f"/api/v1/tags/{TAG_QC_PASSED}",
        "name": "qc-passed",
    }
    assert ids(listing(oc, emu, "/projects", where={"project_name": "ro_collab"})) == [PROJECT_READ_ONLY]
    assert ids(listing(oc, emu, "/projects", where={"permissions": {"$contains": "can_add_files"}})) == [
        "4b53797444f846c4",
        PROJECT_SOIL,
    ]
    read_only = oc.get(f"{emu.url}{OC}/projects/{PROJECT_READ_ONLY}").json()
    assert read_only["permissions"] == ["can_see_files", "can_download_files"]
    metadata = listing(oc, emu, "/metadata", where={"platform": "Illumina HiSeq"})
    assert ids(metadata) == ["a7fc7e430e704e2e"]
    assert metadata.json()[0]["custom"] == {"totalige": 112.0}
    assert oc.get(f"{emu.url}{OC}/metadata/9f1b3d5f7b8d0f2b").status_code == 404  # colleague's private sample
    assert oc.get(f"{emu.url}{OC}/users/{USER_ME}").json() == {
        "$uri": f"/api/v1/users/{USER_ME}",
        "email": "emulator-user@example.com",
        "username": "emulator_user",
    }
    assert oc.get(f"{emu.url}{OC}/users/0000000000000000").status_code == 404


@pytest.mark.parametrize("path", ["/tags/ffffffffffffffff", "/projects/ffffffffffffffff", "/users/not-an-id"])
def test_an_unknown_object_is_the_werkzeug_404(oc: requests.Session, emu: Emulator, path: str) -> None:
    response = oc.get(f"{emu.url}{OC}{path}")
    assert (response.status_code, response.json()) == (404, {"message": WERKZEUG_MESSAGES[404], "status": 404})


def test_account_expands_its_user_and_is_404_without_one(oc: requests.Session, emu: Emulator) -> None:
    account = oc.get(f"{emu.url}{OC}/account", params={"expand": "all"}).json()
    assert account["user"] == {
        "$uri": f"/api/v1/users/{USER_ME}", "email": "emulator-user@example.com", "username": "emulator_user"
    }  # fmt: skip
    assert (account["credits"], account["coupons"]) == (0, [])
    emu.onecodex.accounts.clear()
    assert oc.get(f"{emu.url}{OC}/account").status_code == 404


def test_metadata_list_follows_the_samples_list(oc: requests.Session, emu: Emulator) -> None:
    response = listing(oc, emu, "/metadata", per_page=100)
    expected = [link_id(emu.onecodex.samples[sample_id]["metadata"]) for sample_id in LISTED]
    assert ids(response) == expected
    assert response.headers["X-Total-Count"] == str(len(LISTED))
    cursor = oc.get(f"{emu.url}{OC}/metadata", params={"per_page": 2}, headers={"X-Pagination-Style": "cursor"})
    assert "X-Next-Cursor" in cursor.headers


def test_projects_list_every_project_and_public_ones_apart(oc: requests.Session, emu: Emulator) -> None:
    assert ids(listing(oc, emu, "/projects")) == [PROJECT_TEST, PROJECT_SOIL, PROJECT_READ_ONLY]
    soil = oc.get(f"{emu.url}{OC}/projects/{PROJECT_SOIL}", params={"expand": "all"}).json()
    assert soil["owner"]["$uri"] == f"/api/v1/users/{USER_ME}"
