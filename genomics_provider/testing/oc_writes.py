"""One Codex writes: sample PATCH/DELETE, tag POST, metadata PATCH, with the vendor's validation rules.

The limits and value sets come from :mod:`genomics_provider.onecodex.limits`, the source the operators' rules read
too; only how the service answers (status, message, which key) is written here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from genomics_provider.onecodex.limits import (
    API_VISIBILITIES,
    CUSTOM_VALUE_TYPES,
    DATETIME_PATTERN,
    METADATA_FIELDS,
    METADATA_READ_ONLY,
    NOT_NULLABLE_METADATA,
    SAMPLE_WRITABLE,
    TAG_NAME_MAX,
)
from genomics_provider.testing.context import Context
from genomics_provider.testing.errors import oc_error
from genomics_provider.testing.http import BAD_JSON, NO_BODY, Call, Reply
from genomics_provider.testing.oc_access import can_edit_metadata, visible_metadata, visible_sample
from genomics_provider.testing.oc_model import RefError, parse_ref, ref, render, uri
from genomics_provider.testing.state import Obj, link_id, oc_timestamp

_DATETIME = re.compile(DATETIME_PATTERN)


def _object_body(call: Call) -> dict[str, Any]:
    if call.json is NO_BODY or call.json is BAD_JSON or not isinstance(call.json, dict):
        raise oc_error(400, "the body must be a JSON object")
    return call.json


def _bad(detail: str, key: str) -> Exception:
    return oc_error(400, detail, [key])


def _visibility(ctx: Context, value: Any) -> str:
    if not isinstance(value, str) or value not in API_VISIBILITIES:
        raise _bad(f"invalid visibility {value!r}", "visibility")
    return value


def _project(ctx: Context, value: Any) -> str | None:
    """Validate a ``project`` value; return the project id or ``None``."""
    if value is None:
        return None
    try:
        project_id = parse_ref(value, "projects", allow_uri_object=True)
    except RefError as exc:
        raise _bad(str(exc), "project") from None
    if project_id not in ctx.onecodex.projects:
        raise _bad(f"project {project_id} does not exist", "project")
    return project_id


def _tag_entries(ctx: Context, value: Any) -> list[tuple[str, str]]:
    """Validate a ``tags`` list; return ``("id", tag_id)`` / ``("name", name)`` entries (nothing created yet)."""
    if not isinstance(value, list):
        raise _bad("tags must be a list", "tags")
    inline = [isinstance(item, dict) and set(item) == {"name"} for item in value]
    if any(inline) and not all(inline):
        raise _bad("tags must be all references or all inline {'name'} objects", "tags")
    entries: list[tuple[str, str]] = []
    for item in value:
        if isinstance(item, dict) and set(item) == {"name"}:
            name = item["name"]
            if not isinstance(name, str) or not 0 < len(name) <= TAG_NAME_MAX:
                raise _bad(f"tag name must be 1 to {TAG_NAME_MAX} characters", "tags")
            entries.append(("name", name))
            continue
        try:
            tag_id = parse_ref(item, "tags")
        except RefError as exc:
            raise _bad(str(exc), "tags") from None
        if tag_id not in ctx.onecodex.tags:
            raise _bad(f"tag {tag_id} does not exist", "tags")
        entries.append(("id", tag_id))
    return entries


def _tag_named(ctx: Context, name: str, reuse: bool) -> str:
    if reuse:
        for tag_id, tag in ctx.onecodex.tags.items():
            if tag["name"] == name:
                return tag_id
    tag_id = ctx.onecodex.new_id("tags")
    ctx.onecodex.tags[tag_id] = {"$uri": uri("tags", tag_id), "name": name}
    return tag_id


def _materialise(ctx: Context, entries: list[tuple[str, str]]) -> list[dict[str, str] | None]:
    ids: list[str] = []
    for kind, value in entries:
        tag_id = value if kind == "id" else _tag_named(ctx, value, ctx.config.inline_tag_reuse)
        if tag_id not in ids:
            ids.append(tag_id)
    return [ref("tags", tag_id) for tag_id in ids]


def _sample_changes(ctx: Context, body: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
    """Validate a sample PATCH body (400s); return the scalar changes and the unresolved tag entries."""
    unknown = sorted(set(body) - SAMPLE_WRITABLE)
    if unknown:
        raise _bad(f"unknown or read-only field(s): {', '.join(unknown)}", unknown[0])
    changes: dict[str, Any] = {}
    if "visibility" in body:
        changes["visibility"] = _visibility(ctx, body["visibility"])
    if "project" in body:
        changes["project"] = _project(ctx, body["project"])
    entries = _tag_entries(ctx, body["tags"]) if "tags" in body else None
    return changes, entries


def _check_sample_rights(ctx: Context, sample: Obj, changes: dict[str, Any], user: str | None) -> None:
    """Refuse (403) a change the caller may not make."""
    if link_id(sample["owner"]) != user:
        raise oc_error(403, "only the owner may change a sample")
    if changes.get("visibility") in ctx.config.forbidden_visibility:
        raise oc_error(403, "the organisation policy forbids this visibility", ["visibility"])
    new_project: str | None = changes.get("project")
    moving = new_project is not None and new_project != link_id(sample["project"])
    if moving and "can_add_files" not in ctx.onecodex.projects[new_project or ""]["permissions"]:
        raise oc_error(403, "missing can_add_files on the project", ["project"])


def patch_sample(ctx: Context, call: Call) -> Reply:
    """``PATCH /api/v1/samples/{id}``: change ``project``, ``tags`` (replaced whole) and/or ``visibility``.

    :param ctx: Context.
    :param call: The request.
    :return: 200 with the full sample.
    :raises ApiError: 404 missing/hidden; 400 bad body; 403 not the owner, project without ``can_add_files``, or
        a visibility forbidden by the organisation policy.
    """
    body = _object_body(call)
    sample = visible_sample(ctx, call.params["id"], call.principal)
    changes, entries = _sample_changes(ctx, body)
    _check_sample_rights(ctx, sample, changes, call.principal)
    if "project" in changes:
        changes["project"] = ref("projects", changes["project"])
    if entries is not None:
        changes["tags"] = _materialise(ctx, entries)
    sample.update(changes)
    sample["updated_at"] = oc_timestamp(ctx.now())
    return Reply(200, render("samples", sample, ctx.onecodex, call.arg("expand") == "all"))


def delete_sample(ctx: Context, call: Call) -> Reply:
    """``DELETE /api/v1/samples/{id}``: remove a sample and its metadata record.

    :param ctx: Context.
    :param call: The request.
    :return: 204.
    :raises ApiError: 404 missing/hidden, 403 not the owner.
    """
    sample_id = call.params["id"]
    sample = visible_sample(ctx, sample_id, call.principal)
    if link_id(sample["owner"]) != call.principal:
        raise oc_error(403)
    state = ctx.onecodex
    del state.samples[sample_id]
    state.metadata.pop(link_id(sample.get("metadata")) or "", None)
    state.imports.pop(sample_id, None)
    return Reply(204)


def post_tag(ctx: Context, call: Call) -> Reply:
    """``POST /api/v1/tags``: create a tag (or reuse a same-name one, per switch) and attach it to the sample.

    :param ctx: Context.
    :param call: The request.
    :return: 200 with the tag.
    :raises ApiError: 400 missing/invalid ``name`` or ``sample``; 403 the caller cannot tag that sample.
    """
    body = _object_body(call)
    name = body.get("name")
    if not isinstance(name, str) or not 0 < len(name) <= TAG_NAME_MAX:
        raise _bad(f"name is required, 1 to {TAG_NAME_MAX} characters", "name")
    if "sample" not in body:
        raise _bad("sample is required", "sample")
    try:
        sample_id = parse_ref(body["sample"], "samples")
    except RefError as exc:
        raise _bad(str(exc), "sample") from None
    sample = ctx.onecodex.samples.get(sample_id)
    if sample is None or sample["status"] == "deleted":
        raise _bad(f"sample {sample_id} does not exist", "sample")
    visible_sample(ctx, sample_id, call.principal)
    if not can_edit_metadata(ctx.onecodex, sample, call.principal):
        raise oc_error(403, "cannot tag this sample")
    tag_id = _tag_named(ctx, name, ctx.config.tag_post_reuse)
    if tag_id not in ctx.onecodex.sample_tag_ids(sample_id):
        sample["tags"].append(ref("tags", tag_id))
        sample["updated_at"] = oc_timestamp(ctx.now())
    return Reply(200, render("tags", ctx.onecodex.tags[tag_id], ctx.onecodex))


def _nullable(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda value: value is None or check(value)


def _value_check(rule: tuple[Any, ...]) -> Callable[[Any], bool]:
    """Turn a :data:`~genomics_provider.onecodex.limits.METADATA_FIELDS` rule into a non-null value check."""
    kind = rule[0]
    if kind == "str":
        return lambda v: isinstance(v, str) and (rule[1] is None or len(v) <= rule[1])
    if kind == "enum":
        return lambda v: isinstance(v, str) and v in rule[1]
    if kind == "date":
        return lambda v: isinstance(v, str) and bool(_DATETIME.match(v))
    if kind == "num":
        return lambda v: isinstance(v, int | float) and not isinstance(v, bool) and rule[1] <= v <= rule[2]
    return lambda v: isinstance(v, bool)


def _custom(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, CUSTOM_VALUE_TYPES) for k, v in value.items()
    )


METADATA_RULES: dict[str, Callable[[Any], bool]] = {
    **{
        name: _value_check(rule) if name in NOT_NULLABLE_METADATA else _nullable(_value_check(rule))
        for name, rule in METADATA_FIELDS.items()
    },
    "custom": _nullable(_custom),
}


def _metadata_changes(body: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, value in body.items():
        if key in METADATA_READ_ONLY:
            raise _bad(f"{key} is read-only", key)
        rule = METADATA_RULES.get(key)
        if rule is None:
            raise _bad(f"unknown field {key}", key)
        if not rule(value):
            raise _bad(f"invalid value for {key}", key)
        changes[key] = value
    if "custom" in changes and changes["custom"] is None:
        changes["custom"] = {}
    return changes


def patch_metadata(ctx: Context, call: Call) -> Reply:
    """``PATCH /api/v1/metadata/{id}``: change top-level fields; ``custom`` is replaced whole.

    :param ctx: Context.
    :param call: The request.
    :return: 200 with the full record.
    :raises ApiError: 404 missing/hidden; 400 read-only/unknown key or invalid value; 403 no edit right.
    """
    body = _object_body(call)
    record, sample = visible_metadata(ctx, call.params["id"], call.principal)
    changes = _metadata_changes(body)
    if not can_edit_metadata(ctx.onecodex, sample, call.principal):
        raise oc_error(403, "cannot edit this sample's metadata")
    record.update(changes)
    record["updated_at"] = oc_timestamp(ctx.now())
    return Reply(200, render("metadata", record, ctx.onecodex, call.arg("expand") == "all"))
