"""Loop guards for paged listings: every item once, and an error instead of a listing that never ends.

A misbehaving server can keep a paged listing going forever: a cursor or ``next`` link that comes back, the same
page served whatever ``page`` or ``offset`` asked for, a total that is never reached. :class:`ListingGuard` keeps
the id of every item listed (ids only, never pages) and every continuation token followed, so a listing yields each
id once and stops with a :class:`~genomics_provider.exceptions.GenomicsApiError` that says what the server did.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TypeVar

from genomics_provider.exceptions import GenomicsApiError

T = TypeVar("T")
#: Most characters of a cursor or link quoted in an error (after scrubbing, so no cut secret survives).
SHOWN_TOKEN = 60
STOPPING = "stopping instead of looping"


def _unchanged(text: str) -> str:
    return text


def loop_error(method: str, path: str, problem: str) -> GenomicsApiError:
    """Build the error that ends a listing the server would make endless.

    :param method: HTTP method of the listing.
    :param path: URL path of the listing.
    :param problem: What the server did, e.g. ``the server sent cursor 'abc' twice``.
    :return: The error (``GET /api/v1/samples failed: the server sent cursor 'abc' twice; stopping instead of
        looping``).
    """
    return GenomicsApiError(f"{problem}; {STOPPING}", method=method, path=path)


def counted(count: int, noun: str) -> str:
    """Write a count with its noun: ``1 file``, ``3 files``.

    :param count: How many.
    :param noun: The plural noun (``files``, ``items``).
    :return: The phrase.
    """
    return f"{count} {noun if count != 1 else noun.removesuffix('s')}"


def adds_nothing(items: Collection[T], id_of: Callable[[T], str | None], seen: Collection[str]) -> bool:
    """Tell whether a non-empty page lists no id that was not listed before (items without an id add nothing).

    :param items: One page.
    :param id_of: The id of an item, or ``None``.
    :param seen: The ids listed so far.
    :return: ``True`` for a non-empty page without a new id.
    """
    return bool(items) and not any((item_id := id_of(item)) is not None and item_id not in seen for item in items)


class ListingGuard:
    """Remember what one listing returned, drop repeats, and refuse to follow a listing that makes no progress.

    :param method: HTTP method of the listing, for errors.
    :param path: URL path of the listing, for errors.
    :param noun: Optional. What the items are called in errors (default ``items``).
    :param scrub: Optional. Removes secrets from the server's text before it is quoted.
    """

    def __init__(self, method: str, path: str, *, noun: str = "items", scrub: Callable[[str], str] = _unchanged):
        self.method = method
        self.path = path
        self.noun = noun
        self.scrub = scrub
        #: Every id listed so far.
        self.ids: set[str] = set()
        #: Every cursor or link followed so far (and the pages' own links).
        self.tokens: set[str] = set()
        #: Pages read so far.
        self.pages = 0

    def shown(self, token: str) -> str:
        """Quote a cursor or link for an error: scrubbed, then cut.

        :param token: The server's text.
        :return: At most :data:`SHOWN_TOKEN` characters of it, ``…`` marking a cut.
        """
        text = self.scrub(token)
        return text if len(text) <= SHOWN_TOKEN else text[:SHOWN_TOKEN] + "…"

    def repeated(self, token: str) -> bool:
        """Record a continuation token, telling whether it was recorded before.

        :param token: A cursor, or the URL of a page.
        :return: ``True`` when the listing has already been there.
        """
        if token in self.tokens:
            return True
        self.tokens.add(token)
        return False

    def error(self, problem: str) -> GenomicsApiError:
        """Build the error that ends this listing.

        :param problem: What the server did.
        :return: The error.
        """
        return loop_error(self.method, self.path, problem)

    def fresh(self, items: list[T], id_of: Callable[[T], str | None], *, hint: str = "") -> list[T]:
        """Count one page and return its items not listed before; items without an id are kept.

        :param items: The page.
        :param id_of: The id of an item, or ``None``.
        :param hint: Optional. Why the server may have repeated itself, appended to the error.
        :return: The page's new items, in order.
        :raises GenomicsApiError: When a page after the first lists no new id: the server repeated a page.
        """
        self.pages += 1
        if self.pages > 1 and adds_nothing(items, id_of, self.ids):
            raise self.error(
                f"page {self.pages} lists only {self.noun} already listed ({counted(len(items), self.noun)}){hint}"
            )
        fresh: list[T] = []
        for item in items:
            item_id = id_of(item)
            if item_id is None or item_id not in self.ids:
                fresh.append(item)
            if item_id is not None:
                self.ids.add(item_id)
        return fresh
