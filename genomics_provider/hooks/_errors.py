"""Reading failures: readable messages from any error body, and how a request's attempts ended.

Pure functions over a ``requests.Response`` or exception, used by
:class:`~genomics_provider.hooks.base.GenomicsRestHook`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from genomics_provider.exceptions import OUTCOME_UNKNOWN_NOTE
from genomics_provider.hooks._retry import outcome_unknown

if TYPE_CHECKING:
    import requests

Scrub = Callable[[str], str]

_TAGS = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _unchanged(text: str) -> str:
    return text


def summarise_body(response: requests.Response, scrub: Scrub = _unchanged) -> str:
    """Describe a body that is not the JSON expected: an HTML page by its title, or the first 120 characters.

    :param response: The response.
    :param scrub: Optional. Removes secrets; applied to the whole body *before* it is cut, so no part of a secret
        that starts near the cut survives.
    :return: E.g. ``an HTML page (504 Gateway Time-out)``, ``an empty body``.
    """
    text = scrub(response.text or "")
    ctype = response.headers.get("Content-Type", "")
    if "html" in ctype.lower() or text.lstrip().startswith("<"):
        title = _TITLE.search(text)
        summary = title.group(1) if title else _TAGS.sub(" ", text)
        return f"an HTML page ({' '.join(summary.split())[:120] or 'empty'})"
    if not text.strip():
        return "an empty body"
    return f"a non-JSON body ({' '.join(text.split())[:120]})"


def parse_error_body(response: requests.Response, scrub: Scrub = _unchanged) -> tuple[str, int | str | None]:
    """Extract a readable message and the vendor error code from any error body.

    JSON bodies use ``message`` (both vendors) or ``msg`` (One Codex's 429); Seven Bridges adds ``code``. HTML gateway
    pages and empty bodies are summarised instead of crashing.

    :param response: The failed response.
    :param scrub: Optional. Removes secrets from the message, before anything is cut.
    :return: ``(message, code)``.
    """
    reason = response.reason or "error"
    try:
        body = response.json()
    except ValueError:
        return f"{reason}; the server sent {summarise_body(response, scrub)}", None
    if not isinstance(body, dict):
        return f"{reason}; the server sent {scrub(json.dumps(body))[:120]}", None
    message = body.get("message") or body.get("msg") or reason
    code = body.get("code")
    return scrub(str(message)), code if isinstance(code, (int, str)) else None


def attempts_note(exc: requests.RequestException, attempts: int, idempotent: bool) -> str:
    """Say how a request ended: after how many attempts, and whether a write's outcome is unknown.

    :param exc: The last failure.
    :param attempts: Attempts made, the first included.
    :param idempotent: Whether the request was a read.
    :return: A note for the error message (empty for one attempt whose outcome is known).
    """
    parts = [f"gave up after {attempts} attempts"] if attempts > 1 else []
    if not idempotent and outcome_unknown(exc):
        parts.append(OUTCOME_UNKNOWN_NOTE)
    return "; ".join(parts)
