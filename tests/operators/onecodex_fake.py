"""A small stateful fake of the One Codex API on ``responses`` callbacks, for operator unit tests.

It implements only what the operators call, the way ``../shared/reference/onecodex-api.md`` describes it (tags
replaced whole, ``POST /tags`` attaching the tag). Lists answer with every match on one page unless ``paging`` asks
for real pages: ``"cursor"`` (a keyset cursor: the next page starts after the cursor's item in insertion order,
whether or not it still matches) or ``"page"`` (page mode: ``page``/``per_page`` offsets, the cursor header ignored).
The full emulator lives in ``genomics_provider.testing``; this fake keeps unit tests independent of a server.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import responses

BASE = "https://app.onecodex.com"
API = f"{BASE}/api/v1"
KEY = "oc-unit-key-3b9f1d7e5a2c4e68b0"
_ids = (f"{n:016x}" for n in itertools.count(0xF000000000000000))


def new_id() -> str:
    """Return a fresh 16-hex id."""
    return next(_ids)


def link_id(link: Any) -> str | None:
    if isinstance(link, dict):
        link = link.get("$ref") or link.get("$uri")
    return None if link is None else str(link).rsplit("/", 1)[-1]


class FakeOneCodex:
    """State plus ``responses`` routes. ``writes`` lists ``(method, path, body)`` of every write."""

    def __init__(self, rsps: responses.RequestsMock) -> None:
        self.samples: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, dict[str, Any]] = {}
        self.projects: dict[str, dict[str, Any]] = {}
        self.metadata: dict[str, dict[str, Any]] = {}
        self.writes: list[tuple[str, str, Any]] = []
        self.fail_patch: dict[str, tuple[int, dict[str, Any]]] = {}
        #: ``None`` (every match on one page), ``"cursor"`` or ``"page"``: see the module notes.
        self.paging: str | None = None
        rsps.add_callback(responses.GET, re.compile(rf"{API}/samples(\?.*)?$"), self._list("samples"))
        rsps.add_callback(responses.GET, re.compile(rf"{API}/metadata(\?.*)?$"), self._list("metadata"))
        rsps.add_callback(responses.GET, re.compile(rf"{API}/tags(\?.*)?$"), self._list("tags"))
        rsps.add_callback(responses.GET, re.compile(rf"{API}/projects(\?.*)?$"), self._list("projects"))
        rsps.add_callback(responses.GET, re.compile(rf"{API}/projects/\w+$"), self._get_project)
        rsps.add_callback(responses.PATCH, re.compile(rf"{API}/samples/\w+$"), self._patch_sample)
        rsps.add_callback(responses.PATCH, re.compile(rf"{API}/metadata/\w+$"), self._patch_metadata)
        rsps.add_callback(responses.POST, f"{API}/tags", self._post_tag)

    # -- seeding ---------------------------------------------------------------------------------------------

    def add_tag(self, name: str) -> str:
        tag_id = new_id()
        self.tags[tag_id] = {"$uri": f"/api/v1/tags/{tag_id}", "name": name}
        return tag_id

    def add_project(self, name: str, short: str, permissions: list[str] | None = None) -> str:
        project_id = new_id()
        self.projects[project_id] = {
            "$uri": f"/api/v1/projects/{project_id}", "name": name, "project_name": short,
            "permissions": permissions if permissions is not None else ["can_see_files", "can_add_files"],
        }  # fmt: skip
        return project_id

    def add_sample(self, *, visibility: str = "private", tags: list[str] = (), project: str | None = None,
                   custom: dict[str, Any] | None = None, **metadata: Any) -> str:  # fmt: skip
        sample_id, metadata_id = new_id(), new_id()
        self.samples[sample_id] = {
            "$uri": f"/api/v1/samples/{sample_id}", "visibility": visibility, "status": "available",
            "project": {"$ref": f"/api/v1/projects/{project}"} if project else None,
            "tags": [{"$ref": f"/api/v1/tags/{tag}"} for tag in tags],
            "metadata": {"$ref": f"/api/v1/metadata/{metadata_id}"},
        }  # fmt: skip
        self.metadata[metadata_id] = {
            "$uri": f"/api/v1/metadata/{metadata_id}", "sample": {"$ref": f"/api/v1/samples/{sample_id}"},
            "name": None, "platform": None, "date_collected": None, "starred": False, "custom": custom or {},
            "updated_at": None, **metadata,
        }  # fmt: skip
        return sample_id

    def tag_names(self, sample_id: str) -> list[str]:
        return [self.tags[str(link_id(t))]["name"] for t in self.samples[sample_id]["tags"]]

    def patches(self) -> list[tuple[str, str, Any]]:
        return [w for w in self.writes if w[0] == "PATCH"]

    # -- routes ----------------------------------------------------------------------------------------------

    def _list(self, collection: str):  # type: ignore[no-untyped-def]
        def handler(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
            query = parse_qs(urlsplit(request.url).query)
            where = json.loads(query.get("where", ["{}"])[0])
            every = list(getattr(self, collection).values())
            items = [obj for obj in every if _matches(obj, where)]
            if self.paging is None:
                return 200, {"X-Total-Count": str(len(items))}, json.dumps(items)
            per_page = int(query.get("per_page", ["50"])[0])
            if self.paging == "cursor" and request.headers.get("X-Pagination-Style") == "cursor":
                after = query.get("cursor", [None])[0]
                if after is not None:
                    rank = {obj["$uri"]: index for index, obj in enumerate(every)}
                    items = [obj for obj in items if rank[obj["$uri"]] > rank[after]]
                chunk = items[:per_page]
                return 200, {"X-Next-Cursor": chunk[-1]["$uri"]} if len(items) > per_page else {}, json.dumps(chunk)
            page = int(query.get("page", ["1"])[0])
            chunk = items[(page - 1) * per_page : page * per_page]
            return 200, {"X-Total-Count": str(len(items))}, json.dumps(chunk)

        return handler

    def _get_project(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        project = self.projects.get(str(link_id(request.url)))
        if project is None:
            return 404, {}, json.dumps({"message": "The requested URL was not found on the server.", "status": 404})
        return 200, {}, json.dumps(project)

    def _patch_sample(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        sample_id = str(link_id(request.url))
        body = json.loads(request.body or "{}")
        self.writes.append(("PATCH", urlsplit(request.url).path, body))
        if sample_id in self.fail_patch:
            status, error = self.fail_patch[sample_id]
            return status, {}, json.dumps(error)
        self.samples[sample_id].update(copy.deepcopy(body))
        return 200, {}, json.dumps(self.samples[sample_id])

    def _patch_metadata(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body or "{}")
        self.writes.append(("PATCH", urlsplit(request.url).path, body))
        record = self.metadata[str(link_id(request.url))]
        record.update(copy.deepcopy(body))
        return 200, {}, json.dumps(record)

    def _post_tag(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body or "{}")
        self.writes.append(("POST", "/api/v1/tags", body))
        tag_id = self.add_tag(body["name"])
        self.samples[str(link_id(body["sample"]))]["tags"].append({"$ref": f"/api/v1/tags/{tag_id}"})
        return 200, {}, json.dumps(self.tags[tag_id])


def _matches(obj: dict[str, Any], where: dict[str, Any]) -> bool:
    for key, cond in where.items():
        value = obj.get(key)
        if isinstance(cond, dict) and "$contains" in cond:
            if link_id(cond["$contains"]) not in [link_id(item) for item in value or []]:
                return False
        elif isinstance(cond, dict) and "$in" in cond:
            if link_id(value) not in cond["$in"] and value not in cond["$in"]:
                return False
        elif value != cond and not (isinstance(value, dict) and link_id(value) == cond):
            return False
    return True
