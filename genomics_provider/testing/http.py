"""Request and response value objects shared by the emulator's routes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Marker for "the request had no body".
NO_BODY: Any = object()
#: Marker for "the request body is not valid JSON".
BAD_JSON: Any = object()


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
    """A response a handler produces; the app serialises it."""

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
    """One route: method, path pattern (``{name}`` segments) and handler."""

    method: str
    pattern: str
    handler: Handler
    auth: bool = True
    counted: bool = True
    anonymous_list: bool = False

    def regex(self) -> re.Pattern[str]:
        """Compile the pattern.

        :return: A regex with one named group per ``{name}`` segment.
        """
        source = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.pattern)
        return re.compile(f"^{source}$")


class Router:
    """Match a method and path to a route, telling 404 from 405."""

    def __init__(self, routes: list[Route]) -> None:
        """Compile the routes, in order (literal paths must come before ``{param}`` ones).

        :param routes: The routes.
        """
        self._routes = [(route, route.regex()) for route in routes]

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        """Find the route for a request.

        :param method: HTTP method.
        :param path: Request path.
        :return: ``(route, params, allowed)``; route is ``None`` when nothing matched, and ``allowed`` lists the
            methods of routes whose path matched (non-empty means 405).
        """
        allowed: list[str] = []
        path_matched = False
        for route, regex in self._routes:
            found = regex.match(path)
            if not found:
                continue
            path_matched = True
            if route.method == method:
                return route, found.groupdict(), []
            if route.method not in allowed:
                allowed.append(route.method)
        return None, {}, allowed if path_matched else []
