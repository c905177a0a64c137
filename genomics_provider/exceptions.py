"""Typed errors raised by the genomics provider.

Two families:

* :class:`GenomicsApiError` and its subclasses: a vendor API answered with an error (or could not be reached). They
  carry the HTTP status, the vendor's own error code, the message, the request id, the method and the path, and never
  the credential.
* :class:`InvalidInputError`: an operator or hook argument, or a connection, breaks a rule. It is raised before any
  request is sent and fails the task without retries (it subclasses ``AirflowFailException``), because retrying bad
  input cannot succeed.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk.exceptions import AirflowException, AirflowFailException

#: The note of a write that failed in a way that leaves its outcome unknown; it was not sent again.
OUTCOME_UNKNOWN_NOTE = "not re-sent: the server may have applied it"


class GenomicsApiError(AirflowException):
    """A request to a genomics API failed.

    :param message: The vendor's message, or a readable summary of a non-JSON body.
    :param status: HTTP status code, or ``None`` when no response arrived (connection error, timeout).
    :param code: The vendor's error code (Seven Bridges ``code``), when the body carried one.
    :param request_id: The ``X-Request-Id`` of the response, when present.
    :param method: HTTP method of the failed request.
    :param path: URL path of the failed request (never the query string or credentials).
    :param note: How the transport ended, e.g. ``gave up after 5 attempts`` or ``not re-sent: the server may have
        applied it``; empty when there is nothing to add.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | str | None = None,
        request_id: str | None = None,
        method: str = "",
        path: str = "",
        note: str = "",
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.method = method
        self.path = path
        self.note = note
        super().__init__(self._render())

    @property
    def outcome_unknown(self) -> bool:
        """Whether the failed request was a write the server may nevertheless have applied."""
        return OUTCOME_UNKNOWN_NOTE in self.note

    def _render(self) -> str:
        where = f"{self.method} {self.path}".strip()
        parts = [f"{where} failed" if where else "request failed"]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code is not None:
            parts.append(f"code {self.code}")
        text = ": ".join([", ".join(parts), self.message])
        if self.note:
            text += f" ({self.note})"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments need help to survive pickling (Airflow ships exceptions between processes).
        return (_rebuild_api_error, (type(self), self.message, self._fields()))

    def _fields(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "code": self.code,
            "request_id": self.request_id,
            "method": self.method,
            "path": self.path,
            "note": self.note,
        }


def _rebuild_api_error(cls: type[GenomicsApiError], message: str, fields: dict[str, Any]) -> GenomicsApiError:
    """Recreate an API error from its pickled parts.

    :param cls: The concrete error class.
    :param message: The message.
    :param fields: The keyword fields.
    :return: The rebuilt error.
    """
    return cls(message, **fields)


class ApiConnectionError(GenomicsApiError):
    """No usable response arrived: the connection failed, was reset, or timed out."""


class BadRequestError(GenomicsApiError):
    """HTTP 400: the service rejected the request body or parameters."""


class UnauthorizedError(GenomicsApiError):
    """HTTP 401: the credential is missing, wrong or expired."""


class ForbiddenError(GenomicsApiError):
    """HTTP 403: authenticated, but not allowed to do this."""


class NotFoundError(GenomicsApiError):
    """HTTP 404: the resource does not exist, or is not visible to this credential."""


class ConflictError(GenomicsApiError):
    """HTTP 409: the change conflicts with the resource's current state."""


class RateLimitedError(GenomicsApiError):
    """HTTP 429: the vendor's rate limit was exceeded and retries were exhausted."""


class ServerError(GenomicsApiError):
    """HTTP 5xx: the service or a gateway in front of it failed."""


class StaleReadError(GenomicsApiError):
    """A write was not sent: its body was computed from a read older than the connection's ``max_read_age``.

    Raised by the transport instead of sending, when rate-limit pacing, a 429 or a retry pushed the send past the
    bound (see :mod:`genomics_provider.curation.reconcile`). Nothing reached the server; the caller reads the item
    again and plans the write from the fresh state.
    """


_BY_STATUS: dict[int, type[GenomicsApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitedError,
}


def error_class_for_status(status: int) -> type[GenomicsApiError]:
    """Pick the typed error for an HTTP status.

    :param status: HTTP status code of the failed response.
    :return: The most specific :class:`GenomicsApiError` subclass.
    """
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, GenomicsApiError)


class InvalidInputError(AirflowFailException, ValueError):
    """An argument or a connection breaks a rule; raised before any request is sent.

    The message always names the argument and the rule, e.g.
    ``visibility: 'secret' is not allowed; use one of 'private', 'shared', 'public'``.
    """


class InsecureTransportError(InvalidInputError):
    """A credential would be sent over plain http to a host that is not loopback."""
