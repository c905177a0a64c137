"""What the emulator's route handlers see and return: a :class:`Call` read from a Starlette request, a :class:`Reply`.

Starlette does the routing, the request parsing and the response writing (:mod:`genomics_provider.testing.app`);
handlers stay synchronous functions of plain values because they run under the state lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

#: Marker for "the request had no body".
NO_BODY: Any = object()
#: Marker for "the request body is not valid JSON".
BAD_JSON: Any = object()


def parse_json(body: bytes) -> Any:
    """Parse a request body.

    :param body: The raw body.
    :return: The JSON value, :data:`NO_BODY` for a blank body or :data:`BAD_JSON` when it does not parse.
    """
    if not body.strip():
        return NO_BODY
    try:
        return json.loads(body)
    except ValueError:
        return BAD_JSON


@dataclass
class Call:
    """One received request, as seen by a route handler."""

    method: str
    path: str
    raw_query: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any
    request_id: str
    base_url: str
    client: str = "unknown"
    params: dict[str, str] = field(default_factory=dict)
    principal: str | None = None

    def arg(self, name: str, default: str | None = None) -> str | None:
        """Return the first value of a query parameter.

        :param name: Parameter name.
        :param default: Value when the parameter is absent.
        :return: The value or ``default``.
        """
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str) -> str | None:
        """Return a request header (case-insensitive).

        :param name: Header name.
        :return: The value, or ``None``.
        """
        return self.headers.get(name.lower())


@dataclass
class Reply:
    """A response a handler produces; :meth:`response` turns it into a Starlette response."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    raw: bytes | None = None

    def encode(self) -> bytes:
        """Serialise the body.

        :return: The bytes to send.
        """
        if self.raw is not None:
            return self.raw
        if self.status == 204 or self.body is None:
            return b""
        return json.dumps(self.body).encode()

    def response(self) -> Response:
        """Build the Starlette response (a 204 has neither body nor content headers).

        :return: The response; Starlette adds ``charset=utf-8`` to ``text/*`` types and the content length.
        """
        if self.status == 204:
            return Response(status_code=204, headers=self.headers)
        return Response(self.encode(), status_code=self.status, headers=self.headers, media_type=self.content_type)


Handler = Callable[[Call], Reply]


class ApiError(Exception):
    """Raised by handlers to answer with an error reply."""

    def __init__(self, reply: Reply) -> None:
        """Wrap a reply.

        :param reply: The error response to send.
        """
        super().__init__(reply.status)
        self.reply = reply


@dataclass(frozen=True)
class Route:
    """One route of an API's table: method, Starlette path pattern (``{name}`` segments), handler and gates.

    ``auth`` False lets a Seven Bridges route answer without a token; ``counted`` False keeps it out of the rate-limit
    window; ``anonymous_list`` marks One Codex lists that answer ``[]`` to a caller without credentials.
    """

    method: str
    pattern: str
    handler: Handler
    auth: bool = True
    counted: bool = True
    anonymous_list: bool = False
