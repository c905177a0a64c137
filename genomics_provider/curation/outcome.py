"""What a run did to each item, and the small summary an operator returns as XCom."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict


class Summary(TypedDict, total=False):
    """The XCom an operator returns: small and JSON-serialisable."""

    changed: list[str]
    unchanged: list[str]
    skipped: dict[str, str]
    failed: dict[str, str]
    dry_run: bool


@dataclass
class Outcome:
    """Per-item results collected while applying a plan.

    ``changed`` lists only items a re-read (or, for scalar-only changes, the write's answer) showed as asked.
    """

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def summary(self, *, dry_run: bool, with_skipped: bool = False) -> Summary:
        """Return the XCom summary.

        :param dry_run: Whether nothing was written.
        :param with_skipped: Include the ``skipped`` key (Seven Bridges operators).
        :return: The summary dict.
        """
        result: Summary = {
            "changed": list(self.changed),
            "unchanged": list(self.unchanged),
            "failed": dict(self.failed),
            "dry_run": dry_run,
        }
        if with_skipped:
            result["skipped"] = dict(self.skipped)
        return result
