"""The recorder: order, shape, helpers, and no credential ever stored."""

from __future__ import annotations

import base64
import dataclasses
import json

import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.recorder import REDACTED, RecordedRequest, Recorder, redact_headers, scrub
from tests.testing.conftest import OC, OC_KEY, SB_TOKEN

SAMPLE = "7428cca4a3a04a8e"
BAM = "65a100000000000000000201"


def dump(emu: Emulator) -> str:
    return json.dumps([dataclasses.asdict(item) for item in emu.recorder], default=str)


def test_requests_are_recorded_in_order_with_parsed_bodies(
    oc: requests.Session, sb: requests.Session, emu: Emulator
) -> None:
    oc.get(f"{emu.url}{OC}/samples", params=[("where", '{"visibility": "public"}'), ("page", "1"), ("page", "2")])
    oc.patch(f"{emu.url}{OC}/samples/{SAMPLE}", json={"visibility": "shared"})
    sb.put(f"{emu.sevenbridges_url}/files/{BAM}/tags", json=["a"])
    first, second, third = emu.recorder.requests
    assert (first.seq, first.api, first.method, first.path) == (1, "onecodex", "GET", "/api/v1/samples")
    assert first.query == {"where": ['{"visibility": "public"}'], "page": ["1", "2"]}
    assert (first.body, first.status) == (None, 200)
    assert (second.method, second.body, second.status) == ("PATCH", {"visibility": "shared"}, 200)
    assert (third.api, third.body, third.status) == ("sevenbridges", ["a"], 200)
    assert second.headers["content-type"] == "application/json"


def test_helpers(oc: requests.Session, sb: requests.Session, emu: Emulator) -> None:
    oc.get(f"{emu.url}{OC}/samples/{SAMPLE}")
    oc.patch(f"{emu.url}{OC}/samples/{SAMPLE}", json={"visibility": "shared"})
    oc.patch(f"{emu.url}{OC}/samples/{SAMPLE}", json={"visibility": "private"})
    sb.patch(f"{emu.sevenbridges_url}/files/{BAM}/metadata", json={"k": "v"})
    assert emu.recorder.count("PATCH", "/api/v1/samples/") == 2
    assert emu.recorder.count("patch") == 3
    assert emu.recorder.count(path="/v2/files/*/metadata") == 1
    assert emu.recorder.count(api="onecodex") == 3
    assert [r.method for r in emu.recorder.writes()] == ["PATCH", "PATCH", "PATCH"]
    assert len(emu.recorder.writes(api="sevenbridges")) == 1
    assert emu.recorder.last("PATCH", "/api/v1/").body == {"visibility": "private"}
    assert len(emu.recorder) == 4
    emu.recorder.clear()
    assert emu.recorder.requests == []


def test_no_credential_is_ever_stored(emu: Emulator) -> None:
    basic = base64.b64encode(f"{OC_KEY}:".encode()).decode()
    requests.get(f"{emu.url}{OC}/account", headers={"X-API-Key": OC_KEY}, timeout=10)
    requests.get(f"{emu.url}{OC}/account", headers={"Authorization": f"Basic {basic}"}, timeout=10)
    requests.get(f"{emu.url}{OC}/account", headers={"Authorization": f"Bearer {OC_KEY}"}, timeout=10)
    requests.get(f"{emu.sevenbridges_url}/user", headers={"X-SBG-Auth-Token": SB_TOKEN}, timeout=10)
    requests.get(f"{emu.sevenbridges_url}/user", headers={"Authorization": f"Bearer {SB_TOKEN}"}, timeout=10)
    requests.get(f"{emu.sevenbridges_url}/user", headers={"X-SBG-Auth-Token": "a-wrong-token-value"}, timeout=10)
    requests.get(
        f"{emu.sevenbridges_url}/files", params={"leak": SB_TOKEN}, headers={"X-SBG-Auth-Token": SB_TOKEN}, timeout=10
    )
    requests.post(
        f"{emu.url}{OC}/tags", json={"name": OC_KEY[:30], "note": OC_KEY}, headers={"X-API-Key": OC_KEY}, timeout=10
    )
    text = dump(emu)
    for secret in (OC_KEY, SB_TOKEN, basic, "a-wrong-token-value"):
        assert secret not in text
    assert len(emu.recorder) == 8
    for item in emu.recorder:
        for name in ("x-api-key", "authorization", "x-sbg-auth-token"):
            assert item.headers.get(name, REDACTED) == REDACTED
    assert emu.recorder.requests[6].query == {"leak": [REDACTED]}
    assert emu.recorder.requests[7].body["note"] == REDACTED


def test_scrub_and_redact_units() -> None:
    assert scrub({"a": ["xSECRETx", {"SECRET": 1}]}, ["SECRET", ""]) == {"a": ["x***x", {"***": 1}]}
    assert redact_headers({"authorization": "Bearer t", "x-other": "t!"}, ["t!"]) == {
        "authorization": REDACTED, "x-other": REDACTED
    }  # fmt: skip
    recorder = Recorder()
    recorder.append(RecordedRequest(recorder.next_seq(), "onecodex", "GET", "/a", {}, {}, None, "r1"))
    assert recorder.last().request_id == "r1"
    assert recorder.filter(api="sevenbridges") == []


def test_malformed_json_is_recorded_as_text(oc: requests.Session, emu: Emulator) -> None:
    oc.patch(f"{emu.url}{OC}/samples/{SAMPLE}", data="{not json", headers={"Content-Type": "application/json"})
    assert emu.recorder.last().body == "{not json"
    assert emu.recorder.last().status == 400
