"""Seven Bridges representation: absolute hrefs, ``fields`` selection and the ``{href, items, links}`` envelope."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from genomics_provider.sevenbridges.limits import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX
from genomics_provider.testing.errors import sb_error
from genomics_provider.testing.http import Call
from genomics_provider.testing.state import Obj, json_copy

#: Fields of list items when ``fields`` is not given.
DEFAULT_LIST_FIELDS = ("href", "id", "name", "project", "parent", "type")


def api_base(call: Call) -> str:
    """Return the absolute base URL of the Seven Bridges API.

    :param call: The request (its ``base_url`` is the emulator's public base).
    :return: E.g. ``"http://127.0.0.1:PORT/v2"``.
    """
    return f"{call.base_url}/v2"


def file_json(call: Call, item: Obj) -> dict[str, Any]:
    """Render a file or folder with every field.

    :param call: The request.
    :param item: Stored file.
    :return: The JSON-ready dict (``href`` first).
    """
    out: dict[str, Any] = {"href": f"{api_base(call)}/files/{item['id']}"}
    for key, value in item.items():
        out[key] = json_copy(value)
    return out


def project_json(call: Call, project: Obj) -> dict[str, Any]:
    """Render a project.

    :param call: The request.
    :param project: Stored project.
    :return: The JSON-ready dict.
    """
    return {"href": f"{api_base(call)}/projects/{project['id']}", **json_copy(project)}


def select_fields(full: dict[str, Any], spec: str | None, default: tuple[str, ...] | None) -> dict[str, Any]:
    """Apply a ``fields`` parameter.

    :param full: The object with every field.
    :param spec: ``None``/empty, ``"_all"``, ``"id,name"``, ``"!tags"`` or a mix.
    :param default: The default subset (lists), or ``None`` for "everything" (single resources).
    :return: The selected fields, in the object's order.
    """
    tokens = [t.strip() for t in (spec or "").split(",") if t.strip()]
    include = [t for t in tokens if t != "_all" and not t.startswith("!")]
    exclude = {t[1:] for t in tokens if t.startswith("!")}
    if "_all" in tokens or (not include and exclude) or (not tokens and default is None):
        keep = set(full)
    elif include:
        keep = set(include)
    else:
        keep = set(default or ())
    return {k: v for k, v in full.items() if k in keep and k not in exclude}


def fields_param(call: Call) -> str | None:
    """Join every ``fields`` value.

    :param call: The request.
    :return: The comma-joined spec, or ``None``.
    """
    values = call.query.get("fields")
    return ",".join(values) if values else None


def paging(call: Call, cap: str) -> tuple[int, int]:
    """Read ``offset`` and ``limit``.

    :param call: The request.
    :param cap: ``"cap"`` to cap ``limit`` at 100, ``"reject"`` to answer 400 above it.
    :return: ``(offset, limit)``.
    :raises ApiError: 400 (code 5033) on a non-integer, a negative offset or a limit below 1.
    """
    try:
        offset = int(call.arg("offset") or 0)
        limit = int(call.arg("limit") or PAGE_SIZE_DEFAULT)
    except ValueError:
        raise sb_error(5033, "offset and limit must be integers.") from None
    if offset < 0 or limit < 1 or (limit > PAGE_SIZE_MAX and cap == "reject"):
        raise sb_error(5033, f"offset must be >= 0 and limit between 1 and {PAGE_SIZE_MAX}.")
    return offset, min(limit, PAGE_SIZE_MAX)


def _url(call: Call, resource_path: str, pairs: list[tuple[str, str]]) -> str:
    query = urlencode(pairs, safe="/", quote_via=quote)
    return f"{api_base(call)}{resource_path}" + (f"?{query}" if query else "")


def envelope(
    call: Call, resource_path: str, items: list[dict[str, Any]], total: int, offset: int, limit: int
) -> dict[str, Any]:
    """Build the list body: ``href`` of this page (same query), ``items``, and ``next``/``prev`` links.

    :param call: The request.
    :param resource_path: Path after ``/v2``, e.g. ``"/files"``.
    :param items: This page's rendered items.
    :param total: Number of matching items.
    :param offset: This page's offset.
    :param limit: This page's limit.
    :return: ``{"href", "items", "links"}``.
    """
    pairs = parse_qsl(call.raw_query, keep_blank_values=True)
    href = f"{api_base(call)}{resource_path}" + (f"?{call.raw_query}" if call.raw_query else "")

    def moved(new_offset: int) -> str:
        rest = [(k, v) for k, v in pairs if k not in ("offset", "limit")]
        return _url(call, resource_path, [*rest, ("offset", str(new_offset)), ("limit", str(limit))])

    links = []
    if offset + limit < total:
        links.append({"href": moved(offset + limit), "rel": "next", "method": "GET"})
    if offset > 0:
        links.append({"href": moved(max(0, offset - limit)), "rel": "prev", "method": "GET"})
    return {"href": href, "items": items, "links": links}
