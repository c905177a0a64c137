"""Seven Bridges representation (sb_model): the list envelope, fields selection, offset and limit."""

from __future__ import annotations

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.context import Context
from genomics_provider.testing.http import ApiError
from genomics_provider.testing.sb_model import (
    api_base,
    envelope,
    fields_param,
    file_json,
    paging,
    project_json,
    select_fields,
)
from genomics_provider.testing.seeds_sevenbridges import FOLDER_FASTQ, PROJECT_DEMO, TASK_RUN_1
from tests.testing.conftest import make_call
from tests.testing.conftest import sb_files as files

BAM = "65a100000000000000000201"
BAI = "65a100000000000000000202"
VCF = "65a100000000000000000203"


def test_list_project_root_with_default_fields_and_envelope(sb: requests.Session, emu: Emulator) -> None:
    response = files(sb, emu, {"project": PROJECT_DEMO, "limit": 5})
    assert response.status_code == 200
    assert response.headers["X-Total-Matching-Query"] == "14"
    body = response.json()
    assert body["href"] == response.url == f"{emu.sevenbridges_url}/files?project=rfranklin%2Fdemo-project&limit=5"
    assert body["items"][0] == {
        "href": f"{emu.sevenbridges_url}/files/{FOLDER_FASTQ}", "id": FOLDER_FASTQ, "name": "fastq", "type": "folder",
        "project": PROJECT_DEMO, "parent": "65f000000000000000000001",
    }  # fmt: skip
    assert body["links"] == [
        {"href": f"{emu.sevenbridges_url}/files?project={PROJECT_DEMO}&offset=5&limit=5", "rel": "next",
         "method": "GET"}
    ]  # fmt: skip
    second = sb.get(body["links"][0]["href"]).json()
    assert [link["rel"] for link in second["links"]] == ["next", "prev"]
    last = files(sb, emu, {"project": PROJECT_DEMO, "limit": 5, "offset": 10}).json()
    assert len(last["items"]) == 4
    assert [link["rel"] for link in last["links"]] == ["prev"]


def test_limit_above_100_is_capped_or_rejected() -> None:
    with Emulator(seed="demo", sb_files=150, rate_limit_enabled=False) as emu, requests.Session() as sb:
        sb.headers["X-SBG-Auth-Token"] = emu.config.sevenbridges_token
        capped = files(sb, emu, {"project": "rfranklin/scale-test", "limit": 500})
        assert len(capped.json()["items"]) == 100
        assert capped.headers["X-Total-Matching-Query"] == "150"
        assert capped.json()["links"][0]["href"].endswith("offset=100&limit=100")
        assert len(files(sb, emu, {"project": "rfranklin/scale-test"}).json()["items"]) == 50
        emu.config.limit_over_max = "reject"
        assert files(sb, emu, {"project": "rfranklin/scale-test", "limit": 101}).status_code == 400


def test_fields_selection(sb: requests.Session, emu: Emulator) -> None:
    params = {"project": PROJECT_DEMO, "name": "HCC1143.bam"}
    full = files(sb, emu, {**params, "fields": "_all"}).json()["items"][0]
    assert full["tags"] == ["WGS", "tumor", "bam"]
    assert full["metadata"]["sample_id"] == "HCC1143"
    assert full["origin"] == {"task": TASK_RUN_1}
    assert full == sb.get(f"{emu.sevenbridges_url}/files/{BAM}").json()
    assert files(sb, emu, {**params, "fields": "id,name"}).json()["items"] == [{"id": BAM, "name": "HCC1143.bam"}]
    single = sb.get(f"{emu.sevenbridges_url}/files/{BAM}", params={"fields": "!metadata,!tags"}).json()
    assert "metadata" not in single
    assert single["size"] == 63703339


FULL = {"href": "h", "id": "i", "name": "n", "type": "file", "tags": ["t"], "metadata": {"k": "v"}}


@pytest.mark.parametrize(
    ("spec", "default", "keys"),
    [
        (None, ("href", "id"), ["href", "id"]),
        ("", None, list(FULL)),
        ("_all", ("id",), list(FULL)),
        ("name,id", ("href",), ["id", "name"]),
        (" name , ,id ", None, ["id", "name"]),
        ("!tags,!metadata", ("id",), ["href", "id", "name", "type"]),
        ("_all,!tags", ("id",), ["href", "id", "name", "type", "metadata"]),
        ("id,name,!name", None, ["id"]),
        ("nonexistent", None, []),
    ],
    ids=["default-subset", "single-resource-everything", "all", "chosen-in-object-order", "spaces-and-blanks",
         "exclusions-only-mean-everything-else", "all-minus-one", "exclusion-wins", "unknown-field"],
)  # fmt: skip
def test_select_fields(spec: str | None, default: tuple[str, ...] | None, keys: list[str]) -> None:
    assert list(select_fields(FULL, spec, default)) == keys


@pytest.mark.parametrize(
    ("query", "cap", "expected"),
    [("", "cap", (0, 50)), ("offset=10&limit=7", "cap", (10, 7)), ("limit=500", "cap", (0, 100)),
     ("limit=100", "reject", (0, 100)), ("limit=&offset=", "cap", (0, 50))],
)  # fmt: skip
def test_paging(query: str, cap: str, expected: tuple[int, int]) -> None:
    assert paging(make_call("/v2/files", query), cap) == expected


@pytest.mark.parametrize("query", ["limit=101", "limit=0", "offset=-1", "offset=1.5", "limit=ten"])
def test_paging_refusals_are_5033(query: str) -> None:
    with pytest.raises(ApiError) as raised:
        paging(make_call("/v2/files", query), "reject")
    assert (raised.value.reply.status, raised.value.reply.body["code"]) == (400, 5033)


def test_envelope_keeps_the_query_and_moves_only_offset() -> None:
    call = make_call("/v2/files", "project=a/b&tag=x&offset=3&limit=5")
    body = envelope(call, "/files", [{"id": "1"}], total=20, offset=3, limit=5)
    assert body["href"] == "http://emu.test/v2/files?project=a/b&tag=x&offset=3&limit=5"
    assert body["links"] == [
        {"href": "http://emu.test/v2/files?project=a/b&tag=x&offset=8&limit=5", "rel": "next", "method": "GET"},
        {"href": "http://emu.test/v2/files?project=a/b&tag=x&offset=0&limit=5", "rel": "prev", "method": "GET"},
    ]
    assert envelope(make_call("/v2/files"), "/files", [], 0, 0, 50) == {
        "href": "http://emu.test/v2/files", "items": [], "links": []
    }  # fmt: skip


def test_rendered_files_and_projects_lead_with_an_absolute_href(ctx: Context) -> None:
    call = make_call()
    assert api_base(call) == "http://emu.test/v2"
    rendered = file_json(call, ctx.sevenbridges.files[BAM])
    assert next(iter(rendered)) == "href"
    assert rendered["href"] == f"http://emu.test/v2/files/{BAM}"
    rendered["tags"].append("not-stored")
    assert ctx.sevenbridges.files[BAM]["tags"] == ["WGS", "tumor", "bam"]
    project = project_json(call, ctx.sevenbridges.projects[PROJECT_DEMO])
    assert project["href"] == f"http://emu.test/v2/projects/{PROJECT_DEMO}"


def test_fields_param_joins_repeated_values() -> None:
    assert fields_param(make_call("/v2/files", "fields=id&fields=name")) == "id,name"
    assert fields_param(make_call("/v2/files")) is None
