"""Outcomes and summaries: what fits the size budget is listed whole, what does not is capped; the plan table text."""

from __future__ import annotations

from typing import Any

import pytest

from genomics_provider.curation.outcome import (
    LONGEST_REASON_CHARS,
    SHOWN_ID_CHARS,
    SHOWN_ITEMS,
    SHOWN_REASON_CHARS,
    TEXT_BUDGET,
    Outcome,
    Summary,
    clip,
    first_ids,
    first_reasons,
    format_plan,
)

A, B, C, D, E = (f"{n:016x}" for n in (0xA, 0xB, 0xC, 0xD, 0xE))


def hex_ids(count: int, start: int = 0) -> list[str]:
    """``count`` 16-character ids, newest (largest) first, so anything that sorts them shows it."""
    return [f"{n:016x}" for n in range(start + count - 1, start - 1, -1)]


def test_the_budget_constants_are_the_documented_sizes() -> None:
    # The README and the module docstring quote these numbers; the budget tests below are built on them.
    assert (TEXT_BUDGET, SHOWN_ITEMS, SHOWN_REASON_CHARS, LONGEST_REASON_CHARS, SHOWN_ID_CHARS) == (
        16_000,
        50,
        120,
        500,
        64,
    )


# -- clip, first_ids, first_reasons ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        pytest.param("abc", 3, "abc", id="a text at the limit is kept"),
        pytest.param("abc", 10, "abc", id="a shorter text is kept"),
        pytest.param("abcd", 3, "ab…", id="a longer text keeps limit-1 characters and an ellipsis"),
        pytest.param("ab", 1, "…", id="a limit of one leaves only the ellipsis"),
        pytest.param("", 0, "", id="an empty text stays empty"),
    ],
)
def test_clip_cuts_to_the_limit_marking_the_cut(text: str, limit: int, expected: str) -> None:
    assert clip(text, limit) == expected


def test_first_ids_sorts_keeps_the_first_shown_items_and_cuts_long_ids() -> None:
    long_id = "-" + "z" * 99  # "-" sorts before "0": the cut id comes first
    shown = first_ids([*hex_ids(60, start=1), long_id])
    assert shown == ["-" + "z" * 62 + "…", *[f"{n:016x}" for n in range(1, 50)]]
    assert len(shown) == SHOWN_ITEMS


def test_first_ids_of_a_short_list_is_the_sorted_list() -> None:
    assert first_ids([C, A, B]) == [A, B, C]


def test_first_reasons_sorts_by_id_and_cuts_ids_and_reasons() -> None:
    reasons = {item: f"HTTP 500 for {item}: " + "x" * 200 for item in hex_ids(55)}
    reasons["-" + "k" * 70] = "short"
    shown = first_reasons(reasons)
    assert list(shown) == ["-" + "k" * 62 + "…", *[f"{n:016x}" for n in range(49)]]
    assert shown["-" + "k" * 62 + "…"] == "short"
    assert shown[f"{0:016x}"] == f"HTTP 500 for {0:016x}: " + "x" * (119 - 31) + "…"
    assert all(len(reason) == SHOWN_REASON_CHARS for item, reason in shown.items() if item != "-" + "k" * 62 + "…")


# -- Outcome: total and defaults ---------------------------------------------------------------------------------


def test_total_counts_every_kind_but_not_conflicted_twice() -> None:
    outcome = Outcome(changed=[A], unchanged=[B, C], failed={D: "boom"}, skipped={E: "a folder"}, conflicted=[D])
    assert outcome.total == 5


def test_outcomes_do_not_share_their_lists() -> None:
    first, second = Outcome(), Outcome()
    first.changed.append(A)
    first.failed[B] = "boom"
    first.conflicted.append(B)
    assert (second.changed, second.failed, second.conflicted, second.unchanged, second.skipped) == ([], {}, [], [], {})
    assert second.total == 0


# -- too_big: the size budget ------------------------------------------------------------------------------------
# Each changed or unchanged id costs its length + 4; each failed or skipped item its id + reason (at most 500) + 8.


def test_ids_up_to_the_budget_fit_and_one_more_does_not() -> None:
    assert TEXT_BUDGET == (16 + 4) * 800
    assert Outcome(changed=hex_ids(400), unchanged=hex_ids(400, start=400)).too_big() is False
    assert Outcome(changed=hex_ids(400), unchanged=hex_ids(401, start=400)).too_big() is True


def test_a_failure_reason_counts_up_to_the_longest_kept_reason() -> None:
    filler = hex_ids(774)  # 774 * 20 = 15,480; one failure of 16 + 496 + 8 = 520 fills the budget exactly
    assert Outcome(changed=filler, failed={A: "r" * 496}).too_big() is False
    assert Outcome(changed=filler, failed={A: "r" * 497}).too_big() is True
    assert Outcome(failed={A: "r" * 1_000_000}).too_big() is False  # counted as 500: the summary cuts it there


def test_skipped_items_count_towards_the_budget() -> None:
    assert Outcome(skipped={item: "s" * 500 for item in hex_ids(31)}).too_big() is True  # 31 * 524 = 16,244
    assert Outcome(skipped={item: "s" * 500 for item in hex_ids(30)}).too_big() is False  # 30 * 524 = 15,720


# -- summary -----------------------------------------------------------------------------------------------------


