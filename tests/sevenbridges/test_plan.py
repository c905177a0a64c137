"""Seven Bridges planning: desired state and the per-file difference, pure functions, no server."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genomics_provider.sevenbridges.plan import FileChange, desired_metadata, desired_tags, plan_metadata, plan_tags
from genomics_provider.sevenbridges.query import FileQuery
from tests.sevenbridges.helpers import FOLDER, PROJECT, TASK, A, B, C, sb_file

tag_lists = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=6)
metadata_maps = st.dictionaries(st.sampled_from(["k1", "k2", "k3", "k4"]), st.sampled_from(["x", "y"]), max_size=4)


# -- desired state -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "tags", "mode", "expected"),
    [
        (["b", "a"], ["c", "a", "d"], "add", ["b", "a", "c", "d"]),
        (["b", "a", "b"], ["a"], "add", ["b", "a"]),
        (["b", "a", "c"], ["a", "z"], "remove", ["b", "c"]),
        (["b", "a", "c"], ["c", "d", "b"], "replace", ["b", "c", "d"]),
        (["b", "a"], [], "replace", []),
    ],
    ids=["add appends new in given order", "add drops duplicates", "remove", "replace keeps order", "clear"],
)
def test_desired_tags_keep_existing_order_and_append_new_ones(
    current: list[str], tags: list[str], mode: Any, expected: list[str]
) -> None:
    assert desired_tags(current, tags, mode) == expected


@given(
    current=tag_lists,
    tags=tag_lists.map(lambda t: list(dict.fromkeys(t))),
    mode=st.sampled_from(["add", "remove", "replace"]),
)
def test_desired_tags_are_unique_and_a_fixed_point(current: list[str], tags: list[str], mode: Any) -> None:
    desired = desired_tags(current, tags, mode)
    assert len(desired) == len(set(desired))
    assert desired_tags(desired, tags, mode) == desired
    if mode == "add":
        assert desired[: len(set(current))] == list(dict.fromkeys(current))
        assert set(tags) <= set(desired)
    elif mode == "remove":
        assert not set(tags) & set(desired)
    else:
        assert set(desired) == set(tags)


def test_merge_sets_given_keys_removes_none_keys_and_keeps_the_rest() -> None:
    current = {"keep": "1", "change": "old", "drop": "x"}
    assert desired_metadata(current, {"change": "new", "drop": None, "absent": None, "add": "2"}, "merge") == {
        "keep": "1",
        "change": "new",
        "add": "2",
    }


def test_replace_makes_metadata_exactly_the_given_mapping() -> None:
    assert desired_metadata({"keep": "1", "other": "2"}, {"keep": "1", "new": "3"}, "replace") == {
        "keep": "1",
        "new": "3",
    }


@given(current=metadata_maps, given_map=metadata_maps, mode=st.sampled_from(["merge", "replace"]))
def test_desired_metadata_is_a_fixed_point(current: dict[str, str], given_map: dict[str, str], mode: Any) -> None:
    desired = desired_metadata(current, given_map, mode)
    assert desired_metadata(desired, given_map, mode) == desired
    assert all(desired[key] == value for key, value in given_map.items())


# -- tag plans -----------------------------------------------------------------------------------------------


def test_adding_tags_plans_a_bulk_edit_item_with_the_complete_desired_list() -> None:
    plan = plan_tags([sb_file(A, tags=["old"]), sb_file(B, tags=["old", "new"])], ["new"], "add")

    assert plan.unchanged == [B]
    assert plan.changes == [
        FileChange(
            A,
            "edit",
            {"id": A, "tags": ["old", "new"]},
            ((f"{A} 1.bam", "tags", "old", "old, new"),),
            {"tags": ["old"]},
        )
    ]


def test_removing_a_tag_plans_a_bulk_update_item_with_complete_name_tags_and_metadata() -> None:
    file = sb_file(A, tags=["raw", "keep"], metadata={"sample_id": "S1", "null": None})

    (change,) = plan_tags([file], ["raw"], "remove").changes

    assert change.call == "update"
    assert change.item == {"id": A, "name": "1.bam", "tags": ["keep"], "metadata": {"sample_id": "S1"}}


def test_an_update_is_refused_when_the_listing_lacks_a_field_it_would_erase() -> None:
    file = sb_file(A, tags=["raw"])
    del file["metadata"]

    plan = plan_tags([file], ["raw"], "remove")

    assert plan.changes == []
    assert plan.failed == {
        A: "the platform did not return its metadata; a bulk update would erase them, so it was not written"
    }


def test_folders_and_repeated_listing_items_are_skipped() -> None:
    folder = sb_file(FOLDER, type="FOLDER")

    plan = plan_tags([sb_file(A), folder, sb_file(A)], ["t"], "add")

    assert [change.file_id for change in plan.changes] == [A]
    assert plan.skipped == {FOLDER: "folder: the platform does not allow tags or metadata on folders"}
    assert list(plan.projects) == [A]


def test_files_that_do_not_match_the_query_are_skipped_not_written() -> None:
    query = FileQuery(project=PROJECT, tags=("raw", "wgs"), metadata={"sample_id": ("S1",)}, origin={"task": TASK})
    good = sb_file(A, tags=["wgs"], metadata={"sample_id": "S1"}, origin={"task": TASK})
    wrong_meta = sb_file(B, tags=["raw"], metadata={"sample_id": "S2"}, origin={"task": TASK})
    no_tag = sb_file(C, tags=[], metadata={"sample_id": "S1"}, origin={}, project="RFranklin/demo")

    plan = plan_tags([good, wrong_meta, no_tag], ["done"], "add", query)

    assert [change.file_id for change in plan.changes] == [A]
    assert plan.skipped == {
        B: "does not match query metadata.sample_id; the listing returned it anyway",
        C: "does not match query tag, origin.task; the listing returned it anyway",
    }


def test_merging_new_keys_plans_a_bulk_edit_with_the_complete_metadata_and_one_row_per_changed_key() -> None:
    file = sb_file(A, metadata={"keep": "1", "change": "old"})

    (change,) = plan_metadata([file], {"change": "new", "add": "2", "keep": "1"}, "merge").changes

    assert change.item == {"id": A, "metadata": {"keep": "1", "change": "new", "add": "2"}}
    assert change.call == "edit"
    assert change.rows == (
        (f"{A} 1.bam", "metadata.add", "(absent)", "2"),
        (f"{A} 1.bam", "metadata.change", "old", "new"),
    )


@pytest.mark.parametrize(
    ("given_map", "mode", "expected"),
    [({"drop": None}, "merge", {"keep": "1"}), ({"keep": "1", "new": "n"}, "replace", {"keep": "1", "new": "n"})],
    ids=["merge with None", "replace leaving a key out"],
)
def test_removing_a_key_plans_a_bulk_update_with_complete_fields(
    given_map: dict[str, Any], mode: Any, expected: dict[str, str]
) -> None:
    file = sb_file(A, tags=["t"], metadata={"keep": "1", "drop": "x"})

    (change,) = plan_metadata([file], given_map, mode).changes

    assert change.call == "update"
    assert change.item == {"id": A, "name": "1.bam", "tags": ["t"], "metadata": expected}


def test_a_file_that_would_exceed_1000_pairs_fails_at_plan_time_and_the_others_proceed() -> None:
    full = sb_file(A, metadata={f"k{n}": "v" for n in range(999)})
    small = sb_file(B)

    plan = plan_metadata([full, small], {"new1": "v", "new2": "v"}, "merge")

    assert [change.file_id for change in plan.changes] == [B]
    assert plan.failed == {
        A: "metadata would have 1001 pairs after the merge; the platform allows at most 1000 per file, "
        "so it was not written"
    }


def test_null_valued_keys_on_the_platform_count_as_absent() -> None:
    plan = plan_metadata([sb_file(A, metadata={"a": "1", "ghost": None})], {"a": "1"}, "replace")
    assert plan.unchanged == [A]


def test_the_rendered_plan_shows_changes_skips_and_failures() -> None:
    plan = plan_tags([sb_file(A, tags=["x"]), sb_file(FOLDER, type="folder")], ["y"], "add")
    plan.failed["5a00000000000000000000ff"] = "HTTP 404, code 5002: Requested file does not exist."

    text = plan.render("Tag plan")

    assert text.splitlines()[0] == "Tag plan"
    assert f"{A} 1.bam  tags   x       → x, y" in text
    assert f"skip {FOLDER}: folder" in text
    assert "fail 5a00000000000000000000ff: HTTP 404, code 5002" in text
