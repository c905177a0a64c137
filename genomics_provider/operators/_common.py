"""What every operator does with an outcome in Airflow terms: fail the task naming the failed items.

The argument checks live in :mod:`genomics_provider.curation.arguments`, the plan table and the summary in
:mod:`genomics_provider.curation.outcome`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from genomics_provider._compat import AirflowException, AirflowFailException
from genomics_provider.curation.outcome import LONGEST_REASON_CHARS, SHOWN_ITEMS, clip, first_reasons
from genomics_provider.curation.outcome import Outcome as Outcome
from genomics_provider.curation.outcome import Summary as Summary

_LOG = logging.getLogger(__name__)
#: Failed items per log record when a failure message is capped and the full list goes to the task log.
LOG_CHUNK = 500


#: Why a task whose items met a conflicting ask is not retried.
CONFLICT_NOTE = (
    "{count} {noun} met a conflicting ask, so this task is not retried: a retry would overwrite the other writer's "
    "change without telling anyone"
)


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
