"""The emulator's ASGI middleware: record every request (and check its contract), then inject the planned faults.

Both run before Starlette routes the request, so a fault or the log sees exactly what the client sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from genomics_provider.testing.auth import presented_secrets
from genomics_provider.testing.context import Context
from genomics_provider.testing.contracts import ViolationLog, check_body
from genomics_provider.testing.fault_replies import fault_reply
from genomics_provider.testing.faults import BEFORE_KINDS, CONNECTION_RESET, SERVER_ERROR, SLOW_RESPONSE, Fault
from genomics_provider.testing.http import BAD_JSON, NO_BODY, parse_json
from genomics_provider.testing.recorder import RecordedRequest, Recorder, redact_headers, scrub
from genomics_provider.testing.transport import TransportRegistry

log = logging.getLogger(__name__)

#: The ASGI scope key under which :class:`RecordMiddleware` leaves the :class:`Exchange`.
EXCHANGE = "genomics.exchange"

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class Exchange:
    """One request as the middleware read it: the whole body, its JSON, the log entry."""

    api: str
    path: str
    headers: dict[str, str]
    query: dict[str, list[str]]
    body: bytes
    json: Any
    entry: RecordedRequest


def api_of(path: str) -> str:
    """Tell which API a path belongs to.

    :param path: Request path.
    :return: ``"onecodex"``, ``"sevenbridges"`` or ``"unknown"``.
    """
    if path == "/api/v1" or path.startswith("/api/v1/"):
        return "onecodex"
    if path == "/v2" or path.startswith("/v2/"):
        return "sevenbridges"
    return "unknown"


def header_dict(scope: Scope) -> dict[str, str]:
    """Read the request headers, lower-cased, repeated ones joined with ``", "``.

    :param scope: ASGI scope.
    :return: The headers.
    """
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


class _HttpMiddleware:
    """Pass anything but an HTTP request (lifespan, websockets) straight on; subclasses handle the requests."""

    #: The inner ASGI app, set by the subclass.
    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one HTTP request with :meth:`handle`, or pass another ASGI event on untouched.

        :param scope: ASGI scope.
        :param receive: ASGI receive callable.
        :param send: ASGI send callable.
        """
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one HTTP request.

        :param scope: ASGI scope (``type`` is ``http``).
        :param receive: ASGI receive callable.
        :param send: ASGI send callable.
        """
        raise NotImplementedError


class RecordMiddleware(_HttpMiddleware):
    """Log each request (secrets scrubbed), number it, stamp ``X-Request-Id`` and check One Codex write contracts."""

    def __init__(self, app: ASGIApp, ctx: Context, recorder: Recorder, violations: ViolationLog) -> None:
        """Wrap an app.

        :param app: The inner ASGI app.
        :param ctx: Shared context (the configured secrets).
        :param recorder: Request log.
        :param violations: Contract violation log.
        """
        self.app, self.ctx, self.recorder, self.violations = app, ctx, recorder, violations

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Record one request and pass it on with its body replayed.

        :param scope: ASGI scope.
        :param receive: ASGI receive callable.
        :param send: ASGI send callable.
        """
        body = await _read_body(receive)
        api, path, parsed = api_of(scope["path"]), scope["path"], parse_json(body)
        headers = header_dict(scope)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        entry = self._record(scope, api, headers, query, (body, parsed))
        if api == "onecodex":
            has_json = parsed is not NO_BODY and parsed is not BAD_JSON
            self.violations.extend(check_body(entry.method, path, parsed, has_body=has_json))
        scope[EXCHANGE] = Exchange(api, path, headers, query, body, parsed, entry)

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry.status = message["status"]
                stamp = (b"x-request-id", entry.request_id.encode())
                message = {**message, "headers": [*message.get("headers", []), stamp]}
            await send(message)

        await self.app(scope, _replay(body, receive), stamped)

    def _record(
        self, scope: Scope, api: str, headers: dict[str, str], query: dict[str, list[str]], content: tuple[bytes, Any]
    ) -> RecordedRequest:
        seq = self.recorder.next_seq()
        raw, parsed = content
        secrets = [self.ctx.config.onecodex_api_key, self.ctx.config.sevenbridges_token]
        secrets += [self.ctx.config.onecodex_bearer_token, *presented_secrets(headers)]
        if parsed is NO_BODY:
            body: Any = None
        elif parsed is BAD_JSON:
            body = raw.decode("utf-8", "replace")
        else:
            body = parsed
        entry = RecordedRequest(
            seq=seq,
            api=api,
            method=scope["method"].upper(),
            path=scrub(scope["path"], secrets),
            query=scrub(query, secrets),
            headers=redact_headers(headers, secrets),
            body=scrub(body, secrets),
            request_id=f"req-{seq:08d}",
        )
        self.recorder.append(entry)
        return entry


class FaultMiddleware(_HttpMiddleware):
    """Shape a request by the faults programmed on ``emu.faults``: latency, replaced replies, resets, slow replies."""

    def __init__(self, app: ASGIApp, ctx: Context, registry: TransportRegistry, sleep: Sleep) -> None:
        """Wrap an app.

        :param app: The inner ASGI app (the API itself).
        :param ctx: Shared context (faults, switches, clock).
        :param registry: Open connections, to reset them.
        :param sleep: An interruptible sleep (it returns early when the emulator stops).
        """
        self.app, self.ctx, self.registry, self.sleep = app, ctx, registry, sleep

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply the planned faults to one request.

        :param scope: ASGI scope.
        :param receive: ASGI receive callable.
        :param send: ASGI send callable.
        """
        exchange: Exchange = scope[EXCHANGE]
        plan = self.ctx.faults.plan(scope["method"].upper(), exchange.path)
        if plan.latency_s:
            await self.sleep(plan.latency_s)
        fault = plan.fault
        if fault is None:
            await self.app(scope, receive, send)
            return
        exchange.entry.fault = fault.kind
        if fault.kind in BEFORE_KINDS:
            await fault_reply(fault, exchange.api, self.ctx.config, self.ctx.now()).response()(scope, receive, send)
        elif fault.kind == CONNECTION_RESET:
            await self._reset(fault, exchange, scope, receive, send)
        elif fault.kind == SLOW_RESPONSE:
            await self.app(scope, receive, self._delayed(send, exchange.entry, float(fault.params["delay_s"])))
        else:
            await self.app(scope, receive, send)

    def _delayed(self, send: Send, entry: RecordedRequest, delay_s: float) -> Send:
        async def delayed(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry.status = message["status"]  # the write is applied; the client just has not heard yet
                await self.sleep(delay_s)
            await send(message)

        return delayed

    async def _reset(self, fault: Fault, exchange: Exchange, scope: Scope, receive: Receive, send: Send) -> None:
        if fault.params.get("after_write"):
            applied: list[int] = []

            async def swallow(message: Message) -> None:
                if message["type"] == "http.response.start":
                    applied.append(message["status"])

            await self.app(scope, receive, swallow)
            exchange.entry.extra["applied_status"] = applied[0] if applied else None
        if not self.registry.abort(scope.get("client")):
            log.warning("connection_reset fault: the connection was not found, so it answers a 500 instead")
            reply = fault_reply(Fault(SERVER_ERROR), exchange.api, self.ctx.config, self.ctx.now())
            await reply.response()(scope, receive, send)
            return
        try:
            async with asyncio.timeout(2.0):
                while (await receive())["type"] != "http.disconnect":
                    pass
        except TimeoutError:
            pass
