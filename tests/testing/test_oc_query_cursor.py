"""The emulator's One Codex cursor is a keyset position: the next page starts right after the cursor's item.

A writer that lists with ``where`` and writes each page before asking for the next moves items out of the filter;
the cursor must still start after the page's last item, wherever that item went, or the run skips samples.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from genomics_provider.testing import Emulator
from genomics_provider.testing.http import ApiError, Call, Reply
from genomics_provider.testing.oc_query import paginate

IDS = [f"{n:016x}" for n in range(1, 8)]


def sample(sample_id: str, visibility: str = "private") -> dict[str, Any]:
    return {"$uri": f"/api/v1/samples/{sample_id}", "visibility": visibility}


def call(cursor: str | None = None, per_page: int = 3) -> Call:
    query = {"per_page": [str(per_page)], **({"cursor": [cursor]} if cursor else {})}
    return Call(
        method="GET", path="/api/v1/samples", raw_query="", query=query,
        headers={"x-pagination-style": "cursor"}, body=b"", json=None, request_id="r", base_url="http://emulator",
    )  # fmt: skip


def page(store: list[dict[str, Any]], cursor: str | None = None, *, with_order: bool = True) -> Reply:
    matching = [obj for obj in store if obj["visibility"] == "private"]
    order = store if with_order else None
    return paginate(call(cursor), matching, lambda obj: obj["$uri"][-16:], cursor_allowed=True, order=order)


def walk_writing_each_page(store: list[dict[str, Any]], *, with_order: bool = True) -> list[str]:
    """List ``visibility=private`` page by page, making every listed sample shared before the next page."""
    seen: list[str] = []
    cursor = None
    while True:
        reply = page(store, cursor, with_order=with_order)
        seen += reply.body
        for obj in store:
            if obj["$uri"][-16:] in reply.body:
                obj["visibility"] = "shared"  # our write moves the sample out of the filter
        cursor = reply.headers.get("X-Next-Cursor")
        if cursor is None:
            return seen


def test_writes_that_move_every_listed_item_out_of_the_filter_skip_nothing() -> None:
    store = [sample(sample_id) for sample_id in IDS]

    assert walk_writing_each_page(store) == IDS


def test_writes_that_move_some_items_out_start_after_the_cursors_item_in_listing_order() -> None:
    store = [sample(sample_id) for sample_id in IDS]
    first = page(store)
    assert first.body == IDS[:3]
    store[2]["visibility"] = "shared"  # the page's last item leaves the filter; the first two stay

    second = page(store, first.headers["X-Next-Cursor"])

    assert second.body == IDS[3:6]


def test_a_cursor_item_that_still_matches_is_found_where_it_is_now() -> None:
    store = [sample(sample_id) for sample_id in IDS]
    first = page(store)
    store[0]["visibility"] = "shared"  # an earlier item leaves: the cursor's item moves down one place

    assert page(store, first.headers["X-Next-Cursor"]).body == IDS[3:6]


def test_an_item_that_joins_the_filter_before_the_cursor_is_not_listed_again_and_one_after_it_is() -> None:
    store = [sample(IDS[0]), sample(IDS[1], "shared"), sample(IDS[2]), sample(IDS[3]), sample(IDS[4], "shared")]
    first = paginate(call(per_page=2), [s for s in store if s["visibility"] == "private"], lambda o: o["$uri"][-16:],
                     cursor_allowed=True, order=store)  # fmt: skip
    assert first.body == [IDS[0], IDS[2]]
    store[1]["visibility"] = store[4]["visibility"] = "private"

    assert page(store, first.headers["X-Next-Cursor"]).body == [IDS[3], IDS[4]]


def test_without_the_listing_order_a_cursor_whose_item_left_falls_back_to_the_page_end_index() -> None:
    # What the route does until it passes the unfiltered listing: the page-end index, which skips moved items.
    store = [sample(sample_id) for sample_id in IDS]

    assert walk_writing_each_page(store, with_order=False) == [*IDS[:3], IDS[6]]


def test_the_last_page_has_no_next_cursor_and_a_bad_cursor_is_a_400() -> None:
    store = [sample(sample_id) for sample_id in IDS[:3]]
    assert "X-Next-Cursor" not in page(store).headers
    with pytest.raises(ApiError) as excinfo:
        page(store, base64.urlsafe_b64encode(json.dumps({"after": 1}).encode()).decode())
    assert excinfo.value.reply.status == 400


def test_the_emulators_samples_listing_skips_nothing_when_writes_move_items_out() -> None:
    import requests

    with Emulator(seed="empty", oc_samples=7, rate_limit_enabled=False) as emu:
        session = requests.Session()
        session.headers.update({"X-API-Key": emu.config.onecodex_api_key, "X-Pagination-Style": "cursor"})
        where = json.dumps({"visibility": "private"})
        url, params, seen = f"{emu.url}/api/v1/samples", {"per_page": "3", "where": where}, []
        while True:
            response = session.get(url, params=params)
            listed = [item["$uri"].rsplit("/", 1)[-1] for item in response.json()]
            seen += listed
            for sample_id in listed:
                session.patch(f"{url}/{sample_id}", json={"visibility": "shared"}).raise_for_status()
            if "X-Next-Cursor" not in response.headers:
                break
            params = {**params, "cursor": response.headers["X-Next-Cursor"]}
        assert len(seen) == len(set(seen)) == 7
