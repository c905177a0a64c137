"""One Codex list queries (oc_query): where operators, sort, page and cursor pagination."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.errors import WERKZEUG_MESSAGES
from genomics_provider.testing.http import ApiError
from genomics_provider.testing.oc_query import QueryError, compile_where, json_param, parse_datetime, sort_objects
from genomics_provider.testing.seeds_onecodex import (
    PROJECT_SOIL,
    SAMPLE_1,
    SAMPLE_EXTERNAL_PUBLIC,
    SAMPLE_SOIL_A1,
    SAMPLE_SOIL_A2,
    TAG_DUPLICATE_1,
    TAG_QC_PASSED,
    TAG_S_AUREUS,
    USER_ME,
)
from tests.testing.conftest import LISTED, MINE, OC, ids, listing, make_call


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


def sample(**fields: Any) -> dict[str, Any]:
    return {"$uri": "/api/v1/samples/0123456789abcdef", "tags": [], **fields}


def test_parse_datetime_takes_naive_values_as_utc() -> None:
    assert parse_datetime("2024-01-01T10:00:00") == datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert parse_datetime("2024-01-01T12:00:00+02:00") == datetime(2024, 1, 1, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match="isoformat"):
        parse_datetime("yesterday")


def test_conditions_on_one_field_are_anded_and_nulls_never_compare() -> None:
    between = compile_where("samples", {"size": {"$gte": 10, "$lt": 20}})
    assert [between(sample(size=n)) for n in (9, 10, 19, 20)] == [False, True, True, False]
    assert not between(sample(size=None))
    assert compile_where("samples", {"size": None})(sample(size=None))
    assert compile_where("samples", {"size": {"$ne": None}})(sample(size=0))


def test_text_operators_are_case_sensitive_unless_prefixed_with_i() -> None:
    assert compile_where("samples", {"filename": {"$istartswith": "srr"}})(sample(filename="SRR1.fq"))
    assert not compile_where("samples", {"filename": {"$startswith": "srr"}})(sample(filename="SRR1.fq"))
    assert compile_where("samples", {"filename": {"$iendswith": ".FQ"}})(sample(filename="SRR1.fq"))
    assert not compile_where("samples", {"filename": {"$contains": "x"}})(sample(filename=None))


@pytest.mark.parametrize(
    ("resource", "where", "message"),
    [
        ("samples", {"size": {"$between": [1]}}, r"\$between expects a list"),
        ("samples", {"visibility": ["public"]}, r"use \$in"),
        ("samples", {"size": {"$gt": True}}, "does not fit a number field"),
        ("metadata", {"starred": 1}, "does not fit a bool field"),
        ("samples", {"size": {"gt": 1}}, "malformed condition"),
        ("tags", {"filename": "x"}, "cannot filter or sort tags on 'filename'"),
        ("projects", {"permissions": {"$eq": "can_see_files"}}, r"operator \$eq is not supported"),
    ],
    ids=["between-one-value", "bare-list", "bool-is-not-a-number", "number-is-not-a-bool", "operator-without-$",
         "field-of-another-resource", "eq-on-a-list-field"],
)  # fmt: skip
def test_compile_where_refusals(resource: str, where: dict[str, Any], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        compile_where(resource, where)


def test_sort_by_several_keys_first_key_wins() -> None:
    rows = [sample(visibility=v, size=s, filename=f) for v, s, f in
            [("private", 2, "a"), ("public", 1, "b"), ("private", None, "c"), ("private", 1, "d")]]  # fmt: skip
    ordered = sort_objects("samples", rows, {"visibility": False, "size": True})
    assert [row["filename"] for row in ordered] == ["c", "a", "d", "b"]  # nulls first when descending
    assert [row["filename"] for row in rows] == ["a", "b", "c", "d"]  # a sorted copy


def test_json_param_absent_or_blank_is_an_empty_object() -> None:
    assert json_param(make_call("/api/v1/samples"), "where") == {}
    assert json_param(make_call("/api/v1/samples", "where=%20"), "where") == {}
    assert json_param(make_call("/api/v1/samples", "sort=%7B%22size%22%3A%20true%7D"), "sort") == {"size": True}
    with pytest.raises(ApiError) as raised:
        json_param(make_call("/api/v1/samples", "sort=true"), "sort")
    assert raised.value.reply.body["errors"] == [{"path": ["sort"], "message": "sort must be a JSON object"}]
