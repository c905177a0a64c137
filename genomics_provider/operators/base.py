"""The base of every curation operator, and what they all do, said once.

Every operator validates its arguments before any request (at parse time when they are literal, after rendering
otherwise), reads the items' current state, plans the difference (the vendor's ``plan`` module), logs the plan as a
before → after table, writes only the items that differ with only what differs, and returns a small summary
(:class:`~genomics_provider.curation.outcome.Summary`), with the same keys for both vendors::

    {"changed": [ids], "unchanged": [ids], "skipped": {id: reason}, "failed": {id: reason}, "dry_run": bool}

``skipped`` holds the items selected but left alone on purpose, with why (a Seven Bridges folder); it is empty when
the vendor has no such items (One Codex).

Running an operator twice sends no write the second time. One item failing does not stop the others; the task fails
at the end naming every failed item and what was and was not done (:func:`raise_for_failures`), and an Airflow retry
redoes only what still differs. ``dry_run=True`` logs the plan and writes nothing.

**Writes are verified** (``verify_writes=True``, the default), and any number of these operators, in any processes,
may write the same items at once without losing each other's changes: a write is sent at most ``max_read_age`` after
the read it was planned from, and every item whose replaced-whole field (a tag list, a metadata dict) was written is
re-read, 100 per call, once it has been quiet for V; one where another writer dropped our change is written again
from the state just read. A write whose outcome is unknown (connection dropped, read timeout, 500/502/504) is never
re-sent blindly; a re-read decides. The bounds, the rules and the argument are in the README ("Many workers, one
key") and :mod:`genomics_provider.curation.reconcile`. ``verify_writes=False`` saves those re-reads, and gives up the
guarantee, when nothing else writes the items.

The argument checks live in :mod:`genomics_provider.curation.arguments`, the plan table and the summary in
:mod:`genomics_provider.curation.outcome`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence, Sized
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from airflow.sdk import BaseOperator

from genomics_provider._compat import AirflowException, AirflowFailException
from genomics_provider.curation.arguments import check_if_literal, check_selection, coerce_bool, parse_id_list
from genomics_provider.curation.outcome import LONGEST_REASON_CHARS, SHOWN_ITEMS, Outcome, Summary, clip, first_reasons
from genomics_provider.curation.reconcile import Writer, reconcile
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.base import GenomicsRestHook

if TYPE_CHECKING:
    from airflow.sdk import Context

__all__ = ["CONFLICT_NOTE", "LOG_CHUNK", "GenomicsCurationOperator", "raise_for_failures"]

_LOG = logging.getLogger(__name__)
#: Failed items per log record when a failure message is capped and the full list goes to the task log.
LOG_CHUNK = 500

#: Why a task whose items met a conflicting ask is not retried.
CONFLICT_NOTE = (
    "{count} {noun} met a conflicting ask, so this task is not retried: a retry would overwrite the other writer's "
    "change without telling anyone"
)

HookT = TypeVar("HookT", bound=GenomicsRestHook)
QueryT = TypeVar("QueryT")
ChangeT = TypeVar("ChangeT")


class GenomicsCurationOperator(BaseOperator, Generic[HookT, QueryT]):
    """The hook, the flags, the selection, the link and the end of a run, for both vendors' operators.

    A vendor's base subclass names its hook, its link and its items, takes its ``<vendor>_conn_id`` argument and,
    when it selects items, the ids-or-query pair; what the operators do is in the module notes
    (:mod:`genomics_provider.operators.base`).

    :param dry_run: Optional. Log the plan as a before → after table and write nothing (templated).
    :param verify_writes: Optional. Re-read what was written (100 items per call) and write again what another
        writer's replace dropped (default ``True``); ``False`` saves those reads when nothing else writes the items.
    """

    #: The vendor's hook; its ``conn_name_attr`` (e.g. ``onecodex_conn_id``) names the operator's connection-id
    #: argument and attribute too.
    hook_class: ClassVar[type[GenomicsRestHook]]
    #: What the items are, plural, in messages (``samples``, ``files``).
    noun: ClassVar[str]
    #: The XCom key the operator's extra link reads its URL from.
    link_xcom_key: ClassVar[str]
    #: The two ways to select items, ``(ids argument, query argument)``; only for operators over a selection.
    selection_arguments: ClassVar[tuple[str, str]]
    #: What a valid id looks like, and the rule as said in messages.
    id_pattern: ClassVar[re.Pattern[str]]
    id_rule: ClassVar[str]

    def __init__(self, *, dry_run: Any = False, verify_writes: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.verify_writes = coerce_bool(verify_writes, argument="verify_writes")
        # BaseOperator already has a dry_run() method; the argument is stored under another name.
        self.is_dry_run = dry_run

    @cached_property
    def hook(self) -> HookT:
        """The vendor's hook, created on first use inside ``execute``."""
        return cast(HookT, self.hook_class.for_owner(self))

    def _check_if_literal(self, check: Callable[[], object], *values: Any) -> None:
        """Run ``check`` now, at parse time, unless a value is a template or XComArg (``execute`` checks those).

        :param check: The check; it raises :class:`InvalidInputError` on bad input.
        :param values: The arguments it reads.
        """
        check_if_literal(check, *values)

    def _dry_run_flag(self) -> bool:
        """Return the rendered ``dry_run`` argument as a bool.

        :return: Whether to write nothing.
        :raises InvalidInputError: When it is not a boolean.
        """
        return coerce_bool(self.is_dry_run, argument="dry_run")

    def _checked_request(self) -> Any:
        """Check the arguments saying what to change; every operator implements this (run at parse time when literal).

        :return: The checked request, in the form the operator's ``execute`` uses.
        :raises InvalidInputError: On bad input.
        """
        raise NotImplementedError

    def _checked_selection(self) -> tuple[list[str] | None, QueryT | None]:
        """Check the selection: exactly one of the ids and the query (see :attr:`selection_arguments`).

        :return: ``(ids, None)`` or ``(None, query)``.
        :raises InvalidInputError: When neither or both are given, or either is invalid.
        """
        ids_arg, query_arg = self.selection_arguments
        ids, query = getattr(self, ids_arg), getattr(self, query_arg)
        check_selection(ids, query, ids_arg=ids_arg, query_arg=query_arg)
        if ids is not None:
            return parse_id_list(ids, argument=ids_arg, pattern=self.id_pattern, rule=self.id_rule), None
        return None, self._checked_query(query)

    def _checked_query(self, query: Any) -> QueryT:
        """Check the vendor's query argument; vendor bases that select items implement this.

        :param query: The rendered query argument (not ``None``).
        :return: The checked query.
        :raises InvalidInputError: When it is invalid.
        """
        raise NotImplementedError

    def _reconcile(
        self,
        writer: Writer[ChangeT],
        changes: Sequence[ChangeT],
        item_id: Callable[[ChangeT], str],
        outcome: Outcome,
        read_at: float | None = None,
    ) -> None:
        """Write the changes and verify them with this connection's bounds (:mod:`genomics_provider.curation`).

        :param writer: The vendor writer.
        :param changes: The planned changes.
        :param item_id: The item id of a change.
        :param outcome: Where the results go.
        :param read_at: Optional. The hook's clock just before the read the changes were planned from.
        """
        reconcile(
            writer, changes, item_id, outcome, self.log, read_at=read_at,
            verify_delay=self.hook.verify_delay, pause=self.hook.pause, verify=self.verify_writes,
        )  # fmt: skip

    def _counts(self, outcome: Outcome) -> str:
        """Say how many items ended each way.

        :param outcome: The results.
        :return: The counts, e.g. ``3 changed, 1 unchanged, 0 skipped, 0 failed``.
        """
        kinds: dict[str, Sized] = {
            "changed": outcome.changed,
            "unchanged": outcome.unchanged,
            "skipped": outcome.skipped,
            "failed": outcome.failed,
        }
        return ", ".join(f"{len(items)} {kind}" for kind, items in kinds.items())

    def _finish(self, context: Context, outcome: Outcome, dry_run: bool, link_target: Any, note: str = "") -> Summary:
        """End the run: push the link, log the counts, and return the summary or fail the task.

        :param context: The Airflow task context.
        :param outcome: The results.
        :param dry_run: Whether nothing was written.
        :param link_target: What the link points at (see :meth:`_link_url`).
        :param note: Optional. A sentence appended to the failure message.
        :return: The summary (also the XCom return value; pushed to XCom key ``summary`` too when any item failed).
        :raises AirflowException: When any item failed (see :func:`raise_for_failures`).
        """
        self._push_link(context, link_target)
        summary = outcome.summary(dry_run=dry_run)
        self.log.info("%s: %s", "Dry run" if dry_run else "Done", self._counts(outcome))
        if outcome.failed:
            context["ti"].xcom_push(key="summary", value=summary)
        raise_for_failures(outcome, noun=self.noun, note=note)
        return summary

    def _link_url(self, target: Any) -> str | None:
        """Return the web URL the extra link opens; vendor bases implement this.

        :param target: What the link points at, as the operator gave it to :meth:`_finish`.
        :return: The URL, or ``None`` for no link.
        :raises InvalidInputError: When no URL can be built (then there is no link either).
        """
        raise NotImplementedError

    def _push_link(self, context: Context, target: Any) -> None:
        try:
            url = self._link_url(target)
        except InvalidInputError:
            return
        if url is not None:
            context["ti"].xcom_push(key=self.link_xcom_key, value=url)


