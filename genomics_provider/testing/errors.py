"""Error bodies of both APIs: werkzeug messages for One Codex, ``{status, code, message, more_info}`` for SB."""

from __future__ import annotations

from typing import Any

from genomics_provider.testing.http import ApiError, Reply

#: werkzeug's default descriptions, which One Codex returns as ``message`` (401 as in the vendor docs).
WERKZEUG_MESSAGES: dict[int, str] = {
    400: "The browser (or proxy) sent a request that this server could not understand.",
    401: (
        "The server could not verify that you are authorized to access the URL requested.  You either supplied "
        "the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the "
        "credentials required."
    ),
    403: (
        "You don't have the permission to access the requested resource. It is either read-protected or not "
        "readable by the server."
    ),
    404: (
        "The requested URL was not found on the server. If you entered the URL manually please check your "
        "spelling and try again."
    ),
    405: "The method is not allowed for the requested URL.",
    500: (
        "The server encountered an internal error and was unable to complete your request. Either the server is "
        "overloaded or there is an error in the application."
    ),
    503: (
        "The server is temporarily unable to service your request due to maintenance downtime or capacity "
        "problems. Please try again later."
    ),
}

#: One Codex's rate-limit body (note ``msg``, not ``message``).
ONECODEX_RATE_LIMITED: dict[str, Any] = {"msg": "Rate limited.", "status": 429}

#: Where Seven Bridges' ``more_info`` points.
SB_MORE_INFO = "https://docs.sevenbridges.com/docs/api-status-codes"

#: Seven Bridges codes: ``code -> (http status, message)``.
SB_CODES: dict[int, tuple[int, str]] = {
    0: (503, "Platform is under maintenance."),
    401: (401, "Unauthorized"),
    404: (404, "Not found."),
    405: (405, "Method not allowed."),
    500: (500, "Internal server error."),
    1000: (429, "Rate limit exceeded! Check response headers."),
    3002: (404, "Requested project or member does not exist."),
    3012: (400, "Malformed project id. Expecting owner/project"),
    5001: (403, "Insufficient privileges to access the requested file."),
    5002: (404, "Requested file does not exist."),
    5004: (400, "File id must not be null or an empty string."),
    5005: (400, "Malformed project query parameter. Expecting ?project=owner/project."),
    5006: (400, "Metadata validation failed."),
    5009: (403, "Modifying metadata is not allowed."),
    5011: (403, "Modifying file tags is not allowed."),
    5023: (400, "Updating folder details is not supported."),
    5025: (400, "Updating folder metadata is not supported."),
    5027: (400, "Updating folder tags is not supported."),
    5029: (400, "Invalid combination of parent and project parameters."),
    5033: (400, "Invalid request."),
    5035: (400, "Key must not be null or an empty string."),
}


def oc_body(status: int, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Build a One Codex error body.

    :param status: HTTP status with a werkzeug message.
    :param errors: Optional Potion-style details (``[{"path": [...], "message": ...}]``).
    :return: ``{"message", "status"}`` plus ``errors`` when given.
    """
    body: dict[str, Any] = {"message": WERKZEUG_MESSAGES[status], "status": status}
    if errors:
        body["errors"] = errors
    return body


def oc_error(status: int, detail: str | None = None, path: list[str] | None = None) -> ApiError:
    """Build a One Codex error to raise.

    :param status: HTTP status.
    :param detail: Optional explanation, put in ``errors[0].message``.
    :param path: Optional location of the offending value.
    :return: The exception.
    """
    errors = [{"path": path or [], "message": detail}] if detail else None
    return ApiError(Reply(status, oc_body(status, errors)))


def sb_body(code: int, message: str | None = None) -> dict[str, Any]:
    """Build a Seven Bridges error body.

    :param code: Seven Bridges code (see ``SB_CODES``).
    :param message: Optional message overriding the default one.
    :return: ``{"status", "code", "message", "more_info"}``.
    """
    status, default = SB_CODES[code]
    return {"status": status, "code": code, "message": message or default, "more_info": SB_MORE_INFO}


def sb_reply(code: int, message: str | None = None) -> Reply:
    """Build a Seven Bridges error reply.

    :param code: Seven Bridges code.
    :param message: Optional message overriding the default one.
    :return: The reply.
    """
    body = sb_body(code, message)
    return Reply(body["status"], body)


def sb_error(code: int, message: str | None = None) -> ApiError:
    """Build a Seven Bridges error to raise.

    :param code: Seven Bridges code.
    :param message: Optional message overriding the default one.
    :return: The exception.
    """
    return ApiError(sb_reply(code, message))
