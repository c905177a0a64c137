"""A strict scripted HTTP server on 127.0.0.1 for misbehaving-server tests: it logs every request, and bounds them.

Each test sets :attr:`ScriptedApi.script`, a function from the request to ``(status, headers, JSON body)``. After
:data:`BUDGET` requests every further one is refused with a 400, so a client that would loop forever fails its test
on the error text instead of hanging the suite.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

#: Requests answered before every further one is refused.
BUDGET = 40
#: Query parameters that :meth:`Seen.describe` shows.
PAGING_PARAMS = ("cursor", "page", "offset")
Reply = tuple[int, dict[str, str], Any]


@dataclass
class Seen:
    """One request as the server received it: method, path, query pairs, full URL and parsed JSON body."""

    method: str
    path: str
    query: list[tuple[str, str]]
    url: str
    body: Any

    def arg(self, name: str) -> str | None:
        """Return a query parameter (the last one of that name), or ``None``."""
        return dict(self.query).get(name)

    def describe(self) -> str:
        """Describe the request as ``GET /v2/files offset=100`` (method, path and paging parameters)."""
        paging = " ".join(f"{key}={value}" for key, value in self.query if key in PAGING_PARAMS)
        return f"{self.method} {self.path} {paging}".strip()


@dataclass
class ScriptedApi:
    """What the server answers (``script``), what it received (``requests``) and where it listens (``url``)."""

    script: Callable[[Seen], Reply] = lambda seen: (404, {}, {"message": "no script", "status": 404})
    requests: list[Seen] = field(default_factory=list)
    url: str = ""

    def answer(self, seen: Seen) -> Reply:
        """Log a request and answer it from the script, or refuse it once the budget is spent."""
        self.requests.append(seen)
        if len(self.requests) > BUDGET:
            return 400, {}, {"status": 400, "message": f"fake: over {BUDGET} requests, the client is looping"}
        return self.script(seen)

    def sent(self) -> list[str]:
        """Describe every request received, in order."""
        return [seen.describe() for seen in self.requests]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api: ScriptedApi

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        query = parse_qsl(parts.query, keep_blank_values=True)
        seen = Seen(self.command, parts.path, query, self.api.url + self.path, json.loads(raw) if raw else None)
        status, headers, body = self.api.answer(seen)
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_PATCH = do_PUT = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


@contextmanager
def scripted_api() -> Iterator[ScriptedApi]:
    """Run a scripted server on 127.0.0.1 (a free port) until the block ends.

    :return: The server's state; set ``script`` before the first request.
    """
    api = ScriptedApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"api": api}))
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
