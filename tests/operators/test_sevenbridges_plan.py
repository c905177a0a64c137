"""Seven Bridges planning and input rules: pure functions, no server."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.sevenbridges import SbFile
from genomics_provider.operators._sevenbridges_plan import (
    FileChange,
    FilePlan,
    SeenFiles,
    describe_error,
    desired_metadata,
    desired_tags,
    plan_metadata,
    plan_tags,
    result_problem,
)
from genomics_provider.operators._sevenbridges_rules import (
    FileQuery,
    validate_file_name,
    validate_metadata,
    validate_query,
    validate_tags,
)

PROJECT = "rfranklin/demo"
A, B, C = "5a0000000000000000000001", "5a0000000000000000000002", "5a0000000000000000000003"
FOLDER = "5f0000000000000000000001"
TASK = "123a1a1a-12a1-1234-a123-1234567a1a12"

tag_lists = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=6)
metadata_maps = st.dictionaries(st.sampled_from(["k1", "k2", "k3", "k4"]), st.sampled_from(["x", "y"]), max_size=4)


def sb_file(file_id: str = A, **fields: Any) -> SbFile:
    file: dict[str, Any] = {"id": file_id, "name": f"{file_id[-1]}.bam", "type": "file", "project": PROJECT}
    file.update({"tags": [], "metadata": {}, **fields})
    return file  # type: ignore[return-value]


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


# -- link target, results ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("projects", "query_project", "expected"),
    [
        ({A: PROJECT}, None, (PROJECT, A)),
        ({A: PROJECT, B: PROJECT}, None, (PROJECT, None)),
        ({A: PROJECT, B: "other/p"}, None, None),
        ({A: PROJECT, B: "other/p"}, PROJECT, (PROJECT, None)),
        ({}, PROJECT, (PROJECT, None)),
        ({}, None, None),
    ],
    ids=["one file", "one project", "several projects", "query project", "nothing found", "nothing known"],
)
def test_the_link_opens_one_file_or_the_project_files(
    projects: dict[str, str | None], query_project: str | None, expected: Any
) -> None:
    seen = SeenFiles()
    seen.add([], FilePlan(projects=projects))
    assert seen.link_target(query_project) == expected


def test_the_link_is_the_same_when_the_files_arrive_over_several_pages() -> None:
    seen = SeenFiles()
    seen.add([{"id": A}], FilePlan(projects={A: PROJECT}))
    assert seen.link_target(None) == (PROJECT, A)
    seen.add([{"id": B}], FilePlan(projects={B: "other/p"}))
    assert (seen.count, seen.link_target(None), seen.link_target(PROJECT)) == (2, None, (PROJECT, None))
    assert seen.fresh([{"id": A}, {"id": "c" * 24}, {"name": "no id"}]) == [{"id": "c" * 24}, {"name": "no id"}]


def test_bulk_results_become_failures_only_for_errors_or_a_state_that_differs() -> None:
    change = FileChange(A, "edit", {"id": A, "tags": ["a", "b"]}, ())
    error = {"status": 403, "code": 5011, "message": "Modifying file tags is not allowed."}

    assert result_problem(change, {"error": error}) == "HTTP 403, code 5011: Modifying file tags is not allowed."
    assert result_problem(change, {"resource": sb_file(A, tags=["b", "a"])}) is None
    assert result_problem(change, {"resource": {"id": A}}) is None
    assert "now has tags ['a', 'b', 'c']" in str(result_problem(change, {"resource": sb_file(A, tags=["a", "b", "c"])}))
    metadata_change = FileChange(A, "edit", {"id": A, "metadata": {"k": "v"}}, ())
    assert result_problem(metadata_change, {"resource": sb_file(A, metadata={"k": "v", "old": "x"})}) is not None
    assert describe_error({"message": "odd"}) == "error: odd"


# -- input rules ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "mode", "message"),
    [
        (["a", ""], "add", r"tags: '' is not allowed; each tag must be a non-empty string"),
        (["a", 3], "add", r"tags: 3 is not allowed; each tag must be a non-empty string"),
        (["a", "b", "a"], "add", r"tags: 'a' appears more than once; tags must be unique"),
        ([], "add", r"tags: the list is empty; mode='add' needs at least one tag"),
        ({"a": 1}, "add", r"tags: expected a list of strings, got dict"),
        ("[oops", "add", r"tags: '\[oops' looks like JSON but does not parse"),
    ],
)
def test_bad_tags_are_refused_naming_the_rule(value: Any, mode: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        validate_tags(value, mode=mode)


def test_tags_accept_a_list_a_json_list_string_or_one_tag_and_replace_accepts_none() -> None:
    assert validate_tags(["a", "b"], mode="add") == ["a", "b"]
    assert validate_tags('["a", "b"]', mode="remove") == ["a", "b"]
    assert validate_tags("a", mode="add") == ["a"]
    assert validate_tags([], mode="replace") == []


@pytest.mark.parametrize(
    ("value", "mode", "message"),
    [
        ({"": "v"}, "merge", r"metadata: key '' is not allowed; keys must be non-empty strings"),
        ({"é" * 51: "v"}, "merge", r"metadata: key 'é+' is 102 bytes in UTF-8; keys may have at most 100 bytes"),
        ({"k": "€" * 101}, "merge", r"metadata: value of 'k' is 303 bytes in UTF-8; values may have at most 300"),
        ({"k": 5}, "merge", r"metadata: value of 'k' is int; values must be strings"),
        ({"k": None}, "replace", r"metadata: key 'k' is None; None removes a key only in mode='merge'"),
        ({"k": "\ud800"}, "merge", r"metadata: value of 'k' is not valid UTF-8"),
        ({}, "merge", r"metadata: the mapping is empty; give at least one key to merge"),
        ({f"k{n}": "v" for n in range(1001)}, "replace", r"metadata: 1001 pairs given; a file may have at most 1000"),
        ("not json", "merge", r"metadata: expected a mapping or a JSON object"),
    ],
    ids=["empty key", "long key", "long value", "number", "None in replace", "surrogate", "empty", "too many", "text"],
)
def test_bad_metadata_is_refused_naming_the_key_and_the_rule(value: Any, mode: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        validate_metadata(value, mode=mode)


def test_metadata_at_the_byte_limits_and_json_strings_are_accepted() -> None:
    at_limit = {"k" * 100: "v" * 300, "gone": None}
    assert validate_metadata(at_limit, mode="merge") == at_limit
    assert validate_metadata('{"a": "1"}', mode="replace") == {"a": "1"}
    assert validate_metadata({}, mode="replace") == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"project": PROJECT, "colour": "red"}, r"query: unknown key\(s\) 'colour'; use project, parent, name, tag"),
        (
            {"project": PROJECT, "parent": FOLDER},
            r"query: give exactly one of 'project' \('owner/project'\) and 'parent'",
        ),
        ({"tag": "raw"}, r"query: give exactly one of 'project'"),
        ({"project": "demo"}, r"query: project 'demo' is not a project id; use 'owner/project'"),
        ({"parent": "FOLDER"}, r"query: parent 'FOLDER' is not a folder id; ids are 24 lowercase hex characters"),
        ({"project": PROJECT, "tag": []}, r"query: tag = \[\] is not allowed; it must be a non-empty string or a"),
        ({"project": PROJECT, "name": ["a", 1]}, r"query: name = \['a', 1\] is not allowed"),
        ({"project": PROJECT, "origin.task": ["a", "b"]}, r"query: origin.task = \['a', 'b'\] is not allowed"),
        ({"project": PROJECT, "metadata.": "x"}, r"query: unknown key\(s\) 'metadata.'"),
    ],
)
def test_bad_queries_are_refused_naming_the_key_and_the_rule(value: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        validate_query(value)


def test_a_query_becomes_the_hook_listing_arguments() -> None:
    query = validate_query(
        {"project": PROJECT, "tag": ["raw"], "name": "a.bam", "metadata.sample_id": "S1", "origin.task": TASK}
    )

    assert query.hook_kwargs() == {
        "project": PROJECT,
        "parent": None,
        "names": ["a.bam"],
        "tags": ["raw"],
        "metadata": {"sample_id": ["S1"]},
        "origin": {"task": TASK},
    }
    assert validate_query(f'{{"parent": "{FOLDER}"}}').hook_kwargs()["parent"] == FOLDER


@pytest.mark.parametrize("value", ["", "  ", " a.bam", 3, None])
def test_bad_new_names_are_refused(value: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"name: .* is not allowed; use a non-empty name"):
        validate_file_name(value)
