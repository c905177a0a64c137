"""Write, then verify once the item is quiet: how any number of our writers keep each other's changes.

Neither One Codex nor Seven Bridges offers ETags, ``If-Match`` or idempotency keys, and both replace a tag list (and
One Codex's ``custom`` metadata, and Seven Bridges metadata in a bulk update) whole. So a writer can only *read,
modify, write*, and two writers on the same item can drop each other's change: a write whose body was computed from
a read taken before another writer's change landed ("a stale write") replaces that change.

**The rules every writer of this provider follows.** Three bounds, read from the connection (see
:class:`~genomics_provider.hooks.base.GenomicsRestHook`):

* **S** (``max_read_age``, default 2 s): a write is sent at most S after the read its body was computed from was
  sent. The vendor writers read a small chunk just before writing it (One Codex: 10 samples with one ``$in`` list
  call; Seven Bridges: the page just listed), and the transport refuses to send once S has passed (pacing, a 429 or
  a retry can push a send late): :class:`~genomics_provider.exceptions.StaleReadError`, and the writer reads again.
* **T** (``write_timeout``, default 10 s): the longest a write may take, connecting and answering together. We
  assume the service applies a write within T of its sending, or never.
* **V** = S + T + a margin: a written item is re-read no earlier than V after its write was answered, and counts as
  done only when that re-read shows it as asked **and** the written field (tags, ``custom``, file tags and metadata)
  exactly as our write's answer showed it — nobody wrote that field in between. If someone did, the item is read
  again V later, and so on, until it is quiet. If our change is gone, it is written again from the state just read.
  Each re-read waits a random extra delay (up to :data:`BACKOFF_S` after the first round, doubling each round), so
  writers that wrote the same items in step spread out and their corrections stop replacing each other.

**Why no non-conflicting change is lost.** Say our write landed at time *a* and our re-read, sent at *v* ≥ *a* + V,
finds the field unchanged since *a*: the state was constant over [*a*, *v*], with our change in it. Take the first
write after *v* that drops our change. Its body came from a read that did not contain our change, so that read was
taken before *a* (from *a* on, until that first drop, the state contains our change). By rule S and T it then
landed before *a* + S + T < *v*: not after *v*. So no write of ours can drop the change once the re-read has
confirmed it; a drop before *v* is seen by the re-read and repaired. Every duration is measured by one process on its
own monotonic clock, so machines need not agree on the time. The argument assumes every writer of these items uses
this provider with bounds no larger than ours (the defaults), and that the field does not go away and come back to
exactly the same value between two reads (an A-B-A change); another program's writes are outside it.

**Conflicting asks** (one writer adds a tag another removes, or two writers set one key to different values) end
with a failed task naming the items, never with a silent last-writer-wins: how a re-read tells a deliberate undo
from a stale write is in :mod:`genomics_provider.curation.conflict`.

**Honest summaries.** An item is reported ``changed`` only once a re-read confirmed it (or, for a write that
replaces nothing but scalar fields, the write's answer showed it); one still not as asked after the bounded rounds,
or still changing after :data:`MAX_VERIFY_READS` re-reads, fails and is named.

**Cost.** One re-read per 100 written items, a second one only for items another writer changed meanwhile, and the
wait V after the run's last write (12.5 s with the defaults) before the last re-read.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NotRequired, Protocol, Required, TypedDict, Unpack

from genomics_provider.curation.conflict import ChangeT, Recheck, conflict, fingerprint
from genomics_provider.curation.outcome import Outcome
from genomics_provider.curation.rounds import (
    MAX_CONSECUTIVE_FAILURES,
    STALE_HINT,
    FailureStreak,
    RoundResult,
    is_definitive,
)
from genomics_provider.exceptions import GenomicsApiError

# The round bookkeeping (``rounds``) and conflict detection (``conflict``) are re-exported: the engine's names have
# always been importable from here.
__all__ = [
    "BACKOFF_S",
    "MAX_CONSECUTIVE_FAILURES",
    "MAX_VERIFY_READS",
    "MAX_WRITE_ROUNDS",
    "STALE_HINT",
    "FailureStreak",
    "Recheck",
    "ReconcileSettings",
    "Reconciler",
    "RoundResult",
    "Writer",
    "conflict",
    "fingerprint",
    "is_definitive",
    "reconcile",
]

#: Write rounds per item: the first write plus four corrections.
MAX_WRITE_ROUNDS = 5
#: Seconds of random delay added to a re-read after an item's first write round, doubling each round: writers that
#: wrote the same items in step spread out, so their corrections stop replacing each other (randomised backoff).
BACKOFF_S = 1.0
#: Re-reads per written item while it waits to be quiet (another writer keeps changing it).
MAX_VERIFY_READS = 20


class Writer(Protocol[ChangeT]):
    """What an operator provides to :class:`Reconciler`: how to write changes and how to re-read and re-plan items."""

    def write(self, changes: Sequence[ChangeT], result: RoundResult, *, read_at: float | None) -> None:
        """Send the changes within S of the read they were planned from; record each item's fate in ``result``.

        Never raises :class:`GenomicsApiError`. A writer whose changes are older than S (``read_at`` too far back,
        or pacing pushed a send past it) reads the items again and re-plans before sending.

        :param changes: The changes of this round.
        :param result: Where to record what happened.
        :param read_at: The hook's clock just before the read the changes were planned from was sent (``None``:
            unknown, so read again before writing).
        """

    def recheck(self, item_ids: Sequence[str]) -> Recheck[ChangeT]:
        """Re-read items in bulk and plan them again with the same request.

        :param item_ids: The items to re-read (at most 100).
        :return: What is done and what still differs, with fingerprints.
        :raises GenomicsApiError: When the re-read itself fails.
        """
        ...


@dataclass
class _Watch:
    """A written item waiting to be verified.

    :param stamp: Fingerprint of its field as last seen (our write's answer, or the last re-read).
    :param since: ``time.monotonic()`` after which that state was seen; re-read it no earlier than ``since + V``.
    :param quiet_check: Whether a re-read must find the field unchanged since ``stamp`` (``False``: as asked is
        enough, for an unverified run's unknown outcomes).
    :param reads: Re-reads so far.
    """

    stamp: str | None
    since: float
    quiet_check: bool
    reads: int = 0


class Reconciler(Generic[ChangeT]):
    """Write changes as they are planned and verify them at the end, once each item has been quiet for V.

    An operator calls :meth:`write` for each chunk or page it plans, then :meth:`finish` once: the re-reads come
    after every write of the run, 100 items per call, each no earlier than V after its write was answered.

    :param writer: The operator's writer.
    :param item_id: The item id of a change.
    :param outcome: Where the results go.
    :param log: The task logger.
    :param verify_delay: V in seconds (the hook's ``verify_delay``).
    :param pause: Waits this many seconds (the hook's ``pause``, which tests replace).
    :param verify: Optional. Re-read written items (default); ``False`` trusts each write's 2xx instead, which saves
        ⌈written/100⌉ reads and the wait V but cannot notice another writer's replace. Writes whose outcome is
        unknown are re-read either way, V after they were sent, once they can no longer land.
    :param streak: Optional. The run's count of writes failed in a row (a fresh one by default).
    :param chunk: Optional. Re-read this many items per call (default 100).
    """

    def __init__(
        self,
        writer: Writer[ChangeT],
        item_id: Callable[[ChangeT], str],
        outcome: Outcome,
        log: Any,
        *,
        verify_delay: float,
        pause: Callable[[float], None],
        verify: bool = True,
        streak: FailureStreak | None = None,
        chunk: int = 100,
    ) -> None:
        self.writer, self.item_id, self.outcome, self.log = writer, item_id, outcome, log
        self.verify_delay, self.pause, self.verify, self.chunk = verify_delay, pause, verify, chunk
        self.streak = streak if streak is not None else FailureStreak()
        self.errors: dict[str, str] = {}
        self.rounds: dict[str, int] = {}
        #: Written items (or with an unknown outcome) not verified yet, oldest first.
        self.watching: dict[str, _Watch] = {}
        self._done: set[str] = set()
        self._order: list[str] = []

    def write(self, changes: Sequence[ChangeT], *, read_at: float | None = None) -> None:
        """Send the first write round for these changes; their re-reads wait for :meth:`finish`.

        :param changes: The planned changes.
        :param read_at: Optional. The hook's clock just before the read they were planned from was sent.
        """
        self._order.extend(self.item_id(change) for change in changes)
        self._round(changes, read_at)

    def finish(self) -> None:
        """Verify what was written, write again what differs, and record every item's outcome.

        Adds each item to ``outcome.changed`` (in the order first written) once verified, or to ``outcome.failed``
        with what was done and what was not.
        """
        while self.watching:
            batch = list(self.watching)[: self.chunk]
            due = max(self.watching[key].since for key in batch) + self.verify_delay + self._backoff(batch)
            self.pause(due - time.monotonic())
            self._check(batch)
        order = dict.fromkeys(self._order)
        self.outcome.changed.extend(key for key in order if key in self._done)
        self._order = []

    def _backoff(self, batch: list[str]) -> float:
        """Pick a random extra delay for re-reading a batch: up to 1 s after the first round, doubling each round.

        :param batch: The items about to be re-read.
        :return: Seconds to add to V.
        """
        rounds = max(self.rounds.get(key, 1) for key in batch)
        return random.uniform(0.0, BACKOFF_S * 2 ** (rounds - 1))  # noqa: S311 - jitter, not a secret

    def _round(self, changes: Sequence[ChangeT], read_at: float | None) -> None:
        if not changes:
            return
        for change in changes:
            key = self.item_id(change)
            self.rounds[key] = self.rounds.get(key, 0) + 1
        result = RoundResult(verify=self.verify, streak=self.streak)
        self.writer.write(changes, result, read_at=read_at)
        answered = time.monotonic()
        for key in result.recheck:
            self.errors.pop(key, None)
            self._watch(key, result.stamps.get(key), answered, quiet_check=self.verify)
        self.errors.update(result.errors)
        self._done.update(result.confirmed)
        for key in result.already:
            if self.rounds[key] == 1:
                self.outcome.unchanged.append(key)  # someone else made it so; that writer verifies it
            else:
                self._watch(key, None, answered, quiet_check=self.verify)
        self.outcome.failed.update(result.refused)
        stop_reason = f"not sent: the service failed {MAX_CONSECUTIVE_FAILURES} writes in a row ({result.last_error})"
        self.outcome.failed.update(dict.fromkeys(result.not_sent, stop_reason))

    def _watch(self, key: str, stamp: str | None, since: float, *, quiet_check: bool, reads: int = 0) -> None:
        self.watching.pop(key, None)  # re-inserted at the end: the queue stays ordered by ``since``
        self.watching[key] = _Watch(stamp, since, quiet_check, reads)

    def _check(self, batch: list[str]) -> None:
        try:
            check = self.writer.recheck(batch)
        except GenomicsApiError as exc:
            for key in batch:
                self.watching.pop(key)
                # An item whose last write failed keeps that error: it was not "sent" as far as we know.
                last = self.errors.get(key)
                self.outcome.failed[key] = (
                    f"{last}; re-reading it to check failed too, so its state is unknown: {exc}"
                    if last
                    else f"sent, but re-reading it to confirm failed, so its state is unknown: {exc}"
                )
            return
        seen = time.monotonic()
        before = {key: self.watching[key] for key in batch}
        for key, reason in check.failed.items():
            self.watching.pop(key, None)
            self.outcome.failed[key] = reason
        for key in check.done:
            if key in check.stamps:
                self._settle_done(key, check.stamps[key], seen)
            elif self.watching.pop(key, None) is not None:
                self._done.add(key)  # a write that replaces nothing (a rename): as asked is enough
        retry = [change for change in check.changes if self._may_write_again(self.item_id(change), check.conflicts)]
        if retry:
            self.log.warning(
                "%d item(s) differ from what was asked (another writer replaced them, or the write did not land); "
                "writing them again from the state just read",
                len(retry),
            )
            self._round(retry, check.read_at)
        for key, watch in before.items():
            if self.watching.get(key) is watch:  # the re-read did not say anything about it
                self.watching.pop(key)
                self.outcome.failed[key] = "sent, but the re-read did not return it, so its state is unknown"

    def _settle_done(self, key: str, stamp: str | None, seen: float) -> None:
        """Count a re-read item that is as asked as done if it has been quiet since last seen, or watch it again.

        :param key: The item.
        :param stamp: Fingerprint of its written field in this re-read.
        :param seen: When this re-read's answer arrived.
        """
        watch = self.watching.pop(key, None)
        if watch is None:
            return
        if not watch.quiet_check or (watch.stamp is not None and stamp == watch.stamp):
            self._done.add(key)
        elif watch.reads + 1 >= MAX_VERIFY_READS:
            self.outcome.failed[key] = (
                f"as asked at the last re-read, but another writer changed it again before each of {MAX_VERIFY_READS} "
                "re-reads, so it could not be confirmed; a retry checks it again"
            )
        else:
            self._watch(key, stamp, seen, quiet_check=True, reads=watch.reads + 1)

    def _may_write_again(self, key: str, conflicts: Mapping[str, str]) -> bool:
        self.watching.pop(key, None)
        if key in conflicts:
            self.outcome.conflicted.append(key)
            self.outcome.failed[key] = (
                f"conflicting asks: after our write, another writer {conflicts[key]}; not written again, so that "
                "neither change silently replaces the other (decide which task owns this item, then run that one)"
            )
            return False
        rounds = self.rounds.get(key, 0)
        if rounds < MAX_WRITE_ROUNDS and not self.streak.stopped:
            return True
        stopped = f" (not sent again: the service failed {MAX_CONSECUTIVE_FAILURES} writes in a row)"
        suffix = stopped if rounds < MAX_WRITE_ROUNDS else ""
        last = self.errors.get(key) or "each re-read showed it changed again (another writer is changing it)"
        self.outcome.failed[key] = f"still not as asked after {rounds} write round(s){suffix}; last: {last}"
        return False


class ReconcileSettings(TypedDict):
    """The connection's bounds and the run's choice that :func:`reconcile` hands to :class:`Reconciler`.

    :param verify_delay: V in seconds (the hook's ``verify_delay``).
    :param pause: Waits this many seconds (the hook's ``pause``, which tests replace).
    :param verify: Optional. Re-read written items (default).
    """

    verify_delay: Required[float]
    pause: Required[Callable[[float], None]]
    verify: NotRequired[bool]


def reconcile(
    writer: Writer[ChangeT],
    changes: Sequence[ChangeT],
    item_id: Callable[[ChangeT], str],
    outcome: Outcome,
    log: Any,
    *,
    read_at: float | None = None,
    **settings: Unpack[ReconcileSettings],
) -> None:
    """Write the changes and verify them (see :class:`Reconciler`): one :meth:`~Reconciler.write`, one finish.

    :param writer: The operator's writer.
    :param changes: The planned changes.
    :param item_id: The item id of a change.
    :param outcome: Where the results go.
    :param log: The task logger.
    :param read_at: Optional. The hook's clock just before the read the changes were planned from was sent.
    :param settings: ``verify_delay``, ``pause`` and optionally ``verify``, as :class:`Reconciler` takes them.
    """
    reconciler = Reconciler(writer, item_id, outcome, log, **settings)
    reconciler.write(changes, read_at=read_at)
    reconciler.finish()
