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

from genomics_provider._compat import AirflowException, AirflowFailException

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
    :param outcome_unknown: Whether the request was a write that the server may have applied although it failed
        (set by the transport; the operators re-read such an item before writing it again).
    :param more_info: The vendor's documentation link for the error (Seven Bridges ``more_info``), when given.
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
        outcome_unknown: bool = False,
        more_info: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.method = method
        self.path = path
        self.note = note
        self.outcome_unknown = outcome_unknown
        self.more_info = more_info
        super().__init__(self._render())

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
        return (_rebuild_api_error, (type(self), self.message, self.fields()))

    def fields(self) -> dict[str, Any]:
        """Return the keyword fields that rebuild this error with its message (JSON-safe).

        :return: ``status``, ``code``, ``request_id``, ``method``, ``path``, ``note``, ``outcome_unknown``,
            ``more_info``.
        """
        return {
            "status": self.status,
            "code": self.code,
            "request_id": self.request_id,
            "method": self.method,
            "path": self.path,
            "note": self.note,
            "outcome_unknown": self.outcome_unknown,
            "more_info": self.more_info,
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


class WaitBudgetExceededError(GenomicsApiError):
    """A request gave up instead of waiting: the wait it needed is longer than what its budget has left.

    The budget is the connection's ``max_wait`` (all retry waits and rate-limit pauses of one request together),
    and the task's deadline when one is known. The message says who asked for the wait and what limits it, e.g.
    ``the server asked to wait 3600 s (Retry-After: 3600) but this request's wait budget max_wait=300 s has 300 s
    left``. ``status`` is that of the answer that asked for the wait, or ``None`` when the rate-limit pacing of a
    request not yet sent asked for it (nothing was sent then).
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


class CredentialRejectedError(UnauthorizedError, AirflowFailException):
    """HTTP 401 while a sensor waits: the connection's credential is wrong, so waiting or retrying cannot succeed.

    Raised instead of :class:`UnauthorizedError` by the sensors and their triggers alike (see
    :func:`fail_fast_while_waiting`), so poke and deferrable mode fail the same way, without retries.
    """


class AccessRejectedError(ForbiddenError, AirflowFailException):
    """HTTP 403 while a sensor waits: the credential may not read what is waited for; retrying cannot succeed."""


_WAIT_REJECTIONS: dict[type[GenomicsApiError], type[GenomicsApiError]] = {
    UnauthorizedError: CredentialRejectedError,
    ForbiddenError: AccessRejectedError,
}


def fail_fast_while_waiting(exc: BaseException) -> BaseException:
    """Turn a 401 or 403 met while waiting into its non-retryable twin; return anything else unchanged.

    A sensor polls the same read with the same connection again and again: a rejected credential or permission
    stays rejected, so the task fails at once instead of burning its retries (an operator's 401 stays retryable:
    its writes may depend on a connection being fixed between tries).

    :param exc: What a poke, or a trigger's poll, raised.
    :return: A :class:`CredentialRejectedError` / :class:`AccessRejectedError` with every field kept, or ``exc``.
    """
    if not isinstance(exc, GenomicsApiError):
        return exc
    twin = _WAIT_REJECTIONS.get(type(exc))
    if twin is None:
        return exc
    rejected = twin(exc.message, **exc.fields())
    rejected.__cause__ = exc.__cause__
    return rejected


class InvalidInputError(AirflowFailException, ValueError):
    """An argument or a connection breaks a rule; raised before any request is sent.

    The message always names the argument and the rule, e.g.
    ``visibility: 'secret' is not allowed; use one of 'private', 'shared', 'public'``.
    """


class InsecureTransportError(InvalidInputError):
    """A credential would be sent over plain http to a host that is not loopback."""
