"""The in-memory state (state): id helpers, imports, the Seven Bridges children index and add_file."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.context import Context
from genomics_provider.testing.seeds_onecodex import SAMPLE_1, SAMPLE_GUT
from genomics_provider.testing.seeds_sevenbridges import FOLDER_LANE2, PROJECT_DEMO, ROOT_DEMO
from genomics_provider.testing.state import (
    OC_ID,
    OneCodexState,
    SevenBridgesState,
    json_copy,
    link_id,
    oc_timestamp,
    sb_timestamp,
)
from tests.testing.conftest import START
from tests.testing.conftest import sb_files as files

BAM = "65a100000000000000000201"


def test_added_files_are_listed(sb: requests.Session, emu: Emulator) -> None:
    added = emu.sevenbridges.add_file({"name": "new.txt", "project": "rfranklin/demo-project", "tags": ["fresh"]})
    listing = sb.get(f"{emu.sevenbridges_url}/files", params={"project": "rfranklin/demo-project", "tag": "fresh"})
    assert [item["id"] for item in listing.json()["items"]] == [added["id"]]


def test_listing_follows_files_added_or_deleted_directly_in_the_state(sb: requests.Session, emu: Emulator) -> None:
    state = emu.sevenbridges
    root = {"project": "rfranklin/demo-project", "limit": 100}
    before = [item["id"] for item in files(sb, emu, root).json()["items"]]

    del state.files[before[0]]  # behind add_file's back
    added = state.add_file({"name": "late.bam", "project": "rfranklin/demo-project"})
    listed = [item["id"] for item in files(sb, emu, root).json()["items"]]

    assert listed == [*before[1:], added["id"]]
    assert files(sb, emu, root).headers["X-Total-Matching-Query"] == str(len(before))


def test_timestamps_of_each_api() -> None:
    assert oc_timestamp(0) == "1970-01-01T00:00:00.000000+00:00"
    assert oc_timestamp(START + 0.25) == "2023-11-14T22:13:20.250000+00:00"
    assert sb_timestamp(START + 0.75) == "2023-11-14T22:13:20Z"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ({"$ref": "/api/v1/tags/abc"}, "abc"), ({"$uri": "/api/v1/tags/def"}, "def"), ("bare", "bare"),
     ("/api/v1/projects/xyz", "xyz"), ({}, "")],
)  # fmt: skip
def test_link_id(value: Any, expected: str | None) -> None:
    assert link_id(value) == expected


def test_json_copy_shares_no_dict_or_list() -> None:
    stored = {"a": [{"b": 1}], "c": "text"}
    copied = json_copy(stored)
    copied["a"][0]["b"] = 2
    copied["a"].append(3)
    assert stored == {"a": [{"b": 1}], "c": "text"}


def test_new_ids_are_deterministic_and_skip_taken_ones() -> None:
    first, second = OneCodexState(), OneCodexState()
    ids = [first.new_id("tags") for _ in range(3)]
    assert ids == [second.new_id("tags") for _ in range(3)]
    assert all(OC_ID.match(i) for i in ids)
    third = OneCodexState()
    third.samples[ids[0]] = {}
    assert third.new_id("tags") == ids[1]
    sb = SevenBridgesState()
    sb_first = sb.new_id()
    assert len(sb_first) == 24
    sb.files[sb.new_id()] = {}
    assert [SevenBridgesState().new_id() for _ in range(1)] == [sb_first]


def test_an_import_finishes_after_its_own_delay_or_the_default(ctx: Context) -> None:
    state = ctx.onecodex
    state.imports.clear()
    state.start_import(SAMPLE_1, now=100, delay_s=5)
    state.start_import(SAMPLE_GUT, now=100)
    assert (state.samples[SAMPLE_1]["status"], state.samples[SAMPLE_1]["visibility"]) == ("importing", "importing")
    assert state.samples[SAMPLE_1]["primary_classification"] is None
    assert state.advance_imports(104.9, default_delay_s=10) == []
    assert state.advance_imports(105, default_delay_s=10) == [SAMPLE_1]
    assert state.samples[SAMPLE_1]["updated_at"] == oc_timestamp(105)
    assert (state.samples[SAMPLE_1]["status"], state.samples[SAMPLE_1]["visibility"]) == ("available", "private")
    assert state.samples[SAMPLE_1]["primary_classification"]["$ref"].startswith("/api/v1/classifications/")
    assert state.advance_imports(110, default_delay_s=10) == [SAMPLE_GUT]
    assert state.imports == {}


def test_an_import_of_a_deleted_sample_is_dropped(ctx: Context) -> None:
    state = ctx.onecodex
    state.start_import(SAMPLE_1, now=0, delay_s=1)
    del state.samples[SAMPLE_1]
    assert SAMPLE_1 in state.advance_imports(1, default_delay_s=60)
    assert SAMPLE_1 not in state.imports


def test_sample_tag_helpers(ctx: Context) -> None:
    state = ctx.onecodex
    assert state.sample_tag_names(SAMPLE_1) == ["S. aureus", "neg. control"]
    state.samples[SAMPLE_1]["tags"].append({"$ref": "/api/v1/tags/ffffffffffffffff"})
    assert state.sample_tag_ids(SAMPLE_1)[-1] == "ffffffffffffffff"
    assert state.sample_tag_names(SAMPLE_1) == ["S. aureus", "neg. control"]  # unknown ids skipped
    assert state.org_of(None) is None
    with pytest.raises(KeyError):
        state.metadata_for_sample("ffffffffffffffff")


def test_add_file_fills_defaults_for_files_but_not_folders(ctx: Context) -> None:
    state = ctx.sevenbridges
    added = state.add_file({"name": "x.txt", "project": PROJECT_DEMO}, read_only=True)
    assert {k: added[k] for k in ("type", "parent", "size", "tags", "metadata", "origin")} == {
        "type": "file", "parent": ROOT_DEMO, "size": 0, "tags": [], "metadata": {}, "origin": {}
    }  # fmt: skip
    assert added["modified_on"] == added["created_on"] == "2024-01-01T00:00:00Z"
    assert added["id"] in state.read_only
    folder = state.add_file({"name": "dir", "project": PROJECT_DEMO, "type": "folder"})
    assert "tags" not in folder
    assert "metadata" not in folder
    assert state.children(ROOT_DEMO)[-2:] == [added["id"], folder["id"]]


def test_reindex_after_moving_a_file_in_place(ctx: Context) -> None:
    state = ctx.sevenbridges
    assert BAM in state.children(ROOT_DEMO)
    state.files[BAM]["parent"] = FOLDER_LANE2
    assert BAM in state.children(ROOT_DEMO)  # the index does not see an in-place change
    state.reindex()
    assert BAM not in state.children(ROOT_DEMO)
    assert state.children(FOLDER_LANE2)[-1] == BAM
