"""Seven Bridges writes: file details, metadata (merge/replace), tags, and the bulk get/update/edit calls."""

from __future__ import annotations

from typing import Any

from genomics_provider.sevenbridges.limits import BULK_LIMIT, MAX_KEY_BYTES, MAX_PAIRS, MAX_VALUE_BYTES
from genomics_provider.testing.context import Context
from genomics_provider.testing.errors import sb_body, sb_error
from genomics_provider.testing.http import BAD_JSON, NO_BODY, ApiError, Call, Reply
from genomics_provider.testing.sb_model import fields_param, file_json, select_fields
from genomics_provider.testing.state import Obj, sb_timestamp

DETAIL_KEYS = frozenset({"name", "metadata", "tags"})


def body_of(call: Call) -> Any:
    """Return the JSON body.

    :param call: The request.
    :return: The parsed body.
    :raises ApiError: 400 (5033) when it is missing or not JSON.
    """
    if call.json is NO_BODY or call.json is BAD_JSON:
        raise sb_error(5033, "The request body must be JSON.")
    return call.json


def get_file(ctx: Context, file_id: str) -> Obj:
    """Fetch a stored file or folder.

    :param ctx: Context.
    :param file_id: Id.
    :return: The stored dict.
    :raises ApiError: 404 (5002) when missing.
    """
    item = ctx.sevenbridges.files.get(file_id)
    if item is None:
        raise sb_error(5002)
    return item


def check_metadata(ctx: Context, incoming: Any) -> dict[str, str | None]:
    """Validate a metadata object (limits are in UTF-8 bytes).

    :param ctx: Context (null handling switch).
    :param incoming: The value sent.
    :return: The validated dict (null values kept for the caller to interpret).
    :raises ApiError: 400 5006 (not an object, too many pairs, too long, non-string, rejected null), 5035 (empty key).
    """
    if not isinstance(incoming, dict):
        raise sb_error(5006, "Metadata validation failed: metadata must be an object.")
    for key, value in incoming.items():
        if key == "":
            raise sb_error(5035)
        if len(key.encode()) > MAX_KEY_BYTES:
            raise sb_error(5006, f"Metadata validation failed: key longer than {MAX_KEY_BYTES} bytes.")
        if value is None:
            if ctx.config.null_metadata == "reject":
                raise sb_error(5006, f"Metadata validation failed: null value for {key!r}.")
            continue
        if not isinstance(value, str):
            raise sb_error(5006, f"Metadata validation failed: value of {key!r} is not a string.")
        if len(value.encode()) > MAX_VALUE_BYTES:
            raise sb_error(5006, f"Metadata validation failed: value of {key!r} longer than {MAX_VALUE_BYTES} bytes.")
    return incoming


def combine_metadata(ctx: Context, current: dict[str, str], incoming: Any, merge: bool) -> dict[str, str]:
    """Compute new metadata from a validated request value.

    :param ctx: Context (null handling switch).
    :param current: The file's metadata.
    :param incoming: The value sent.
    :param merge: ``True`` to merge per key, ``False`` to replace.
    :return: The new metadata.
    :raises ApiError: As :func:`check_metadata`, and 5006 when the result has more than ``MAX_PAIRS`` pairs.
    """
    checked = check_metadata(ctx, incoming)
    result: dict[str, str] = dict(current) if merge else {}
    for key, value in checked.items():
        if value is not None:
            result[key] = value
        elif merge and ctx.config.null_metadata == "delete":
            result.pop(key, None)
    if len(result) > MAX_PAIRS:
        raise sb_error(5006, f"Metadata validation failed: more than {MAX_PAIRS} pairs.")
    return result


def check_tags(value: Any) -> list[str]:
    """Validate a tag list.

    :param value: The value sent.
    :return: The tags.
    :raises ApiError: 400 (5033) unless it is a list of strings.
    """
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise sb_error(5033, "Tags must be a list of strings.")
    return list(value)


def _guard(ctx: Context, item: Obj, folder_code: int, metadata: bool, tags: bool) -> None:
    if item["type"].lower() == "folder":
        raise sb_error(folder_code)
    project = ctx.sevenbridges.projects.get(item["project"], {})
    if not project.get("permissions", {}).get("write", False):
        raise sb_error(5001)
    if item["id"] in ctx.sevenbridges.read_only:
        if metadata:
            raise sb_error(5009)
        if tags:
            raise sb_error(5011)
        raise sb_error(5001)


def apply_changes(
    ctx: Context,
    item: Obj,
    changes: dict[str, Any],
    *,
    merge_metadata: bool,
    merge_tags: bool = False,
    folder_code: int = 5023,
) -> None:
    """Validate then apply ``name``/``metadata``/``tags`` changes to one file, and set ``modified_on``.

    :param ctx: Context.
    :param item: Stored file.
    :param changes: Subset of ``name``, ``metadata``, ``tags``.
    :param merge_metadata: Merge metadata per key instead of replacing it.
    :param merge_tags: Add tags (union, order kept) instead of replacing them.
    :param folder_code: Error code when ``item`` is a folder.
    :raises ApiError: 400 unknown key (5033) or invalid value; folder code; 403 (5001/5009/5011).
    """
    unknown = sorted(set(changes) - DETAIL_KEYS)
    if unknown:
        raise sb_error(5033, f"Unknown or read-only field(s): {', '.join(unknown)}.")
    _guard(ctx, item, folder_code, "metadata" in changes, "tags" in changes)
    new: dict[str, Any] = {}
    if "name" in changes:
        if not isinstance(changes["name"], str) or not changes["name"].strip():
            raise sb_error(5033, "Name must be a non-empty string.")
        new["name"] = changes["name"]
    if "metadata" in changes:
        new["metadata"] = combine_metadata(ctx, item.get("metadata", {}), changes["metadata"], merge_metadata)
    if "tags" in changes:
        tags = check_tags(changes["tags"])
        new["tags"] = list(dict.fromkeys([*item.get("tags", []), *tags])) if merge_tags else tags
    item.update(new)
    item["modified_on"] = sb_timestamp(ctx.now())


