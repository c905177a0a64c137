"""The Seven Bridges wire shapes this provider reads and sends (re-exported by the hook, where they are public).

A leaf module: it imports nothing from the provider, so the hook and the domain modules both use it.
"""

from __future__ import annotations

from typing import Any, NamedTuple, NotRequired, TypedDict


class SbFile(TypedDict, total=False):
    """A file or folder as the API returns it (the fields this provider reads)."""

    href: str
    id: str
    name: str
    type: str
    project: str
    parent: str
    tags: list[str]
    metadata: dict[str, Any]
    origin: dict[str, str]


class BulkItem(TypedDict):
    """One item of a bulk edit/update body: ``id`` plus the fields to set."""

    id: str
    name: NotRequired[str]
    tags: NotRequired[list[str]]
    metadata: NotRequired[dict[str, Any]]


class FilePage(NamedTuple):
    """One page of a file listing.

    :param items: The files and folders of the page, in listing order.
    :param has_next: Whether the listing had more items after this page when it was read (a ``rel=next`` link).
    :param path: Optional. The URL path the page was read from (``/v2/files``), for errors about the listing.
    """

    items: list[SbFile]
    has_next: bool
    path: str = "/files"


class BulkRecord(TypedDict, total=False):
    """One result of a bulk call: ``resource`` on success, ``error`` (``status, code, message``) on failure."""

    resource: SbFile
    error: dict[str, Any]