def raise_for_failures(
    outcome: Outcome, *, noun: str, note: str = "", log: logging.Logger | logging.LoggerAdapter[Any] | None = None
) -> None:
    """Fail the task after all items were processed, naming the failed items and why, in a message of bounded size.

    While the list fits :data:`~genomics_provider.curation.outcome.TEXT_BUDGET`, every failure is named, in the
    order it happened. Beyond that the message names the first
    :data:`~genomics_provider.curation.outcome.SHOWN_ITEMS` by id (reasons cut) with exact counts, and every failed
    item with its whole reason goes to the task log.

    :param outcome: The collected results.
    :param noun: What the items are, plural (``samples``, ``files``).
    :param note: Optional. A sentence appended to the message (e.g. why the run stopped early).
    :param log: Optional. Where the full list goes when the message is capped (default: this module's logger).
    :raises AirflowException: When any item failed (retryable: a retry redoes only what still differs).
    :raises AirflowFailException: When another writer undid a change on purpose (``outcome.conflicted``): not
        retried, since the retry would silently overwrite that writer's change.
    """
    if not outcome.failed:
        return
    failed = len(outcome.failed)
    head = (
        f"{failed} of {outcome.total} {noun} failed ({len(outcome.changed)} changed, "
        f"{len(outcome.unchanged)} already as asked"
    )
    notes = [note] if note else []
    if outcome.conflicted:
        notes.append(CONFLICT_NOTE.format(count=len(outcome.conflicted), noun=noun))
    tail = "".join(f". {text}" for text in notes)
    error = AirflowFailException if outcome.conflicted else AirflowException
    if not Outcome(failed=outcome.failed).too_big():
        lines = "; ".join(f"{item}: {clip(reason, LONGEST_REASON_CHARS)}" for item, reason in outcome.failed.items())
        raise error(f"{head}): {lines}{tail}")
    _log_every_failure(outcome.failed, noun, log or _LOG)
    lines = "; ".join(f"{item}: {reason}" for item, reason in first_reasons(outcome.failed).items())
    if failed <= SHOWN_ITEMS:  # over the budget only through long reasons: every item is named, its reason cut
        raise error(f"{head}; their reasons are cut, every one is whole in the task log): {lines}{tail}")
    raise error(
        f"{head}; the first {SHOWN_ITEMS} by id are shown, every one is in the task log): {lines}; "
        f"and {failed - SHOWN_ITEMS} more{tail}"
    )


def _log_every_failure(failed: Mapping[str, str], noun: str, log: logging.Logger | logging.LoggerAdapter[Any]) -> None:
    # One record per LOG_CHUNK items: a record per item makes 100,000 failures cost seconds of logging.
    items = sorted(failed)
    log.error("%d %s failed; every one of them, by id:", len(items), noun)
    for start in range(0, len(items), LOG_CHUNK):
        chunk = items[start : start + LOG_CHUNK]
        log.error("failed %s:\n%s", noun, "\n".join(f"{item}: {failed[item]}" for item in chunk))
