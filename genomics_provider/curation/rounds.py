"""The bookkeeping of one write round: what each item's write did, and the run's count of writes failed in a row.

A vendor writer records every item's fate in a :class:`RoundResult`; the write / verify loop
(:mod:`genomics_provider.curation.reconcile`, which says when items are re-read and why that keeps every change)
turns it into re-reads, corrections and the outcome.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Consecutive writes failing with a transient error after which a round stops sending (the service is down).
MAX_CONSECUTIVE_FAILURES = 5

#: Why an item whose fresh read kept turning too old before its write could go out was not written this round.
STALE_HINT = (
    "; the rate limit on this key leaves more than max_read_age between a read and the next write: raise the "
    "connection's max_read_age, or run fewer tasks on the key at once"
)


def is_definitive(status: Any) -> bool:
    """Tell whether an HTTP status means the request was refused for good (4xx other than 408 and 429).

    :param status: The status of an error response or bulk error item (``None`` when there was no response).
    :return: ``True`` when re-sending cannot help.
    """
    return isinstance(status, int) and 400 <= status < 500 and status not in (408, 429)


@dataclass
class FailureStreak:
    """Writes that failed with a transient error in a row, carried across the pages and rounds of one run.

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
    :param confirmed: Items whose write answer already shows the asked state (no re-read needed).
    :param already: Items the fresh read just before writing showed as asked already (nothing sent).
    :param refused: Items refused for good (not written), with the reason.
    :param errors: The last transient error of each item, used in the final message if it never converges.
    :param not_sent: Items not sent because the round stopped (too many consecutive failures).
    :param stamps: Fingerprint of each written item's field as the write's answer showed it.
    :param streak: The run's writes failed in a row (shared with the caller).
    :param last_error: The round's last transient error, named when the round stops sending.
    :param verify: Re-read items whose write returned 2xx (``False``: trust the 2xx; unknown outcomes are still
        re-read).
    """

    recheck: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    not_sent: list[str] = field(default_factory=list)
    stamps: dict[str, str | None] = field(default_factory=dict)
    streak: FailureStreak = field(default_factory=FailureStreak)
    last_error: str = ""
    verify: bool = True

    def sent(self, item_ids: Sequence[str], stamps: Mapping[str, str | None] | None = None) -> None:
        """Record items whose write returned 2xx; they are re-read to verify (or trusted, when not verifying).

        :param item_ids: The items.
        :param stamps: Optional. Fingerprint of each item's written field in the write's answer.
        """
        (self.recheck if self.verify else self.confirmed).extend(item_ids)
        self.stamps.update(stamps or {})
        self.streak.count = 0

    def mismatch(self, item_ids: Sequence[str], reason: str = "") -> None:
        """Record items whose write returned 2xx but whose answer shows another state: re-read even unverified.

        :param item_ids: The items.
        :param reason: Optional. What the answer showed, kept as the item's last error.
        """
        self.recheck.extend(item_ids)
        if reason:
            self.errors.update(dict.fromkeys(item_ids, reason))
        self.streak.count = 0

    def confirm(self, item_ids: Sequence[str]) -> None:
        """Record items whose write answer shows exactly the asked state, and that replaced no collection.

        :param item_ids: The items.
        """
        self.confirmed.extend(item_ids)
        self.streak.count = 0

    def as_asked(self, item_ids: Sequence[str]) -> None:
        """Record items a fresh read, just before writing them, showed as asked already: nothing was sent.

        :param item_ids: The items.
        """
        self.already.extend(item_ids)

    def failed(self, item_ids: Sequence[str], status: Any, text: str, *, request_failed: bool = True) -> None:
        """Record a failed write: refused for good (4xx), or outcome unknown (re-read, maybe written again).

        :param item_ids: The items the failed request (or bulk error item) covered.
        :param status: The HTTP status of the error (``None`` when no response arrived).
        :param text: The reason, as shown to the user.
        :param request_failed: Optional. ``False`` for an error item inside a bulk response that succeeded, or for a
            write the transport did not send; such items do not count towards stopping the round.
        """
        if is_definitive(status):
            self.refused.update(dict.fromkeys(item_ids, f"not written: {text}"))
            return
        self.recheck.extend(item_ids)
        self.errors.update(dict.fromkeys(item_ids, text))
        self.last_error = text
        if request_failed:
            self.streak.count += 1

    def hold(self, item_ids: Sequence[str]) -> bool:
        """Hold items back when the run has stopped sending; call before sending them.

        :param item_ids: The items about to be sent.
        :return: ``True`` when the items were held back (the caller must not send them).
        """
        if not self.streak.stopped:
            return False
        self.not_sent.extend(item_ids)
        return True
