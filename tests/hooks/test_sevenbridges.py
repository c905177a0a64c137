"""SevenBridgesHook: exact requests, auth headers, base URLs, pagination, bulk chunking, rate limits, error mapping."""

from __future__ import annotations

import json
import logging
import time
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import responses

from genomics_provider.exceptions import (
    ApiConnectionError,
    ForbiddenError,
    GenomicsApiError,
    InsecureTransportError,
    InvalidInputError,
    NotFoundError,
    ServerError,
    UnauthorizedError,
)
from genomics_provider.hooks import base as base_module
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.sevenbridges.query import FileQuery, validate_query

BASE = "https://cgc-api.sbgenomics.com/v2"
TOKEN = "sb-unit-token-8c1f0e2d4b6a9e7f"
PROJECT = "rfranklin/demo"
FILE_A = "5a0000000000000000000001"
FILE_B = "5a0000000000000000000002"
FOLDER = "5f0000000000000000000001"
MORE_INFO = "https://docs.sevenbridges.com/docs/api-status-codes"
NOW = 1_700_000_000.0


def conn(**overrides: Any) -> str:
    extra = overrides.pop("extra", {})
    return json.dumps({"conn_type": "sevenbridges", "host": BASE, "password": TOKEN, "extra": extra, **overrides})


def sb_error(status: int, code: int, message: str) -> dict[str, Any]:
    return {"status": status, "code": code, "message": message, "more_info": MORE_INFO}


def file_json(file_id: str, **fields: Any) -> dict[str, Any]:
    return {"href": f"{BASE}/files/{file_id}", "id": file_id, "name": f"{file_id}.bam", "type": "file", **fields}


def ids(count: int) -> list[str]:
    return [f"{n:024x}" for n in range(1, count + 1)]


def body(call: Any) -> Any:
    return json.loads(call.request.body)


@pytest.fixture(autouse=True)
def sb_conn(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn())
    return monkeypatch