def test_a_small_summary_lists_every_item_in_the_order_it_happened() -> None:
    outcome = Outcome(changed=[B, A], unchanged=[C], failed={E: "HTTP 500", D: "HTTP 409"}, skipped={A: "folder"})
    summary = outcome.summary(dry_run=True)
    expected: Summary = {
        "changed": [B, A], "unchanged": [C], "failed": {E: "HTTP 500", D: "HTTP 409"}, "dry_run": True,
        "skipped": {A: "folder"},
    }  # fmt: skip
    assert summary == expected
    assert list(summary["failed"]) == [E, D]


def test_a_small_summary_with_skipped_adds_the_skipped_reasons() -> None:
    outcome = Outcome(changed=[A], skipped={B: "a folder", C: "not in the project"})
    assert outcome.summary(dry_run=False) == {
        "changed": [A],
        "unchanged": [],
        "failed": {},
        "dry_run": False,
        "skipped": {B: "a folder", C: "not in the project"},
    }


def test_a_small_summary_cuts_each_reason_to_the_longest_kept_reason() -> None:
    outcome = Outcome(failed={A: "f" * 600}, skipped={B: "s" * 501, C: "t" * 500})
    summary = outcome.summary(dry_run=False)
    assert summary["failed"] == {A: "f" * 499 + "…"}
    assert summary["skipped"] == {B: "s" * 499 + "…", C: "t" * 500}
    assert "truncated" not in summary
    assert "counts" not in summary


def test_a_summary_copies_the_lists_it_returns() -> None:
    outcome = Outcome(changed=[A], unchanged=[B], skipped={C: "folder"})
    summary = outcome.summary(dry_run=False)
    outcome.skipped.clear()
    outcome.changed.append(C)
    outcome.unchanged.clear()
    assert (summary["changed"], summary["unchanged"], summary["skipped"]) == ([A], [B], {C: "folder"})


def test_skipped_items_alone_can_cap_a_summary() -> None:
    outcome = Outcome(changed=[A], skipped={item: "s" * 500 for item in hex_ids(31)})
    summary = outcome.summary(dry_run=False)
    assert summary["truncated"] is True
    assert summary["counts"] == {"changed": 1, "unchanged": 0, "failed": 0, "skipped": 31}


def test_a_summary_one_id_over_the_budget_is_capped_with_exact_counts() -> None:
    outcome = Outcome(changed=hex_ids(401), unchanged=hex_ids(400, start=401), failed={A: "x" * 300})
    assert outcome.summary(dry_run=False) == {
        "changed": [f"{n:016x}" for n in range(50)],
        "unchanged": [f"{n:016x}" for n in range(401, 451)],
        "failed": {A: "x" * 119 + "…"},
        "dry_run": False,
        "counts": {"changed": 401, "unchanged": 400, "failed": 1, "skipped": 0},
        "truncated": True,
        "skipped": {},
    }


def test_a_capped_summary_with_skipped_counts_and_lists_them_too() -> None:
    skipped = {item: "s" * 500 for item in hex_ids(60)}
    summary: dict[str, Any] = dict(Outcome(changed=[B, A], skipped=skipped).summary(dry_run=True))
    assert summary["counts"] == {"changed": 2, "unchanged": 0, "failed": 0, "skipped": 60}
    assert summary["truncated"] is True
    assert summary["dry_run"] is True
    assert summary["changed"] == [A, B]
    assert summary["skipped"] == {f"{n:016x}": "s" * 119 + "…" for n in range(50)}


# -- format_plan -------------------------------------------------------------------------------------------------


def test_format_plan_renders_an_aligned_before_after_table() -> None:
    rows = [(A, "visibility", "private", "public"), (A, "tags", "(none)", "qc-pass (new)"), (B, "project", "P1", "")]
    assert format_plan(rows, title="Dry run plan") == "\n".join(
        [
            "Dry run plan",
            "item              field       before     after",
            f"{A}  visibility  private  → public",
            f"{A}  tags        (none)   → qc-pass (new)",
            f"{B}  project     P1       → ",
        ]
    )


def test_format_plan_reads_any_iterable_of_rows() -> None:
    rows = ((item, "name", "old", "new") for item in [A])
    assert format_plan(rows, title="Rename plan") == (
        f"Rename plan\nitem              field  before    after\n{A}  name   old     → new"
    )


def test_format_plan_with_no_rows_says_nothing_changes() -> None:
    assert format_plan([], title="Visibility plan") == "Visibility plan: nothing to change"
    assert format_plan(iter([]), title="Tag plan") == "Tag plan: nothing to change"


def test_format_plan_clips_before_and_after_at_60_characters_and_keeps_item_and_field_whole() -> None:
    sixty, long = "s" * 60, "l" * 61
    table = format_plan([(long, long, long, long), ("i", "f", sixty, sixty)], title="Plan")
    clipped = "l" * 59 + "…"
    assert table.split("\n") == [
        "Plan",
        f"{'item':<61}  {'field':<61}  {'before':<60}    after",
        f"{long}  {long}  {clipped}  → {clipped}",
        f"{'i':<61}  {'f':<61}  {sixty}  → {sixty}",
    ]


def test_format_plan_draws_an_arrow_even_for_a_row_that_reads_like_the_header() -> None:
    assert format_plan([("item", "field", "before", "after")], title="Plan") == (
        "Plan\nitem  field  before    after\nitem  field  before  → after"
    )
