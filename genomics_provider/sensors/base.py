"""The base of the sensors: arguments, the hook, one poke before deferring, and trigger events.

:class:`BaseGenomicsSensor` holds the flow both sensors share: the ``deferrable`` switch and ``poll_interval``
alias, the hook built from the connection id, the parse-time check of literal arguments, what a poke does with the
vendor's decision (a :class:`~genomics_provider.curation.waiting.WaitVerdict`: return, raise and log, as the trigger
logs it), one synchronous poke before deferring, and the mapping of trigger events (see
:mod:`genomics_provider.triggers.base`) in ``execute_complete``. Both modes raise the same exceptions with the same
retry behaviour: each poke runs inside :func:`~genomics_provider.triggers.base.failing_fast`, like each poll of the
trigger, and an ``error`` event is raised again as the exception the trigger met
(:func:`~genomics_provider.triggers.base.error_from_event`).
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from airflow.sdk import BaseSensorOperator, PokeReturnValue

from genomics_provider._compat import AirflowException, AirflowFailException, AirflowSkipException, conf
from genomics_provider.curation.arguments import check_if_literal
from genomics_provider.curation.waiting import WaitVerdict
from genomics_provider.hooks.base import GenomicsRestHook
from genomics_provider.triggers.base import error_from_event, failing_fast

if TYPE_CHECKING:
    from airflow.sdk import Context
    from airflow.triggers.base import BaseTrigger


__all__ = ["BaseGenomicsSensor"]

HookT = TypeVar("HookT", bound=GenomicsRestHook)
ArgsT = TypeVar("ArgsT")


class BaseGenomicsSensor(BaseSensorOperator, Generic[HookT, ArgsT]):
    """Poke until done, or poke once and defer to a trigger; return the ids the trigger or poke found (XCom).

    Subclasses set :attr:`hook_class` and :attr:`event_ids_key`, keep their connection id in the argument the hook
    names (``hook_class.conn_name_attr``, e.g. ``onecodex_conn_id``), call :meth:`check_literal_args` at the end
    of ``__init__``, and implement :meth:`checked_args`, :meth:`verdict` (or :meth:`check` itself, returning a
    :class:`PokeReturnValue` whose ``xcom_value`` is the ids) and :meth:`build_trigger`.

    :param deferrable: Optional. Wait on the triggerer instead of a worker slot (default: ``[operators]
        default_deferrable``, false unless configured).
    :param poll_interval: Optional. Alias of ``poke_interval`` (seconds or a timedelta between checks, in every
        mode); give one of the two.
    :param kwargs: Optional. ``poke_interval``, ``timeout``, ``mode``, ``soft_fail`` and the other
        ``BaseSensorOperator`` arguments.
    :raises ValueError: When both ``poll_interval`` and ``poke_interval`` are given.
    """

    #: Key of the id list in the trigger's success event.
    event_ids_key: ClassVar[str] = "ids"
    #: The vendor hook; its ``conn_name_attr`` names the argument holding the connection id.
    hook_class: type[HookT]

    def __init__(
        self,
        *,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: timedelta | float | None = None,
        **kwargs: Any,
    ) -> None:
        if poll_interval is not None:
            if "poke_interval" in kwargs:
                raise ValueError("give poke_interval or poll_interval, not both: they are the same setting")
            kwargs["poke_interval"] = poll_interval
        super().__init__(**kwargs)
        self.deferrable = deferrable

    @cached_property
    def hook(self) -> HookT:
        """The vendor hook on the sensor's connection, created on first use inside ``execute``."""
        return self.hook_class.for_owner(self)

    def check_literal_args(self, *values: Any) -> None:
        """Validate the arguments at parse time, unless one of them is rendered later (a template or an XComArg).

        :param values: The arguments as given.
        :raises InvalidInputError: When the literal arguments break a rule.
        """
        check_if_literal(self.checked_args, *values)

    def checked_args(self) -> ArgsT:
        """Validate the (rendered) arguments, before any request; subclasses implement this.

        :return: What :meth:`check` needs.
        :raises NotImplementedError: Always, here.
        """
        raise NotImplementedError

    def verdict(self, args: ArgsT) -> WaitVerdict:
        """Read once through the hook and decide with the vendor's ``status`` module; subclasses implement this.

        :param args: What :meth:`checked_args` returned.
        :return: The vendor's decision.
        :raises NotImplementedError: Always, here.
        """
        raise NotImplementedError

    def check(self, args: ArgsT) -> PokeReturnValue:
        """Decide once (:meth:`verdict`) and act on it: log its warnings, then fail, or log and return.

        :param args: What :meth:`checked_args` returned.
        :return: ``is_done`` and, when done, the ids as ``xcom_value``.
        :raises AirflowFailException: On a ``failed`` verdict, with its message (the condition can never be met).
        """
        verdict = self.verdict(args)
        for warning in verdict.warnings:
            self.log.warning("%s", warning)
        if verdict.state == "failed":
            raise AirflowFailException(verdict.message)
        self.log.info("%s", verdict.message)
        if verdict.state == "waiting":
            return PokeReturnValue(is_done=False)
        return PokeReturnValue(is_done=True, xcom_value=list(verdict.ids))

    def poke(self, context: Context) -> PokeReturnValue:
        """Validate the rendered arguments and check once, a 401 or 403 failing at once (:func:`failing_fast`).

        :param context: The Airflow task context.
        :return: ``is_done`` and, when done, the ids as ``xcom_value``.
        :raises CredentialRejectedError: On HTTP 401, and ``AccessRejectedError`` on 403 (no retry: waiting cannot
            fix a rejected connection).
        :raises InvalidInputError: On invalid rendered arguments, before any request.
        :raises AirflowFailException: When the condition can never be met (:meth:`check`).
        """
        with failing_fast():
            return self.check(self.checked_args())

    def build_trigger(self) -> BaseTrigger:
        """Build the trigger that waits in deferrable mode; subclasses implement this.

        :return: The trigger, with the rendered and validated arguments.
        :raises NotImplementedError: Always, here.
        """
        raise NotImplementedError

    def execute(self, context: Context) -> Any:
        """Poke until done (poke or reschedule mode), or poke once and defer (deferrable mode).

        :param context: The Airflow task context.
        :return: The ids, also the XCom return value.
        :raises TaskDeferred: In deferrable mode, when the first poke is not done.
        :raises AirflowFailException: When the condition can never be met, or on invalid input.
        """
        if not self.deferrable:
            return super().execute(context)
        result = self._first_poke(context)
        if result.is_done:
            self.log.info("Success criteria met on the first poke; not deferring")
            return result.xcom_value
        self.defer(
            trigger=self.build_trigger(),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.timeout),
        )

    def _first_poke(self, context: Context) -> PokeReturnValue:
        # Same soft_fail / never_fail handling as BaseSensorOperator.execute gives poke mode.
        try:
            return self.poke(context)
        except AirflowFailException as exc:
            if self.soft_fail or self.never_fail:
                raise AirflowSkipException(
                    f"Skipping ({'soft_fail' if self.soft_fail else 'never_fail'}): {exc}"
                ) from exc
            raise

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> list[str]:
        """Resume after the trigger fired: return the ids on success, fail otherwise.

        :param context: The Airflow task context.
        :param event: The trigger's payload.
        :return: The ids, also the XCom return value.
        :raises AirflowFailException: On a ``failed`` event (the condition can never be met; no retry).
        :raises GenomicsApiError: On an ``error`` event from a failed request: the same error poke mode raises (a
            401 or 403 as its non-retryable twin, see :func:`~genomics_provider.triggers.base.failing_fast`).
        :raises InvalidInputError: On an ``error`` event from an invalid argument or connection (no retry).
        :raises AirflowException: On any other ``error`` event, or a missing or malformed one (retries apply).
        """
        status = event.get("status") if isinstance(event, dict) else None
        if event is None or status not in ("success", "failed", "error"):
            raise AirflowException(f"{self.task_id}: unexpected trigger event {event!r}")
        message = str(event.get("message") or "no message")
        if status == "failed":
            raise AirflowFailException(message)
        if status == "error":
            raise error_from_event(event)
        ids = event.get(self.event_ids_key)
        if not isinstance(ids, list):
            raise AirflowException(f"{self.task_id}: the success event has no {self.event_ids_key!r} list")
        self.log.info("Success criteria met: %d ids", len(ids))
        return [str(item) for item in ids]
