"""Reading Seven Bridges answers: list envelopes, ``next`` links, bulk records, and the loop checks of a listing.

Checked after the request: a listing's items are objects with string ids, and a bulk result whose ``resource`` has
no string id becomes an error record; anything else is a ``GenomicsApiError`` naming the method and path. An error
record's ``message`` and ``more_info`` are scrubbed of the token before anything reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from genomics_provider.exceptions import GenomicsApiError
from genomics_provider.hooks._paging import ListingGuard, adds_nothing, counted, loop_error
from genomics_provider.sevenbridges.types import BulkRecord, FilePage, SbFile
from genomics_provider.validation import expect_items

__all__ = [
    "bulk_record",
    "bulk_records",
    "file_id_of",
    "iter_listing",
    "next_link",
    "offset_of",
    "page_items",
    "repeated_page_error",
]


def iter_listing(
    fetch: Callable[..., dict[str, Any]],
    url_for: Callable[[str], str],
    path: str,
    params: list[tuple[str, Any]],
    scrub: Callable[[str], str],
) -> Iterator[SbFile]:
    """Yield every item of a listing once, following ``rel=next``; refuse a server that makes it endless.

    Nothing is sent before the first item is asked for.

    :param fetch: Sends a request whose answer is one JSON object (the hook's ``_json_object``).
    :param url_for: Resolves a path against the base URL.
    :param path: The listing's path, e.g. ``/files``.
    :param params: The first page's query.
    :param scrub: Removes secrets from the server's text.
    :return: An iterator of items, each id once (items without an id are passed on as listed).
    :raises GenomicsApiError: When a ``next`` link leads back to a page already read, or a page lists no file
        that was not listed before (the server ignores ``offset``).
    """
    guard = ListingGuard("GET", urlsplit(url_for(path)).path, noun="files", scrub=scrub)
    body = fetch("GET", path, params=params)
    offset = "0"
    while True:
        items = page_items(body, path)
        next_href = next_link(body) if items else None
        if isinstance(body.get("href"), str):
            guard.repeated(body["href"])
        if next_href and guard.repeated(next_href):
            raise guard.error(
                f"the next link of page {guard.pages + 1} (offset {offset_of(next_href)}) leads back to a page "
                "already read"
            )
        yield from guard.fresh(items, file_id_of, hint=f" at offset {offset}: the server seems to ignore offset")
        if not next_href:
            return
        offset = offset_of(next_href)
        body = fetch("GET", next_href)


def repeated_page_error(
    page: FilePage, seen: Collection[str], *, number: int, offset: int, may_repeat: int = 0
) -> GenomicsApiError | None:
    """Tell whether a page read by offset shows that the server ignores ``offset`` (for callers of ``list_files_page``).

    :param page: The page just read.
    :param seen: The ids of every file listed before it.
    :param number: Its 1-based page number; the first page is never refused.
    :param offset: The offset it was asked for.
    :param may_repeat: Optional. How many files of it may be repeats (files the previous page's writes were counted
        as moving out of the listing, though they may still be listed).
    :return: The error to raise when it lists only files already seen, more than ``may_repeat``; ``None`` otherwise.
    """
    if number <= 1 or len(page.items) <= may_repeat or not adds_nothing(page.items, file_id_of, seen):
        return None
    return loop_error(
        "GET",
        page.path,
        f"page {number} lists only files already listed ({counted(len(page.items), 'files')}) at offset {offset}: "
        "the server seems to ignore offset",
    )


def page_items(body: Mapping[str, Any], path: str) -> list[SbFile]:
    """Read the items of a list envelope (``{"items": [...], "links": [...]}``).

    :param body: The page's JSON object.
    :param path: URL path of the listing, for errors.
    :return: The items, each an object with a string id.
    :raises GenomicsApiError: When there is no ``items`` list, or an item has another shape.
    """
    items = body.get("items")
    if not isinstance(items, list):
        raise GenomicsApiError(f"expected a list envelope with 'items', got keys {sorted(body)}", path=path)
    return cast(list[SbFile], expect_items(items, method="GET", path=path, id_of=file_id_of))


def file_id_of(item: Any) -> str | None:
    """Return a listed item's id, the key a listing is deduplicated by.

    :param item: One item of a page.
    :return: Its ``id``, or ``None`` when it has no string id.
    """
    file_id = item.get("id") if isinstance(item, dict) else None
    return file_id if isinstance(file_id, str) else None


def offset_of(href: str) -> str:
    """Tell where a link leads, for errors, without its whole query; no offset means offset 0, as the API reads it.

    :param href: A page's URL.
    :return: Its last ``offset`` value, at most 20 characters.
    """
    offsets = parse_qs(urlsplit(href).query).get("offset")
    return offsets[-1][:20] if offsets else "0"


def next_link(body: Mapping[str, Any]) -> str | None:
    """Find the ``links`` entry with ``rel=next``.

    :param body: The page's JSON object.
    :return: Its ``href``, or ``None`` on the last page.
    """
    for link in body.get("links") or ():
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    return None


def bulk_record(item: Any, scrub: Callable[[str], str]) -> BulkRecord:
    """Read one result of a bulk call as a ``{"resource"}`` or ``{"error"}`` record.

    Anything unrecognisable becomes an error record, so it is reported, never taken as success. An error item's
    text reaches the failure message and the summary XCom, so it is scrubbed here, whole, before anything cuts it.

    :param item: One entry of the answer's ``items``.
    :param scrub: Removes secrets from the server's text.
    :return: The record.
    """
    if isinstance(item, dict) and isinstance(item.get("error"), dict):
        error = dict(item["error"])
        for key in ("message", "more_info"):
            if error.get(key) is not None:
                error[key] = scrub(str(error[key]))
        return {"error": error}
    if isinstance(item, dict) and isinstance(item.get("resource"), dict) and file_id_of(item["resource"]):
        return {"resource": cast(SbFile, item["resource"])}
    return {"error": {"message": f"unrecognised bulk result {scrub(str(item))[:80]!r}"}}


def bulk_records(result: Mapping[str, Any], sent: int, path: str, scrub: Callable[[str], str]) -> list[BulkRecord]:
    """Read the answer of one bulk call: one record per item sent, in request order.

    :param result: The answer's JSON object.
    :param sent: How many items the call sent.
    :param path: URL path of the call, for the error.
    :param scrub: Removes secrets from the server's text.
    :return: The records (see :func:`bulk_record`).
    :raises GenomicsApiError: When the answer has no ``items`` list or another number of them.
    """
    items = result.get("items")
    if not isinstance(items, list) or len(items) != sent:
        got = len(items) if isinstance(items, list) else "no"
        raise GenomicsApiError(
            f"sent {sent} items, got {got} results; cannot tell which file each result is for",
            method="POST",
            path=path,
        )
    return [bulk_record(item, scrub) for item in items]
