"""OneCodexHook: authentication schemes, endpoints, tag creation and project resolution.

List paging (cursor and page mode) is in ``test_onecodex_paging.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses

from genomics_provider.exceptions import (
    ApiConnectionError,
    BadRequestError,
    InvalidInputError,
    ServerError,
    UnauthorizedError,
)
from genomics_provider.hooks.onecodex import OneCodexHook, id_from_link, ref
from tests.hooks.onecodex_support import (
    BASE,
    BASIC_AUTH,
    KEY,
    METADATA,
    METADATA_ID,
    METADATA_URL,
    NOT_FOUND,
    OTHER_PROJECT,
    PROJECT,
    PROJECT_ID,
    PROJECTS_URL,
    SAMPLE,
    SAMPLE_ID,
    SAMPLES_URL,
    TAG,
    TAG_NAME,
    TAGS_URL,
    TWIN_TAG,
    path,
    query,
    sample_ids,
    samples,
)

# -- identity and authentication ------------------------------------------------------------------------------


def test_hook_registers_as_the_onecodex_connection_type() -> None:
    assert OneCodexHook.conn_type == "onecodex"
    assert OneCodexHook.conn_name_attr == "onecodex_conn_id"
    assert OneCodexHook.default_conn_name == "onecodex_default"
    assert OneCodexHook.hook_name == "One Codex"
    assert OneCodexHook("my_oc").onecodex_conn_id == "my_oc"


@pytest.mark.parametrize(
    ("extra", "header", "value"),
    [
        pytest.param({}, "X-API-Key", KEY, id="api-key-header-by-default"),
        pytest.param({"auth_scheme": "api_key"}, "X-API-Key", KEY, id="api-key-header"),
        pytest.param({"auth_scheme": "basic"}, "Authorization", BASIC_AUTH, id="basic-key-colon-empty-password"),
        pytest.param({"auth_scheme": "bearer"}, "Authorization", f"Bearer {KEY}", id="bearer"),
        pytest.param({"auth_scheme": "Bearer"}, "Authorization", f"Bearer {KEY}", id="scheme-is-case-insensitive"),
    ],
)
def test_auth_scheme_picks_the_header(
    set_connection: Callable[..., None], api: responses.RequestsMock, extra: dict[str, str], header: str, value: str
) -> None:
    set_connection(**extra)
    api.get(f"{SAMPLES_URL}/{SAMPLE_ID}", json=SAMPLE)
    OneCodexHook().get_sample(SAMPLE_ID)
    headers = api.calls[0].request.headers
    assert headers[header] == value
    other = "Authorization" if header == "X-API-Key" else "X-API-Key"
    assert other not in headers


def test_an_unknown_auth_scheme_is_refused_naming_the_extra(
    set_connection: Callable[..., None], api: responses.RequestsMock
) -> None:
    set_connection(auth_scheme="digest")
    with pytest.raises(InvalidInputError) as excinfo:
        OneCodexHook().get_sample(SAMPLE_ID)
    assert str(excinfo.value) == (
        "connection 'onecodex_default': extra 'auth_scheme' = 'digest' is not one of api_key, basic, bearer"
    )
    assert len(api.calls) == 0


def test_get_account_and_probe_read_the_account(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    account = {"email": "ada@example.org", "user": {"$ref": "/api/v1/users/4ada56103d9a48b8"}}
    api.get(f"{BASE}/api/v1/account", json=account)
    api.get(f"{BASE}/api/v1/account", json={"$uri": "/api/v1/account"})
    assert hook.get_account() == account
    assert hook.probe() == "/api/v1/account"


# -- samples ---------------------------------------------------------------------------------------------------


def test_get_sample_reads_one_sample(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(f"{SAMPLES_URL}/{SAMPLE_ID}", json=SAMPLE)
    assert hook.get_sample(SAMPLE_ID) == SAMPLE
    call = api.calls[0]
    assert call.request.method == "GET"
    assert call.request.url == f"{BASE}/api/v1/samples/{SAMPLE_ID}"
    assert call.request.headers["X-API-Key"] == KEY
    assert call.request.headers["Accept"] == "application/json"
    assert call.request.body is None


def test_get_sample_with_expand_asks_for_expand_all(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(f"{SAMPLES_URL}/{SAMPLE_ID}", json=SAMPLE)
    hook.get_sample(SAMPLE_ID, expand=True)
    assert api.calls[0].request.url == f"{BASE}/api/v1/samples/{SAMPLE_ID}?expand=all"


def _serve_by_uri(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
    where = json.loads(dict(parse_qsl(urlsplit(request.url).query))["where"])
    wanted = where["$uri"]["$in"]
    return 200, {}, json.dumps(samples([sample_id for sample_id in wanted if not sample_id.endswith("7")]))


def test_listing_samples_by_id_reads_one_hundred_ids_per_list_call(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    ids = sample_ids(250)
    api.add_callback(responses.GET, SAMPLES_URL, callback=_serve_by_uri)

    found = hook.list_samples_by_id(ids)

    assert len(api.calls) == 3
    chunks = [ids[:100], ids[100:200], ids[200:]]
    for call, chunk in zip(api.calls, chunks, strict=True):
        assert query(call) == [
            ("per_page", "100"),
            ("where", json.dumps({"$uri": {"$in": chunk}}, separators=(",", ":"))),
        ]
    # Ids the API does not return (here: those ending in 7) are missing from the result.
    expected = [sample_id for sample_id in ids if not sample_id.endswith("7")]
    assert list(found) == expected
    assert found[expected[0]] == {"$uri": f"/api/v1/samples/{expected[0]}", "visibility": "private"}


def test_listing_samples_by_id_with_no_ids_sends_nothing(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    assert hook.list_samples_by_id([]) == {}
    assert len(api.calls) == 0


def test_update_sample_patches_exactly_the_given_keys(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    body = {"tags": [{"$ref": "/api/v1/tags/42997b7a62634985"}, {"$ref": "/api/v1/tags/5c1e9e41043e4435"}]}
    updated = {**SAMPLE, **body}
    api.patch(f"{SAMPLES_URL}/{SAMPLE_ID}", json=updated)
    assert hook.update_sample(SAMPLE_ID, body) == updated
    call = api.calls[0]
    assert call.request.method == "PATCH"
    assert call.request.url == f"{BASE}/api/v1/samples/{SAMPLE_ID}"
    assert call.request.headers["Content-Type"] == "application/json"
    assert json.loads(call.request.body) == body
    assert call.request.body == json.dumps(body)


def test_update_sample_can_clear_the_project(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.patch(f"{SAMPLES_URL}/{SAMPLE_ID}", json=SAMPLE)
    hook.update_sample(SAMPLE_ID, {"project": None})
    assert api.calls[0].request.body == '{"project": null}'


def test_web_url_links_one_sample_or_the_samples_list(set_connection: Callable[..., None]) -> None:
    oc_hook = OneCodexHook()
    assert oc_hook.web_url_for_samples([SAMPLE_ID]) == f"https://app.onecodex.com/samples/{SAMPLE_ID}"
    assert oc_hook.web_url_for_samples([SAMPLE_ID, PROJECT_ID]) == "https://app.onecodex.com/samples"
    set_connection(web_url="https://onecodex.example.org/")
    assert OneCodexHook().web_url_for_samples([SAMPLE_ID]) == f"https://onecodex.example.org/samples/{SAMPLE_ID}"


# -- tags ------------------------------------------------------------------------------------------------------


def test_ref_and_id_from_link_round_trip() -> None:
    assert ref("tags", "42997b7a62634985") == {"$ref": "/api/v1/tags/42997b7a62634985"}
    assert id_from_link({"$ref": "/api/v1/tags/42997b7a62634985"}) == "42997b7a62634985"
    assert id_from_link({"$uri": "/api/v1/tags/42997b7a62634985", "name": "x"}) == "42997b7a62634985"
    assert id_from_link("42997b7a62634985") == "42997b7a62634985"
    assert id_from_link(None) is None
    assert id_from_link({"name": "no link"}) is None


def test_get_tag_reads_one_tag(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(f"{TAGS_URL}/42997b7a62634985", json=TAG)
    assert hook.get_tag("42997b7a62634985") == TAG


def test_find_tag_returns_none_when_no_tag_has_the_name(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(TAGS_URL, json=[])
    assert hook.find_tag(TAG_NAME) is None
    call = api.calls[0]
    assert query(call) == [("per_page", "100"), ("where", '{"name":"neg. control"}')]
    assert "X-Pagination-Style" not in call.request.headers


def test_find_tag_returns_the_one_match(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(TAGS_URL, json=[TAG], headers={"X-Total-Count": "1"})
    assert hook.find_tag(TAG_NAME) == TAG
    assert len(api.calls) == 1


def test_find_tag_ignores_names_that_only_differ_in_case(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(
        TAGS_URL,
        json=[{"$uri": "/api/v1/tags/fb8e3b693c874f9e", "name": "Neg. Control"}, TAG],
        headers={"X-Total-Count": "2"},
    )
    assert hook.find_tag(TAG_NAME) == TAG


def test_find_tag_refuses_a_name_shared_by_two_tags(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(TAGS_URL, json=[TWIN_TAG, TAG], headers={"X-Total-Count": "2"})
    with pytest.raises(InvalidInputError) as excinfo:
        hook.find_tag(TAG_NAME)
    assert str(excinfo.value) == (
        "tags: the name 'neg. control' matches 2 One Codex tags (42997b7a62634985, fb8e3b693c874f9e); "
        "tag names must be unique for this operator"
    )


def test_create_tag_posts_the_name_and_the_sample(
    hook: OneCodexHook, api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    api.post(TAGS_URL, json=TAG)
    assert hook.create_tag(TAG_NAME, SAMPLE_ID) == TAG
    call = api.calls[0]
    assert call.request.method == "POST"
    assert call.request.url == f"{BASE}/api/v1/tags"
    assert call.request.headers["Content-Type"] == "application/json"
    assert json.loads(call.request.body) == {"name": TAG_NAME, "sample": {"$ref": f"/api/v1/samples/{SAMPLE_ID}"}}
    assert len(api.calls) == 1


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"status": 500, "json": {"message": "Internal Server Error", "status": 500}}, id="500"),
        pytest.param({"status": 504, "body": "<html><title>504 Gateway Time-out</title></html>"}, id="html-504"),
        pytest.param({"body": requests.ConnectionError("reset")}, id="connection-reset"),
        pytest.param({"body": requests.ReadTimeout("read timed out")}, id="read-timeout"),
    ],
)
def test_create_tag_returns_the_tag_the_server_created_despite_a_lost_answer(
    hook: OneCodexHook,
    api: responses.RequestsMock,
    hook_logs: pytest.LogCaptureFixture,
    no_real_sleep: list[float],
    failure: dict[str, Any],
) -> None:
    api.post(TAGS_URL, **failure)
    api.get(TAGS_URL, json=[TAG], headers={"X-Total-Count": "1"})
    assert hook.create_tag(TAG_NAME, SAMPLE_ID) == TAG
    assert [call.request.method for call in api.calls] == ["POST", "GET"]
    assert query(api.calls[1]) == [("per_page", "100"), ("where", '{"name":"neg. control"}')]
    assert no_real_sleep == []
    assert "outcome unknown, but tag 'neg. control' now exists; using it" in hook_logs.text


def test_create_tag_raises_the_server_error_when_the_lookup_finds_nothing(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    api.post(TAGS_URL, status=500, json={"message": "Internal Server Error", "status": 500})
    api.get(TAGS_URL, json=[])
    with pytest.raises(ServerError) as excinfo:
        hook.create_tag(TAG_NAME, SAMPLE_ID)
    assert excinfo.value.status == 500
    assert (excinfo.value.method, excinfo.value.path) == ("POST", "/api/v1/tags")
    assert [call.request.method for call in api.calls] == ["POST", "GET"]


def test_create_tag_raises_the_connection_error_when_the_lookup_finds_nothing(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    api.post(TAGS_URL, body=requests.ConnectionError("reset"))
    api.get(TAGS_URL, json=[])
    with pytest.raises(ApiConnectionError):
        hook.create_tag(TAG_NAME, SAMPLE_ID)
    assert [call.request.method for call in api.calls] == ["POST", "GET"]


def test_create_tag_does_not_look_up_after_a_definite_refusal(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.post(TAGS_URL, status=400, json={"message": "name: too long", "status": 400})
    with pytest.raises(BadRequestError, match="name: too long"):
        hook.create_tag("x" * 31, SAMPLE_ID)
    assert len(api.calls) == 1


# -- projects --------------------------------------------------------------------------------------------------


def test_resolve_project_by_id_reads_the_project(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(f"{PROJECTS_URL}/{PROJECT_ID}", json=PROJECT)
    assert hook.resolve_project(PROJECT_ID) == PROJECT
    assert len(api.calls) == 1
    assert api.calls[0].request.url == f"{BASE}/api/v1/projects/{PROJECT_ID}"


def test_resolve_project_falls_back_to_the_name_when_the_id_is_not_found(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    named = {"$uri": "/api/v1/projects/0123456789abcdef", "name": PROJECT_ID, "project_name": None}
    api.get(f"{PROJECTS_URL}/{PROJECT_ID}", status=404, json=NOT_FOUND)
    api.get(PROJECTS_URL, json=[named], headers={"X-Total-Count": "1"})
    assert hook.resolve_project(PROJECT_ID) == named
    assert [path(call) for call in api.calls] == [f"/api/v1/projects/{PROJECT_ID}", "/api/v1/projects"]
    assert query(api.calls[1]) == [("per_page", "100"), ("where", '{"name":"4b53797444f846c4"}')]


def test_resolve_project_by_name_skips_the_id_lookup(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(PROJECTS_URL, json=[PROJECT], headers={"X-Total-Count": "1"})
    assert hook.resolve_project("Test") == PROJECT
    assert len(api.calls) == 1
    assert query(api.calls[0]) == [("per_page", "100"), ("where", '{"name":"Test"}')]
    assert "X-Pagination-Style" not in api.calls[0].request.headers


def test_resolve_project_by_short_name_after_the_name(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(PROJECTS_URL, json=[])
    api.get(PROJECTS_URL, json=[PROJECT], headers={"X-Total-Count": "1"})
    assert hook.resolve_project("testproj") == PROJECT
    assert [query(call) for call in api.calls] == [
        [("per_page", "100"), ("where", '{"name":"testproj"}')],
        [("per_page", "100"), ("where", '{"project_name":"testproj"}')],
    ]


def test_resolve_project_refuses_a_name_shared_by_two_projects(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(PROJECTS_URL, json=[PROJECT, OTHER_PROJECT], headers={"X-Total-Count": "2"})
    with pytest.raises(InvalidInputError) as excinfo:
        hook.resolve_project("Test")
    assert str(excinfo.value) == (
        "project: 'Test' matches 2 One Codex projects by name (4b53797444f846c4, 9923090af03c46ce); "
        "pass the project id instead"
    )
    assert len(api.calls) == 1


def test_resolve_project_refuses_a_value_that_matches_nothing(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(f"{PROJECTS_URL}/{PROJECT_ID}", status=404, json=NOT_FOUND)
    api.get(PROJECTS_URL, json=[])
    api.get(PROJECTS_URL, json=[])
    with pytest.raises(InvalidInputError) as excinfo:
        hook.resolve_project(PROJECT_ID)
    assert str(excinfo.value) == (
        "project: no One Codex project visible to connection 'onecodex_default' has the id, name or short name "
        "'4b53797444f846c4'"
    )
    assert len(api.calls) == 3


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("My project", id="a-name"),
        pytest.param("4B53797444F846C4", id="upper-case-hex"),
        pytest.param("4b53797444f846c", id="fifteen-hex-digits"),
    ],
)
def test_a_value_that_is_not_a_16_hex_id_skips_the_id_lookup(
    hook: OneCodexHook, api: responses.RequestsMock, value: str
) -> None:
    api.get(PROJECTS_URL, json=[])
    with pytest.raises(InvalidInputError, match="has the id, name or short name"):
        hook.resolve_project(value)
    assert [path(call) for call in api.calls] == ["/api/v1/projects", "/api/v1/projects"]


def test_resolve_project_passes_other_errors_of_the_id_lookup_through(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    api.get(f"{PROJECTS_URL}/{PROJECT_ID}", status=401, json={"message": "Unauthorized.", "status": 401})
    with pytest.raises(UnauthorizedError, match="HTTP 401"):
        hook.resolve_project(PROJECT_ID)
    assert len(api.calls) == 1


# -- metadata ----------------------------------------------------------------------------------------------------


def test_get_metadata_reads_one_record(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(f"{METADATA_URL}/{METADATA_ID}", json=METADATA)
    assert hook.get_metadata(METADATA_ID) == METADATA
    assert api.calls[0].request.url == f"{BASE}/api/v1/metadata/{METADATA_ID}"


def test_update_metadata_patches_exactly_the_given_keys(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    body = {"platform": "Illumina NovaSeq 6000", "custom": {"totalige": 112.0, "site": "gut", "paired": True}}
    api.patch(f"{METADATA_URL}/{METADATA_ID}", json={**METADATA, **body})
    assert hook.update_metadata(METADATA_ID, body) == {**METADATA, **body}
    call = api.calls[0]
    assert call.request.method == "PATCH"
    assert call.request.url == f"{BASE}/api/v1/metadata/{METADATA_ID}"
    assert call.request.headers["Content-Type"] == "application/json"
    assert call.request.body == (
        '{"platform": "Illumina NovaSeq 6000", "custom": {"totalige": 112.0, "site": "gut", "paired": true}}'
    )


def test_listing_metadata_by_id_reads_the_records_with_list_calls(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    ids = [METADATA_ID, "0a1b2c3d4e5f6071"]
    records = [{"$uri": f"/api/v1/metadata/{record_id}", "name": record_id} for record_id in ids]
    api.get(METADATA_URL, json=records)
    assert hook.list_metadata_by_id(ids) == {record_id: record for record_id, record in zip(ids, records, strict=True)}
    call = api.calls[0]
    assert query(call) == [
        ("per_page", "100"),
        ("where", '{"$uri":{"$in":["a7fc7e430e704e2e","0a1b2c3d4e5f6071"]}}'),
    ]
    assert call.request.headers["X-Pagination-Style"] == "cursor"


def test_iter_metadata_lists_records_matching_a_filter(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(METADATA_URL, json=[METADATA], headers={"X-Next-Cursor": "m2"})
    api.get(METADATA_URL, json=[])
    assert list(hook.iter_metadata(where={"platform": "Illumina HiSeq"}, page_size=50)) == [METADATA]
    assert [query(call) for call in api.calls] == [
        [("per_page", "50"), ("where", '{"platform":"Illumina HiSeq"}')],
        [("per_page", "50"), ("where", '{"platform":"Illumina HiSeq"}'), ("cursor", "m2")],
    ]
