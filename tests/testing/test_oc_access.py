"""One Codex access rules (oc_access): who may see, list and edit which sample."""

from __future__ import annotations

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.context import Context
from genomics_provider.testing.errors import WERKZEUG_MESSAGES
from genomics_provider.testing.http import ApiError
from genomics_provider.testing.oc_access import (
    can_edit_metadata,
    can_see,
    scope_samples,
    visible_metadata,
    visible_sample,
)
from genomics_provider.testing.oc_model import object_id
from genomics_provider.testing.seeds_onecodex import (
    PROJECT_TEST,
    SAMPLE_1,
    SAMPLE_COLLEAGUE_PRIVATE,
    SAMPLE_COLLEAGUE_SHARED,
    SAMPLE_EXTERNAL_PUBLIC,
    SAMPLE_SOIL_A2,
    USER_EXTERNAL,
    USER_ME,
)
from tests.testing.conftest import LISTED, MINE, OC, ids, listing


def test_visibility_rules_for_other_users_samples(oc: requests.Session, emu: Emulator) -> None:
    hidden = oc.get(f"{emu.url}{OC}/samples/{SAMPLE_COLLEAGUE_PRIVATE}")
    assert hidden.status_code == 404
    assert hidden.json() == {"message": WERKZEUG_MESSAGES[404], "status": 404}
    assert oc.get(f"{emu.url}{OC}/samples/{SAMPLE_COLLEAGUE_SHARED}").status_code == 200
    assert oc.get(f"{emu.url}{OC}/samples/{SAMPLE_EXTERNAL_PUBLIC}").status_code == 200
    assert oc.get(f"{emu.url}{OC}/samples/ffffffffffffffff").status_code == 404
    assert oc.get(f"{emu.url}{OC}/samples/not-an-id").status_code == 404
    emu.config.hidden_sample_status = 403
    assert oc.get(f"{emu.url}{OC}/samples/{SAMPLE_COLLEAGUE_PRIVATE}").status_code == 403


def test_the_three_sample_lists(oc: requests.Session, emu: Emulator) -> None:
    assert ids(listing(oc, emu)) == LISTED
    assert ids(listing(oc, emu, "/samples/public")) == [SAMPLE_SOIL_A2, SAMPLE_EXTERNAL_PUBLIC]
    assert ids(listing(oc, emu, "/samples/organization")) == [*MINE, SAMPLE_COLLEAGUE_SHARED]


def test_who_may_see_a_sample(ctx: Context) -> None:
    state, samples = ctx.onecodex, ctx.onecodex.samples
    assert can_see(state, samples[SAMPLE_1], USER_ME)  # own, private
    assert not can_see(state, samples[SAMPLE_COLLEAGUE_PRIVATE], USER_ME)
    assert can_see(state, samples[SAMPLE_COLLEAGUE_SHARED], USER_ME)  # shared, same organisation
    assert not can_see(state, samples[SAMPLE_COLLEAGUE_SHARED], USER_EXTERNAL)  # shared, another organisation
    assert can_see(state, samples[SAMPLE_EXTERNAL_PUBLIC], USER_EXTERNAL)
    samples[SAMPLE_COLLEAGUE_PRIVATE]["project"] = {"$ref": f"/api/v1/projects/{PROJECT_TEST}"}
    assert can_see(state, samples[SAMPLE_COLLEAGUE_PRIVATE], USER_ME)  # in a project the caller can see


def test_who_may_edit_metadata_or_tag(ctx: Context) -> None:
    state, samples = ctx.onecodex, ctx.onecodex.samples
    assert can_edit_metadata(state, samples[SAMPLE_1], USER_ME)
    assert not can_edit_metadata(state, samples[SAMPLE_COLLEAGUE_SHARED], USER_ME)  # visible is not editable
    assert not can_edit_metadata(state, samples[SAMPLE_EXTERNAL_PUBLIC], USER_ME)  # project without the right
    samples[SAMPLE_COLLEAGUE_SHARED]["project"] = {"$ref": f"/api/v1/projects/{PROJECT_TEST}"}
    assert can_edit_metadata(state, samples[SAMPLE_COLLEAGUE_SHARED], USER_ME)


def test_deleted_samples_are_in_no_list_and_answer_404(ctx: Context) -> None:
    ctx.onecodex.samples[SAMPLE_1]["status"] = "deleted"
    for scope in ("mine", "public", "organization"):
        assert SAMPLE_1 not in [object_id(s) for s in scope_samples(ctx.onecodex, scope, USER_ME)]
    with pytest.raises(ApiError) as raised:
        visible_sample(ctx, SAMPLE_1, USER_ME)
    assert raised.value.reply.body == {"message": WERKZEUG_MESSAGES[404], "status": 404}


def test_a_hidden_sample_answers_the_configured_status(ctx: Context) -> None:
    assert visible_sample(ctx, SAMPLE_COLLEAGUE_SHARED, USER_ME) is ctx.onecodex.samples[SAMPLE_COLLEAGUE_SHARED]
    for status in (404, 403):
        ctx.config.hidden_sample_status = status
        with pytest.raises(ApiError) as raised:
            visible_sample(ctx, SAMPLE_COLLEAGUE_PRIVATE, USER_ME)
        assert raised.value.reply.status == status


def test_visible_metadata_needs_an_existing_visible_sample(ctx: Context) -> None:
    record, sample = visible_metadata(ctx, "a7fc7e430e704e2e", USER_ME)
    assert (record, sample) == (ctx.onecodex.metadata["a7fc7e430e704e2e"], ctx.onecodex.samples[SAMPLE_1])
    del ctx.onecodex.samples[SAMPLE_1]  # an orphaned record
    for metadata_id in ("a7fc7e430e704e2e", "0" * 16):
        with pytest.raises(ApiError) as raised:
            visible_metadata(ctx, metadata_id, USER_ME)
        assert raised.value.reply.status == 404
