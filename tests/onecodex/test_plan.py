"""One Codex plans: the exact PATCH body of only what differs, and the exact rows the plan table shows."""

from __future__ import annotations

from typing import Any

import pytest

from genomics_provider.onecodex.plan import (
    SampleChange,
    TagRequest,
    desired_tag_ids,
    finalise_tags,
    plan_metadata,
    plan_sample,
)
from genomics_provider.onecodex.rules import UNSET

SAMPLE_ID = "7428cca4a3a04a8e"
PROJECT = "4b53797444f846c4"
OTHER_PROJECT = "7e1a2b3c4d5e6f70"
QC, RUN, OLD, FOURTH = "0000000000000001", "0000000000000002", "0000000000000003", "0000000000000004"
NAMES_BY_ID = {QC: "qc", RUN: "run-7", OLD: "old"}
METADATA_URI = "/api/v1/metadata/a7fc7e430e704e2e"


def sample() -> dict[str, Any]:
    """Build a private sample in PROJECT tagged ``qc`` and ``run-7``.

    :return: The sample as the API returns it.
    """
    return {
        "$uri": f"/api/v1/samples/{SAMPLE_ID}",
        "visibility": "private",
        "project": {"$ref": f"/api/v1/projects/{PROJECT}"},
        "tags": [{"$ref": f"/api/v1/tags/{QC}"}, {"$ref": f"/api/v1/tags/{RUN}"}],
    }


# -- desired tag ids -------------------------------------------------------------------------------------------


def test_add_keeps_the_current_order_and_appends_only_new_tags_with_a_placeholder_for_missing_ones() -> None:
    request = TagRequest(("run-7", "new"), "add")
    assert desired_tag_ids([QC, RUN], request, {"run-7": RUN, "new": None}) == ([QC, RUN, None], ["new"])


def test_remove_drops_the_known_tags_and_never_creates_any() -> None:
    request = TagRequest(("qc", "new"), "remove")
    assert desired_tag_ids([QC, RUN], request, {"qc": QC, "new": None}) == ([RUN], [])


def test_replace_gives_exactly_the_requested_tags_in_the_order_asked() -> None:
    request = TagRequest(("new", "run-7"), "replace")
    assert desired_tag_ids([QC, RUN], request, {"run-7": RUN, "new": None}) == ([None, RUN], ["new"])


# -- plan_sample -----------------------------------------------------------------------------------------------


def test_a_sample_plan_holds_only_the_keys_that_differ_with_their_table_rows() -> None:
    change = plan_sample(
        sample(), visibility="shared", project_id=OTHER_PROJECT, tags=TagRequest(("new",), "add"),
        ids_by_name={"new": None}, names_by_id=NAMES_BY_ID,
    )  # fmt: skip
    assert change == SampleChange(
        sample_id=SAMPLE_ID,
        body={
            "visibility": "shared",
            "project": {"$ref": f"/api/v1/projects/{OTHER_PROJECT}"},
            "tags": [QC, RUN, None],
        },
        create_tags=["new"],
        rows=[
            ("visibility", "private", "shared"),
            ("project", PROJECT, OTHER_PROJECT),
            ("tags", "qc, run-7", "qc, run-7, new (new)"),
        ],
    )
    assert not change.is_noop


def test_a_sample_already_as_asked_plans_nothing_even_when_replace_lists_its_tags_in_another_order() -> None:
    change = plan_sample(
        sample(), visibility="private", project_id=PROJECT, tags=TagRequest(("run-7", "qc"), "replace"),
        ids_by_name={"qc": QC, "run-7": RUN}, names_by_id=NAMES_BY_ID,
    )  # fmt: skip
    assert change == SampleChange(sample_id=SAMPLE_ID)
    assert change.is_noop


def test_project_none_removes_the_sample_from_its_project_and_unset_leaves_it() -> None:
    removed = plan_sample(
        sample(), visibility=None, project_id=None, tags=None, ids_by_name={}, names_by_id=NAMES_BY_ID
    )
    assert removed.body == {"project": None}
    assert removed.rows == [("project", PROJECT, "None")]
    left = plan_sample(sample(), visibility=None, project_id=UNSET, tags=None, ids_by_name={}, names_by_id={})
    assert left.is_noop


def test_removing_every_tag_plans_an_empty_list_shown_as_none() -> None:
    change = plan_sample(
        sample(), visibility=None, project_id=UNSET, tags=TagRequest(("qc", "run-7"), "remove"),
        ids_by_name={"qc": QC, "run-7": RUN}, names_by_id=NAMES_BY_ID,
    )  # fmt: skip
    assert change.body == {"tags": []}
    assert change.create_tags == []
    assert change.rows == [("tags", "qc, run-7", "(none)")]


# -- finalise_tags ---------------------------------------------------------------------------------------------


def test_finalise_fills_placeholders_in_order_and_sends_tags_as_refs() -> None:
    body = {"visibility": "shared", "tags": [QC, None, RUN, None]}
    assert finalise_tags(body, {"a": OLD, "b": FOURTH}, ["a", "b"]) == {
        "visibility": "shared",
        "tags": [{"$ref": f"/api/v1/tags/{tag_id}"} for tag_id in (QC, OLD, RUN, FOURTH)],
    }
    assert body["tags"] == [QC, None, RUN, None]  # the planned body is left as it was


def test_finalise_copies_a_body_without_tags_unchanged() -> None:
    body = {"visibility": "shared"}
    finalised = finalise_tags(body, {}, [])
    assert finalised == {"visibility": "shared"}
    assert finalised is not body


# -- plan_metadata ---------------------------------------------------------------------------------------------


def record() -> dict[str, Any]:
    """Build a metadata record with a platform, a collection date and two custom keys.

    :return: The record as the API returns it.
    """
    return {
        "$uri": METADATA_URI,
        "platform": "Illumina",
        "date_collected": "2024-03-01T00:00:00+00:00",
        "custom": {"run": 7, "old": "x"},
    }


def test_merge_sends_changed_fields_and_the_whole_merged_custom_dict() -> None:
    fields = {"platform": "Illumina MiSeq", "date_collected": "2024-03-01T00:00:00Z"}  # the same instant
    assert plan_metadata(record(), fields, {"run": 8, "new": True}, "merge") == (
        {"platform": "Illumina MiSeq", "custom": {"run": 8, "old": "x", "new": True}},
        [
            ("platform", "'Illumina'", "'Illumina MiSeq'"),
            ("custom.new", "None", "True"),
            ("custom.run", "7", "8"),
        ],
    )


def test_replace_makes_custom_exactly_the_dict_given_and_shows_removed_keys() -> None:
    assert plan_metadata(record(), {}, {"run": 7}, "replace") == (
        {"custom": {"run": 7}},
        [("custom.old", "'x'", "(removed)")],
    )


@pytest.mark.parametrize(
    ("fields", "custom", "mode"),
    [
        pytest.param({"platform": "Illumina"}, {"run": 7}, "merge", id="merge of values already there"),
        pytest.param({}, {"run": 7, "old": "x"}, "replace", id="replace with the same dict"),
        pytest.param({"date_collected": "2024-03-01T01:00:00+01:00"}, None, "merge", id="the same date elsewhere"),
    ],
)
def test_a_record_already_as_asked_plans_nothing(fields: dict[str, Any], custom: Any, mode: Any) -> None:
    assert plan_metadata(record(), fields, custom, mode) == ({}, [])


def test_a_record_without_custom_gets_the_given_keys() -> None:
    assert plan_metadata({"custom": None}, {}, {"a": 1}, "merge") == ({"custom": {"a": 1}}, [("custom.a", "None", "1")])
