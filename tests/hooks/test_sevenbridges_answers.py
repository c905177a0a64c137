"""SevenBridgesHook's listings and bulk calls: exact queries, following ``next`` links, reading bulk records.

Exercises ``_sevenbridges_query`` (what a listing sends) and ``_sevenbridges_answers`` (how pages and bulk results
are read) through the hook.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses

from genomics_provider.exceptions import (
    ApiConnectionError,
    GenomicsApiError,
    InvalidInputError,
)
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.sevenbridges.query import FileQuery, check_query
from tests.hooks.sevenbridges_support import (
    BASE,
    FILE_A,
    FILE_B,
    FOLDER,
    PROJECT,
    TOKEN,
    body,
    file_json,
    ids,
    sb_error,
)

pytestmark = pytest.mark.usefixtures("sb_conn")


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
    query = check_query(
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
    message = f"{method}: give either query or {named}, not both; the query holds the whole selection"

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
