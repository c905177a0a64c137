"""One Codex writes (oc_writes): sample PATCH forms and refusals, tag POST, metadata PATCH, delete."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.errors import WERKZEUG_MESSAGES
from genomics_provider.testing.seeds_onecodex import (
    PROJECT_READ_ONLY,
    PROJECT_SOIL,
    PROJECT_TEST,
    SAMPLE_1,
    SAMPLE_COLLEAGUE_PRIVATE,
    SAMPLE_COLLEAGUE_SHARED,
    SAMPLE_EXTERNAL_PUBLIC,
    SAMPLE_GUT,
    SAMPLE_MOCK,
    TAG_DATASET_2,
    TAG_QC_PASSED,
    TAG_S_AUREUS,
)
from tests.testing.conftest import OC

META_1 = "a7fc7e430e704e2e"


def patch(oc: requests.Session, emu: Emulator, body: Any, sample: str = SAMPLE_1) -> requests.Response:
    return oc.patch(f"{emu.url}{OC}/samples/{sample}", json=body)


def tag_ref(tag_id: str) -> dict[str, str]:
    return {"$ref": f"/api/v1/tags/{tag_id}"}


@pytest.mark.parametrize(
    ("body", "project"),
    [
        ({"project": {"$ref": f"/api/v1/projects/{PROJECT_SOIL}"}}, PROJECT_SOIL),
        ({"project": PROJECT_SOIL}, PROJECT_SOIL),
        ({"project": {"$uri": f"/api/v1/projects/{PROJECT_TEST}", "name": "Test"}}, PROJECT_TEST),
    ],
    ids=["ref", "bare-id", "full-object"],
)
def test_project_forms(oc: requests.Session, emu: Emulator, body: dict[str, Any], project: str) -> None:
    response = patch(oc, emu, body)
    assert response.status_code == 200
    assert response.json()["project"] == {"$ref": f"/api/v1/projects/{project}"}
    assert emu.onecodex.samples[SAMPLE_1]["project"] == {"$ref": f"/api/v1/projects/{project}"}


def test_only_present_keys_change_and_updated_at_is_set(oc: requests.Session, emu: Emulator) -> None:
    before = dict(emu.onecodex.samples[SAMPLE_GUT])
    response = patch(oc, emu, {"visibility": "public"}, SAMPLE_GUT)
    after = emu.onecodex.samples[SAMPLE_GUT]
    assert response.json() == after
    assert after["visibility"] == "public"
    assert after["updated_at"] is not None
    assert {k: v for k, v in after.items() if k not in ("visibility", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("visibility", "updated_at")
    }
    assert patch(oc, emu, {"project": None}, SAMPLE_GUT).json()["project"] is None


def test_tags_are_replaced_whole_in_both_reference_forms(oc: requests.Session, emu: Emulator) -> None:
    response = patch(oc, emu, {"tags": [tag_ref(TAG_QC_PASSED), TAG_DATASET_2, tag_ref(TAG_QC_PASSED)]})
    assert response.status_code == 200
    assert emu.onecodex.sample_tag_ids(SAMPLE_1) == [TAG_QC_PASSED, TAG_DATASET_2]
    assert patch(oc, emu, {"tags": []}).json()["tags"] == []


def test_inline_tags_reuse_by_default_and_create_when_switched(oc: requests.Session, emu: Emulator) -> None:
    tags_before = len(emu.onecodex.tags)
    patch(oc, emu, {"tags": [{"name": "qc-passed"}, {"name": "brand new"}]})
    created = emu.onecodex.tag_ids_named("brand new")
    assert emu.onecodex.sample_tag_ids(SAMPLE_1) == [TAG_QC_PASSED, *created]
    assert len(emu.onecodex.tags) == tags_before + 1
    emu.config.inline_tag_reuse = False
    patch(oc, emu, {"tags": [{"name": "qc-passed"}]})
    assert len(emu.onecodex.tag_ids_named("qc-passed")) == 2
    assert emu.onecodex.sample_tag_ids(SAMPLE_1) != [TAG_QC_PASSED]


@pytest.mark.parametrize(
    "body",
    [
        {"status": "available"},
        {"visibility": "secret"},
        {"visibility": None},
        {"project": {"$ref": "/api/v1/projects/nothex"}},
        {"project": {"$ref": f"/api/v1/tags/{TAG_QC_PASSED}"}},
        {"project": "ffffffffffffffff"},
        {"tags": None},
        {"tags": "not-a-list"},
        {"tags": [tag_ref("ffffffffffffffff")]},
        {"tags": [{"$ref": "/api/v1/tags/x"}]},
        {"tags": [tag_ref(TAG_QC_PASSED), {"name": "mixed"}]},
        {"tags": [{"name": "x" * 31}]},
        [1, 2],
        "text",
    ],
)
def test_invalid_sample_patches_are_400_and_change_nothing(oc: requests.Session, emu: Emulator, body: Any) -> None:
    before = dict(emu.onecodex.samples[SAMPLE_1])
    response = patch(oc, emu, body)
    assert response.status_code == 400
    assert response.json()["message"] == WERKZEUG_MESSAGES[400]
    assert emu.onecodex.samples[SAMPLE_1] == before


def test_malformed_json_is_400(oc: requests.Session, emu: Emulator) -> None:
    response = oc.patch(f"{emu.url}{OC}/samples/{SAMPLE_1}", data="{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_project_without_can_add_files_is_403(oc: requests.Session, emu: Emulator) -> None:
    response = patch(oc, emu, {"project": {"$ref": f"/api/v1/projects/{PROJECT_READ_ONLY}"}})
    assert response.status_code == 403
    assert response.json()["message"] == WERKZEUG_MESSAGES[403]
    assert emu.onecodex.samples[SAMPLE_1]["project"] is None


def test_org_policy_switch_forbids_shared_and_public(oc: requests.Session, emu: Emulator) -> None:
    emu.config.forbidden_visibility = {"shared", "public"}
    assert patch(oc, emu, {"visibility": "shared"}).status_code == 403
    assert patch(oc, emu, {"visibility": "public"}).status_code == 403
    assert patch(oc, emu, {"visibility": "private"}).status_code == 200
    assert emu.onecodex.samples[SAMPLE_1]["visibility"] == "private"


def test_other_users_samples(oc: requests.Session, emu: Emulator) -> None:
    assert patch(oc, emu, {"visibility": "private"}, SAMPLE_COLLEAGUE_SHARED).status_code == 403
    assert patch(oc, emu, {"visibility": "private"}, SAMPLE_EXTERNAL_PUBLIC).status_code == 403
    assert patch(oc, emu, {"visibility": "private"}, SAMPLE_COLLEAGUE_PRIVATE).status_code == 404
    assert patch(oc, emu, {"visibility": "private"}, "ffffffffffffffff").status_code == 404


def test_post_tag_creates_and_attaches(oc: requests.Session, emu: Emulator) -> None:
    response = oc.post(
        f"{emu.url}{OC}/tags", json={"name": "run-42", "sample": {"$ref": f"/api/v1/samples/{SAMPLE_MOCK}"}}
    )
    assert response.status_code == 200
    (tag_id,) = emu.onecodex.tag_ids_named("run-42")
    assert response.json() == {"$uri": f"/api/v1/tags/{tag_id}", "name": "run-42"}
    assert emu.onecodex.sample_tag_ids(SAMPLE_MOCK) == [tag_id]
    assert emu.onecodex.samples[SAMPLE_MOCK]["updated_at"] is not None


def test_post_tag_reuses_an_existing_name_unless_switched(oc: requests.Session, emu: Emulator) -> None:
    body = {"name": "S. aureus", "sample": {"$ref": f"/api/v1/samples/{SAMPLE_MOCK}"}}
    assert oc.post(f"{emu.url}{OC}/tags", json=body).json()["$uri"] == f"/api/v1/tags/{TAG_S_AUREUS}"
    assert emu.onecodex.tag_ids_named("S. aureus") == [TAG_S_AUREUS]
    emu.config.tag_post_reuse = False
    duplicate = oc.post(f"{emu.url}{OC}/tags", json={**body, "sample": SAMPLE_GUT}).json()
    assert duplicate["$uri"] != f"/api/v1/tags/{TAG_S_AUREUS}"
    assert len(emu.onecodex.tag_ids_named("S. aureus")) == 2


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "x"}, 400),
        ({"sample": {"$ref": f"/api/v1/samples/{SAMPLE_1}"}}, 400),
        ({"name": "x" * 31, "sample": {"$ref": f"/api/v1/samples/{SAMPLE_1}"}}, 400),
        ({"name": "", "sample": {"$ref": f"/api/v1/samples/{SAMPLE_1}"}}, 400),
        ({"name": "x", "sample": {"$ref": "/api/v1/samples/ffffffffffffffff"}}, 400),
        ({"name": "x", "sample": {"$ref": "/api/v1/samples/bad"}}, 400),
        ({"name": "x", "sample": {"$ref": f"/api/v1/samples/{SAMPLE_EXTERNAL_PUBLIC}"}}, 403),
    ],
)
def test_post_tag_refusals(oc: requests.Session, emu: Emulator, body: dict[str, Any], status: int) -> None:
    tags_before = dict(emu.onecodex.tags)
    assert oc.post(f"{emu.url}{OC}/tags", json=body).status_code == status
    assert emu.onecodex.tags == tags_before


def test_metadata_patch_validates_and_replaces_custom_whole(oc: requests.Session, emu: Emulator) -> None:
    body = {
        "platform": "Illumina NovaSeq 6000", "custom": {"run": "r1", "qc": True, "reads": 12, "note": None},
        "location_lat": -45.5, "date_collected": "2024-05-01T10:00:00Z", "external_sample_id": "x" * 60,
        "starred": True, "library_type": "Targeted/16S", "sample_type": None,
    }  # fmt: skip
    response = oc.patch(f"{emu.url}{OC}/metadata/{META_1}", json=body)
    assert response.status_code == 200
    record = emu.onecodex.metadata[META_1]
    assert response.json() == record
    assert record["custom"] == {"run": "r1", "qc": True, "reads": 12, "note": None}  # the old key is gone
    assert record["name"] == "sample 1"
    assert record["updated_at"] is not None
    assert emu.onecodex.metadata_for_sample(SAMPLE_1) is record


@pytest.mark.parametrize(
    "body",
    [
        {"$uri": f"/api/v1/metadata/{META_1}"},
        {"sample": {"$ref": f"/api/v1/samples/{SAMPLE_1}"}},
        {"updated_at": "2024-01-01T00:00:00Z"},
        {"unknown": 1},
        {"platform": "Illumina HiSeq 9000"},
        {"library_type": "WGS2"},
        {"location_lat": 90.5},
        {"location_lon": -181},
        {"location_lat": True},
        {"name": "x" * 256},
        {"external_sample_id": "x" * 61},
        {"location_string": "x" * 256},
        {"date_sequenced": "yesterday"},
        {"starred": "yes"},
        {"starred": None},
        {"custom": {"nested": {"a": 1}}},
        {"custom": {"list": [1]}},
        {"custom": "flat"},
    ],
)
def test_metadata_patch_refusals(oc: requests.Session, emu: Emulator, body: dict[str, Any]) -> None:
    before = dict(emu.onecodex.metadata[META_1])
    response = oc.patch(f"{emu.url}{OC}/metadata/{META_1}", json=body)
    assert response.status_code == 400
    assert response.json()["message"] == WERKZEUG_MESSAGES[400]
    assert emu.onecodex.metadata[META_1] == before


def test_metadata_of_someone_elses_sample(oc: requests.Session, emu: Emulator) -> None:
    assert oc.patch(f"{emu.url}{OC}/metadata/1b3d5f7b9d0f2b4d", json={"name": "x"}).status_code == 403
    assert oc.patch(f"{emu.url}{OC}/metadata/9f1b3d5f7b8d0f2b", json={"name": "x"}).status_code == 404
    assert oc.patch(f"{emu.url}{OC}/metadata/{'0' * 16}", json={"name": "x"}).status_code == 404


def test_delete_sample(oc: requests.Session, emu: Emulator) -> None:
    response = oc.delete(f"{emu.url}{OC}/samples/{SAMPLE_MOCK}")
    assert (response.status_code, response.content) == (204, b"")
    assert SAMPLE_MOCK not in emu.onecodex.samples
    assert "5b7d9f1b3d4f6b8d" not in emu.onecodex.metadata
    assert oc.delete(f"{emu.url}{OC}/samples/{SAMPLE_COLLEAGUE_SHARED}").status_code == 403
