"""The polling loop every trigger of this provider shares, and its events.

Every trigger yields exactly one :class:`~airflow.triggers.base.TriggerEvent` whose payload is one of::

    {"status": "success", <ids key>: [...]}
    {"status": "failed", "message": str, "failed": {id: status}}   # the condition can never be met
    {"status": "error", "message": str, "error": {...}}             # a request or an argument failed

``error`` (:func:`error_event`) names this provider's exception and its fields, so the sensor raises it again
(:func:`error_from_event`): the same type, text and retry behaviour as in poke mode. Both modes wrap each check in
:func:`failing_fast`, so a rejected credential (401) or permission (403) fails at once, without retries.

:class:`GenomicsPollingTrigger` owns the loop: validate the arguments, resolve the connection on the event loop
(:meth:`~genomics_provider.hooks.base.GenomicsRestHook.aprepare`, before any worker thread exists: Airflow 3.1's
trigger comms break when a second thread messages the supervisor), then call the vendor's :meth:`check` every
``poll_interval`` until it returns an event. A vendor check reads through the synchronous hook in a worker thread
(``asyncio.to_thread``), so the provider's one retry and rate-limit policy applies unchanged, and decides with the
vendor's ``status`` module; :meth:`GenomicsPollingTrigger.event_for` turns that
:class:`~genomics_provider.curation.waiting.WaitVerdict` into the event, logging what the sensor's poke logs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, TypeVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from genomics_provider import exceptions as _exceptions
from genomics_provider._compat import AirflowException, AirflowNotFoundException
from genomics_provider.curation.waiting import WaitVerdict
from genomics_provider.exceptions import GenomicsApiError, InvalidInputError, fail_fast_while_waiting
from genomics_provider.hooks.base import GenomicsRestHook

__all__ = ["GenomicsPollingTrigger", "conn_id_attribute", "error_event", "error_from_event", "failing_fast"]

HookT = TypeVar("HookT", bound=GenomicsRestHook)
ArgsT = TypeVar("ArgsT")

#: Errors an ``error`` event can carry and the sensor raises again, by class name (never an arbitrary import path).
_REBUILDABLE: dict[str, type[Exception]] = {
    name: value
    for name, value in vars(_exceptions).items()
    if isinstance(value, type) and issubclass(value, (GenomicsApiError, InvalidInputError))
}
_REBUILDABLE["AirflowNotFoundException"] = AirflowNotFoundException
_FIELDS = frozenset({"status", "code", "request_id", "method", "path", "note", "outcome_unknown", "more_info"})


def conn_id_attribute(hook_class: type[GenomicsRestHook]) -> str:
    """Name the argument and attribute that hold a vendor hook's connection id (its ``conn_name_attr``).

    :param hook_class: The vendor hook class.
    :return: E.g. ``onecodex_conn_id``.
    """
    return hook_class.conn_name_attr


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


class GenomicsPollingTrigger(BaseTrigger, Generic[HookT, ArgsT]):
    """Poll with a vendor hook until :meth:`check` returns an event; yield that one event.

    Subclasses set :attr:`hook_class` and :attr:`event_ids_key`, keep their connection id in the attribute the hook
    names (``hook_class.conn_name_attr``, e.g. ``onecodex_conn_id``) and implement :meth:`arguments`,
    :meth:`checked_args`, :meth:`verdict` (or :meth:`check` itself) and :meth:`failure_subject`. Any exception
    (after :func:`failing_fast`) becomes an ``error`` event (:func:`error_event`); the hook is closed in every case.

    :param poll_interval: Seconds between polls.
    """

    #: The vendor hook polled; its ``conn_name_attr`` names the attribute holding the connection id.
    hook_class: type[HookT]
    #: Key of the id list in the success event (the sensor's ``event_ids_key``).
    event_ids_key: ClassVar[str] = "ids"

    def __init__(self, *, poll_interval: float) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # airflow-core's BaseTrigger is untyped
        self.poll_interval = float(poll_interval)

    def _conn_id(self) -> str:
        conn_id: str = getattr(self, self.hook_class.conn_name_attr)
        return conn_id

    def arguments(self) -> dict[str, Any]:
        """Return the vendor's JSON-safe constructor arguments, without the connection id and ``poll_interval``.

        :return: The arguments, in constructor order.
        :raises NotImplementedError: Always; subclasses implement this.
        """
        raise NotImplementedError

    def checked_args(self) -> ArgsT:
        """Validate the arguments before any request.

        :return: What :meth:`check` needs on every poll.
        :raises NotImplementedError: Always; subclasses implement this.
        """
        raise NotImplementedError

    async def verdict(self, hook: HookT, args: ArgsT) -> WaitVerdict:
        """Poll once: read through the hook in a worker thread and decide with the vendor's ``status`` module.

        :param hook: The prepared hook.
        :param args: What :meth:`checked_args` returned.
        :return: The vendor's decision.
        :raises NotImplementedError: Always; subclasses implement this.
        """
        raise NotImplementedError

    async def check(self, hook: HookT, args: ArgsT) -> dict[str, Any] | str:
        """Poll once (:meth:`verdict`) and turn the decision into an event (:meth:`event_for`).

        :param hook: The prepared hook.
        :param args: What :meth:`checked_args` returned.
        :return: The event payload to fire, or what is still awaited (logged before the next poll).
        """
        return self.event_for(await self.verdict(hook, args))

    def event_for(self, verdict: WaitVerdict) -> dict[str, Any] | str:
        """Log a verdict as the sensor's poke does, and build its event.

        :param verdict: The vendor's decision.
        :return: ``{"status": "success", <event_ids_key>: ids}``, ``{"status": "failed", "message", "failed"}``,
            or the message of a ``waiting`` verdict (the polling loop logs it before the next poll).
        """
        for warning in verdict.warnings:
            self.log.warning("%s", warning)
        if verdict.state == "waiting":
            return verdict.message
        self.log.info("%s", verdict.message)
        if verdict.state == "failed":
            return {"status": "failed", "message": verdict.message, "failed": dict(verdict.failed)}
        return {"status": "success", self.event_ids_key: list(verdict.ids)}

    def failure_subject(self) -> str:
        """Say what failed, for the ``error`` event's message.

        :return: E.g. ``polling 3 One Codex samples failed``.
        :raises NotImplementedError: Always; subclasses implement this.
        """
        raise NotImplementedError

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and JSON-safe keyword arguments that rebuild this trigger.

        :return: ``(classpath, kwargs)``: the vendor's arguments, the connection id, then ``poll_interval``.
        """
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                **self.arguments(),
                self.hook_class.conn_name_attr: self._conn_id(),
                "poll_interval": self.poll_interval,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until :meth:`check` decides, or a request or an argument fails; yield one event.

        :return: An async iterator yielding exactly one event.
        """
        yield TriggerEvent(await self._wait())  # type: ignore[no-untyped-call]

    async def _wait(self) -> dict[str, Any]:
        hook = self.hook_class.for_owner(self)
        try:
            with failing_fast():
                args = self.checked_args()
                await hook.aprepare()
                while True:
                    found = await self.check(hook, args)
                    if isinstance(found, dict):
                        return found
                    self.log.info("%s; next poll in %g s", found, self.poll_interval)
                    await asyncio.sleep(self.poll_interval)
        except Exception as exc:
            event = error_event(exc, self.failure_subject())
            self.log.warning("%s", event["message"])
            return event
        finally:
            hook.close()
