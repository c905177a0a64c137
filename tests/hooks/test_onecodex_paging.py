"""One Codex list paging (``_onecodex_paging``) through ``OneCodexHook.iter_samples`` and ``iter_sample_pages``."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import responses

from genomics_provider.exceptions import (
    GenomicsApiError,
)
from genomics_provider.hooks.onecodex import OneCodexHook, id_from_link
from tests.hooks.onecodex_support import (
    PROJECT_ID,
    SAMPLES_URL,
    SORT,
    SORT_JSON,
    WHERE,
    WHERE_JSON,
    path,
    query,
    sample_ids,
    samples,
)

# -- list paging ---------------------------------------------------------------------------------------------


def test_iter_samples_follows_cursors_until_there_is_no_next_cursor(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    pages = [sample_ids(100), sample_ids(100, 100), sample_ids(7, 200)]
    api.get(SAMPLES_URL, json=samples(pages[0]), headers={"X-Next-Cursor": "c-page-2"})
    api.get(SAMPLES_URL, json=samples(pages[1]), headers={"X-Next-Cursor": "c-page-3"})
    api.get(SAMPLES_URL, json=samples(pages[2]))

    found = list(hook.iter_samples(where=WHERE, sort=SORT))

    assert [id_from_link(sample) for sample in found] == pages[0] + pages[1] + pages[2]
    first = [("per_page", "100"), ("where", WHERE_JSON), ("sort", SORT_JSON)]
    assert [query(call) for call in api.calls] == [
        first,
        [*first, ("cursor", "c-page-2")],
        [*first, ("cursor", "c-page-3")],
    ]
    assert all(path(call) == "/api/v1/samples" for call in api.calls)
    assert all(call.request.headers["X-Pagination-Style"] == "cursor" for call in api.calls)


def test_iter_samples_sends_the_filter_as_compact_json(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLES_URL, json=[])
    assert list(hook.iter_samples(where={"project": PROJECT_ID})) == []
    assert urlsplit(api.calls[0].request.url).query == (
        "per_page=100&where=%7B%22project%22%3A%224b53797444f846c4%22%7D"
    )


def test_iter_samples_without_filters_sends_only_per_page(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLES_URL, json=samples(sample_ids(3)))
    assert len(list(hook.iter_samples(page_size=25))) == 3
    assert query(api.calls[0]) == [("per_page", "25")]


def test_iter_samples_is_lazy(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLES_URL, json=samples(sample_ids(100)), headers={"X-Next-Cursor": "c-page-2"})
    found = hook.iter_samples()
    assert len(api.calls) == 0
    assert next(found)["$uri"] == "/api/v1/samples/0000000000000000"
    assert len(api.calls) == 1


def test_iter_samples_falls_back_to_page_mode_when_the_cursor_header_is_ignored(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    pages = [sample_ids(100), sample_ids(100, 100), sample_ids(50, 200)]
    for page in pages:
        api.get(SAMPLES_URL, json=samples(page), headers={"X-Total-Count": "250"})

    found = list(hook.iter_samples(where=WHERE, sort=SORT))

    assert len(found) == 250
    assert [id_from_link(sample) for sample in found] == pages[0] + pages[1] + pages[2]
    first = [("per_page", "100"), ("where", WHERE_JSON), ("sort", SORT_JSON)]
    assert [query(call) for call in api.calls] == [first, [*first, ("page", "2")], [*first, ("page", "3")]]
    assert api.calls[0].request.headers["X-Pagination-Style"] == "cursor"


def test_page_mode_stops_on_an_empty_page(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLES_URL, json=samples(sample_ids(100)), headers={"X-Total-Count": "250"})
    api.get(SAMPLES_URL, json=[], headers={"X-Total-Count": "250"})
    assert len(list(hook.iter_samples())) == 100
    assert [query(call) for call in api.calls] == [[("per_page", "100")], [("per_page", "100"), ("page", "2")]]


def test_page_mode_without_a_total_count_goes_on_to_an_empty_page(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    link = '</api/v1/samples?page=2&per_page=100>; rel="next"'
    api.get(SAMPLES_URL, json=samples(sample_ids(100)), headers={"Link": link})
    api.get(SAMPLES_URL, json=samples(sample_ids(30, 100)), headers={"Link": link})
    api.get(SAMPLES_URL, json=[], headers={"Link": link})
    assert [id_from_link(sample) for sample in hook.iter_samples()] == sample_ids(130)
    assert [query(call) for call in api.calls] == [
        [("per_page", "100")],
        [("per_page", "100"), ("page", "2")],
        [("per_page", "100"), ("page", "3")],
    ]


def test_a_cursor_request_answered_without_cursor_total_or_link_is_the_last_cursor_page(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    api.get(SAMPLES_URL, json=samples(sample_ids(100)))
    assert len(list(hook.iter_samples())) == 100
    assert len(api.calls) == 1


def test_link_headers_are_never_followed(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    link = (
        '</api/v1/samples?page=2&per_page=100>; rel="next", '
        '</api/v1/samples?page=2&per_page=100>; rel="last", </elsewhere?page=9>; rel="self"'
    )
    api.get(SAMPLES_URL, json=samples(sample_ids(100)), headers={"X-Total-Count": "150", "Link": link})
    api.get(SAMPLES_URL, json=samples(sample_ids(50, 100)), headers={"X-Total-Count": "150", "Link": link})
    assert len(list(hook.iter_samples(where=WHERE))) == 150
    assert [query(call) for call in api.calls] == [
        [("per_page", "100"), ("where", WHERE_JSON)],
        [("per_page", "100"), ("where", WHERE_JSON), ("page", "2")],
    ]


def test_a_list_endpoint_that_answers_an_object_is_an_error(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLES_URL, json={"message": "not a list"})
    with pytest.raises(GenomicsApiError, match="expected a JSON list, got dict") as excinfo:
        list(hook.iter_samples())
    assert excinfo.value.path == "/api/v1/samples"


def test_a_list_page_that_is_not_json_raises_a_typed_error(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLES_URL, body="<html><title>Sign in</title></html>", content_type="text/html")
    with pytest.raises(GenomicsApiError, match=r"HTML page \(Sign in\)"):
        list(hook.iter_samples())


def test_cursor_mode_never_switches_to_page_mode_once_a_cursor_was_followed(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    # The set shrank while it was walked: the server counted 250 at the start, 200 remain.
    api.get(SAMPLES_URL, json=samples(sample_ids(100)), headers={"X-Next-Cursor": "c2", "X-Total-Count": "250"})
    api.get(SAMPLES_URL, json=samples(sample_ids(100, 100)), headers={"X-Total-Count": "250"})
    found = [id_from_link(sample) for sample in hook.iter_samples()]
    assert found == sample_ids(200)
    assert len(api.calls) == 2


# -- page by page ------------------------------------------------------------------------------------------------


def test_sample_pages_say_cursor_mode_and_whether_another_page_follows(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    api.get(SAMPLES_URL, json=samples(sample_ids(100)), headers={"X-Next-Cursor": "c2"})
    api.get(SAMPLES_URL, json=samples(sample_ids(30, 100)))

    pages = [(len(page.items), page.paged, page.more) for page in hook.iter_sample_pages(where=WHERE)]

    assert pages == [(100, False, True), (30, False, False)]
    assert query(api.calls[1]) == [("per_page", "100"), ("where", WHERE_JSON), ("cursor", "c2")]


def test_sample_pages_say_page_mode_when_the_server_ignores_the_cursor_header(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    api.get(SAMPLES_URL, json=samples(sample_ids(100)), headers={"X-Total-Count": "130"})
    api.get(SAMPLES_URL, json=samples(sample_ids(30, 100)), headers={"X-Total-Count": "130"})

    pages = [(len(page.items), page.paged, page.more) for page in hook.iter_sample_pages(where=WHERE)]

    assert pages == [(100, True, False), (30, True, False)]
    assert query(api.calls[1])[-1] == ("page", "2")


def test_the_next_sample_page_is_requested_only_once_the_caller_asks_for_it(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    api.get(SAMPLES_URL, json=samples(sample_ids(100)), headers={"X-Next-Cursor": "c2"})
    api.get(SAMPLES_URL, json=samples(sample_ids(30, 100)))
    pages = hook.iter_sample_pages(page_size=100)
    assert len(api.calls) == 0

    first = next(pages)

    assert (len(first.items), len(api.calls)) == (100, 1)
    assert len(next(pages).items) == 30
    assert len(api.calls) == 2


def test_a_repeated_sample_page_lists_only_new_items_and_a_page_of_repeats_ends_the_listing(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    api.get(SAMPLES_URL, json=samples(sample_ids(3)), headers={"X-Next-Cursor": "c2"})
    api.get(SAMPLES_URL, json=samples(sample_ids(4, 2)), headers={"X-Next-Cursor": "c3"})
    api.get(SAMPLES_URL, json=samples(sample_ids(2)), headers={"X-Next-Cursor": "c4"})
    pages = hook.iter_sample_pages()

    assert [id_from_link(item) for item in next(pages).items] == sample_ids(3)
    assert [id_from_link(item) for item in next(pages).items] == sample_ids(3, 3)
    with pytest.raises(GenomicsApiError, match="page 3 lists only items already listed"):
        next(pages)
