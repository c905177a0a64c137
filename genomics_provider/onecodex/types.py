"""One Codex wire helpers: the API prefix, the id rule and ``$ref`` links (no HTTP, no Airflow).

The hook (:mod:`genomics_provider.hooks.onecodex`) re-exports these names, so existing imports keep working.
"""

from __future__ import annotations

from typing import Any

from genomics_provider.validation import ONECODEX_ID

API = "/api/v1"
#: One Codex ids: 16 lowercase hex characters (the rule lives in genomics_provider.validation).
ID_PATTERN = ONECODEX_ID


def ref(resource: str, object_id: str) -> dict[str, str]:
    """Build a One Codex link object.

    :param resource: Collection name, e.g. ``tags``.
    :param object_id: 16-hex id.
    :return: ``{"$ref": "/api/v1/<resource>/<id>"}``.
    """
    return {"$ref": f"{API}/{resource}/{object_id}"}


def id_from_link(link: Any) -> str | None:
    """Return the id inside a ``{"$ref"}`` link, an expanded object's ``$uri``, or a bare id.

    :param link: A link, an expanded object, a bare id, or ``None``.
    :return: The 16-hex id, or ``None``.
    """
    if link is None:
        return None
    if isinstance(link, dict):
        link = link.get("$ref") or link.get("$uri")
    if not isinstance(link, str):
        return None
    return link.rstrip("/").rsplit("/", 1)[-1]
