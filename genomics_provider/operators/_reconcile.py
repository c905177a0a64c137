"""Write, re-read, write again what still differs: the bounded verify-after-write loop every operator shares.

Neither One Codex nor Seven Bridges offers ETags, ``If-Match`` or idempotency keys, and both replace a tag list (and
One Codex's ``custom`` metadata, and Seven Bridges metadata in a bulk update) whole. So an operator can only
*read, modify, write*, and two writers working on the same item at the same time can drop each other's change.
This module makes every write checked:

1. **Write** the planned changes. A definitive refusal (4xx) fails that item; any other failure leaves its outcome
   unknown (the transport does not re-send a write that may have been applied).
2. **Re-read** the items that were written or whose outcome is unknown, in bulk (100 per call), and plan again
   with the same request. An item that is now as asked is done; one that differs (another writer's replace dropped
   our change, or our write never landed) is written again from the state just read.
3. Repeat at most :data:`MAX_WRITE_ROUNDS` times; whatever still differs fails, with the reason.

Writes whose response already proves the result and that replace nothing but scalar fields (a rename, a visibility
change) may be confirmed from the response instead of a re-read (:attr:`RoundResult.confirmed`).

**The window that remains** (out of our hands without server support): a writer that read an item before our write
and writes it after our re-read replaces our change and neither of us sees it. The re-read narrows that window from
"anything since our read" to "between our write and our re-read"; it does not close it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from genomics_provider.exceptions import GenomicsApiError
from genomics_provider.operators._common import Outcome

#: Write rounds per item: the first write plus two corrections.
MAX_WRITE_ROUNDS = 3
#: Consecutive writes failing with a transient error after which a round stops sending (the service is down).
MAX_CONSECUTIVE_FAILURES = 5

ChangeT = TypeVar("ChangeT")


def is_definitive(status: Any) -> bool:
    """Tell whether an HTTP status means the request was refused for good (4xx other than 408 and 429).

    :param status: The status of an error response or bulk error item (``None`` when there was no response).
    :return: ``True`` when re-sending cannot help.
    """
    return isinstance(status, int) and 400 <= status < 500 and status not in (408, 429)


@dataclass
class FailureStreak:
    """Writes that failed with a transient error in a row, carried across the pages of one run.

    A run that writes page by page stops once :data:`MAX_CONSECUTIVE_FAILURES` writes in a row failed, whichever
    pages they were on.

    :param count: Failed writes since the last success.
    """

    count: int = 0

    @property
    def stopped(self) -> bool:
        """Whether the run should stop sending: the service failed too many writes in a row."""
        return self.count >= MAX_CONSECUTIVE_FAILURES


@dataclass
class RoundResult:
    """What one round of writes did to each item it was given.

    :param recheck: Items to re-read: written, or outcome unknown, or held back this round.
    :param confirmed: Items whose write response already shows the asked state (no re-read needed).
    :param refused: Items refused for good (not written), with the reason.
    :param errors: The last transient error of each item, used in the final message if it never converges.
    :param not_sent: Items not sent because the round stopped (too many consecutive failures).
    :param failures_in_a_row: Writes that failed with a transient error since the last success.
    :param verify: Re-read items whose write returned 2xx (``False``: trust the 2xx; unknown outcomes are still
        re-read).
    """

    recheck: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    not_sent: list[str] = field(default_factory=list)
    failures_in_a_row: int = 0
    last_error: str = ""
    verify: bool = True

    @property
    def stopped(self) -> bool:
        """Whether this round gave up sending: :data:`MAX_CONSECUTIVE_FAILURES` writes in a row failed."""
        return self.failures_in_a_row >= MAX_CONSECUTIVE_FAILURES

    def sent(self, item_ids: Sequence[str]) -> None:
        """Record items whose write returned 2xx; they are re-read to verify (or trusted, when not verifying).

        :param item_ids: The items.
        """
        (self.recheck if self.verify else self.confirmed).extend(item_ids)
        self.failures_in_a_row = 0

    def mismatch(self, item_ids: Sequence[str], reason: str = "") -> None:
        """Record items whose write returned 2xx but whose response shows another state: re-read even unverified.

        :param item_ids: The items.
        :param reason: Optional. What the response showed, kept as the item's last error.
        """
        self.recheck.extend(item_ids)
        if reason:
            self.errors.update(dict.fromkeys(item_ids, reason))
        self.failures_in_a_row = 0

    def confirm(self, item_ids: Sequence[str]) -> None:
        """Record items whose write response shows exactly the asked state (no re-read needed).

        :param item_ids: The items.
        """
        self.confirmed.extend(item_ids)
        self.failures_in_a_row = 0

    def failed(self, item_ids: Sequence[str], status: Any, text: str, *, request_failed: bool = True) -> None:
        """Record a failed write: refused for good (4xx), or outcome unknown (re-read, maybe written again).

        :param item_ids: The items the failed request (or bulk error item) covered.
        :param status: The HTTP status of the error (``None`` when no response arrived).
        :param text: The reason, as shown to the user.
        :param request_failed: Optional. ``False`` for an error item inside a bulk response that succeeded; such
            items do not count towards stopping the round.
        """
        if is_definitive(status):
            self.refused.update(dict.fromkeys(item_ids, f"not written: {text}"))
            return
        self.recheck.extend(item_ids)
        self.errors.update(dict.fromkeys(item_ids, text))
        self.last_error = text
        if request_failed:
            self.failures_in_a_row += 1

    def hold(self, item_ids: Sequence[str]) -> bool:
        """Hold items back when the round has stopped; call before sending them.

        :param item_ids: The items about to be sent.
        :return: ``True`` when the items were held back (the caller must not send them).
        """
        if not self.stopped:
            return False
        self.not_sent.extend(item_ids)
        return True


@dataclass
class Recheck(Generic[ChangeT]):
    """The state of re-read items, planned again with the same request.

    :param done: Items now as asked.
    :param changes: Items that still differ, with the change to write next.
    :param failed: Items that cannot be written (gone, refused at plan time), with the reason.
    """

    done: list[str] = field(default_factory=list)
    changes: list[ChangeT] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class Writer(Protocol[ChangeT]):
    """What an operator provides to :func:`reconcile`: how to write changes and how to re-read and re-plan items."""

    def write(self, changes: Sequence[ChangeT], result: RoundResult) -> None:
        """Send the changes and record each item's fate in ``result``; never raise :class:`GenomicsApiError`.

        :param changes: The changes of this round.
        :param result: Where to record what happened.
        """

    def recheck(self, item_ids: Sequence[str]) -> Recheck[ChangeT]:
        """Re-read items in bulk and plan them again with the same request.

        :param item_ids: The items to re-read.
        :return: What is done and what still differs.
        :raises GenomicsApiError: When the re-read itself fails.
        """
        ...


class Reconciler(Generic[ChangeT]):
    """Write changes now and verify them later: the first round as items arrive, re-reads and corrections at the end.

    An operator that works page by page calls :meth:`write` for each page and :meth:`finish` once at the end, so the
    re-read of every page comes after all the run's writes: a concurrent writer's replace that lands while the run is
    still writing is caught, not only one landing within a single call of our write. Only ids wait, never changes.

    :param writer: The operator's writer.
    :param item_id: The item id of a change.
    :param outcome: Where the results go.
    :param log: The task logger.
    :param verify: Optional. Re-read written items (default); see :func:`reconcile`.
    :param streak: Optional. The run's count of writes failed in a row (a fresh one by default).
    :param chunk: Optional. Re-read and correct this many items at a time in :meth:`finish` (``None``: all at once).
    """

    def __init__(
        self,
        writer: Writer[ChangeT],
        item_id: Callable[[ChangeT], str],
        outcome: Outcome,
        log: Any,
        *,
        verify: bool = True,
        streak: FailureStreak | None = None,
        chunk: int | None = None,
    ) -> None:
        self.writer, self.item_id, self.outcome, self.log = writer, item_id, outcome, log
        self.verify, self.chunk = verify, chunk
        self.streak = streak if streak is not None else FailureStreak()
        self.done: set[str] = set()
        self.errors: dict[str, str] = {}
        #: Items written (or with an unknown outcome) and not re-read yet, in the order given.
        self.queued: list[str] = []
        self._order: list[str] = []

    def write(self, changes: Sequence[ChangeT]) -> None:
        """Send the first write round for these changes; what must be re-read waits for :meth:`finish`.

        :param changes: The planned changes.
        """
        self._order.extend(self.item_id(change) for change in changes)
        result = self._round(changes)
        self.queued.extend(result.recheck)

    def finish(self) -> None:
        """Re-read what was written, write again what differs (at most 3 write rounds per item), record the outcome.

        Adds each item to ``outcome.changed`` (in the order written) once a re-read or the write response shows it as
        asked, or to ``outcome.failed`` with what was done and what was not.
        """
        size = self.chunk or max(len(self.queued), 1)
        while self.queued:
            batch, self.queued = self.queued[:size], self.queued[size:]
            self._settle(batch)
        order = dict.fromkeys(self._order)
        self.outcome.changed.extend(key for key in order if key in self.done)
        self._order = []

    def _round(self, changes: Sequence[ChangeT]) -> RoundResult:
        result = RoundResult(verify=self.verify, failures_in_a_row=self.streak.count)
        self.writer.write(changes, result)
        self.streak.count = result.failures_in_a_row
        _collect(result, self.errors, self.done, self.outcome)
        return result

    def _settle(self, item_ids: list[str]) -> None:
        rounds = 1
        pending = _verify(self.writer, item_ids, self.done, self.outcome, rounds, self.log)
        while pending and rounds < MAX_WRITE_ROUNDS and not self.streak.stopped:
            rounds += 1
            result = self._round(pending)
            pending = (
                _verify(self.writer, result.recheck, self.done, self.outcome, rounds, self.log)
                if result.recheck
                else []
            )
        stopped = f" (not sent again: the service failed {MAX_CONSECUTIVE_FAILURES} writes in a row)"
        suffix = stopped if pending and rounds < MAX_WRITE_ROUNDS else ""
        for change in pending:
            key = self.item_id(change)
            last = self.errors.get(key) or "each re-read showed it changed again (another writer is changing it)"
            self.outcome.failed[key] = f"still not as asked after {rounds} write round(s){suffix}; last: {last}"


def reconcile(
    writer: Writer[ChangeT],
    changes: Sequence[ChangeT],
    item_id: Callable[[ChangeT], str],
    outcome: Outcome,
    log: Any,
    *,
    verify: bool = True,
) -> None:
    """Write the changes, verify them by re-reading, and write again what still differs, at most 3 rounds.

    A round stops sending after :data:`MAX_CONSECUTIVE_FAILURES` writes in a row fail with a transient error (the
    service is down): the rest are reported as not sent, so a long run against a dead service ends quickly and an
    Airflow retry later redoes only what still differs.

    Adds each item to ``outcome.changed`` (in the order of ``changes``) once a re-read or the write response shows
    it as asked, or to ``outcome.failed`` with what was done and what was not.

    :param writer: The operator's writer.
    :param changes: The planned changes.
    :param item_id: The item id of a change.
    :param outcome: Where the results go.
    :param log: The task logger.
    :param verify: Optional. Re-read written items (default); ``False`` trusts the 2xx of each write instead, which
        saves ⌈written/100⌉ reads but cannot notice another writer's replace. Writes whose outcome is unknown are
        re-read either way.
    """
    reconciler = Reconciler(writer, item_id, outcome, log, verify=verify)
    reconciler.write(changes)
    reconciler.finish()


def _collect(result: RoundResult, errors: dict[str, str], done: set[str], outcome: Outcome) -> None:
    """Fold one round's results into the run's: last errors, confirmed items, refusals, items not sent.

    :param result: The round.
    :param errors: The last transient error per item (updated).
    :param done: Items known to be as asked (updated).
    :param outcome: The task's results (updated).
    """
    for key in result.recheck:
        errors.pop(key, None)
    errors.update(result.errors)
    done.update(result.confirmed)
    outcome.failed.update(result.refused)
    stop_reason = f"not sent: the service failed {MAX_CONSECUTIVE_FAILURES} writes in a row ({result.last_error})"
    outcome.failed.update(dict.fromkeys(result.not_sent, stop_reason))


def _verify(
    writer: Writer[ChangeT],
    item_ids: list[str],
    done: set[str],
    outcome: Outcome,
    attempt: int,
    log: Any,
) -> list[ChangeT]:
    try:
        check = writer.recheck(list(dict.fromkeys(item_ids)))
    except GenomicsApiError as exc:
        for key in item_ids:
            outcome.failed[key] = f"sent, but re-reading it to confirm failed, so its state is unknown: {exc}"
        return []
    done.update(check.done)
    outcome.failed.update(check.failed)
    if check.changes and attempt < MAX_WRITE_ROUNDS:
        log.warning(
            "%d item(s) differ from what was asked after write %d of %d (another writer replaced them, or the "
            "write did not land); writing them again from the state just read",
            len(check.changes),
            attempt,
            MAX_WRITE_ROUNDS,
        )
    return check.changes
