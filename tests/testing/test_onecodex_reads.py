"""One Codex reads: auth, errors, representation, expand, where/sort, page and cursor pagination."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.config import DEFAULT_ONECODEX_BEARER_TOKEN
from genomics_provider.testing.errors import WERKZEUG_MESSAGES
from genomics_provider.testing.seeds_onecodex import (
    PROJECT_READ_ONLY,
    PROJECT_SOIL,
    SAMPLE_1,
    SAMPLE_COLLEAGUE_PRIVATE,
    SAMPLE_COLLEAGUE_SHARED,
    SAMPLE_EXTERNAL_PUBLIC,
    SAMPLE_SOIL_A1,
    SAMPLE_SOIL_A2,
    TAG_DUPLICATE_1,
    TAG_DUPLICATE_2,
    TAG_NEG_CONTROL,
    TAG_QC_PASSED,
    TAG_S_AUREUS,
    USER_ME,
)
from tests.testing.conftest import OC, OC_KEY

MINE = [
    "7428cca4a3a04a8e", "1d5a9c3e7b2f4a60", "2b8e4f1a6c3d9e70", "3c9f5a2b7d4e0f81", "4d0a6b3c8e5f1a92",
    "5e1b7c4d9f6a2ba3", "6f2c8d5e0a7b3cb4", "7a3d9e6f1b8c4dc5",
]  # fmt: skip
LISTED = [*MINE, SAMPLE_EXTERNAL_PUBLIC]  # /samples: own samples plus samples of projects the caller can see


def ids(response: requests.Response) -> list[str]:
    return [item["$uri"].rsplit("/", 1)[1] for item in response.json()]


def listing(oc: requests.Session, emu: Emulator, path: str = "/samples", **params: Any) -> requests.Response:
    encoded = {k: json.dumps(v) if k in ("where", "sort") else v for k, v in params.items()}
    return oc.get(f"{emu.url}{OC}{path}", params=encoded)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": OC_KEY},
        {"Authorization": "Basic " + base64.b64encode(f"{OC_KEY}:".encode()).decode()},
        {"Authorization": f"Bearer {DEFAULT_ONECODEX_BEARER_TOKEN}"},
    ],
    ids=["x-api-key", "basic", "bearer"],
)
def test_every_documented_auth_scheme_is_accepted(emu: Emulator, headers: dict[str, str]) -> None:
    response = requests.get(f"{emu.url}{OC}/account", headers=headers, timeout=10)
    assert response.status_code == 200
    assert response.json()["user"] == {"$ref": f"/api/v1/users/{USER_ME}"}
    assert response.json()["email"] == "emulator-user@example.com"


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}])
def test_missing_or_bad_credentials_get_the_werkzeug_401(emu: Emulator, headers: dict[str, str]) -> None:
    response = requests.get(f"{emu.url}{OC}/samples/{SAMPLE_1}", headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json() == {"message": WERKZEUG_MESSAGES[401], "status": 401}
    assert "could not verify that you are authorized" in response.json()["message"]


def test_anonymous_list_answers_an_empty_page_and_a_bad_key_still_401(emu: Emulator) -> None:
    anonymous = requests.get(f"{emu.url}{OC}/samples", timeout=10)
    assert (anonymous.status_code, anonymous.json(), anonymous.headers["X-Total-Count"]) == (200, [], "0")
    assert requests.get(f"{emu.url}{OC}/samples", headers={"X-API-Key": "nope"}, timeout=10).status_code == 401
    emu.config.anonymous_lists_empty = False
    assert requests.get(f"{emu.url}{OC}/samples", timeout=10).status_code == 401


def test_unknown_path_404_and_wrong_method_405_use_werkzeug_bodies(oc: requests.Session, emu: Emulator) -> None:
    missing = oc.get(f"{emu.url}{OC}/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"message": WERKZEUG_MESSAGES[404], "status": 404}
    wrong = oc.put(f"{emu.url}{OC}/tags/{TAG_QC_PASSED}", json={})
    assert wrong.status_code == 405
    assert wrong.json() == {"message": WERKZEUG_MESSAGES[405], "status": 405}
    assert wrong.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert oc.get(f"{emu.url}/").status_code == 404


def test_sample_representation_uses_uri_and_ref_links(oc: requests.Session, emu: Emulator) -> None:
    body = oc.get(f"{emu.url}{OC}/samples/{SAMPLE_1}").json()
    assert body == {
        "$uri": f"/api/v1/samples/{SAMPLE_1}",
        "created_at": "2015-09-25T17:27:19.596555-07:00",
        "updated_at": "2015-09-25T17:27:19.596555-07:00",
        "error_msg": None,
        "filename": "SRR2352185.fastq.gz",
        "size": 181687821,
        "metadata": {"$ref": "/api/v1/metadata/a7fc7e430e704e2e"},
        "owner": {"$ref": f"/api/v1/users/{USER_ME}"},
        "primary_classification": {"$ref": "/api/v1/classifications/464a7ebcf9f84050"},
        "project": None,
        "tags": [{"$ref": f"/api/v1/tags/{TAG_S_AUREUS}"}, {"$ref": f"/api/v1/tags/{TAG_NEG_CONTROL}"}],
        "visibility": "private",
        "status": "available",
    }
    assert body == emu.onecodex.samples[SAMPLE_1]


def test_expand_all_goes_one_level(oc: requests.Session, emu: Emulator) -> None:
    body = oc.get(f"{emu.url}{OC}/samples/{SAMPLE_SOIL_A1}", params={"expand": "all"}).json()
    assert body["tags"] == [{"$uri": f"/api/v1/tags/{TAG_QC_PASSED}", "name": "qc-passed"}]
    assert body["project"]["project_name"] == "soil_2024"
    assert body["project"]["owner"] == {"$ref": f"/api/v1/users/{USER_ME}"}
    assert body["metadata"]["sample"] == {"$ref": f"/api/v1/samples/{SAMPLE_SOIL_A1}"}
    assert body["owner"]["email"] == "emulator-user@example.com"
    assert body["primary_classification"] == {"$ref": "/api/v1/classifications/6b8d0f2c4e6a8b0d"}


def test_visibility_rules_for_other_users_samples(oc: requests.Session, emu: Emulator) -> None:
    hidden = oc.get(f"{emu.url}{OC}/samples/{SAMPLE_COLLEAGUE_PRIVATE}")
    assert hidden.status_code == 404
    assert hidden.json() == {"message": WERKZEUG_MESSAGES[404], "status": 404}
    assert oc.get(f"{emu.url}{OC}/samples/{SAMPLE_COLLEAGUE_SHARED}").status_code == 200
    assert oc.get(f"{emu.url}{OC}/samples/{SAMPLE_EXTERNAL_PUBLIC}").status_code == 200
    assert oc.get(f"{emu.url}{OC}/samples/ffffffffffffffff").status_code == 404
    assert oc.get(f"{emu.url}{OC}/samples/not-an-id").status_code == 404
    emu.config.hidden_sample_status = 403
    assert oc.get(f"{emu.url}{OC}/samples/{SAMPLE_COLLEAGUE_PRIVATE}").status_code == 403


def test_the_three_sample_lists(oc: requests.Session, emu: Emulator) -> None:
    assert ids(listing(oc, emu)) == LISTED
    assert ids(listing(oc, emu, "/samples/public")) == [SAMPLE_SOIL_A2, SAMPLE_EXTERNAL_PUBLIC]
    assert ids(listing(oc, emu, "/samples/organization")) == [*MINE, SAMPLE_COLLEAGUE_SHARED]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"visibility": "public"}, [SAMPLE_SOIL_A2, SAMPLE_EXTERNAL_PUBLIC]),
        ({"visibility": {"$ne": "private"}}, ["1d5a9c3e7b2f4a60", SAMPLE_SOIL_A2, "5e1b7c4d9f6a2ba3",
                                              "7a3d9e6f1b8c4dc5", SAMPLE_EXTERNAL_PUBLIC]),
        ({"visibility": {"$in": ["shared", "public"]}}, ["1d5a9c3e7b2f4a60", SAMPLE_SOIL_A2,
                                                         SAMPLE_EXTERNAL_PUBLIC]),
        ({"project": None}, [SAMPLE_1, "4d0a6b3c8e5f1a92", "5e1b7c4d9f6a2ba3", "6f2c8d5e0a7b3cb4",
                             "7a3d9e6f1b8c4dc5"]),
        ({"project": PROJECT_SOIL}, [SAMPLE_SOIL_A1, SAMPLE_SOIL_A2]),
        ({"project": {"$ref": f"/api/v1/projects/{PROJECT_SOIL}"}}, [SAMPLE_SOIL_A1, SAMPLE_SOIL_A2]),
        ({"owner": {"$eq": {"$ref": f"/api/v1/users/{USER_ME}"}}}, MINE),
        ({"$uri": {"$in": [SAMPLE_1, {"$ref": f"/api/v1/samples/{SAMPLE_SOIL_A1}"}]}}, [SAMPLE_1, SAMPLE_SOIL_A1]),
        ({"filename": {"$contains": "soil_A"}}, [SAMPLE_SOIL_A1, SAMPLE_SOIL_A2]),
        ({"filename": {"$icontains": "SOIL_a1"}}, [SAMPLE_SOIL_A1]),
        ({"filename": {"$startswith": "SRR"}}, [SAMPLE_1]),
        ({"filename": {"$endswith": ".fasta"}}, ["4d0a6b3c8e5f1a92"]),
        ({"size": {"$gt": 100_000_000}}, [SAMPLE_1]),
        ({"size": {"$gte": 70254592, "$lt": 73400320}}, [SAMPLE_SOIL_A2]),
        ({"size": {"$lte": 4096}}, ["6f2c8d5e0a7b3cb4"]),
        ({"created_at": {"$lt": "2016-01-01T00:00:00Z"}}, [SAMPLE_1]),
        ({"created_at": {"$between": ["2024-02-10T08:00:00Z", "2024-02-10T08:05:00Z"]}},
         [SAMPLE_SOIL_A1, SAMPLE_SOIL_A2]),
        ({"status": "failed_validation"}, ["6f2c8d5e0a7b3cb4"]),
        ({"tags": {"$contains": {"$ref": f"/api/v1/tags/{TAG_QC_PASSED}"}}}, [SAMPLE_SOIL_A1, SAMPLE_SOIL_A2]),
        ({"tags": {"$contains": TAG_S_AUREUS}}, [SAMPLE_1]),
        ({"tags": {"$containsall": [{"$ref": f"/api/v1/tags/{TAG_QC_PASSED}"},
                                    {"$ref": f"/api/v1/tags/{TAG_DUPLICATE_1}"}]}}, [SAMPLE_SOIL_A2]),
        ({"tags": {"$containsany": [{"$ref": f"/api/v1/tags/{TAG_S_AUREUS}"},
                                    {"$ref": f"/api/v1/tags/{TAG_DUPLICATE_1}"}]}}, [SAMPLE_1, SAMPLE_SOIL_A2]),
        ({"visibility": "private", "project": PROJECT_SOIL}, [SAMPLE_SOIL_A1]),
    ],
)  # fmt: skip
def test_where_operators(oc: requests.Session, emu: Emulator, where: dict[str, Any], expected: list[str]) -> None:
    response = listing(oc, emu, where=where)
    assert response.status_code == 200, response.text
    assert ids(response) == expected
    assert response.headers["X-Total-Count"] == str(len(expected))


@pytest.mark.parametrize(
    "where",
    [
        "{not json",
        "[1, 2]",
        json.dumps({"nonexistent_field": 1}),
        json.dumps({"size": {"$startswith": 1}}),
        json.dumps({"tags": {"$eq": TAG_S_AUREUS}}),
        json.dumps({"project": {"$ref": "/api/v1/tags/4b53797444f846c4"}}),
        json.dumps({"project": "not-hex"}),
        json.dumps({"size": "big"}),
        json.dumps({"visibility": {"$in": "public"}}),
    ],
)
def test_bad_where_is_a_400(oc: requests.Session, emu: Emulator, where: str) -> None:
    response = oc.get(f"{emu.url}{OC}/samples", params={"where": where})
    assert response.status_code == 400
    assert response.json()["message"] == WERKZEUG_MESSAGES[400]
    assert response.json()["status"] == 400


def test_sort_true_means_descending_and_nulls_follow_postgres(oc: requests.Session, emu: Emulator) -> None:
    descending = ids(listing(oc, emu, sort={"created_at": True}))
    assert descending[0] == "7a3d9e6f1b8c4dc5"
    assert descending[-1] == SAMPLE_1
    by_size = ids(listing(oc, emu, sort={"size": False}))
    assert by_size[-2:] == ["5e1b7c4d9f6a2ba3", "7a3d9e6f1b8c4dc5"]  # the two null sizes, last
    assert listing(oc, emu, sort={"tags": True}).status_code == 400
    assert listing(oc, emu, sort={"size": "desc"}).status_code == 400


def test_page_mode_headers_and_link_without_where(oc: requests.Session, emu: Emulator) -> None:
    response = listing(oc, emu, where={"owner": USER_ME}, page=2, per_page=3)
    assert ids(response) == MINE[3:6]
    assert response.headers["X-Total-Count"] == "8"
    assert response.headers["Link"] == (
        '</api/v1/samples?page=2&per_page=3>; rel="self",'
        '</api/v1/samples?page=1&per_page=3>; rel="first",'
        '</api/v1/samples?page=1&per_page=3>; rel="prev",'
        '</api/v1/samples?page=3&per_page=3>; rel="next",'
        '</api/v1/samples?page=3&per_page=3>; rel="last"'
    )
    last = listing(oc, emu, page=3, per_page=3)
    assert ids(last) == LISTED[6:]
    assert 'rel="next"' not in last.headers["Link"]
    beyond = listing(oc, emu, page=9, per_page=3)
    assert (beyond.json(), beyond.headers["X-Total-Count"]) == ([], "9")


@pytest.mark.parametrize("params", [{"per_page": 1001}, {"per_page": 0}, {"page": 0}, {"page": "x"}])
def test_bad_page_parameters_are_400(oc: requests.Session, emu: Emulator, params: dict[str, Any]) -> None:
    assert listing(oc, emu, **params).status_code == 400


def test_per_page_defaults_to_50_and_allows_1000() -> None:
    with Emulator(seed="demo", oc_samples=1200, rate_limit_enabled=False) as big, requests.Session() as session:
        session.headers["X-API-Key"] = big.config.onecodex_api_key
        default = session.get(f"{big.url}{OC}/samples")
        assert len(default.json()) == 50
        assert default.headers["X-Total-Count"] == "1209"
        assert len(session.get(f"{big.url}{OC}/samples", params={"per_page": 1000}).json()) == 1000


def test_cursor_mode_pages_until_no_next_cursor(oc: requests.Session, emu: Emulator) -> None:
    seen: list[str] = []
    cursor: str | None = None
    calls = 0
    while True:
        params: dict[str, Any] = {"per_page": 3, **({"cursor": cursor} if cursor else {})}
        response = oc.get(f"{emu.url}{OC}/samples", params=params, headers={"X-Pagination-Style": "cursor"})
        calls += 1
        assert "Link" not in response.headers
        seen += ids(response)
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            break
    assert seen == LISTED
    assert calls == 3
    exact = oc.get(f"{emu.url}{OC}/samples", params={"per_page": 9}, headers={"X-Pagination-Style": "cursor"})
    assert len(exact.json()) == 9
    assert "X-Next-Cursor" not in exact.headers
    bad = oc.get(f"{emu.url}{OC}/samples", params={"cursor": "%%%"}, headers={"X-Pagination-Style": "cursor"})
    assert bad.status_code == 400


def test_cursor_mode_survives_an_insert_before_the_cursor(oc: requests.Session, emu: Emulator) -> None:
    headers = {"X-Pagination-Style": "cursor"}
    params = {"per_page": 4, "sort": json.dumps({"created_at": False})}
    first = oc.get(f"{emu.url}{OC}/samples", params=params, headers=headers)
    new_id = "0123456789abcdef"
    emu.onecodex.samples[new_id] = {
        **emu.onecodex.samples[SAMPLE_1],
        "$uri": f"/api/v1/samples/{new_id}",
        "created_at": "2001-01-01T00:00:00Z",
    }
    rest = oc.get(f"{emu.url}{OC}/samples", params={**params, "per_page": 50, "cursor": first.headers["X-Next-Cursor"]},
                  headers=headers)  # fmt: skip
    seen = ids(first) + ids(rest)
    assert sorted(seen) == sorted(LISTED)  # no duplicate, nothing skipped, the new (older) one not included
    assert "X-Next-Cursor" not in rest.headers


def test_cursor_header_is_ignored_for_tags(oc: requests.Session, emu: Emulator) -> None:
    response = oc.get(f"{emu.url}{OC}/tags", params={"per_page": 2}, headers={"X-Pagination-Style": "cursor"})
    assert "X-Next-Cursor" not in response.headers
    assert response.headers["X-Total-Count"] == "7"


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


def test_every_response_has_a_request_id(oc: requests.Session, emu: Emulator) -> None:
    first = oc.get(f"{emu.url}{OC}/account")
    second = oc.get(f"{emu.url}{OC}/nothing")
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    assert [r.request_id for r in emu.recorder] == [first.headers["X-Request-Id"], second.headers["X-Request-Id"]]
