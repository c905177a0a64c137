"""One Codex representation (oc_model): $uri and $ref links, expand, link parsing."""

from __future__ import annotations

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.context import Context
from genomics_provider.testing.oc_model import (
    FIELDS,
    LINKS,
    LIST_LINKS,
    RefError,
    object_id,
    parse_ref,
    ref,
    render,
    uri,
)
from genomics_provider.testing.seeds_onecodex import (
    PROJECT_SOIL,
    SAMPLE_1,
    SAMPLE_SOIL_A1,
    TAG_NEG_CONTROL,
    TAG_QC_PASSED,
    TAG_S_AUREUS,
    USER_ME,
)
from tests.testing.conftest import OC


def test_sample_representation_uses_uri_and_ref_links(oc: requests.Session, emu: Emulator) -> None:
    body = oc.get(f"{emu.url}{OC}/samples/{SAMPLE_1}").json()
    assert body == {
        "$uri": f"/api/v1/samples/{SAMPLE_1}",
        "created_at": "2015-09-25T17:27:19.596555-07:00",
        "updated_at": "2015-09-25T17:27:19.596555-07:00",
        "error_msg": None,
        "filename": "SRR2352185.fastq.gz",
        "size": 181687821,
        "metadata": {"$ref": "/api/v1/metadata/a7fc7e430e704e2e"},
        "owner": {"$ref": f"/api/v1/users/{USER_ME}"},
        "primary_classification": {"$ref": "/api/v1/classifications/464a7ebcf9f84050"},
        "project": None,
        "tags": [{"$ref": f"/api/v1/tags/{TAG_S_AUREUS}"}, {"$ref": f"/api/v1/tags/{TAG_NEG_CONTROL}"}],
        "visibility": "private",
        "status": "available",
    }
    assert body == emu.onecodex.samples[SAMPLE_1]


def test_expand_all_goes_one_level(oc: requests.Session, emu: Emulator) -> None:
    body = oc.get(f"{emu.url}{OC}/samples/{SAMPLE_SOIL_A1}", params={"expand": "all"}).json()
    assert body["tags"] == [{"$uri": f"/api/v1/tags/{TAG_QC_PASSED}", "name": "qc-passed"}]
    assert body["project"]["project_name"] == "soil_2024"
    assert body["project"]["owner"] == {"$ref": f"/api/v1/users/{USER_ME}"}
    assert body["metadata"]["sample"] == {"$ref": f"/api/v1/samples/{SAMPLE_SOIL_A1}"}
    assert body["owner"]["email"] == "emulator-user@example.com"
    assert body["primary_classification"] == {"$ref": "/api/v1/classifications/6b8d0f2c4e6a8b0d"}


def test_uri_and_ref() -> None:
    assert uri("samples", "0123456789abcdef") == "/api/v1/samples/0123456789abcdef"
    assert ref("tags", "0123456789abcdef") == {"$ref": "/api/v1/tags/0123456789abcdef"}
    assert ref("projects", None) is None
    assert object_id({"$uri": "/api/v1/tags/0123456789abcdef"}) == "0123456789abcdef"


@pytest.mark.parametrize(
    "value",
    [{"$ref": f"/api/v1/projects/{PROJECT_SOIL}"}, PROJECT_SOIL, f"/api/v1/projects/{PROJECT_SOIL}"],
    ids=["ref", "bare-id", "uri-string"],
)
def test_parse_ref_accepts_every_link_form(value: object) -> None:
    assert parse_ref(value, "projects") == PROJECT_SOIL


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"$ref": f"/api/v1/projects/{PROJECT_SOIL}", "name": "x"}, "expected"),
        ({"$uri": f"/api/v1/projects/{PROJECT_SOIL}"}, "expected"),
        ({"name": "x"}, "expected"),
        (f"/api/v1/tags/{PROJECT_SOIL}", "points to tags, expected projects"),
        ("ABCDEF0123456789", "malformed projects id"),
        ("0123456789abcde", "malformed projects id"),
        (12, "a link must be"),
        (None, "a link must be"),
    ],
    ids=["ref-with-extra-keys", "uri-object-not-allowed", "no-link-key", "wrong-resource", "upper-case-hex",
         "15-digits", "number", "null"],
)  # fmt: skip
def test_parse_ref_refusals(value: object, message: str) -> None:
    with pytest.raises(RefError, match=message):
        parse_ref(value, "projects")


def test_a_full_object_is_a_link_only_where_allowed() -> None:
    value = {"$uri": f"/api/v1/projects/{PROJECT_SOIL}", "name": "Soil"}
    assert parse_ref(value, "projects", allow_uri_object=True) == PROJECT_SOIL
    assert parse_ref({"$ref": f"/api/v1/projects/{PROJECT_SOIL}"}, "projects", allow_uri_object=True) == PROJECT_SOIL


def test_render_is_a_copy_that_never_shares_the_state(ctx: Context) -> None:
    stored = ctx.onecodex.samples[SAMPLE_1]
    out = render("samples", stored, ctx.onecodex)
    out["tags"].append({"$ref": "/api/v1/tags/ffffffffffffffff"})
    out["owner"]["$ref"] = "changed"
    assert len(stored["tags"]) == 2
    assert stored["owner"] == {"$ref": f"/api/v1/users/{USER_ME}"}


def test_expand_keeps_a_dangling_link_and_expands_the_account(ctx: Context) -> None:
    stored = ctx.onecodex.samples[SAMPLE_1]
    stored["project"] = {"$ref": "/api/v1/projects/ffffffffffffffff"}
    expanded = render("samples", stored, ctx.onecodex, expand=True)
    assert expanded["project"] == {"$ref": "/api/v1/projects/ffffffffffffffff"}
    assert expanded["primary_classification"] == {"$ref": "/api/v1/classifications/464a7ebcf9f84050"}  # no table
    account = render("account", ctx.onecodex.accounts[USER_ME], ctx.onecodex, expand=True)
    assert account["user"]["$uri"] == f"/api/v1/users/{USER_ME}"


def test_fields_and_links_agree() -> None:
    for resource, links in LINKS.items():
        for key, target in links.items():
            if resource in FIELDS and key in FIELDS[resource]:
                assert FIELDS[resource][key] == f"link:{target}"
    assert FIELDS["samples"]["tags"] == "links:tags"
    assert LIST_LINKS == {"samples": {"tags": "tags"}}
