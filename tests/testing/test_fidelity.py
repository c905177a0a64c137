"""Fidelity: where the emulator once answered what the real services do not (issue 14)."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.config import DEFAULT_ONECODEX_BEARER_TOKEN
from genomics_provider.testing.errors import WERKZEUG_MESSAGES
from genomics_provider.testing.seeds_onecodex import PROJECT_READ_ONLY
from tests.testing.conftest import OC, OC_KEY

UNAUTHORIZED = {"message": WERKZEUG_MESSAGES[401], "status": 401}
BASIC = "Basic " + base64.b64encode(f"{OC_KEY}:".encode()).decode()


def test_every_seeded_sample_carries_a_real_updated_at(oc: requests.Session, emu: Emulator) -> None:
    samples = oc.get(f"{emu.url}{OC}/samples", params={"per_page": 100}).json()
    assert len(samples) == 9
    assert [s["updated_at"] for s in samples] == [s["created_at"] for s in samples]
    assert all(isinstance(s["updated_at"], str) for s in samples)


def test_public_projects_list_the_public_projects_only(oc: requests.Session, emu: Emulator) -> None:
    response = oc.get(f"{emu.url}{OC}/projects/public")
    assert response.status_code == 200
    assert [p["$uri"] for p in response.json()] == [f"/api/v1/projects/{PROJECT_READ_ONLY}"]
    assert response.headers["X-Total-Count"] == "1"
    anonymous = requests.get(f"{emu.url}{OC}/projects/public", timeout=10)
    assert (anonymous.status_code, anonymous.json()) == (200, [])


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["Archive"], ["rfranklin/archive"]),
        (["Archive", "Demo Project"], ["rfranklin/demo-project", "rfranklin/archive"]),
        (["archive"], []),
    ],
    ids=["one", "repeated", "exact-case"],
)
def test_sevenbridges_projects_filter_by_exact_name(
    sb: requests.Session, emu: Emulator, names: list[str], expected: list[str]
) -> None:
    response = sb.get(f"{emu.sevenbridges_url}/projects", params={"name": names})
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["items"]] == expected
    assert response.headers["X-Total-Matching-Query"] == str(len(expected))


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": f"Bearer {OC_KEY}"},
        {"Authorization": f"Bearer {OC_KEY}", "X-API-Key": OC_KEY},
        {"Authorization": BASIC, "X-API-Key": "a-wrong-key"},
        {"Authorization": f"Bearer {DEFAULT_ONECODEX_BEARER_TOKEN}x"},
    ],
    ids=["api-key-as-bearer", "bearer-wins-over-a-good-x-api-key", "wrong-x-api-key-beside-basic", "wrong-jwt"],
)
def test_onecodex_refuses_what_the_service_refuses(emu: Emulator, headers: dict[str, str]) -> None:
    response = requests.get(f"{emu.url}{OC}/account", headers=headers, timeout=10)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    assert emu.recorder.last().status == 401


def test_a_valid_x_api_key_beside_valid_basic_is_accepted(emu: Emulator) -> None:
    response = requests.get(f"{emu.url}{OC}/account", headers={"Authorization": BASIC, "X-API-Key": OC_KEY}, timeout=10)
    assert response.status_code == 200


def test_a_bad_sort_names_sort_and_a_bad_where_names_where(oc: requests.Session, emu: Emulator) -> None:
    sort = oc.get(f"{emu.url}{OC}/samples", params={"sort": json.dumps({"tags": True})})
    assert sort.status_code == 400
    assert sort.json()["errors"] == [{"path": ["sort"], "message": "sort: cannot sort samples on 'tags'"}]
    where = oc.get(f"{emu.url}{OC}/samples", params={"where": json.dumps({"nonexistent_field": 1})})
    assert where.json()["errors"] == [
        {"path": ["where"], "message": "where: cannot filter or sort samples on 'nonexistent_field'"}
    ]
