"""One Codex list paging: cursor mode, and page mode for a server that ignores the cursor header.

Lists ask for ``X-Pagination-Style: cursor`` and follow ``X-Next-Cursor``. A server that ignores the header answers
in page mode; the listing then continues with ``page``/``per_page`` until ``X-Total-Count`` items arrived or a page is
empty (a missing ``X-Total-Count`` means: on to an empty page). ``Link`` headers are never followed, because the
service leaves ``where``/``sort`` out of them. Each id is yielded once; a repeated cursor, a page without a new id, or
more than 2n + 1 pages for a total that needs n end the listing with ``GenomicsApiError``.

:func:`iter_pages` yields the listing a page at a time and says which mode it is in: a run that writes while it
lists must know, because page offsets shift under its own writes (see :mod:`genomics_provider.onecodex.run`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from genomics_provider.exceptions import GenomicsApiError
from genomics_provider.hooks._paging import ListingGuard
from genomics_provider.onecodex.types import id_from_link
from genomics_provider.validation import expect_items

if TYPE_CHECKING:
    from genomics_provider.hooks.base import GenomicsRestHook

__all__ = ["ID_FIELD", "ListPage", "iter_list", "iter_pages"]

#: Where ``id_from_link`` reads an object's id, named in shape errors.
ID_FIELD = "$uri"


@dataclass(frozen=True)
class ListPage:
    """One page of a One Codex listing: its items not listed before, and how the listing goes on.

    :param items: The page's objects whose ``$uri`` was not listed on an earlier page, in order.
    :param paged: Whether the server answers in page mode (``page``/``per_page`` offsets, which shift when items
        leave or join the filter); ``False`` in cursor mode.
    :param more: Whether the server sent ``X-Next-Cursor``: another cursor page follows.
    """

    items: list[dict[str, Any]]
    paged: bool
    more: bool


def iter_list(
    hook: GenomicsRestHook,
    path: str,
    where: dict[str, Any] | None,
    sort: dict[str, bool] | None,
    per_page: int,
    *,
    cursor: bool = True,
) -> Iterator[dict[str, Any]]:
    """Yield every item of a One Codex list once, in cursor mode, falling back to page mode.

    Nothing is sent before the first item is asked for.

    :param hook: The hook that sends the requests.
    :param path: The list's path, e.g. ``/api/v1/samples``.
    :param where: Optional. The ``where`` filter.
    :param sort: Optional. The ``sort`` order.
    :param per_page: Items per page.
    :param cursor: Optional. Ask for cursor mode (``False``: page mode from the start).
    :return: An iterator of objects, each ``$uri`` once.
    :raises GenomicsApiError: When a page is not a JSON list of objects with ids, or the server makes the listing
        endless.
    """
    for page in iter_pages(hook, path, where, sort, per_page, cursor=cursor):
        yield from page.items


def iter_pages(
    hook: GenomicsRestHook,
    path: str,
    where: dict[str, Any] | None,
    sort: dict[str, bool] | None,
    per_page: int,
    *,
    cursor: bool = True,
) -> Iterator[ListPage]:
    """Yield a One Codex list page by page, each item once, in cursor mode, falling back to page mode.

    Nothing is sent before the first page is asked for, and each next page only when it is asked for.

    :param hook: The hook that sends the requests.
    :param path: The list's path, e.g. ``/api/v1/samples``.
    :param where: Optional. The ``where`` filter.
    :param sort: Optional. The ``sort`` order.
    :param per_page: Items per page.
    :param cursor: Optional. Ask for cursor mode (``False``: page mode from the start).
    :return: An iterator of pages, each holding only items not listed before.
    :raises GenomicsApiError: When a page is not a JSON list of objects with ids, or the server makes the listing
        endless.
    """
    params: dict[str, Any] = {"per_page": per_page}
    if where:
        params["where"] = json.dumps(where, separators=(",", ":"))
    if sort:
        params["sort"] = json.dumps(sort, separators=(",", ":"))
    headers = {"X-Pagination-Style": "cursor"} if cursor else {}
    guard = ListingGuard("GET", path, scrub=hook.scrub)
    response = hook.request("GET", path, params=params, headers=headers)
    page, followed_cursor = 1, False
    while True:
        items = hook.parse_json(response, "GET")
        if not isinstance(items, list):
            raise GenomicsApiError(f"expected a JSON list, got {type(items).__name__}", method="GET", path=path)
        expect_items(items, method="GET", path=path, id_of=id_from_link, id_name=ID_FIELD)
        next_cursor = response.headers.get("X-Next-Cursor")
        if next_cursor and guard.repeated(next_cursor):
            raise guard.error(f"the server sent cursor {guard.shown(next_cursor)!r} twice")
        hint = f": the server seems to ignore page={page}" if page > 1 and not followed_cursor else ""
        # Page mode only for a server that ignored the cursor header from the start.
        offsets = not cursor or page > 1 or _marks_page_mode(response.headers)
        page_mode = not next_cursor and not followed_cursor and offsets
        yield ListPage(guard.fresh(items, id_from_link, hint=hint), paged=page_mode, more=bool(next_cursor))
        if next_cursor:
            followed_cursor = True
            response = hook.request("GET", path, params={**params, "cursor": next_cursor}, headers=headers)
            continue
        if followed_cursor or not items or not page_mode or _has_total(guard, response.headers, per_page):
            return
        page += 1
        response = hook.request("GET", path, params={**params, "page": page})


def _marks_page_mode(headers: Mapping[str, str]) -> bool:
    """Tell a page-mode answer to a cursor request from cursor mode's last page, which has neither of these headers.

    :param headers: The response headers of a page without ``X-Next-Cursor``.
    :return: ``True`` when ``X-Total-Count`` or ``Link`` is present: page mode, so more pages may follow.
    """
    return "X-Total-Count" in headers or "Link" in headers


def _has_total(guard: ListingGuard, headers: Mapping[str, str], per_page: int) -> bool:
    """Tell whether page mode has listed the ``X-Total-Count`` items; without a total, only an empty page ends it.

    :param guard: The listing's guard (its distinct ids and pages so far).
    :param headers: The last page's response headers.
    :param per_page: Items asked for per page.
    :return: ``True`` once as many distinct items as the total have arrived.
    :raises GenomicsApiError: When twice the pages the total needs (plus one) have not brought it: the total lies.
    """
    text = str(headers.get("X-Total-Count") or "").strip()
    if not re.fullmatch(r"[0-9]{1,18}", text):
        return False  # absent or not a count: go on to an empty page, as the reference says
    total = int(text)
    if len(guard.ids) >= total:
        return True
    needed = -(-total // per_page)
    if guard.pages >= 2 * needed + 1:
        raise guard.error(
            f"{guard.pages} pages brought only {len(guard.ids)} distinct items of the {total} that X-Total-Count "
            f"announces ({needed} page(s) of {per_page} should hold them)"
        )
    return False
