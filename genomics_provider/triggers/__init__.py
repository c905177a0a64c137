"""Triggers that wait, on the triggerer, for work already submitted: they only read (GET) and emit one event.

Every trigger of this provider yields exactly one :class:`~airflow.triggers.base.TriggerEvent` whose payload is one of::

    {"status": "success", <ids key>: [...]}
    {"status": "failed", "message": str, "failed": {id: status}}   # the condition can never be met
    {"status": "error", "message": str, "error": {...}}             # a request or an argument failed

``error`` (:func:`error_event`) names this provider's exception and its fields, so the sensor raises it again
(:func:`error_from_event`): the same type, text and retry behaviour as in poke mode. Both modes wrap each check in
:func:`failing_fast`, so a rejected credential (401) or permission (403) fails at once, without retries. The poll
calls the synchronous hooks in a worker thread, so the provider's one retry and rate-limit policy applies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from genomics_provider import exceptions as _exceptions
from genomics_provider._compat import AirflowException, AirflowNotFoundException
from genomics_provider.exceptions import GenomicsApiError, InvalidInputError, fail_fast_while_waiting

#: Errors an ``error`` event can carry and the sensor raises again, by class name (never an arbitrary import path).
_REBUILDABLE: dict[str, type[Exception]] = {
    name: value
    for name, value in vars(_exceptions).items()
    if isinstance(value, type) and issubclass(value, (GenomicsApiError, InvalidInputError))
}
_REBUILDABLE["AirflowNotFoundException"] = AirflowNotFoundException
_FIELDS = frozenset({"status", "code", "request_id", "method", "path", "note", "outcome_unknown", "more_info"})


@contextmanager
def failing_fast() -> Iterator[None]:
    """Raise a 401 or 403 met while waiting as its non-retryable twin (see ``fail_fast_while_waiting``).

    Wraps every poke and every trigger poll, so both modes fail alike: at once, without retries.

    :return: A context manager.
    :raises CredentialRejectedError: Instead of an :class:`~genomics_provider.exceptions.UnauthorizedError`.
    :raises AccessRejectedError: Instead of a :class:`~genomics_provider.exceptions.ForbiddenError`.
    """
    try:
        yield
    except GenomicsApiError as exc:
        twin = fail_fast_while_waiting(exc)
        if twin is exc:
            raise
        raise twin from exc.__cause__


def error_event(exc: BaseException, what: str) -> dict[str, Any]:
    """Build the ``error`` event of a poll that raised, carrying what the sensor needs to raise the same error.

    :param exc: What the poll raised (after :func:`failing_fast`).
    :param what: What failed, e.g. ``polling 3 One Codex samples failed``.
    :return: ``{"status": "error", "message": ..., "error": {"type", "message", "fields"}}``; ``error`` only for
        this provider's exceptions and a missing connection, which the sensor rebuilds.
    """
    event: dict[str, Any] = {"status": "error", "message": f"{what}: {type(exc).__name__}: {exc}"}
    if _REBUILDABLE.get(type(exc).__name__) is not type(exc):
        return event
    if isinstance(exc, GenomicsApiError):
        event["error"] = {"type": type(exc).__name__, "message": exc.message, "fields": exc.fields()}
    else:
        event["error"] = {"type": type(exc).__name__, "message": str(exc), "fields": {}}
    return event


def error_from_event(event: dict[str, Any]) -> Exception:
    """Rebuild the exception an ``error`` event describes: the same type, text and retry behaviour as poke mode.

    :param event: An ``error`` event.
    :return: The provider's exception again (an :class:`~airflow.sdk.exceptions.AirflowFailException` subclass
        when it was one), or a retryable ``AirflowException`` with the event's message for anything else (an event
        from an older trigger, an unexpected error).
    """
    message = str(event.get("message") or "no message")
    detail = event.get("error")
    if not isinstance(detail, dict):
        return AirflowException(message)
    cls = _REBUILDABLE.get(str(detail.get("type")))
    text = str(detail.get("message") or message)
    given = detail.get("fields")
    fields: dict[str, Any] = given if isinstance(given, dict) else {}
    if cls is None:
        return AirflowException(message)
    try:
        if issubclass(cls, GenomicsApiError):
            return cls(text, **{key: value for key, value in fields.items() if key in _FIELDS})
        return cls(text)
    except TypeError:
        return AirflowException(message)
