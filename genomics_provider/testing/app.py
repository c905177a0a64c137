"""The ASGI application serving both APIs on one port: record, inject faults, authenticate, rate-limit, route."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from genomics_provider.testing.auth import onecodex_principal, presented_secrets, sevenbridges_principal
from genomics_provider.testing.context import Context
from genomics_provider.testing.contracts import ViolationLog, check_body
from genomics_provider.testing.errors import ONECODEX_RATE_LIMITED, WERKZEUG_MESSAGES, oc_body, sb_reply
from genomics_provider.testing.fault_replies import fault_reply
from genomics_provider.testing.faults import BEFORE_KINDS, CONNECTION_RESET, SLOW_RESPONSE, Fault
from genomics_provider.testing.http import BAD_JSON, NO_BODY, ApiError, Call, Reply, Route, Router
from genomics_provider.testing.oc_routes import OneCodexRoutes
from genomics_provider.testing.ratelimit import Decision, FixedWindow, TokenBucket
from genomics_provider.testing.recorder import RecordedRequest, Recorder, redact_headers, scrub
from genomics_provider.testing.sb_routes import SevenBridgesRoutes
from genomics_provider.testing.transport import TransportRegistry

Scope = dict[str, Any]
log = logging.getLogger(__name__)


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


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        return NO_BODY
    try:
        return json.loads(body)
    except ValueError:
        return BAD_JSON


class EmulatorApp:
    """ASGI callable; one instance per :class:`~genomics_provider.testing.Emulator`."""

    def __init__(self, ctx: Context, recorder: Recorder, violations: ViolationLog, registry: TransportRegistry):
        """Wire the app.

        :param ctx: Shared context.
        :param recorder: Request log.
        :param violations: Contract violation log.
        :param registry: Open connections, to drop them on ``connection_reset`` faults.
        """
        self.ctx = ctx
        self.recorder = recorder
        self.violations = violations
        self.registry = registry
        self.bucket = TokenBucket(ctx.clock)
        self.window = FixedWindow(ctx.clock)
        self.oc_router = Router(OneCodexRoutes(ctx).routes())
        self.sb_router = Router(SevenBridgesRoutes(ctx, self.window).routes())
        self.base_url = ""
        self.stopping = False

    def reset_limits(self) -> None:
        """Refill every rate-limit bucket and window."""
        self.bucket.reset()
        self.window.reset()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        """Serve one ASGI connection scope.

        :param scope: ASGI scope.
        :param receive: ASGI receive callable.
        :param send: ASGI send callable.
        """
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        call = await self._read(scope, receive)
        api = api_of(call.path)
        entry = self._record(call, api)
        if api == "onecodex":
            self.violations.extend(check_body(call.method, call.path, call.json, has_body=_has_json(call)))
        plan = self.ctx.faults.plan(call.method, call.path)
        if plan.latency_s:
            await self._sleep(plan.latency_s)
        reply = await self._respond(call, api, plan.fault, entry, scope, receive)
        if reply is None:
            return
        reply.headers["X-Request-Id"] = call.request_id
        entry.status = reply.status
        await _send(send, reply)

    async def _respond(
        self, call: Call, api: str, fault: Fault | None, entry: RecordedRequest, scope: Scope, receive: Any
    ) -> Reply | None:
        if fault is not None:
            entry.fault = fault.kind
        if fault is not None and fault.kind in BEFORE_KINDS:
            return fault_reply(fault, api, self.ctx.config, self.ctx.now())
        if fault is not None and fault.kind == CONNECTION_RESET and not fault.params.get("after_write"):
            await self._drop(scope, receive)
            return None
        reply = self.handle(call, api)
        if fault is not None and fault.kind == CONNECTION_RESET:
            entry.extra["applied_status"] = reply.status
            await self._drop(scope, receive)
            return None
        if fault is not None and fault.kind == SLOW_RESPONSE:
            entry.status = reply.status
            await self._sleep(float(fault.params["delay_s"]))
        return reply

    async def _read(self, scope: Scope, receive: Any) -> Call:
        chunks = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", []):
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        raw_query = scope.get("query_string", b"").decode("latin-1")
        host = headers.get("host", "127.0.0.1")
        client = scope.get("client") or ("unknown", 0)
        return Call(
            method=scope["method"].upper(),
            path=scope["path"],
            raw_query=raw_query,
            query=parse_qs(raw_query, keep_blank_values=True),
            headers=headers,
            body=body,
            json=_parse_json(body),
            request_id="",
            base_url=self.ctx.config.public_base_url or self.base_url or f"http://{host}",
            client=str(client[0]),
        )

    def _record(self, call: Call, api: str) -> RecordedRequest:
        seq = self.recorder.next_seq()
        call.request_id = f"req-{seq:08d}"
        secrets = [self.ctx.config.onecodex_api_key, self.ctx.config.sevenbridges_token]
        secrets += presented_secrets(call.headers)
        if call.json is NO_BODY:
            body: Any = None
        elif call.json is BAD_JSON:
            body = call.body.decode("utf-8", "replace")
        else:
            body = call.json
        entry = RecordedRequest(
            seq=seq,
            api=api,
            method=call.method,
            path=scrub(call.path, secrets),
            query=scrub(call.query, secrets),
            headers=redact_headers(call.headers, secrets),
            body=scrub(body, secrets),
            request_id=call.request_id,
        )
        self.recorder.append(entry)
        return entry

    async def _sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self.stopping and (left := deadline - loop.time()) > 0:
            await asyncio.sleep(min(left, 0.05))

    async def _drop(self, scope: Scope, receive: Any) -> None:
        if not self.registry.abort(scope.get("client")):
            log.warning("connection_reset fault: connection not found, answering 500 instead")
            return
        try:
            async with asyncio.timeout(2.0):
                while (await receive())["type"] != "http.disconnect":
                    pass
        except TimeoutError:
            pass

    def handle(self, call: Call, api: str) -> Reply:
        """Route and run one request (synchronously, under the state lock).

        :param call: The request.
        :param api: Which API the path belongs to.
        :return: The reply.
        """
        path = call.path.rstrip("/") if api == "sevenbridges" else call.path
        router = self.sb_router if api == "sevenbridges" else self.oc_router
        route, params, allowed = router.match(call.method, path) if api != "unknown" else (None, {}, [])
        if route is None:
            status = 405 if allowed else 404
            reply = sb_reply(status) if api == "sevenbridges" else Reply(status, oc_body(status))
            if allowed:
                methods = {*allowed, "OPTIONS"} | ({"HEAD"} if "GET" in allowed else set())
                reply.headers["Allow"] = ", ".join(sorted(methods))
            return reply
        call.params = params
        with self.ctx.lock:
            if api == "onecodex":
                return self._onecodex(call, route)
            return self._sevenbridges(call, route)

    def _onecodex(self, call: Call, route: Route) -> Reply:
        config = self.ctx.config
        presented, principal = onecodex_principal(self.ctx, call.headers)
        anonymous_ok = route.anonymous_list and not presented and config.anonymous_lists_empty
        if principal is None and not anonymous_ok:
            return Reply(401, {"message": WERKZEUG_MESSAGES[401], "status": 401})
        if config.rate_limit_enabled:
            decision = self.bucket.take(
                principal or f"anonymous:{call.client}", config.onecodex_rate_per_s, config.onecodex_burst
            )
            if not decision.allowed:
                headers = {"Retry-After": str(decision.retry_after)} if config.retry_after else {}
                return Reply(429, dict(ONECODEX_RATE_LIMITED), headers)
        self.ctx.onecodex.advance_imports(self.ctx.now(), config.import_delay_s)
        call.principal = principal
        return _run(route, call)

    def _sevenbridges(self, call: Call, route: Route) -> Reply:
        config = self.ctx.config
        principal = sevenbridges_principal(self.ctx, call.headers)
        if principal is None and route.auth:
            return sb_reply(401)
        if principal is None:
            return _run(route, call)
        limit, window = config.sevenbridges_limit, config.sevenbridges_window_s
        if route.counted and config.rate_limit_enabled:
            decision = self.window.take(principal, limit, window)
        else:
            decision = self.window.peek(principal, limit, window)
        if not decision.allowed:
            reply = sb_reply(1000)
            if config.retry_after:
                reply.headers["Retry-After"] = str(decision.retry_after)
        else:
            call.principal = principal
            reply = _run(route, call)
        reply.headers.update(_rate_headers(decision))
        return reply


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _has_json(call: Call) -> bool:
    return call.json is not NO_BODY and call.json is not BAD_JSON


def _run(route: Route, call: Call) -> Reply:
    try:
        return route.handler(call)
    except ApiError as exc:
        return exc.reply


def _rate_headers(decision: Decision) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(decision.reset),
    }


async def _send(send: Any, reply: Reply) -> None:
    body = reply.encode()
    headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in reply.headers.items()]
    if reply.status != 204:
        content_type = reply.content_type + ("; charset=utf-8" if reply.content_type == "text/html" else "")
        headers += [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if reply.status == 204 else body})
