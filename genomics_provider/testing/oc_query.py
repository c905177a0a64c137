"""One Codex list queries: ``where``/``sort`` JSON (Flask-Potion operators) and page/cursor pagination."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from genomics_provider.onecodex.limits import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX
from genomics_provider.testing.errors import oc_error
from genomics_provider.testing.http import Call, Reply
from genomics_provider.testing.oc_model import FIELDS, RefError, object_id, parse_ref
from genomics_provider.testing.state import Obj, link_id

Predicate = Callable[[Obj], bool]

_SCALAR_OPS = {"$eq", "$ne", "$in"}
_STRING_OPS = _SCALAR_OPS | {"$contains", "$icontains", "$startswith", "$istartswith", "$endswith", "$iendswith"}
_ORDER_OPS = _SCALAR_OPS | {"$lt", "$lte", "$gt", "$gte", "$between"}
OPERATORS: dict[str, set[str]] = {
    "string": _STRING_OPS,
    "number": _ORDER_OPS,
    "datetime": _ORDER_OPS,
    "bool": _SCALAR_OPS,
    "link": _SCALAR_OPS,
    "self": _SCALAR_OPS,
    "links": {"$contains", "$containsall", "$containsany"},
    "strings": {"$contains"},
}


class QueryError(ValueError):
    """A ``where``/``sort`` value the server rejects with 400."""


@lru_cache(maxsize=4096)
def parse_datetime(text: str) -> datetime:
    """Parse an RFC 3339 timestamp (naive values are taken as UTC).

    :param text: The timestamp.
    :return: An aware datetime.
    :raises ValueError: If the text is not a timestamp.
    """
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _kind(resource: str, field: str) -> tuple[str, str]:
    kinds = FIELDS[resource]
    if field not in kinds:
        raise QueryError(f"cannot filter or sort {resource} on {field!r}")
    base, _, target = kinds[field].partition(":")
    return base, target


def _stored(obj: Obj, field: str, base: str) -> Any:
    value = obj.get(field)
    if base == "self":
        return object_id(obj)
    if base == "link":
        return link_id(value)
    if base == "links":
        return [link_id(item) for item in value or []]
    if base == "datetime" and isinstance(value, str):
        return parse_datetime(value)
    return value


def _operand(base: str, target: str, value: Any) -> Any:
    """Normalise one comparison value for a field kind."""
    if value is None:
        return None
    try:
        if base in ("link", "self", "links"):
            return parse_ref(value, target)
        if base == "datetime" and isinstance(value, str):
            return parse_datetime(value)
    except (RefError, ValueError) as exc:
        raise QueryError(str(exc)) from exc
    expected: dict[str, tuple[type, ...]] = {
        "string": (str,),
        "strings": (str,),
        "number": (int, float),
        "bool": (bool,),
        "datetime": (),
    }
    if not isinstance(value, expected[base]) or (base == "number" and isinstance(value, bool)):
        raise QueryError(f"value {value!r} does not fit a {base} field")
    return value


def _ordered(op: str, have: Any, want: Any) -> bool:
    if have is None or want is None:
        return False
    checks = {"$lt": have < want, "$lte": have <= want, "$gt": have > want, "$gte": have >= want}
    return bool(checks[op])


def _text(op: str, have: Any, want: Any) -> bool:
    if not isinstance(have, str) or not isinstance(want, str):
        return False
    text, needle = (have.lower(), want.lower()) if op.startswith("$i") else (have, want)
    if op.endswith("contains"):
        return needle in text
    return text.startswith(needle) if op.endswith("startswith") else text.endswith(needle)


def _condition(resource: str, field: str, op: str, raw: Any) -> Predicate:
    base, target = _kind(resource, field)
    if op not in OPERATORS[base]:
        raise QueryError(f"operator {op} is not supported on {resource}.{field}")
    if op in ("$in", "$containsall", "$containsany", "$between"):
        if not isinstance(raw, list) or (op == "$between" and len(raw) != 2):
            raise QueryError(f"{op} expects a list")
        wants = [_operand(base, target, item) for item in raw]
    else:
        want = _operand(base, target, raw)

    def check(obj: Obj) -> bool:
        have = _stored(obj, field, base)
        if op == "$eq":
            return bool(have == want)
        if op == "$ne":
            return bool(have != want)
        if op == "$in":
            return have in wants
        if op == "$between":
            return _ordered("$gte", have, wants[0]) and _ordered("$lte", have, wants[1])
        if op in ("$lt", "$lte", "$gt", "$gte"):
            return _ordered(op, have, want)
        if base in ("links", "strings"):
            items = set(have or [])
            if op == "$contains":
                return want in items
            return set(wants) <= items if op == "$containsall" else bool(items & set(wants))
        return _text(op, have, want)

    return check


def compile_where(resource: str, where: dict[str, Any]) -> Predicate:
    """Compile a ``where`` object into a predicate over stored objects (conditions are ANDed).

    :param resource: Resource name.
    :param where: Parsed ``where`` JSON.
    :return: The predicate.
    :raises QueryError: On an unknown field, operator or a malformed value.
    """
    checks: list[Predicate] = []
    for field, spec in where.items():
        is_ops = isinstance(spec, dict) and spec and "$ref" not in spec and all(k.startswith("$") for k in spec)
        if isinstance(spec, dict) and spec and not is_ops and "$ref" not in spec:
            raise QueryError(f"malformed condition on {field!r}")
        if is_ops:
            checks.extend(_condition(resource, field, op, value) for op, value in spec.items())
        elif isinstance(spec, list):
            raise QueryError(f"a list is not a value for {field!r}; use $in")
        else:
            checks.append(_condition(resource, field, "$eq", spec))
    return lambda obj: all(check(obj) for check in checks)


def sort_objects(resource: str, items: list[Obj], sort: dict[str, Any]) -> list[Obj]:
    """Sort stored objects; ``true`` means descending. Nulls sort last ascending, first descending.

    :param resource: Resource name.
    :param items: Objects in default (creation) order.
    :param sort: Parsed ``sort`` JSON, e.g. ``{"created_at": true}``.
    :return: A sorted copy.
    :raises QueryError: On an unknown or list field, or a non-boolean direction.
    """
    result = list(items)
    for field, descending in reversed(list(sort.items())):
        base, _ = _kind(resource, field)
        if base in ("links", "strings") or not isinstance(descending, bool):
            raise QueryError(f"cannot sort {resource} on {field!r}")
        result.sort(key=_sort_key(field, base), reverse=descending)
    return result


def _sort_key(field: str, base: str) -> Callable[[Obj], tuple[bool, Any]]:
    def key(obj: Obj) -> tuple[bool, Any]:
        value = _stored(obj, field, base)
        return (value is None, value)

    return key


def json_param(call: Call, name: str) -> dict[str, Any]:
    """Parse a JSON object query parameter (``where``/``sort``); absent or empty means ``{}``.

    :param call: The request.
    :param name: Parameter name.
    :return: The object.
    :raises ApiError: 400 when the value is not a JSON object.
    """
    raw = call.arg(name)
    if raw is None or raw.strip() == "":
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise oc_error(400, f"{name} is not valid JSON", [name]) from None
    if not isinstance(value, dict):
        raise oc_error(400, f"{name} must be a JSON object", [name])
    return value


def _int_arg(call: Call, name: str, default: int, low: int, high: int | None = None) -> int:
    raw = call.arg(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise oc_error(400, f"{name} must be an integer", [name]) from None
    if value < low or (high is not None and value > high):
        raise oc_error(400, f"{name} out of range", [name])
    return value


def paginate(
    call: Call,
    items: list[Obj],
    render: Callable[[Obj], Any],
    *,
    cursor_allowed: bool,
    order: list[Obj] | None = None,
) -> Reply:
    """Build a list response in page mode, or cursor mode when asked for and supported.

    :param call: The request (``page``, ``per_page``, ``cursor``, ``X-Pagination-Style``).
    :param items: Every matching object, in final order.
    :param render: Turns one stored object into its API form.
    :param cursor_allowed: Whether this resource supports cursor mode.
    :param order: Optional. Every object the listing covers before ``where`` filters it, in the listing's order:
        places a cursor whose item no longer matches (see :func:`_cursor_start`).
    :return: The reply: a bare JSON array plus pagination headers.
    """
    per_page = _int_arg(call, "per_page", PAGE_SIZE_DEFAULT, 1, PAGE_SIZE_MAX)
    if cursor_allowed and (call.header("x-pagination-style") or "").lower() == "cursor":
        return _cursor_page(call, items, render, per_page, order)
    page = _int_arg(call, "page", 1, 1)
    total = len(items)
    chunk = items[(page - 1) * per_page : page * per_page]
    pages = max(1, -(-total // per_page))
    links = [(page, "self")]
    if page > 1:
        links += [(1, "first"), (page - 1, "prev")]
    if page * per_page < total:
        links.append((page + 1, "next"))
    links.append((pages, "last"))
    link = ",".join(f'<{call.path}?page={number}&per_page={per_page}>; rel="{rel}"' for number, rel in links)
    headers = {"X-Total-Count": str(total), "Link": link}
    return Reply(200, [render(obj) for obj in chunk], headers)


def _cursor_page(
    call: Call, items: list[Obj], render: Callable[[Obj], Any], per_page: int, order: list[Obj] | None = None
) -> Reply:
    """Answer one cursor-mode page: the items after the cursor's item, and ``X-Next-Cursor`` unless this is the last.

    :param call: The request (``cursor``).
    :param items: Every matching object, in the listing's order.
    :param render: Turns one stored object into its API form.
    :param per_page: Items per page.
    :param order: Optional. Every object the listing covers before filtering, in the listing's order.
    :return: The reply.
    :raises ApiError: 400 for a cursor that does not decode.
    """
    cursor = call.arg("cursor")
    start = _cursor_start(items, *_read_cursor(cursor), order) if cursor else 0
    chunk = items[start : start + per_page]
    headers: dict[str, str] = {}
    end = start + len(chunk)
    if chunk and end < len(items):
        token = json.dumps({"after": object_id(chunk[-1]), "index": end}).encode()
        headers["X-Next-Cursor"] = base64.urlsafe_b64encode(token).decode().rstrip("=")
    return Reply(200, [render(obj) for obj in chunk], headers)


def _read_cursor(cursor: str) -> tuple[str, int]:
    """Decode a cursor: the id of the last item of the page before, and that page's end index.

    :param cursor: The ``cursor`` parameter.
    :return: ``(after, index)``.
    :raises ApiError: 400 when it does not decode.
    """
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
        return str(state["after"]), int(state["index"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise oc_error(400, "invalid cursor", ["cursor"]) from None


def _cursor_start(items: list[Obj], after: str, index: int, order: list[Obj] | None) -> int:
    """Place a cursor as a keyset position: the first matching item after the cursor's item in the listing's order.

    The cursor's item need not match any more (a write after the page was served can move it out of ``where``):
    its place in ``order``, the whole listing before filtering, still says where the next page starts, so no item
    is skipped. Only an item that is gone from the listing altogether (deleted) falls back to the page's end index.

    :param items: Every matching object, in the listing's order.
    :param after: Id of the last item of the page before.
    :param index: End index of the page before, when it was served.
    :param order: Optional. Every object the listing covers before filtering, in the same order.
    :return: Index into ``items`` of the page's first item.
    """
    ids = [object_id(obj) for obj in items]
    if after in ids:
        return ids.index(after) + 1
    rank = {object_id(obj): position for position, obj in enumerate(order or [])}
    if after not in rank:
        return index
    return next((i for i, item_id in enumerate(ids) if rank.get(item_id, -1) > rank[after]), len(ids))
