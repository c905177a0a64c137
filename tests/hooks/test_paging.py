"""Loop guards for paged listings: every id once, and an error instead of a listing that never ends."""

from __future__ import annotations

from typing import Any

import pytest

from genomics_provider.exceptions import GenomicsApiError
from genomics_provider.hooks._paging import (
    SHOWN_TOKEN,
    STOPPING,
    ListingGuard,
    adds_nothing,
    counted,
    loop_error,
)


def id_of(item: dict[str, Any]) -> str | None:
    return item.get("id")


def items(*ids: str | None) -> list[dict[str, Any]]:
    return [{"id": item_id} if item_id is not None else {"name": "no id"} for item_id in ids]


def test_loop_error_names_the_request_and_says_it_stops() -> None:
    error = loop_error("GET", "/api/v1/samples", "the server sent cursor 'abc' twice")

    assert type(error) is GenomicsApiError
    assert str(error) == "GET /api/v1/samples failed: the server sent cursor 'abc' twice; stopping instead of looping"
    assert (error.method, error.path, error.status) == ("GET", "/api/v1/samples", None)
    assert STOPPING == "stopping instead of looping"


@pytest.mark.parametrize(
    ("count", "noun", "phrase"),
    [(0, "files", "0 files"), (1, "files", "1 file"), (2, "items", "2 items"), (1, "samples", "1 sample")],
)
def test_counted(count: int, noun: str, phrase: str) -> None:
    assert counted(count, noun) == phrase


@pytest.mark.parametrize(
    ("page", "seen", "nothing"),
    [
        pytest.param(items("a", "b"), {"a", "b"}, True, id="only ids already listed"),
        pytest.param(items("a", None), {"a"}, True, id="an item without an id adds nothing"),
        pytest.param(items("a", "c"), {"a", "b"}, False, id="one new id"),
        pytest.param([], {"a"}, False, id="an empty page is the end, not a repeat"),
        pytest.param(items(None), set(), True, id="a page of items without ids"),
    ],
)
def test_adds_nothing(page: list[dict[str, Any]], seen: set[str], nothing: bool) -> None:
    assert adds_nothing(page, id_of, seen) is nothing


def test_the_first_page_is_returned_whole_and_its_ids_remembered() -> None:
    guard = ListingGuard("GET", "/files")

    assert guard.fresh(items("a", "b", None), id_of) == items("a", "b", None)
    assert (guard.ids, guard.pages) == ({"a", "b"}, 1)


def test_repeats_inside_and_across_pages_are_dropped_and_items_without_ids_kept() -> None:
    guard = ListingGuard("GET", "/files")
    guard.fresh(items("a", "b"), id_of)

    assert guard.fresh(items("b", "c", "c", None), id_of) == items("c", None)
    assert (guard.ids, guard.pages) == ({"a", "b", "c"}, 2)


def test_a_later_page_of_ids_already_listed_fails_with_the_count_and_hint() -> None:
    guard = ListingGuard("GET", "/v2/files", noun="files")
    guard.fresh(items("a", "b"), id_of)

    with pytest.raises(GenomicsApiError) as caught:
        guard.fresh(items("a", "b"), id_of, hint=" (offset ignored?)")

    assert str(caught.value) == (
        "GET /v2/files failed: page 2 lists only files already listed (2 files) (offset ignored?); "
        "stopping instead of looping"
    )


def test_a_repeated_page_of_one_item_says_one_item() -> None:
    guard = ListingGuard("GET", "/api/v1/samples")
    guard.fresh(items("a"), id_of)

    with pytest.raises(GenomicsApiError, match=r"page 2 lists only items already listed \(1 item\); stopping"):
        guard.fresh(items("a"), id_of)


def test_the_first_page_may_repeat_ids_without_failing() -> None:
    guard = ListingGuard("GET", "/files")

    assert guard.fresh(items("a", "a"), id_of) == items("a")


def test_repeated_records_each_token_and_tells_the_second_time() -> None:
    guard = ListingGuard("GET", "/files")

    assert guard.repeated("cursor-1") is False
    assert guard.repeated("cursor-2") is False
    assert guard.repeated("cursor-1") is True
    assert guard.tokens == {"cursor-1", "cursor-2"}


def test_shown_scrubs_before_cutting_a_long_token() -> None:
    guard = ListingGuard("GET", "/files", scrub=lambda text: text.replace("SECRET", "***"))

    assert guard.shown("abc SECRET") == "abc ***"
    long = "x" * (SHOWN_TOKEN - 3) + "SECRET" + "y" * 10
    assert guard.shown(long) == "x" * (SHOWN_TOKEN - 3) + "***…"
    assert guard.shown("z" * SHOWN_TOKEN) == "z" * SHOWN_TOKEN


def test_the_guards_error_names_its_listing() -> None:
    error = ListingGuard("POST", "/bulk/files/get").error("the server sent the same link twice")

    assert str(error) == "POST /bulk/files/get failed: the server sent the same link twice; stopping instead of looping"
