"""Seven Bridges v2 routes (``/v2/...``): reads and listing here, writes in :mod:`sb_writes`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, overload

from genomics_provider.testing import sb_writes
from genomics_provider.testing.context import Context
from genomics_provider.testing.errors import sb_error
from genomics_provider.testing.http import Call, Reply, Route
from genomics_provider.testing.ratelimit import FixedWindow
from genomics_provider.testing.sb_model import (
    DEFAULT_LIST_FIELDS,
    api_base,
    envelope,
    fields_param,
    file_json,
    paging,
    project_json,
    select_fields,
)
from genomics_provider.testing.state import Obj

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_FILTER_KEYS = ("name", "tag", "origin.task", "origin.dataset")


class SevenBridgesRoutes:
    """Handlers for the Seven Bridges API."""

    def __init__(self, ctx: Context, window: FixedWindow) -> None:
        """Bind the handlers.

        :param ctx: Shared emulator context.
        :param window: The rate-limit window (``/rate_limit`` reports it).
        """
        self.ctx = ctx
        self.window = window

    def routes(self) -> list[Route]:
        """List the routes.

        :return: The route table.
        """
        w = sb_writes
        ctx = self.ctx
        return [
            Route("GET", "/v2", self.root, auth=False, counted=False),
            Route("GET", "/v2/user", self.user),
            Route("GET", "/v2/rate_limit", self.rate_limit, counted=False),
            Route("GET", "/v2/projects", self.projects),
            Route("GET", "/v2/projects/{owner}", self.projects),
            Route("GET", "/v2/projects/{owner}/{project}", self.project),
            Route("GET", "/v2/files", self.files),
            Route("GET", "/v2/files/{id}", self.file),
            Route("GET", "/v2/files/{id}/list", self.folder_list),
            Route("PATCH", "/v2/files/{id}", lambda call: w.patch_file(ctx, call)),
            Route("GET", "/v2/files/{id}/metadata", lambda call: w.get_metadata(ctx, call)),
            Route("PATCH", "/v2/files/{id}/metadata", lambda call: w.write_metadata(ctx, call)),
            Route("PUT", "/v2/files/{id}/metadata", lambda call: w.write_metadata(ctx, call)),
            Route("PUT", "/v2/files/{id}/tags", lambda call: w.put_tags(ctx, call)),
            Route("POST", "/v2/bulk/files/get", lambda call: w.bulk_get(ctx, call)),
            Route("POST", "/v2/bulk/files/update", lambda call: w.bulk_write(ctx, call)),
            Route("POST", "/v2/bulk/files/edit", lambda call: w.bulk_write(ctx, call)),
        ]

    def root(self, call: Call) -> Reply:
        """``GET /v2/``: a map of absolute URLs (no token needed).

        :param call: The request.
        :return: 200 with the map.
        """
        base = api_base(call)
        names = ["user", "users", "projects", "files", "tasks", "apps", "rate_limit", "storage", "billing"]
        body = {f"{name}_url": f"{base}/{name}" for name in names}
        body.update(upload_url=f"{base}/upload/multipart", action_url=f"{base}/action")
        return Reply(200, body)

    def user(self, call: Call) -> Reply:
        """``GET /v2/user``: the token's user.

        :param call: The request.
        :return: 200 with the user.
        """
        user = self.ctx.sevenbridges.users[call.principal or ""]
        return Reply(200, {"href": f"{api_base(call)}/users/{user['username']}", **user})

    def rate_limit(self, call: Call) -> Reply:
        """``GET /v2/rate_limit``: the window's state; not counted against it.

        :param call: The request.
        :return: 200 with ``rate`` and ``instance_limit``.
        """
        cfg = self.ctx.config
        state = self.window.peek(call.principal or "", cfg.sevenbridges_limit, cfg.sevenbridges_window_s)
        rate = {"limit": state.limit, "remaining": state.remaining, "reset": state.reset}
        return Reply(200, {"rate": rate, "instance_limit": {"limit": -1, "remaining": 9223372036854775807}})

    def _project_or_error(self, project_id: str, malformed_code: int) -> Obj:
        owner, _, short = project_id.partition("/")
        if not _NAME.match(owner) or not _NAME.match(short):
            raise sb_error(malformed_code)
        project = self.ctx.sevenbridges.projects.get(project_id)
        if project is None:
            raise sb_error(3002)
        return project

    def project(self, call: Call) -> Reply:
        """``GET /v2/projects/{owner}/{project}``.

        :param call: The request.
        :return: 200 with the project; 404 (3002) missing; 400 (3012) malformed.
        """
        project = self._project_or_error(f"{call.params['owner']}/{call.params['project']}", 3012)
        return Reply(200, select_fields(project_json(call, project), fields_param(call), None))

    def projects(self, call: Call) -> Reply:
        """``GET /v2/projects`` and ``/v2/projects/{owner}``.

        :param call: The request.
        :return: 200 with a page of projects.
        """
        owner, names = call.params.get("owner"), call.query.get("name")
        found = [
            p
            for p in self.ctx.sevenbridges.projects.values()
            if (owner is None or p["created_by"] == owner) and (names is None or p["name"] in names)
        ]
        path = f"/projects/{owner}" if owner else "/projects"
        default = ("href", "id", "name", "category")
        return self._page(call, path, found, lambda p: project_json(call, p), default)

    def _page(
        self,
        call: Call,
        path: str,
        found: Sequence[Obj],
        full: Callable[[Obj], dict[str, Any]],
        default: tuple[str, ...],
    ) -> Reply:
        offset, limit = paging(call, self.ctx.config.limit_over_max)
        spec = fields_param(call)
        items = [select_fields(full(obj), spec, default) for obj in found[offset : offset + limit]]
        body = envelope(call, path, items, len(found), offset, limit)
        return Reply(200, body, {"X-Total-Matching-Query": str(len(found))})

    def folder_list(self, call: Call) -> Reply:
        """``GET /v2/files/{id}/list``: a folder's direct children (no filters).

        :param call: The request.
        :return: 200 with ``{href, items, links}``; 404 (5002) when the id is not a folder.
        """
        folder_id = call.params["id"]
        folder = self.ctx.sevenbridges.files.get(folder_id)
        if folder_id not in self.ctx.sevenbridges.root_folders and (folder is None or folder["type"] != "folder"):
            raise sb_error(5002, "Requested folder does not exist.")
        state = self.ctx.sevenbridges
        found = [state.files[fid] for fid in state.children(folder_id)]
        path = f"/files/{folder_id}/list"
        return self._page(call, path, found, lambda item: file_json(call, item), DEFAULT_LIST_FIELDS)

    def _folder(self, call: Call) -> str:
        projects, parents = call.query.get("project"), call.query.get("parent")
        if projects and parents:
            raise sb_error(5029)
        if not projects and not parents:
            raise sb_error(5005)
        if projects:
            if "/" not in projects[0]:
                raise sb_error(5005)
            return str(self._project_or_error(projects[0], 5005)["root_folder"])
        parent = parents[0] if parents else ""
        folder = self.ctx.sevenbridges.files.get(parent)
        if parent not in self.ctx.sevenbridges.root_folders and (folder is None or folder["type"] != "folder"):
            raise sb_error(5002, "Requested folder does not exist.")
        return parent

    def files(self, call: Call) -> Reply:
        """``GET /v2/files``: one level of a project or folder, filtered (OR within a parameter, AND across).

        :param call: The request.
        :return: 200 with ``{href, items, links}`` and ``X-Total-Matching-Query``.
        """
        state = self.ctx.sevenbridges
        ids = state.children(self._folder(call))
        filters = {key: set(call.query[key]) for key in _FILTER_KEYS if key in call.query}
        meta = {key[9:]: set(vals) for key, vals in call.query.items() if key.startswith("metadata.")}
        found: Sequence[Obj] = (
            _FilesById(ids, state.files)
            if not (filters or meta)
            else [state.files[fid] for fid in ids if _matches(state.files[fid], filters, meta)]
        )
        return self._page(call, "/files", found, lambda item: file_json(call, item), DEFAULT_LIST_FIELDS)

    def file(self, call: Call) -> Reply:
        """``GET /v2/files/{id}``.

        :param call: The request.
        :return: 200 with the file (all fields unless ``fields``); 404 (5002).
        """
        item = sb_writes.get_file(self.ctx, call.params["id"])
        return Reply(200, select_fields(file_json(call, item), fields_param(call), None))


class _FilesById(Sequence[Obj]):
    """The files of an id list, looked up only for the slice a page needs (an unfiltered page costs O(page)).

    :param ids: File ids, in listing order.
    :param files: The files by id.
    """

    def __init__(self, ids: Sequence[str], files: Mapping[str, Obj]) -> None:
        self.ids, self.files = ids, files

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Obj: ...

    @overload
    def __getitem__(self, index: slice) -> list[Obj]: ...

    def __getitem__(self, index: int | slice) -> Obj | list[Obj]:
        if isinstance(index, slice):
            return [self.files[fid] for fid in self.ids[index]]
        return self.files[self.ids[index]]


def _matches(item: Obj, filters: dict[str, set[str]], meta: dict[str, set[str]]) -> bool:
    if "name" in filters and item["name"] not in filters["name"]:
        return False
    if "tag" in filters and not filters["tag"] & set(item.get("tags", [])):
        return False
    origin = item.get("origin", {})
    for key in ("task", "dataset"):
        wanted = filters.get(f"origin.{key}")
        if wanted is not None and origin.get(key) not in wanted:
            return False
    metadata = item.get("metadata", {})
    return all(metadata.get(key) in values for key, values in meta.items())