def _object(call: Call) -> dict[str, Any]:
    body = body_of(call)
    if not isinstance(body, dict):
        raise sb_error(5033, "The request body must be a JSON object.")
    return body


def patch_file(ctx: Context, call: Call) -> Reply:
    """``PATCH /files/{id}``: rename; ``metadata`` and ``tags`` replace the whole set when present.

    :param ctx: Context.
    :param call: The request.
    :return: 200 with the full file.
    """
    body = _object(call)
    item = get_file(ctx, call.params["id"])
    apply_changes(ctx, item, body, merge_metadata=False)
    return Reply(200, select_fields(file_json(call, item), fields_param(call), None))


def get_metadata(ctx: Context, call: Call) -> Reply:
    """``GET /files/{id}/metadata``.

    :param ctx: Context.
    :param call: The request.
    :return: 200 with the metadata object.
    """
    return Reply(200, dict(get_file(ctx, call.params["id"]).get("metadata", {})))


def write_metadata(ctx: Context, call: Call) -> Reply:
    """``PATCH /files/{id}/metadata`` merges, ``PUT`` replaces.

    :param ctx: Context.
    :param call: The request.
    :return: 200 with the full metadata after the change.
    """
    item = _write_one(ctx, call, "metadata", merge_metadata=call.method == "PATCH", folder_code=5025)
    return Reply(200, dict(item["metadata"]))


def put_tags(ctx: Context, call: Call) -> Reply:
    """``PUT /files/{id}/tags`` with a bare array: replace the tag list.

    :param ctx: Context.
    :param call: The request.
    :return: 200 with the stored array.
    """
    item = _write_one(ctx, call, "tags", merge_metadata=False, folder_code=5027)
    return Reply(200, list(item["tags"]))


def _write_one(ctx: Context, call: Call, key: str, *, merge_metadata: bool, folder_code: int) -> Obj:
    """Apply the request body as the ``metadata`` or the ``tags`` of the file ``{id}``.

    :param ctx: Context.
    :param call: The request.
    :param key: ``metadata`` or ``tags``.
    :param merge_metadata: Merge metadata per key instead of replacing it.
    :param folder_code: Error code when the file is a folder.
    :return: The stored file after the change.
    :raises ApiError: 400 (5033) when the body is not JSON, 404 (5002) when there is no such file, or as
        :func:`apply_changes`.
    """
    body = body_of(call)
    item = get_file(ctx, call.params["id"])
    apply_changes(ctx, item, {key: body}, merge_metadata=merge_metadata, folder_code=folder_code)
    return item


def _bulk_list(call: Call, key: str) -> list[Any]:
    body = _object(call)
    values = body.get(key)
    if not isinstance(values, list):
        raise sb_error(5033, f"The body must carry a {key!r} list.")
    if len(values) > BULK_LIMIT:
        raise sb_error(5033, f"At most {BULK_LIMIT} items per bulk call.")
    return values


def _item_id(entry: Any, strings: bool) -> str | None:
    if isinstance(entry, str) and strings:
        return entry or None
    if isinstance(entry, dict):
        value = entry.get("id", entry.get("file_id"))
        return value if isinstance(value, str) and value else None
    return None


def _run_items(ctx: Context, call: Call, entries: list[Any], action: Any, strings: bool) -> Reply:
    ids = [_item_id(entry, strings) for entry in entries]
    failures = ctx.faults.item_failures(call.method, call.path, ids)
    results: list[dict[str, Any]] = []
    for index, (entry, file_id) in enumerate(zip(entries, ids, strict=True)):
        if index in failures:
            params = failures[index].params
            results.append({"error": sb_body(params["code"], params.get("message"))})
            continue
        try:
            if not strings and not isinstance(entry, dict):
                raise sb_error(5033, "Each item must be an object.")
            if file_id is None:
                raise sb_error(5004)
            item = get_file(ctx, file_id)
            action(item, entry)
            results.append({"resource": file_json(call, item)})
        except ApiError as exc:
            results.append({"error": exc.reply.body})
    return Reply(200, {"items": results})


def bulk_get(ctx: Context, call: Call) -> Reply:
    """``POST /bulk/files/get`` with ``{"file_ids": [...]}``.

    :param ctx: Context.
    :param call: The request.
    :return: 200 with one ``resource`` or ``error`` per id, in request order.
    """
    return _run_items(ctx, call, _bulk_list(call, "file_ids"), lambda item, entry: None, strings=True)


def bulk_write(ctx: Context, call: Call) -> Reply:
    """``POST /bulk/files/update`` (omitted fields erased) and ``/edit`` (omitted fields kept).

    :param ctx: Context.
    :param call: The request.
    :return: 200 with one ``resource`` or ``error`` per item, in request order.
    """
    entries = _bulk_list(call, "items")
    edit = call.path.endswith("/edit")

    def action(item: Obj, entry: dict[str, Any]) -> None:
        changes = {k: v for k, v in entry.items() if k not in ("id", "file_id")}
        if not edit:
            changes.setdefault("tags", [])
            changes.setdefault("metadata", {})
        apply_changes(
            ctx,
            item,
            changes,
            merge_metadata=edit and ctx.config.bulk_edit_metadata == "merge",
            merge_tags=edit and ctx.config.bulk_edit_tags == "merge",
        )

    return _run_items(ctx, call, entries, action, strings=False)
