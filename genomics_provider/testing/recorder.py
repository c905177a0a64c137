"""The request log: every request the emulator received, in order, with credentials redacted."""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

#: Headers whose values are always replaced by ``REDACTED``.
SENSITIVE_HEADERS = frozenset({"x-api-key", "authorization", "x-sbg-auth-token", "cookie", "proxy-authorization"})
#: What a redacted value becomes.
REDACTED = "***"


@dataclass
class RecordedRequest:
    """One logged request.

    ``api`` is ``"onecodex"``, ``"sevenbridges"`` or ``"unknown"``; ``status`` is ``None`` when the connection was
    dropped without a response; ``fault`` names the injected fault that shaped the response, if any.
    """

    seq: int
    api: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    request_id: str
    status: int | None = None
    fault: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_write(self) -> bool:
        """Tell whether this is a non-GET (and non-HEAD/OPTIONS) call.

        :return: ``True`` for POST, PUT, PATCH and DELETE.
        """
        return self.method not in ("GET", "HEAD", "OPTIONS")


def scrub(value: Any, secrets: Iterable[str]) -> Any:
    """Replace every occurrence of a secret inside strings of a JSON-like value.

    :param value: Any JSON-like value (dicts, lists, strings, scalars).
    :param secrets: Strings to remove (empty strings are ignored).
    :return: A copy with the secrets replaced by ``REDACTED``.
    """
    needles = [s for s in secrets if s]
    if not needles:
        return value
    if isinstance(value, str):
        for needle in needles:
            value = value.replace(needle, REDACTED)
        return value
    if isinstance(value, dict):
        return {scrub(k, needles): scrub(v, needles) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, needles) for v in value]
    return value


def redact_headers(headers: dict[str, str], secrets: Iterable[str]) -> dict[str, str]:
    """Redact credential headers, and any secret appearing in other headers.

    :param headers: Lower-cased request headers.
    :param secrets: Known secrets to remove from every other value.
    :return: A redacted copy.
    """
    needles = list(secrets)
    return {name: REDACTED if name in SENSITIVE_HEADERS else scrub(value, needles) for name, value in headers.items()}


def _path_matches(path: str, pattern: str | None) -> bool:
    if pattern is None:
        return True
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(path, pattern)
    return path.startswith(pattern)


class Recorder:
    """Thread-safe, ordered log of requests; read it from tests, the server appends to it."""

    def __init__(self) -> None:
        """Create an empty log."""
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []
        self._seq = 0

    def next_seq(self) -> int:
        """Allocate the next sequence number.

        :return: 1 for the first request after a reset, then 2, 3, ...
        """
        with self._lock:
            self._seq += 1
            return self._seq

    def append(self, item: RecordedRequest) -> None:
        """Add a request to the log (the server calls this).

        :param item: The already redacted request.
        """
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        """Forget every request and restart the sequence numbers."""
        with self._lock:
            self._items.clear()
            self._seq = 0

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every logged request, oldest first."""
        with self._lock:
            return list(self._items)

    def __iter__(self) -> Iterator[RecordedRequest]:
        """Iterate over a snapshot.

        :return: An iterator, oldest first.
        """
        return iter(self.requests)

    def __len__(self) -> int:
        """Count logged requests.

        :return: The number of requests.
        """
        with self._lock:
            return len(self._items)

    def filter(
        self, method: str | None = None, path: str | None = None, api: str | None = None
    ) -> list[RecordedRequest]:
        """Select requests.

        :param method: HTTP method (case-insensitive), or ``None`` for any.
        :param path: A path prefix (``"/api/v1/samples/"``), or a glob when it contains ``*``, ``?`` or ``[``.
        :param api: ``"onecodex"`` or ``"sevenbridges"``, or ``None`` for both.
        :return: Matching requests, oldest first.
        """
        wanted = method.upper() if method else None
        return [
            item
            for item in self.requests
            if (wanted is None or item.method == wanted)
            and (api is None or item.api == api)
            and _path_matches(item.path, path)
        ]

    def count(self, method: str | None = None, path: str | None = None, api: str | None = None) -> int:
        """Count requests matching :meth:`filter`'s criteria.

        :param method: HTTP method, or ``None``.
        :param path: Path prefix or glob, or ``None``.
        :param api: API name, or ``None``.
        :return: The count.
        """
        return len(self.filter(method, path, api))

    def writes(self, api: str | None = None) -> list[RecordedRequest]:
        """Return the non-GET requests.

        :param api: Restrict to one API, or ``None`` for both.
        :return: POST/PUT/PATCH/DELETE requests, oldest first.
        """
        return [item for item in self.requests if item.is_write and (api is None or item.api == api)]

    def last(self, method: str | None = None, path: str | None = None) -> RecordedRequest:
        """Return the most recent matching request.

        :param method: HTTP method, or ``None``.
        :param path: Path prefix or glob, or ``None``.
        :return: The request.
        :raises LookupError: If nothing matches.
        """
        found = self.filter(method, path)
        if not found:
            raise LookupError(f"no recorded request matches {method or '*'} {path or '*'}")
        return found[-1]
