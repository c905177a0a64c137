"""The ASGI application serving both APIs on one port: a Starlette app behind the record and fault middleware.

Starlette routes each request (``{name}`` path parameters, 404 and 405); the endpoint gate of each route
authenticates the caller and applies the API's rate limit, under the state lock, before the handler runs.
"""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.routing import Route as StarletteRoute
from starlette.types import Receive, Scope, Send

from genomics_provider.testing.auth import onecodex_principal, sevenbridges_principal
from genomics_provider.testing.context import Context
from genomics_provider.testing.contracts import ViolationLog
from genomics_provider.testing.errors import ONECODEX_RATE_LIMITED, WERKZEUG_MESSAGES, oc_body, sb_reply
from genomics_provider.testing.http import ApiError, Call, Reply, Route
from genomics_provider.testing.middleware import (
    EXCHANGE,
    Exchange,
    FaultMiddleware,
    RecordMiddleware,
    api_of,
)
from genomics_provider.testing.oc_routes import OneCodexRoutes
from genomics_provider.testing.ratelimit import Decision, FixedWindow, TokenBucket
from genomics_provider.testing.recorder import Recorder
from genomics_provider.testing.sb_routes import SevenBridgesRoutes
from genomics_provider.testing.transport import TransportRegistry


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
        self.bucket = TokenBucket(ctx.clock)
        self.window = FixedWindow(ctx.clock)
        self.base_url = ""
        self.stopping = False
        routes = [self._route("onecodex", route) for route in OneCodexRoutes(ctx).routes()]
        routes += [self._route("sevenbridges", route) for route in SevenBridgesRoutes(ctx, self.window).routes()]
        self.starlette = Starlette(
            routes=routes,
            middleware=[
                Middleware(RecordMiddleware, ctx=ctx, recorder=recorder, violations=violations),
                Middleware(FaultMiddleware, ctx=ctx, registry=registry, sleep=self.sleep),
            ],
            exception_handlers={404: self._not_found, 405: self._not_allowed},
        )
        # One Codex does not redirect ``/x/`` to ``/x``; Seven Bridges ignores a trailing slash (_SlashTolerant).
        self.starlette.router.redirect_slashes = False

    def reset_limits(self) -> None:
        """Refill every rate-limit bucket and window."""
        self.bucket.reset()
        self.window.reset()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI scope (uvicorn runs with ``lifespan="off"``).

        :param scope: ASGI scope.
        :param receive: ASGI receive callable.
        :param send: ASGI send callable.
        """
        await self.starlette(scope, receive, send)

    async def sleep(self, seconds: float) -> None:
        """Wait, returning early once the emulator is stopping (so delayed responses do not hold up ``stop``).

        :param seconds: How long to wait.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self.stopping and (left := deadline - loop.time()) > 0:
            await asyncio.sleep(min(left, 0.05))

    def _route(self, api: str, route: Route) -> BaseRoute:
        async def endpoint(request: Request) -> Response:
            call = self._call(request)
            with self.ctx.lock:
                reply = self._onecodex(call, route) if api == "onecodex" else self._sevenbridges(call, route)
            return reply.response()

        # Seven Bridges answers ``/v2/files/`` like ``/v2/files``; One Codex (Flask) does not.
        kind = _SlashTolerant if api == "sevenbridges" else StarletteRoute
        return kind(route.pattern, endpoint, methods=[route.method])

    def _call(self, request: Request) -> Call:
        exchange: Exchange = request.scope[EXCHANGE]
        client = request.scope.get("client") or ("unknown", 0)
        return Call(
            method=request.method,
            path=exchange.path,
            raw_query=request.scope.get("query_string", b"").decode("latin-1"),
            query=exchange.query,
            headers=exchange.headers,
            body=exchange.body,
            json=exchange.json,
            request_id=exchange.entry.request_id,
            base_url=self.ctx.config.public_base_url
            or self.base_url
            or f"http://{exchange.headers.get('host', '127.0.0.1')}",
            client=str(client[0]),
            params=dict(request.path_params),
        )

    async def _not_found(self, request: Request, exc: Exception) -> Response:
        api = api_of(request.url.path)
        return (sb_reply(404) if api == "sevenbridges" else Reply(404, oc_body(404))).response()

    async def _not_allowed(self, request: Request, exc: Exception) -> Response:
        allowed: set[str] = set()
        for route in self.starlette.routes:
            match, _ = route.matches(request.scope)
            if match is not Match.NONE and isinstance(route, StarletteRoute):
                allowed |= route.methods or set()
        api = api_of(request.url.path)
        reply = sb_reply(405) if api == "sevenbridges" else Reply(405, oc_body(405))
        reply.headers["Allow"] = ", ".join(sorted(allowed | {"OPTIONS"}))
        return reply.response()

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


class _SlashTolerant(StarletteRoute):
    """A route that also matches its path with a trailing slash (Seven Bridges answers both)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Match the path, ignoring trailing slashes.

        :param scope: ASGI scope.
        :return: Starlette's match and child scope.
        """
        path = scope["path"]
        if path.endswith("/") and path != "/":
            scope = {**scope, "path": path.rstrip("/") or "/"}
        return super().matches(scope)


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
