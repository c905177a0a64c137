"""One Codex v1 routes (``/api/v1/...``): reads here, writes in :mod:`oc_writes`."""

from __future__ import annotations

from typing import Any

from genomics_provider.testing import oc_writes
from genomics_provider.testing.context import Context
from genomics_provider.testing.errors import oc_error
from genomics_provider.testing.http import Call, Handler, Reply, Route
from genomics_provider.testing.oc_access import scope_samples, visible_metadata, visible_sample
from genomics_provider.testing.oc_model import render, tables
from genomics_provider.testing.oc_query import QueryError, compile_where, json_param, paginate, sort_objects
from genomics_provider.testing.state import Obj, link_id


class OneCodexRoutes:
    """Handlers for the One Codex API; each takes a :class:`Call` and returns a :class:`Reply`."""

    def __init__(self, ctx: Context) -> None:
        """Bind the handlers to a context.

        :param ctx: Shared emulator context.
        """
        self.ctx = ctx

    def routes(self) -> list[Route]:
        """List the routes, literal paths before ``{id}`` ones.

        :return: The route table.
        """
        w, one, every = oc_writes, self._one, self._every
        return [
            Route("GET", "/api/v1/account", self.account),
            Route("GET", "/api/v1/users/{id}", one("users")),
            Route("GET", "/api/v1/samples", self._samples("mine"), anonymous_list=True),
            Route("GET", "/api/v1/samples/public", self._samples("public"), anonymous_list=True),
            Route("GET", "/api/v1/samples/organization", self._samples("organization"), anonymous_list=True),
            Route("GET", "/api/v1/samples/{id}", self.sample),
            Route("PATCH", "/api/v1/samples/{id}", lambda call: w.patch_sample(self.ctx, call)),
            Route("DELETE", "/api/v1/samples/{id}", lambda call: w.delete_sample(self.ctx, call)),
            Route("GET", "/api/v1/tags", every("tags"), anonymous_list=True),
            Route("POST", "/api/v1/tags", lambda call: w.post_tag(self.ctx, call)),
            Route("GET", "/api/v1/tags/{id}", one("tags")),
            Route("GET", "/api/v1/projects", every("projects"), anonymous_list=True),
            Route("GET", "/api/v1/projects/public", self.projects_public, anonymous_list=True),
            Route("GET", "/api/v1/projects/{id}", one("projects")),
            Route("GET", "/api/v1/metadata", self.metadata_list, anonymous_list=True),
            Route("GET", "/api/v1/metadata/{id}", self.metadata),
            Route("PATCH", "/api/v1/metadata/{id}", lambda call: w.patch_metadata(self.ctx, call)),
        ]

    def _render(self, resource: str, obj: Obj, call: Call) -> dict[str, Any]:
        return render(resource, obj, self.ctx.onecodex, expand=call.arg("expand") == "all")

    def _one(self, resource: str) -> Handler:
        """Answer ``GET /api/v1/<resource>/{id}``: 200 with the object, or 404.

        :param resource: ``users``, ``tags`` or ``projects``.
        :return: The handler.
        """

        def one(call: Call) -> Reply:
            obj = tables(self.ctx.onecodex)[resource].get(call.params["id"])
            if obj is None:
                raise oc_error(404)
            return Reply(200, self._render(resource, obj, call))

        return one

    def _every(self, resource: str) -> Handler:
        """Answer ``GET /api/v1/<resource>``: 200 with a page of every object the query selects.

        :param resource: ``tags`` or ``projects``.
        :return: The handler.
        """
        return lambda call: self._list(call, resource, list(tables(self.ctx.onecodex)[resource].values()))

    def _samples(self, scope: str) -> Handler:
        """Answer ``GET /api/v1/samples``, ``/samples/public`` or ``/samples/organization``: 200 with a page.

        :param scope: ``mine`` (own samples and samples of visible projects), ``public`` (every user's public
            samples) or ``organization`` (shared or public samples of the caller's organisation).
        :return: The handler.
        """
        return lambda call: self._list(
            call, "samples", scope_samples(self.ctx.onecodex, scope, call.principal), cursor=True
        )

    def _list(self, call: Call, resource: str, items: list[Obj], cursor: bool = False) -> Reply:
        where = json_param(call, "where")
        sort = json_param(call, "sort")
        if call.principal is None:
            items = []
        try:
            predicate = compile_where(resource, where)
        except QueryError as exc:
            raise oc_error(400, f"where: {exc}", ["where"]) from None
        try:
            # The whole listing in order, so a cursor whose item has left the filter still marks a position.
            order = sort_objects(resource, items, sort)
        except QueryError as exc:
            raise oc_error(400, f"sort: {exc}", ["sort"]) from None
        matching = [obj for obj in order if predicate(obj)]
        return paginate(
            call, matching, lambda obj: self._render(resource, obj, call), cursor_allowed=cursor, order=order
        )

    def account(self, call: Call) -> Reply:
        """``GET /api/v1/account``: the caller's account.

        :param call: The request.
        :return: 200 with the account.
        """
        account = self.ctx.onecodex.accounts.get(call.principal or "")
        if account is None:
            raise oc_error(404)
        return Reply(200, render("account", account, self.ctx.onecodex, call.arg("expand") == "all"))

    def sample(self, call: Call) -> Reply:
        """``GET /api/v1/samples/{id}``.

        :param call: The request.
        :return: 200 with the sample; 404 when missing or another user's private sample.
        """
        sample = visible_sample(self.ctx, call.params["id"], call.principal)
        return Reply(200, self._render("samples", sample, call))

    def projects_public(self, call: Call) -> Reply:
        """``GET /api/v1/projects/public``: every user's public projects.

        :param call: The request.
        :return: 200 with a page.
        """
        return self._list(call, "projects", [p for p in self.ctx.onecodex.projects.values() if p.get("public")])

    def metadata_list(self, call: Call) -> Reply:
        """``GET /api/v1/metadata``: records of the samples ``/samples`` lists.

        :param call: The request.
        :return: 200 with a page.
        """
        state = self.ctx.onecodex
        samples = scope_samples(state, "mine", call.principal)
        ids = [link_id(sample.get("metadata")) or "" for sample in samples]
        items = [state.metadata[mid] for mid in ids if mid in state.metadata]
        return self._list(call, "metadata", items, cursor=True)

    def metadata(self, call: Call) -> Reply:
        """``GET /api/v1/metadata/{id}``.

        :param call: The request.
        :return: 200 with the record, or 404.
        """
        record, _ = visible_metadata(self.ctx, call.params["id"], call.principal)
        return Reply(200, self._render("metadata", record, call))
