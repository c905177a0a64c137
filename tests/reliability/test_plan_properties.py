"""Property tests of the plans: applying a plan with the vendor's write semantics reaches the desired state, and
planning again on the result finds nothing to do.

``tests/sevenbridges/test_plan.py`` already proves the desired-state functions (``desired_tags``,
``desired_metadata``) are fixed points; these go one step further for both vendors: plan → the exact wire body →
what the server does with it (PATCH replaces only the keys sent, ``tags`` and ``custom`` whole; Seven Bridges bulk
edit with either undocumented semantics, bulk update replacing everything) → plan again.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from genomics_provider.hooks.onecodex import id_from_link, ref
from genomics_provider.onecodex.plan import TagRequest, finalise_tags, plan_metadata, plan_sample
from genomics_provider.onecodex.rules import UNSET, check_metadata_fields
from genomics_provider.sevenbridges.plan import FileChange, plan_tags
from genomics_provider.sevenbridges.plan import plan_metadata as sb_plan_metadata
from genomics_provider.sevenbridges.rules import file_metadata

SAMPLE_ID = "7428cca4a3a04a8e"
FILE_ID = "65a100000000000000000201"
TAG_IDS = [f"{n:016x}" for n in range(1, 7)]
NAMES = ["qc", "S. aureus", "neg. control", "run-7", "new-a", "new-b"]
PROJECTS = ["4b53797444f846c4", "7e1a2b3c4d5e6f70"]

tag_id_lists = st.lists(st.sampled_from(TAG_IDS), max_size=6)
visibilities = st.sampled_from(["private", "shared", "public"])


@st.composite
def tag_requests(draw: st.DrawFn) -> tuple[TagRequest, dict[str, str | None]]:
    """Draw a tag request and which of its names already exist (an injective name → id map)."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    ids = draw(st.permutations(TAG_IDS))
    exists = draw(st.lists(st.booleans(), min_size=len(names), max_size=len(names)))
    ids_by_name = {name: (ids[i] if exists[i] else None) for i, name in enumerate(names)}
    return TagRequest(tuple(names), draw(st.sampled_from(["add", "remove", "replace"]))), ids_by_name


