"""What a run did to each item, the small summary an operator returns as XCom, and the plan table of a dry run.

A run may touch 100,000 items, and XCom and exception text live in the metadata database and the UI. A summary or
failure message that fits in :data:`TEXT_BUDGET` characters lists every item; a larger one lists the first
:data:`SHOWN_ITEMS` items of each kind by id (each reason cut to :data:`SHOWN_REASON_CHARS`) with exact counts, and
the failure message's full list goes to the task log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypedDict

#: Characters a summary (as JSON) or a failure message may take before it is capped.
TEXT_BUDGET = 16_000
#: Items of each kind (changed, unchanged, skipped, failed) a capped summary or failure message lists.
SHOWN_ITEMS = 50
#: Longest reason shown per item once a summary or message is capped (the task log has it whole).
SHOWN_REASON_CHARS = 120
#: Longest reason kept per item while nothing is capped (a reason is one error message, normally far shorter).
LONGEST_REASON_CHARS = 500
#: Longest item id shown (ids come from the server; a hostile one must not blow the cap).
SHOWN_ID_CHARS = 64
#: Longest before or after value a plan table shows.
PLAN_CELL_CHARS = 60


class Counts(TypedDict, total=False):
    """Exact counts of a capped summary."""

    changed: int
    unchanged: int
    skipped: int
    failed: int


class Summary(TypedDict, total=False):
    """The XCom an operator returns: small and JSON-serialisable.

    ``counts`` and ``truncated`` appear only when listing every item would exceed :data:`TEXT_BUDGET`; the lists
    then hold the first :data:`SHOWN_ITEMS` of each kind by id.
    """

    changed: list[str]
    unchanged: list[str]
    skipped: dict[str, str]
    failed: dict[str, str]
    dry_run: bool
    counts: Counts
    truncated: bool


def clip(text: str, limit: int) -> str:
    """Cut a text to at most ``limit`` characters, marking the cut with an ellipsis.

    :param text: The text.
    :param limit: The longest result.
    :return: The text, or its start and ``…``.
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def first_ids(items: Sequence[str]) -> list[str]:
    """Return the first :data:`SHOWN_ITEMS` ids in id order, each cut to :data:`SHOWN_ID_CHARS`.

    :param items: Item ids.
    :return: The ids shown.
    """
    return [clip(item, SHOWN_ID_CHARS) for item in sorted(items)[:SHOWN_ITEMS]]


def first_reasons(reasons: Mapping[str, str]) -> dict[str, str]:
    """Return the first :data:`SHOWN_ITEMS` ``{id: reason}`` entries in id order, ids and reasons cut.

    :param reasons: Reason by item id.
    :return: The entries shown.
    """
    return {
        clip(item, SHOWN_ID_CHARS): clip(reasons[item], SHOWN_REASON_CHARS) for item in sorted(reasons)[:SHOWN_ITEMS]
    }


@dataclass
class Outcome:
    """Per-item results collected while applying a plan.

    ``changed`` lists only items a re-read (or, for scalar-only changes, the write's answer) showed as asked.
    ``conflicted`` lists the failed items another writer undid on purpose (a conflicting ask, see
    :func:`genomics_provider.curation.conflict.conflict`): a retry would overwrite that writer's change.
    """

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    conflicted: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many items the run looked at."""
        return len(self.changed) + len(self.unchanged) + len(self.failed) + len(self.skipped)

    def too_big(self) -> bool:
        """Tell whether listing every item would take more than :data:`TEXT_BUDGET` characters.

        :return: ``True`` when the summary must be capped.
        """
        size = sum(len(item) + 4 for item in [*self.changed, *self.unchanged])
        size += sum(
            len(item) + min(len(why), LONGEST_REASON_CHARS) + 8
            for kind in (self.failed, self.skipped)
            for item, why in kind.items()
        )
        return size > TEXT_BUDGET

    def summary(self, *, dry_run: bool) -> Summary:
        """Return the XCom summary: every item when it fits the budget, else the first of each kind plus exact counts.

        :param dry_run: Whether nothing was written.
        :return: The summary dict (the same keys for both vendors).
        """
        if not self.too_big():
            return {
                "changed": list(self.changed),
                "unchanged": list(self.unchanged),
                "failed": {item: clip(reason, LONGEST_REASON_CHARS) for item, reason in self.failed.items()},
                "dry_run": dry_run,
                "skipped": {item: clip(reason, LONGEST_REASON_CHARS) for item, reason in self.skipped.items()},
            }
        counts: Counts = {
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "failed": len(self.failed),
            "skipped": len(self.skipped),
        }
        return {
            "changed": first_ids(self.changed),
            "unchanged": first_ids(self.unchanged),
            "failed": first_reasons(self.failed),
            "dry_run": dry_run,
            "counts": counts,
            "truncated": True,
            "skipped": first_reasons(self.skipped),
        }


def format_plan(rows: Iterable[tuple[str, str, str, str]], *, title: str) -> str:
    """Render a plan as a before → after table for the task log.

    :param rows: ``(item, field, before, after)`` tuples.
    :param title: First line of the table.
    :return: The table text.
    """
    body = [
        (item, name, clip(before, PLAN_CELL_CHARS), clip(after, PLAN_CELL_CHARS)) for item, name, before, after in rows
    ]
    if not body:
        return f"{title}: nothing to change"
    header = ("item", "field", "before", "after")
    widths = [max(len(row[col]) for row in [header, *body]) for col in range(4)]
    lines = [title]
    for row in [header, *body]:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths[:3], strict=True)))
        lines[-1] = f"{lines[-1]}  → {row[3]}" if row is not header else f"{lines[-1]}    {row[3]}"
    return "\n".join(lines)
