"""Reading failures: readable messages from any error body, and how a request's attempts ended.

Pure functions over a ``requests.Response`` or exception, used by
:class:`~genomics_provider.hooks.base.GenomicsRestHook`. Everything a person needs is kept: the vendor's message and
code, One Codex's ``errors[]`` details, Seven Bridges' ``more_info``, what kind of failure left no response (DNS,
TLS, refused, timed out), and the cause itself, stripped of everything that could carry the credential.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from genomics_provider.exceptions import OUTCOME_UNKNOWN_NOTE, GenomicsApiError, error_class_for_status
from genomics_provider.hooks._retry import outcome_unknown

if TYPE_CHECKING:
    import requests

Scrub = Callable[[str], str]

_TAGS = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_USERINFO = re.compile(r"//[^/@\s]*@")
#: Caps on the vendor's detail list, so a body with thousands of validation errors stays a readable message.
MAX_DETAILS = 10
DETAIL_CHARS = 200
MORE_INFO_CHARS = 300
#: Hosts of Seven Bridges' API (every platform's base URL ends in ``/v2``).
_SB_HOST_SUFFIXES = (".sbgenomics.com", ".sevenbridges.cn", ".biodatacatalyst.nhlbi.nih.gov")
V2_HINT = "the base URL has no /v2; Seven Bridges API base URLs end in /v2, e.g. https://cgc-api.sbgenomics.com/v2"


def _unchanged(text: str) -> str:
    return text


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


@dataclass(frozen=True)
class ErrorBody:
    """What an error response said.

    :param message: The vendor's message with its details, scrubbed and capped.
    :param code: The vendor's error code (Seven Bridges ``code``), if any.
    :param more_info: The vendor's documentation link (Seven Bridges ``more_info``), if any.
    :param hint: A hint that replaces the hook's status hint, e.g. a Seven Bridges base URL without ``/v2``.
    """

    message: str
    code: int | str | None = None
    more_info: str | None = None
    hint: str | None = None


def parse_error_detail(response: requests.Response, scrub: Scrub = _unchanged) -> ErrorBody:
    """Extract everything readable from any error body: message, details, vendor code and documentation link.

    JSON bodies use ``message`` (both vendors) or ``msg`` (One Codex's 429); Seven Bridges adds ``code`` and
    ``more_info``; One Codex validation errors add ``errors[]`` (``[{"path": [...], "message"}]``, or Potion's
    ``validationOf``), whose first :data:`MAX_DETAILS` entries are appended to the message. HTML gateway pages and
    empty bodies are summarised instead of crashing.

    :param response: The failed response.
    :param scrub: Optional. Removes secrets from every text, before anything is cut.
    :return: The parsed body.
    """
    reason = response.reason or "error"
    hint = base_url_hint(response)
    try:
        body = response.json()
    except ValueError:
        return ErrorBody(f"{reason}; the server sent {summarise_body(response, scrub)}", hint=hint)
    if not isinstance(body, dict):
        return ErrorBody(f"{reason}; the server sent {scrub(json.dumps(body))[:120]}", hint=hint)
    message = scrub(str(body.get("message") or body.get("msg") or reason))
    details = vendor_details(body, scrub)
    if details:
        message = f"{message}{' ' if message.endswith(('.', '!', '?')) else '. '}Details: {details}"
    code = body.get("code")
    more_info = body.get("more_info")
    return ErrorBody(
        message,
        code=code if isinstance(code, (int, str)) and not isinstance(code, bool) else None,
        more_info=_clip(scrub(more_info), MORE_INFO_CHARS) if isinstance(more_info, str) and more_info else None,
        hint=hint,
    )


def error_for_response(
    response: requests.Response,
    method: str,
    path: str,
    *,
    scrub: Scrub = _unchanged,
    hint: str | None = None,
    conn_id: str = "",
    note: str = "",
    outcome_unknown: bool = False,
) -> GenomicsApiError:
    """Map a failed response to the typed error for its status, with the vendor's message, details and code.

    :meth:`GenomicsRestHook.error_from_response <genomics_provider.hooks.base.GenomicsRestHook.error_from_response>`
    calls this with the hook's :meth:`~genomics_provider.hooks.base.GenomicsRestHook.scrub`, its hint for the status
    (``status_hints``) and its connection id.

    :param response: The non-2xx response.
    :param method: HTTP method.
    :param path: URL path.
    :param scrub: Optional. Removes secrets from the server's text.
    :param hint: Optional. The hook's hint for this status (``{conn_id}`` is filled in); a hint read from the body
        (e.g. a missing ``/v2``) comes first.
    :param conn_id: Optional. The connection id, for the hint.
    :param note: Optional. How the transport ended (attempts made, whether a write may have been applied).
    :param outcome_unknown: Optional. Whether the request was a write the server may have applied.
    :return: The error to raise.
    """
    parsed = parse_error_detail(response, scrub)
    hint = parsed.hint or hint
    message = f"{parsed.message} ({hint.format(conn_id=conn_id)})" if hint else parsed.message
    return error_class_for_status(response.status_code)(
        message,
        status=response.status_code,
        code=parsed.code,
        request_id=response.headers.get("X-Request-Id"),
        method=method,
        path=path,
        note=note,
        outcome_unknown=outcome_unknown,
        more_info=parsed.more_info,
    )


def parse_error_body(response: requests.Response, scrub: Scrub = _unchanged) -> tuple[str, int | str | None]:
    """Extract a readable message and the vendor error code from any error body (see :func:`parse_error_detail`).

    :param response: The failed response.
    :param scrub: Optional. Removes secrets from the message, before anything is cut.
    :return: ``(message, code)``.
    """
    parsed = parse_error_detail(response, scrub)
    return parsed.message, parsed.code


def vendor_details(body: dict[str, Any], scrub: Scrub = _unchanged) -> str:
    """Render an error body's detail list (``errors`` or ``detail``): ``path: message`` entries, capped.

    :param body: The parsed JSON error body.
    :param scrub: Optional. Removes secrets from each entry before it is cut.
    :return: E.g. ``visibility: must be one of 'private', 'public'; and 3 more``; empty when there are none.
    """
    raw = body.get("errors") if body.get("errors") is not None else body.get("detail")
    if isinstance(raw, dict):
        entries: list[Any] = [{"path": [key], "message": value} for key, value in raw.items()]
    elif isinstance(raw, list):
        entries = raw
    else:
        return ""
    lines = [_clip(scrub(_detail_line(entry)), DETAIL_CHARS) for entry in entries[:MAX_DETAILS]]
    more = f"; and {len(entries) - MAX_DETAILS} more" if len(entries) > MAX_DETAILS else ""
    return "; ".join(line for line in lines if line) + more


def _detail_line(entry: Any) -> str:
    if not isinstance(entry, dict):
        return " ".join(str(entry).split())
    where = entry.get("path", entry.get("loc"))
    prefix = ".".join(str(part) for part in where) if isinstance(where, list) else str(where or "")
    text = entry.get("message") or entry.get("msg") or entry.get("error")
    if isinstance(text, list):
        text = ", ".join(map(str, text))
    if not text and entry.get("validationOf") is not None:
        text = f"does not satisfy {json.dumps(entry['validationOf'], sort_keys=True)}"
    if not text:
        rest = {key: value for key, value in entry.items() if key not in ("path", "loc")}
        text = json.dumps(rest, sort_keys=True, default=str)
    text = " ".join(str(text).split())
    return f"{prefix}: {text}" if prefix else text


def base_url_hint(response: requests.Response) -> str | None:
    """Explain a Seven Bridges 404 whose request URL has no ``/v2`` (the base URL was given without it).

    The request is Seven Bridges' when it carried ``X-SBG-Auth-Token`` or went to a Seven Bridges API host.

    :param response: The failed response.
    :return: :data:`V2_HINT`, or ``None``.
    """
    request = getattr(response, "request", None)
    if response.status_code != 404 or request is None or not request.url:
        return None
    parts = urlsplit(str(request.url))
    host = (parts.hostname or "").lower()
    sevenbridges = "X-SBG-Auth-Token" in (request.headers or {}) or host.endswith(_SB_HOST_SUFFIXES)
    if sevenbridges and "v2" not in parts.path.split("/"):
        return V2_HINT
    return None


@dataclass(frozen=True)
class Ending:
    """How a failed request's attempts ended, as the transport saw it.

    :param note: For the message, e.g. ``gave up after 5 attempts``; empty when there is nothing to add.
    :param outcome_unknown: Whether it was a write the server may nevertheless have applied.
    """

    note: str = ""
    outcome_unknown: bool = False


def attempts_note(exc: requests.RequestException, attempts: int, idempotent: bool) -> Ending:
    """Say how a request ended: after how many attempts, and whether a write's outcome is unknown.

    :param exc: The last failure.
    :param attempts: Attempts made, the first included.
    :param idempotent: Whether the request was a read.
    :return: The note (empty for one attempt whose outcome is known) and the ``outcome_unknown`` flag.
    """
    unknown = not idempotent and outcome_unknown(exc)
    parts = [f"gave up after {attempts} attempts"] if attempts > 1 else []
    if unknown:
        parts.append(OUTCOME_UNKNOWN_NOTE)
    return Ending("; ".join(parts), unknown)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """Walk an exception and everything it wraps (args, urllib3 ``reason``, cause, context), each once.

    :param exc: The outermost exception.
    :return: An iterator over it and the exceptions inside it, outermost first (at most 32).
    """
    seen: set[int] = set()
    todo = [exc]
    while todo and len(seen) < 32:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [*current.args, getattr(current, "reason", None), current.__cause__, current.__context__]
        todo += [item for item in linked if isinstance(item, BaseException)]


def _target(exc: BaseException) -> tuple[str, str]:
    """Name the host a failed request was going to, never with any userinfo.

    :param exc: The exception raised by ``requests`` (its ``request`` has the URL).
    :return: ``(hostname, 'hostname:port')``, or empty strings when unknown.
    """
    request = getattr(exc, "request", None)
    url = getattr(request, "url", None)
    if not url:
        return "", ""
    try:
        parts = urlsplit(str(url))
        port = parts.port
    except ValueError:
        return "", ""
    host = parts.hostname or ""
    return host, f"{host}:{port}" if port else host


def failure_kind(exc: BaseException) -> str | None:
    """Say what kind of failure left a request without a response: DNS, TLS, refused or timed out.

    :param exc: The exception raised by ``requests``.
    :return: E.g. ``the DNS name 'nx.example' was not resolved``; ``None`` when it is none of these.
    """
    import socket
    import ssl

    import requests
    from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, ReadTimeoutError

    chain = list(_causes(exc))
    host, where = _target(exc)
    at = f" {where!r}" if where else ""
    for item in chain:
        if isinstance(item, ssl.SSLCertVerificationError):
            why = item.verify_message or item.reason or "not trusted"
            return f"the TLS certificate of{at or ' the server'} was not accepted ({why})"
    if any(isinstance(item, ssl.SSLError) for item in chain):
        return f"the TLS handshake with{at or ' the server'} failed"
    if any(isinstance(item, (NameResolutionError, socket.gaierror)) for item in chain):
        return f"the DNS name {host!r} was not resolved" if host else "the DNS name was not resolved"
    if any(isinstance(item, ConnectionRefusedError) for item in chain):
        return f"the connection to{at or ' the server'} was refused"
    if any(isinstance(item, (requests.ReadTimeout, ReadTimeoutError)) for item in chain):
        return f"timed out waiting for the answer from{at or ' the server'}"
    # urllib3's NewConnectionError (refused, unreachable) subclasses ConnectTimeoutError: only a real timeout counts.
    if any(isinstance(item, requests.ConnectTimeout) or type(item) is ConnectTimeoutError for item in chain):
        return f"timed out connecting to{at or ' the server'}"
    return None


def describe_failure(exc: BaseException) -> str:
    """Describe a failure without a response: the exception class, and what kind of failure it was.

    :param exc: The exception raised by ``requests``.
    :return: E.g. ``ConnectionError: the DNS name 'nx.example' was not resolved``, or only ``ConnectionError``.
    """
    kind = failure_kind(exc)
    return f"{type(exc).__name__}: {kind}" if kind else type(exc).__name__


def strip_secrets(exc: BaseException, scrub: Scrub = _unchanged) -> BaseException:
    """Make an exception safe to chain as a cause: keep its type and scrubbed text, drop what holds the credential.

    A ``requests`` exception carries the prepared request (its headers hold the key), the response (its request
    again), urllib3 exceptions holding the connection (whose send buffer holds the headers) and a traceback whose
    frames do too. All of these are dropped; the text loses secrets and any ``user:password@``.

    :param exc: The exception, changed in place (every reference to it, e.g. tenacity's, sees the safe version).
    :param scrub: Optional. Removes secrets from the text.
    :return: ``exc``.
    """
    text = _USERINFO.sub("//***@", scrub(str(exc)))
    exc.args = (text,)
    for attribute in ("request", "response"):
        if hasattr(exc, attribute):
            setattr(exc, attribute, None)
    exc.__cause__ = None
    exc.__context__ = None
    exc.__traceback__ = None
    return exc


def secret_forms(secret: str) -> list[str]:
    """List the ways a secret can appear in text a server echoes: raw, URL-encoded, and base64 as in a Basic header.

    :param secret: The secret.
    :return: Its forms, longest first (so a longer form is replaced before a shorter one inside it).
    """
    import base64
    from urllib.parse import quote

    forms = {secret, quote(secret, safe="")}
    for pair in (f"{secret}:", f":{secret}", secret):
        forms.add(base64.b64encode(pair.encode()).decode().rstrip("="))
    return sorted(forms, key=len, reverse=True)
