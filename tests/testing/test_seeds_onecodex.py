"""The One Codex seed (seeds_onecodex): fixed ids, the demo data and generated samples."""

from __future__ import annotations

from genomics_provider.testing import Emulator
from genomics_provider.testing.seeds_onecodex import (
    PROJECT_SOIL,
    SAMPLE_IMPORTING,
    TAG_DUPLICATE_1,
    USER_COLLEAGUE,
    USER_EXTERNAL,
    USER_ME,
    build_onecodex,
)
from tests.testing.conftest import START


def test_duplicate_tag_ids_are_distinct_objects(emu: Emulator) -> None:
    assert emu.onecodex.tag_ids_named("duplicate") == [TAG_DUPLICATE_1, "d2b4f6a8c0d3e5a7"]


def test_empty_seed_has_the_users_and_the_account_only() -> None:
    state = build_onecodex("empty", START)
    assert state.caller == USER_ME
    assert set(state.users) == {USER_ME, USER_COLLEAGUE, USER_EXTERNAL}
    assert list(state.accounts) == [USER_ME]
    assert (state.samples, state.tags, state.projects, state.metadata, state.imports) == ({}, {}, {}, {}, {})


def test_organisations_of_the_demo_users() -> None:
    state = build_onecodex("demo", START)
    assert state.org_of(USER_ME) == state.org_of(USER_COLLEAGUE) == "demo-lab"
    assert state.org_of(USER_EXTERNAL) == "other-institute"


def test_the_demo_import_starts_at_build_time_and_follows_the_configured_delay() -> None:
    state = build_onecodex("demo", START)
    assert state.imports == {SAMPLE_IMPORTING: (START, None)}
    assert state.samples[SAMPLE_IMPORTING]["status"] == "importing"


def test_every_sample_links_its_own_metadata_record_both_ways() -> None:
    state = build_onecodex("demo", START, generated=3)
    for sample_id, sample in state.samples.items():
        record = state.metadata_for_sample(sample_id)
        assert record["sample"] == {"$ref": f"/api/v1/samples/{sample_id}"}
        assert sample["updated_at"] == sample["created_at"]
        assert set(record) >= {"name", "platform", "custom", "starred", "updated_at"}


def test_generated_samples() -> None:
    state = build_onecodex("demo", START, generated=4)
    generated = [s for sid, s in state.samples.items() if sid.startswith("ee")]
    assert [s["$uri"].rsplit("/", 1)[1] for s in generated] == [f"ee{i:014x}" for i in range(4)]
    assert [s["project"] for s in generated] == [None, {"$ref": f"/api/v1/projects/{PROJECT_SOIL}"}] * 2
    assert [len(s["tags"]) for s in generated] == [1, 0, 0, 1]  # every third one is qc-passed
    assert state.metadata[f"ed{3:014x}"]["name"] == "generated 3"
    empty = build_onecodex("empty", START, generated=2)
    assert [(s["project"], s["tags"]) for s in empty.samples.values()] == [(None, []), (None, [])]