@pytest.fixture
def rsps() -> Any:
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Freeze the clock the retry wait reads, so ``reset - now`` is exact."""
    monkeypatch.setattr(
        base_module, "time", SimpleNamespace(time=lambda: NOW, sleep=time.sleep, monotonic=time.monotonic)
    )


# -- connection, auth, base URL ------------------------------------------------------------------------------


def test_token_scheme_sends_the_developer_token_header_and_json_accept(rsps: Any) -> None:
    rsps.get(f"{BASE}/user", json={"username": "rfranklin"})

    assert SevenBridgesHook().get_user() == {"username": "rfranklin"}

    headers = rsps.calls[0].request.headers
    assert rsps.calls[0].request.url == f"{BASE}/user"
    assert headers["X-SBG-Auth-Token"] == TOKEN
    assert headers["Accept"] == "application/json"
    assert "Authorization" not in headers
    assert "X-SBG-Advance-Access" not in headers


def test_bearer_scheme_sends_an_authorization_header_instead(rsps: Any, sb_conn: Any) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(extra={"auth_scheme": "bearer"}))
    rsps.get(f"{BASE}/user", json={"username": "rfranklin"})

    SevenBridgesHook().get_user()

    headers = rsps.calls[0].request.headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert "X-SBG-Auth-Token" not in headers


@pytest.mark.parametrize("flag", [True, "true"])
def test_advance_access_extra_adds_the_advance_header(rsps: Any, sb_conn: Any, flag: Any) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(extra={"advance_access": flag}))
    rsps.get(f"{BASE}/user", json={})

    SevenBridgesHook().get_user()

    assert rsps.calls[0].request.headers["X-SBG-Advance-Access"] == "advance"


def test_unknown_auth_scheme_is_refused_naming_the_extra(rsps: Any, sb_conn: Any) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(extra={"auth_scheme": "basic"}))
    with pytest.raises(InvalidInputError, match=r"extra 'auth_scheme' = 'basic' is not one of token, bearer"):
        SevenBridgesHook().get_user()
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        (None, "https://cgc-api.sbgenomics.com/v2/user"),
        ("cgc", "https://cgc-api.sbgenomics.com/v2/user"),
        ("aws-us", "https://api.sbgenomics.com/v2/user"),
        ("aws-eu", "https://eu-api.sbgenomics.com/v2/user"),
        ("ali-cn", "https://api.sevenbridges.cn/v2/user"),
        ("cavatica", "https://cavatica-api.sbgenomics.com/v2/user"),
        ("f4c", "https://api.sb.biodatacatalyst.nhlbi.nih.gov/v2/user"),
    ],
)
def test_empty_host_picks_the_base_url_from_the_platform_extra(
    rsps: Any, sb_conn: Any, platform: str | None, expected: str
) -> None:
    extra = {"platform": platform} if platform else {}
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(host="", extra=extra))
    rsps.get(expected, json={})

    SevenBridgesHook().get_user()

    assert rsps.calls[0].request.url == expected


def test_unknown_platform_is_refused_naming_the_extra_and_the_allowed_values(rsps: Any, sb_conn: Any) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(host="", extra={"platform": "gcp"}))
    with pytest.raises(InvalidInputError, match=r"extra 'platform' = 'gcp' is not known; use one of cgc, aws-us"):
        SevenBridgesHook().get_user()
    assert len(rsps.calls) == 0


def test_plain_http_is_allowed_to_the_loopback_emulator_only(rsps: Any, sb_conn: Any) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(host="http://127.0.0.1:8765/v2"))
    rsps.get("http://127.0.0.1:8765/v2/user", json={})
    SevenBridgesHook().get_user()

    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(host="http://cgc-api.sbgenomics.com/v2"))
    with pytest.raises(InsecureTransportError):
        SevenBridgesHook().get_user()
    assert len(rsps.calls) == 1


def test_constructing_the_hook_reads_no_connection_and_sends_nothing(rsps: Any, sb_conn: Any) -> None:
    sb_conn.delenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT")
    hook = SevenBridgesHook()
    assert hook.sevenbridges_conn_id == "sevenbridges_default"
    assert hook.conn_type == "sevenbridges"
    assert hook.conn_name_attr == "sevenbridges_conn_id"
    assert hook.hook_name == "Seven Bridges"
    assert len(rsps.calls) == 0


def test_no_token_bucket_by_default_but_the_rate_limit_extra_adds_one(sb_conn: Any) -> None:
    assert SevenBridgesHook().limiter.rate is None
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(extra={"rate_limit": 3}))
    assert SevenBridgesHook().limiter.rate == 3.0


def test_connection_test_reads_the_user(rsps: Any) -> None:
    rsps.get(f"{BASE}/user", json={"username": "rfranklin", "email": "r@example.org"})
    assert SevenBridgesHook().test_connection() == (True, f"Connected to Seven Bridges at {BASE} as rfranklin")


def test_connection_test_reports_a_rejected_token_without_raising_or_leaking_it(rsps: Any) -> None:
    rsps.get(f"{BASE}/user", status=401, json=sb_error(401, 401, "Unauthorized"))

    ok, message = SevenBridgesHook().test_connection()

    assert not ok
    assert "rejected the authentication token (HTTP 401)" in message
    assert TOKEN not in message


# -- single-file endpoints -----------------------------------------------------------------------------------


def test_get_file_returns_the_parsed_file(rsps: Any) -> None:
    rsps.get(f"{BASE}/files/{FILE_A}", json=file_json(FILE_A, tags=["t"]))
    assert SevenBridgesHook().get_file(FILE_A)["tags"] == ["t"]


def test_update_file_patches_only_the_name(rsps: Any) -> None:
    rsps.patch(f"{BASE}/files/{FILE_A}", json=file_json(FILE_A, name="new.bam"))

    SevenBridgesHook().update_file(FILE_A, name="new.bam")

    call = rsps.calls[0]
    assert (call.request.method, call.request.url) == ("PATCH", f"{BASE}/files/{FILE_A}")
    assert body(call) == {"name": "new.bam"}
    assert call.request.headers["Content-Type"] == "application/json"


def test_metadata_patch_merges_and_put_replaces(rsps: Any) -> None:
    rsps.patch(f"{BASE}/files/{FILE_A}/metadata", json={"a": "1", "b": "2"})
    rsps.put(f"{BASE}/files/{FILE_A}/metadata", json={"a": "1"})
    hook = SevenBridgesHook()

    assert hook.patch_file_metadata(FILE_A, {"b": "2"}) == {"a": "1", "b": "2"}
    assert hook.put_file_metadata(FILE_A, {"a": "1"}) == {"a": "1"}

    assert [(c.request.method, body(c)) for c in rsps.calls] == [("PATCH", {"b": "2"}), ("PUT", {"a": "1"})]


def test_metadata_patch_refuses_null_values_before_sending(rsps: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"metadata: gone set to None; null is never sent"):
        SevenBridgesHook().patch_file_metadata(FILE_A, {"gone": None})  # type: ignore[dict-item]
    assert len(rsps.calls) == 0


def test_put_tags_sends_a_bare_json_array(rsps: Any) -> None:
    rsps.put(f"{BASE}/files/{FILE_A}/tags", json=["a", "b"])

    assert SevenBridgesHook().put_file_tags(FILE_A, ["a", "b"]) == ["a", "b"]

    assert body(rsps.calls[0]) == ["a", "b"]


def test_malformed_file_ids_never_reach_a_url(rsps: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"file id: '../user' is not valid; each id must be 24 lowercase hex"):
        SevenBridgesHook().get_file("../user")
    assert len(rsps.calls) == 0


def test_get_project_uses_owner_and_short_name_and_refuses_other_shapes(rsps: Any) -> None:
    rsps.get(f"{BASE}/projects/rfranklin/demo", json={"id": PROJECT})
    hook = SevenBridgesHook()

    assert hook.get_project(PROJECT) == {"id": PROJECT}
    with pytest.raises(InvalidInputError, match=r"project: 'demo' is not a project id; use 'owner/project'"):
        hook.get_project("demo")
    assert len(rsps.calls) == 1


# -- listing -------------------------------------------------------------------------------------------------


def page(items: list[dict[str, Any]], next_href: str | None) -> dict[str, Any]:
    links = [{"href": next_href, "rel": "next", "method": "GET"}] if next_href else []
    return {"href": "ignored", "items": items, "links": links}


def add_page(rsps: Any, url: str, payload: dict[str, Any]) -> None:
    """Serve ``payload`` only for exactly this query string."""
    rsps.get(url, json=payload, match=[responses.matchers.query_string_matcher(url.split("?", 1)[1])])


def test_listing_sends_every_filter_and_follows_next_links_to_the_end(rsps: Any) -> None:
    first = (
        f"{BASE}/files?limit=100&fields=_all&project=rfranklin%2Fdemo&name=a.bam&name=b.bam&tag=raw&tag=wgs"
        "&metadata.sample_id=S1&origin.task=t-1"
    )
    second = f"{BASE}/files?project=rfranklin%2Fdemo&offset=100&limit=100"
    third = f"{BASE}/files?project=rfranklin%2Fdemo&offset=200&limit=100"
    add_page(rsps, first, page([file_json(FILE_A)], second))
    add_page(rsps, second, page([file_json(FILE_B)], third))
    add_page(rsps, third, page([file_json(FOLDER, type="folder")], None))

    files = list(
        SevenBridgesHook().iter_files(
            project=PROJECT,
            names=["a.bam", "b.bam"],
            tags=["raw", "wgs"],
            metadata={"sample_id": "S1"},
            origin={"task": "t-1"},
        )
    )

    assert [f["id"] for f in files] == [FILE_A, FILE_B, FOLDER]
    assert [c.request.url for c in rsps.calls] == [first, second, third]
    assert all(c.request.headers["X-SBG-Auth-Token"] == TOKEN for c in rsps.calls)


def test_listing_a_folder_sends_parent_and_never_project(rsps: Any) -> None:
    url = f"{BASE}/files?limit=50&fields=id%2Cname&parent={FOLDER}"
    rsps.get(url, json=page([], None))

    assert list(SevenBridgesHook().iter_files(parent=FOLDER, fields="id,name", page_size=50)) == []

    assert rsps.calls[0].request.url == url


def test_listing_streams_one_page_at_a_time(rsps: Any) -> None:
    rsps.get(f"{BASE}/files", json=page([file_json(FILE_A)], f"{BASE}/files?offset=100"))

    files = SevenBridgesHook().iter_files(project=PROJECT)
    assert next(files)["id"] == FILE_A

    assert len(rsps.calls) == 1


@pytest.mark.parametrize("where", [{"project": PROJECT, "parent": FOLDER}, {}], ids=["both", "neither"])
def test_listing_needs_exactly_one_of_project_and_parent(rsps: Any, where: dict[str, str]) -> None:
    with pytest.raises(InvalidInputError, match=r"give exactly one of project \(owner/project\) or parent"):
        next(SevenBridgesHook().iter_files(**where))
    assert len(rsps.calls) == 0


def test_listing_refuses_a_next_link_on_another_origin(rsps: Any) -> None:
    rsps.get(f"{BASE}/files", json=page([file_json(FILE_A)], "https://evil.example/v2/files?offset=100"))

    with pytest.raises(InvalidInputError, match=r"refusing to follow https://evil.example/v2/files"):
        list(SevenBridgesHook().iter_files(project=PROJECT))
    assert len(rsps.calls) == 1


def test_listing_fails_instead_of_looping_when_a_next_link_repeats(rsps: Any) -> None:
    again = f"{BASE}/files?offset=100"
    rsps.get(f"{BASE}/files", json=page([file_json(FILE_A)], again))
    listed: list[str] = []

    with pytest.raises(GenomicsApiError) as caught:
        listed.extend(file["id"] for file in SevenBridgesHook().iter_files(project=PROJECT))
    assert str(caught.value) == (
        "GET /v2/files failed: the next link of page 2 (offset 100) leads back to a page already read; "
        "stopping instead of looping"
    )
    assert listed == [FILE_A]  # yielded once, not once per page
    assert len(rsps.calls) == 2


def test_one_listing_page_at_a_chosen_offset_says_whether_more_follow(rsps: Any) -> None:
    first = f"{BASE}/files?limit=100&fields=_all&project=rfranklin%2Fdemo&tag=raw"
    later = f"{BASE}/files?offset=37&limit=100&fields=_all&project=rfranklin%2Fdemo&tag=raw"
    add_page(rsps, first, page([file_json(FILE_A)], f"{BASE}/files?offset=100"))
    add_page(rsps, later, page([file_json(FILE_B)], None))
    hook = SevenBridgesHook()

    head = hook.list_files_page(project=PROJECT, tags=["raw"])
    tail = hook.list_files_page(offset=37, project=PROJECT, tags=["raw"])

    assert ([f["id"] for f in head.items], head.has_next) == ([FILE_A], True)
    assert ([f["id"] for f in tail.items], tail.has_next) == ([FILE_B], False)
    assert [c.request.url for c in rsps.calls] == [first, later]  # offset 0 is the default and is left out


def test_a_query_lists_with_exactly_the_params_of_the_filter_arguments(rsps: Any) -> None:
    url = (
        f"{BASE}/files?limit=100&fields=_all&project=rfranklin%2Fdemo&name=a.bam&tag=raw&tag=wgs"
        "&metadata.sample_id=S1&metadata.sample_id=S2&origin.task=t-1"
    )
    add_page(rsps, url, page([file_json(FILE_A)], None))
    query = validate_query(
        {
            "project": PROJECT,
            "name": "a.bam",
            "tag": ["raw", "wgs"],
            "metadata.sample_id": ["S1", "S2"],
            "origin.task": "t-1",
        }
    )

    files = list(SevenBridgesHook().iter_files(query=query))

    assert [f["id"] for f in files] == [FILE_A]
    assert [c.request.url for c in rsps.calls] == [url]


def test_a_listing_page_takes_a_folder_query_and_an_offset(rsps: Any) -> None:
    url = f"{BASE}/files?offset=37&limit=20&fields=id&parent={FOLDER}&tag=raw"
    add_page(rsps, url, page([file_json(FILE_B)], None))

    query = FileQuery(parent=FOLDER, tags=("raw",))

    got = SevenBridgesHook().list_files_page(offset=37, query=query, fields="id", page_size=20)

    assert ([f["id"] for f in got.items], got.has_next) == ([FILE_B], False)
    assert [c.request.url for c in rsps.calls] == [url]


@pytest.mark.parametrize("method", ["iter_files", "list_files_page"])
@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"project": PROJECT}, "project"),
        ({"tags": ["raw"]}, "tags"),
        ({"parent": FOLDER, "origin": {}}, "parent, origin"),
    ],
    ids=["query and project", "query and a filter", "query and two more"],
)
def test_a_query_with_a_location_or_filter_argument_is_refused_before_sending(
    rsps: Any, method: str, extra: dict[str, Any], named: str
) -> None:
    listing = getattr(SevenBridgesHook(), method)
    message = f"iter_files: give either query or {named}, not both; the query holds the whole selection"

    with pytest.raises(InvalidInputError, match=f"^{message}$"):
        next(iter(listing(query=FileQuery(project=PROJECT), **extra)))
    assert len(rsps.calls) == 0


def test_an_invalid_query_object_is_refused_like_the_filter_arguments(rsps: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"give exactly one of project \(owner/project\) or parent"):
        next(SevenBridgesHook().iter_files(query=FileQuery()))
    with pytest.raises(InvalidInputError, match=r"tags\[0\]"):
        SevenBridgesHook().list_files_page(query=FileQuery(project=PROJECT, tags=("raw\x1b",)))
    assert len(rsps.calls) == 0


@pytest.mark.parametrize("offset", [-1, True, 1.5, "10"])
def test_a_listing_page_refuses_a_bad_offset_before_sending(rsps: Any, offset: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"offset: .* must be an integer >= 0"):
        SevenBridgesHook().list_files_page(offset=offset, project=PROJECT)
    assert len(rsps.calls) == 0


def test_a_listing_page_without_items_is_an_api_error(rsps: Any) -> None:
    rsps.get(f"{BASE}/files", json={"href": "x", "links": []})

    with pytest.raises(GenomicsApiError, match=r"expected a list envelope with 'items', got keys \['href', 'links'\]"):
        SevenBridgesHook().list_files_page(project=PROJECT)


# -- bulk ----------------------------------------------------------------------------------------------------


def echo_bulk(request: Any) -> tuple[int, dict[str, str], str]:
    sent = json.loads(request.body)
    entries = sent.get("file_ids") or [item["id"] for item in sent["items"]]
    return 200, {}, json.dumps({"items": [{"resource": file_json(file_id)} for file_id in entries]})


def test_bulk_get_chunks_250_ids_into_calls_of_100_100_and_50(rsps: Any) -> None:
    rsps.add_callback(responses.POST, f"{BASE}/bulk/files/get", callback=echo_bulk)
    wanted = ids(250)

    records = SevenBridgesHook().bulk_get_files(wanted)

    assert [r["resource"]["id"] for r in records] == wanted
    assert [body(c) for c in rsps.calls] == [
        {"file_ids": wanted[:100]},
        {"file_ids": wanted[100:200]},
        {"file_ids": wanted[200:]},
    ]


@pytest.mark.parametrize("action", ["edit", "update"])
def test_bulk_writes_chunk_at_100_and_send_items_keyed_by_id(rsps: Any, action: str) -> None:
    rsps.add_callback(responses.POST, f"{BASE}/bulk/files/{action}", callback=echo_bulk)
    items: list[Any] = [{"id": file_id, "tags": ["x"]} for file_id in ids(150)]
    hook = SevenBridgesHook()

    records = (hook.bulk_edit_files if action == "edit" else hook.bulk_update_files)(items)

    assert len(records) == 150
    assert [body(c) for c in rsps.calls] == [{"items": items[:100]}, {"items": items[100:]}]
    assert {c.request.url for c in rsps.calls} == {f"{BASE}/bulk/files/{action}"}


def test_bulk_results_keep_request_order_with_resource_or_error_records(rsps: Any) -> None:
    error = sb_error(403, 5011, "Modifying file tags is not allowed.")
    rsps.post(f"{BASE}/bulk/files/edit", json={"items": [{"resource": file_json(FILE_A)}, {"error": error}]})

    records = SevenBridgesHook().bulk_edit_files([{"id": FILE_A, "tags": []}, {"id": FILE_B, "tags": []}])

    assert records == [{"resource": file_json(FILE_A)}, {"error": error}]


def test_bulk_result_count_mismatch_is_an_error_not_a_guess(rsps: Any) -> None:
    rsps.post(f"{BASE}/bulk/files/edit", json={"items": [{"resource": file_json(FILE_A)}]})

    with pytest.raises(GenomicsApiError, match=r"sent 2 items, got 1 results"):
        SevenBridgesHook().bulk_edit_files([{"id": FILE_A}, {"id": FILE_B}])


def test_bulk_edit_is_retried_after_a_maintenance_503_because_nothing_was_applied(rsps: Any) -> None:
    rsps.post(f"{BASE}/bulk/files/edit", status=503, json=sb_error(503, 0, "Platform is under maintenance."))
    rsps.post(f"{BASE}/bulk/files/edit", json={"items": [{"resource": file_json(FILE_A)}]})

    SevenBridgesHook().bulk_edit_files([{"id": FILE_A, "tags": ["x"]}])

    assert len(rsps.calls) == 2


@pytest.mark.parametrize("action", ["edit", "update"])
def test_a_bulk_write_whose_outcome_is_unknown_is_not_re_sent(rsps: Any, action: str) -> None:
    rsps.post(f"{BASE}/bulk/files/{action}", body=requests.ConnectionError("reset"))

    write = getattr(SevenBridgesHook(), f"bulk_{action}_files")
    with pytest.raises(ApiConnectionError, match=r"not re-sent: the server may have applied it"):
        write([{"id": FILE_A, "tags": ["x"]}])

    assert len(rsps.calls) == 1


def test_a_bulk_get_is_a_read_and_is_retried_after_a_dropped_connection(rsps: Any) -> None:
    rsps.post(f"{BASE}/bulk/files/get", body=requests.ConnectionError("reset"))
    rsps.post(f"{BASE}/bulk/files/get", json={"items": [{"resource": file_json(FILE_A)}]})

    assert SevenBridgesHook().bulk_get_files([FILE_A]) == [{"resource": file_json(FILE_A)}]
    assert len(rsps.calls) == 2


# -- rate limits and retries ---------------------------------------------------------------------------------


def test_a_spent_window_makes_the_next_request_wait_until_the_reset(rsps: Any, no_real_sleep: list[float]) -> None:
    reset = int(time.time()) + 120
    rsps.get(f"{BASE}/user", json={}, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    rsps.get(f"{BASE}/files/{FILE_A}", json=file_json(FILE_A), headers={"X-RateLimit-Remaining": "999"})
    hook = SevenBridgesHook()

    hook.get_user()
    assert no_real_sleep == []
    hook.get_file(FILE_A)

    assert no_real_sleep == [pytest.approx(reset - time.time(), abs=2)]


def test_remaining_calls_in_the_window_mean_no_wait(rsps: Any, no_real_sleep: list[float]) -> None:
    headers = {"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": str(int(time.time()) + 120)}
    rsps.get(f"{BASE}/user", json={}, headers=headers)
    hook = SevenBridgesHook()
    hook.get_user()
    hook.get_user()
    assert no_real_sleep == []


@pytest.mark.usefixtures("frozen_clock")
@pytest.mark.parametrize(("ahead", "wait"), [(30, 30.0), (240, 240.0)], ids=["until reset", "in full, not capped"])
def test_429_code_1000_waits_until_the_reset(rsps: Any, no_real_sleep: list[float], ahead: int, wait: float) -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + ahead)}
    rsps.get(f"{BASE}/user", status=429, json=sb_error(429, 1000, "Rate limit exceeded!"), headers=headers)
    rsps.get(f"{BASE}/user", json={"username": "rfranklin"})

    assert SevenBridgesHook().get_user() == {"username": "rfranklin"}

    assert no_real_sleep == [wait]
    assert len(rsps.calls) == 2


def test_maintenance_503_code_0_is_retried_a_bounded_number_of_times_then_raises(
    rsps: Any, sb_conn: Any, no_real_sleep: list[float]
) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(extra={"max_attempts": 3}))
    rsps.get(f"{BASE}/user", status=503, json=sb_error(503, 0, "Platform is under maintenance."))

    with pytest.raises(ServerError) as caught:
        SevenBridgesHook().get_user()

    assert len(rsps.calls) == 3
    assert len(no_real_sleep) == 2
    assert (caught.value.status, caught.value.code) == (503, 0)
    assert "Platform is under maintenance." in str(caught.value)


def test_an_html_502_gateway_page_gives_a_readable_message(rsps: Any, sb_conn: Any) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(extra={"max_attempts": 1}))
    html = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
    rsps.get(f"{BASE}/user", status=502, body=html, content_type="text/html")

    with pytest.raises(ServerError) as caught:
        SevenBridgesHook().get_user()

    assert caught.value.code is None
    assert (
        str(caught.value)
        == "GET /v2/user failed, HTTP 502: Bad Gateway; the server sent an HTML page (502 Bad Gateway)"
    )


@pytest.mark.parametrize(
    ("status", "code", "message", "error"),
    [
        (404, 5002, "Requested file does not exist.", NotFoundError),
        (403, 5011, "Modifying file tags is not allowed.", ForbiddenError),
        (401, 401, "Unauthorized", UnauthorizedError),
    ],
)
def test_error_bodies_map_to_typed_errors_keeping_the_vendor_code(
    rsps: Any, status: int, code: int, message: str, error: type[GenomicsApiError]
) -> None:
    rsps.get(
        f"{BASE}/files/{FILE_A}", status=status, json=sb_error(status, code, message), headers={"X-Request-Id": "r-1"}
    )

    with pytest.raises(error) as caught:
        SevenBridgesHook().get_file(FILE_A)

    assert (caught.value.status, caught.value.code, caught.value.request_id) == (status, code, "r-1")
    assert str(caught.value).startswith(f"GET /v2/files/{FILE_A} failed, HTTP {status}, code {code}: {message}")
    assert MORE_INFO not in str(caught.value)
    assert len(rsps.calls) == 1


def test_the_token_never_appears_in_repr_errors_or_logs(
    rsps: Any, sb_conn: Any, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(extra={"max_attempts": 2}))
    rsps.get(f"{BASE}/user", status=503, json=sb_error(503, 0, "Platform is under maintenance."))
    rsps.get(f"{BASE}/files/{FILE_A}", status=401, json=sb_error(401, 401, "Unauthorized"))
    hook = SevenBridgesHook()
    caplog.set_level(logging.DEBUG)

    texts = [repr(hook)]
    for action in (hook.get_user, lambda: hook.get_file(FILE_A)):
        with pytest.raises(GenomicsApiError) as caught:
            action()
        texts += [str(caught.value), repr(caught.value)]

    # Airflow 3 task loggers write through structlog to stdout; stdlib records land in caplog.
    logs = caplog.text + capsys.readouterr().out
    assert "Seven Bridges GET /v2/user: HTTP 503; retrying" in logs
    assert all(TOKEN not in text for text in [*texts, logs])


# -- web UI links --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "web"),
    [
        ("https://cgc-api.sbgenomics.com/v2", "https://cgc.sbgenomics.com"),
        ("https://api.sbgenomics.com/v2", "https://igor.sbgenomics.com"),
        ("https://eu-api.sbgenomics.com/v2", "https://eu.sbgenomics.com"),
        ("https://cavatica-api.sbgenomics.com/v2", "https://cavatica.sbgenomics.com"),
        ("https://api.sb.biodatacatalyst.nhlbi.nih.gov/v2", "https://platform.sb.biodatacatalyst.nhlbi.nih.gov"),
        ("https://api.sevenbridges.cn/v2", "https://platform.sevenbridges.cn"),
        ("https://acme-api.example.org/v2", "https://acme.example.org"),
        ("http://127.0.0.1:8765/v2", "http://127.0.0.1:8765"),
        ("http://localhost:9000/sb/v2", "http://localhost:9000/sb"),
    ],
)
def test_web_urls_map_the_api_host_to_the_platform_web_host(sb_conn: Any, api: str, web: str) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(host=api))
    hook = SevenBridgesHook()

    assert hook.web_url_for() == f"{web}/"
    assert hook.web_url_for(PROJECT) == f"{web}/u/rfranklin/demo/files/"
    assert hook.web_url_for(PROJECT, FILE_A) == f"{web}/u/rfranklin/demo/files/{FILE_A}/"
