"""One Codex representation: field kinds, ``$uri``/``$ref`` links, rendering with ``?expand=all``."""

from __future__ import annotations

import re
from typing import Any

from genomics_provider.testing.state import OC_ID, Obj, OneCodexState, json_copy, link_id

API = "/api/v1"

#: Filterable/sortable fields per resource and their kind (``link:<resource>``, ``links:<resource>``, ...).
FIELDS: dict[str, dict[str, str]] = {
    "samples": {
        "$uri": "self:samples",
        "created_at": "datetime",
        "updated_at": "datetime",
        "filename": "string",
        "size": "number",
        "metadata": "link:metadata",
        "owner": "link:users",
        "primary_classification": "link:classifications",
        "project": "link:projects",
        "tags": "links:tags",
        "visibility": "string",
        "status": "string",
        "error_msg": "string",
    },
    "tags": {"$uri": "self:tags", "name": "string"},
    "projects": {
        "$uri": "self:projects",
        "description": "string",
        "name": "string",
        "owner": "link:users",
        "permissions": "strings",
        "project_name": "string",
        "public": "bool",
        "external_id": "string",
    },
    "metadata": {
        "$uri": "self:metadata",
        "sample": "link:samples",
        "name": "string",
        "description": "string",
        "external_sample_id": "string",
        "platform": "string",
        "library_type": "string",
        "sample_type": "string",
        "date_collected": "datetime",
        "date_sequenced": "datetime",
        "updated_at": "datetime",
        "location_lat": "number",
        "location_lon": "number",
        "location_string": "string",
        "starred": "bool",
    },
    "users": {"$uri": "self:users", "email": "string"},
}

#: Single links per resource: stored field -> linked resource.
LINKS: dict[str, dict[str, str]] = {
    "samples": {
        "metadata": "metadata",
        "owner": "users",
        "primary_classification": "classifications",
        "project": "projects",
    },
    "metadata": {"sample": "samples"},
    "projects": {"owner": "users"},
    "account": {"user": "users"},
}
#: List links per resource.
LIST_LINKS: dict[str, dict[str, str]] = {"samples": {"tags": "tags"}}

_REF = re.compile(r"^/api/v1/(?P<resource>[a-z_]+)/(?P<id>[^/]+)$")


class RefError(ValueError):
    """A link value is malformed or points to the wrong kind of object."""


def uri(resource: str, object_id: str) -> str:
    """Build a ``$uri``.

    :param resource: Resource name, e.g. ``"samples"``.
    :param object_id: 16-hex id.
    :return: ``/api/v1/<resource>/<id>``.
    """
    return f"{API}/{resource}/{object_id}"


def ref(resource: str, object_id: str | None) -> dict[str, str] | None:
    """Build a ``{"$ref"}`` link.

    :param resource: Resource name.
    :param object_id: Id, or ``None``.
    :return: The link, or ``None`` for no id.
    """
    return None if object_id is None else {"$ref": uri(resource, object_id)}


def parse_ref(value: Any, resource: str, *, allow_uri_object: bool = False) -> str:
    """Turn a link value into an id.

    :param value: ``{"$ref": "/api/v1/<resource>/<id>"}``, a bare 16-hex id, a ``/api/v1/...`` string, or (when
        allowed) a full object carrying ``$uri``.
    :param resource: The resource the link must point to.
    :param allow_uri_object: Accept a full object with ``$uri`` (sample PATCH ``project``).
    :return: The id.
    :raises RefError: If the value is malformed or points elsewhere.
    """
    if isinstance(value, dict):
        key = "$ref" if "$ref" in value else ("$uri" if allow_uri_object and "$uri" in value else None)
        if key is None or (key == "$ref" and len(value) != 1):
            raise RefError(f"expected {{'$ref': '{API}/{resource}/<id>'}}")
        value = value[key]
    if not isinstance(value, str):
        raise RefError("a link must be a $ref object or an id string")
    found = _REF.match(value)
    if found:
        if found["resource"] != resource:
            raise RefError(f"link points to {found['resource']}, expected {resource}")
        value = found["id"]
    if not OC_ID.match(value):
        raise RefError(f"malformed {resource} id {value!r}")
    return str(value)


def tables(state: OneCodexState) -> dict[str, dict[str, Obj]]:
    """Map resource names to state tables.

    :param state: One Codex state.
    :return: ``{"samples": ..., "tags": ..., ...}``.
    """
    return {
        "samples": state.samples,
        "tags": state.tags,
        "projects": state.projects,
        "metadata": state.metadata,
        "users": state.users,
    }


def object_id(obj: Obj) -> str:
    """Return a stored object's id (the last segment of its ``$uri``).

    :param obj: Stored object.
    :return: The id.
    """
    return str(obj["$uri"]).rsplit("/", 1)[-1]


def render(resource: str, obj: Obj, state: OneCodexState, expand: bool = False) -> dict[str, Any]:
    """Turn a stored object into its API form (a deep copy; links expanded one level on request).

    :param resource: Resource name (``"account"`` for the account).
    :param obj: Stored object.
    :param state: State, to expand links.
    :param expand: Replace links by the linked objects (one level).
    :return: The JSON-ready dict.
    """
    out: dict[str, Any] = json_copy(obj)
    if not expand:
        return out
    for key, target in LINKS.get(resource, {}).items():
        if key in out:
            out[key] = _expanded(target, out[key], state)
    for key, target in LIST_LINKS.get(resource, {}).items():
        if key in out:
            out[key] = [_expanded(target, item, state) for item in out[key]]
    return out


def _expanded(resource: str, link: Any, state: OneCodexState) -> Any:
    target = tables(state).get(resource, {}).get(link_id(link) or "")
    return link if target is None else json_copy(target)