def onecodex_patch(sample: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Apply a sample PATCH as One Codex does: only the keys sent change; ``tags`` is replaced (stored once each).

    :param sample: The sample.
    :param body: The PATCH body.
    :return: The updated sample.
    """
    result = {**copy.deepcopy(sample), **copy.deepcopy(body)}
    if "tags" in body:
        result["tags"] = [ref("tags", tag_id) for tag_id in dict.fromkeys(id_from_link(t) for t in body["tags"])]
    return result


@settings(max_examples=150, deadline=None)
@given(
    tags=tag_id_lists,
    visibility=visibilities,
    project=st.sampled_from([None, *PROJECTS]),
    want_visibility=st.none() | visibilities,
    want_project=st.sampled_from([UNSET, None, *PROJECTS]),
    request=st.none() | tag_requests(),
)
def test_onecodex_sample_plan_reaches_the_desired_state_and_replanning_is_empty(
    tags: list[str], visibility: str, project: str | None, want_visibility: str | None, want_project: Any,
    request: tuple[TagRequest, dict[str, str | None]] | None,
) -> None:  # fmt: skip
    sample = {
        "$uri": f"/api/v1/samples/{SAMPLE_ID}",
        "visibility": visibility,
        "project": ref("projects", project) if project else None,
        "tags": [ref("tags", t) for t in tags],
    }
    tag_request, ids_by_name = request if request else (None, {})
    ids_by_name = dict(ids_by_name)

    def plan(current: dict[str, Any]) -> Any:
        return plan_sample(current, visibility=want_visibility, project_id=want_project, tags=tag_request,
                           ids_by_name=ids_by_name, names_by_id={})  # fmt: skip

    change = plan(sample)
    created = {name: f"{0xC0 + i:016x}" for i, name in enumerate(change.create_tags)}  # POST /tags, then the PATCH
    ids_by_name.update(created)
    after = onecodex_patch(sample, finalise_tags(change.body, created, change.create_tags))

    assert plan(after).is_noop
    assert after["visibility"] == (want_visibility or visibility)
    assert id_from_link(after["project"]) == (project if want_project is UNSET else want_project)
    now = [id_from_link(t) for t in after["tags"]]
    if tag_request is None:
        assert now == tags  # no tags key was sent
        return
    before, kept = list(dict.fromkeys(tags)), list(dict.fromkeys(now))
    wanted = {ids_by_name[name] for name in tag_request.names} - {None}
    if tag_request.mode == "add":
        assert wanted <= set(now)
        assert kept[: len(before)] == before  # existing tags kept, in order; new ones appended
    elif tag_request.mode == "remove":
        assert kept == [tag_id for tag_id in before if tag_id not in wanted]
    else:
        assert set(now) == wanted
        assert len(now) == len(wanted)


#: Text the validation accepts (no control characters or lone surrogates: genomics_provider.validation).
printable = st.characters(blacklist_categories=("Cc", "Cs"))
fields_strategy = st.fixed_dictionaries(
    {},
    optional={
        "name": st.text(printable, max_size=10),
        "platform": st.sampled_from(["Illumina HiSeq", "Illumina NovaSeq 6000", "Other"]),
        "location_lat": st.floats(-90, 90, allow_nan=False),
        "starred": st.booleans(),
        "date_collected": st.sampled_from([None, "2024-03-01", "2024-03-01T12:00:00+02:00"]),
        "library_type": st.none() | st.sampled_from(["WGS", "Other"]),
    },
)
custom_values = st.none() | st.booleans() | st.integers(-5, 5) | st.text(printable, max_size=4)
custom_dicts = st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), custom_values, max_size=4)


@settings(max_examples=150, deadline=None)
@given(
    current_fields=fields_strategy,
    current_custom=custom_dicts,
    fields=fields_strategy,
    custom=st.none() | custom_dicts,
    mode=st.sampled_from(["merge", "replace"]),
)
def test_onecodex_metadata_plan_reaches_the_desired_state_and_replanning_is_empty(
    current_fields: dict[str, Any], current_custom: dict[str, Any], fields: dict[str, Any],
    custom: dict[str, Any] | None, mode: Any,
) -> None:  # fmt: skip
    record = {"$uri": "/api/v1/metadata/a7fc7e430e704e2e", **check_metadata_fields(current_fields),
              "custom": current_custom}  # fmt: skip
    wanted = check_metadata_fields(fields)

    body, _ = plan_metadata(record, wanted, custom, mode)
    after = {**record, **copy.deepcopy(body)}  # PATCH: only the keys sent; custom replaced whole

    assert plan_metadata(after, wanted, custom, mode)[0] == {}
    assert not {"$uri", "sample", "updated_at"} & set(body)
    for name, value in wanted.items():
        assert plan_metadata(after, {name: value}, None, mode)[0] == {}
    if custom is None:
        assert after["custom"] == current_custom
    else:
        assert after["custom"] == ({**current_custom, **custom} if mode == "merge" else custom)


def bulk_apply(file: dict[str, Any], change: FileChange, edit_tags: str, edit_metadata: str) -> dict[str, Any]:
    """Apply one bulk item as Seven Bridges does: update replaces every field; edit keeps what is left out.

    :param file: The file.
    :param change: The planned change.
    :param edit_tags: Edit semantics for tags: ``replace`` or ``merge`` (undocumented, so both are tried).
    :param edit_metadata: Edit semantics for metadata: ``merge`` or ``replace``.
    :return: The updated file.
    """
    item, result = change.item, copy.deepcopy(file)
    if change.call == "update":
        result.update(name=item["name"], tags=list(item["tags"]), metadata=dict(item["metadata"]))
        return result
    if "tags" in item:
        merged = list(dict.fromkeys([*result["tags"], *item["tags"]]))
        result["tags"] = merged if edit_tags == "merge" else list(item["tags"])
    if "metadata" in item:
        kept = {**result["metadata"], **item["metadata"]}
        result["metadata"] = kept if edit_metadata == "merge" else dict(item["metadata"])
    return result


edit_semantics = st.sampled_from([("replace", "merge"), ("merge", "replace"), ("replace", "replace")])
sb_tags = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=6)
sb_metadata = st.dictionaries(st.sampled_from(["k1", "k2", "k3", "k4"]), st.none() | st.sampled_from(["x", "y"]),
                              max_size=4)  # fmt: skip


def expected_tags(current: list[str], tags: list[str], mode: str) -> list[str]:
    """The tag rule written out independently of the planner: existing order kept, new tags appended, no repeats."""
    kept = list(dict.fromkeys(current))
    if mode == "remove":
        return [tag for tag in kept if tag not in tags]
    if mode == "replace":
        kept = [tag for tag in kept if tag in tags]
    return kept + [tag for tag in dict.fromkeys(tags) if tag not in kept]


def sb_file(tags: list[str], metadata: dict[str, Any]) -> dict[str, Any]:
    return {"id": FILE_ID, "name": "a.bam", "type": "file", "project": "u/p", "tags": tags, "metadata": metadata}


@settings(max_examples=150, deadline=None)
@given(
    current=sb_tags,
    metadata=sb_metadata,
    tags=sb_tags.map(lambda t: list(dict.fromkeys(t))),
    mode=st.sampled_from(["add", "remove", "replace"]),
    semantics=edit_semantics,
)
def test_sevenbridges_tag_plan_reaches_the_desired_state_whatever_edit_does_and_replanning_is_empty(
    current: list[str], metadata: dict[str, Any], tags: list[str], mode: Any, semantics: tuple[str, str]
) -> None:
    if not tags and mode != "replace":
        tags = ["a"]
    file = sb_file(current, metadata)

    plan = plan_tags([file], tags, mode)
    after = bulk_apply(file, plan.changes[0], *semantics) if plan.changes else file

    assert plan_tags([after], tags, mode).unchanged == [FILE_ID]
    expected = expected_tags(current, tags, mode)
    if plan.changes:
        assert after["tags"] == expected
    else:  # nothing planned: the file must already be as asked (duplicates in a listing aside)
        assert list(dict.fromkeys(current)) == expected
    assert file_metadata(after) == file_metadata(file)  # tags never touch metadata


@settings(max_examples=150, deadline=None)
@given(
    current=sb_metadata,
    tags=sb_tags,
    given_map=sb_metadata,
    mode=st.sampled_from(["merge", "replace"]),
    semantics=edit_semantics,
)
def test_sevenbridges_metadata_plan_reaches_the_desired_state_whatever_edit_does_and_replanning_is_empty(
    current: dict[str, Any], tags: list[str], given_map: dict[str, Any], mode: Any, semantics: tuple[str, str]
) -> None:
    if mode == "replace":
        given_map = {key: value for key, value in given_map.items() if value is not None}
    elif not given_map:
        given_map = {"k1": "x"}
    file = sb_file(tags, current)

    plan = sb_plan_metadata([file], given_map, mode)
    after = bulk_apply(file, plan.changes[0], *semantics) if plan.changes else file

    assert sb_plan_metadata([after], given_map, mode).unchanged == [FILE_ID]
    expected = dict(given_map) if mode == "replace" else {**file_metadata(file), **given_map}
    assert file_metadata(after) == {key: value for key, value in expected.items() if value is not None}
    assert list(dict.fromkeys(after["tags"])) == list(dict.fromkeys(tags))  # metadata never touches tags
