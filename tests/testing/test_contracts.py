"""The One Codex contract subset: committed file shape, violations recorded, requests still processed."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.contracts import (
    check_body,
    load_contract,
    operation_for,
    validate_onecodex_request,
)
from tests.testing.conftest import OC

SAMPLE = "7428cca4a3a04a8e"
META = "a7fc7e430e704e2e"


def enum_values(definition: str, field: str) -> list[str]:
    """Read the allowed values of an enum field from the contract .

    :param definition: ``"sample_patch"`` or ``"metadata_patch"``.
    :param field: Property name, e.g. ``"platform"``.
    :return: The enum values.
    :raises KeyError: If the property has no enum.
    """
    schema = load_contract()["$defs"][definition]["properties"][field]
    for option in [schema, *schema.get("anyOf", [])]:
        if "enum" in option:
            return list(option["enum"])
    raise KeyError(f"{definition}.{field} has no enum")


def test_committed_subset_is_self_contained_and_documented() -> None:
    text = resources.files("genomics_provider.testing.contracts").joinpath("onecodex_requests.json").read_text()
    contract = json.loads(text)
    assert "openapi.json" in contract["$comment"]
    assert set(contract["x-operations"].values()) == set(contract["$defs"])
    assert "#/components" not in text
    assert len(enum_values("metadata_patch", "platform")) == 45
    assert "awaiting data" in enum_values("sample_patch", "visibility")
    assert load_contract() is load_contract()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", f"/api/v1/samples/{SAMPLE}", {"visibility": "shared"}),
        ("PATCH", f"/api/v1/samples/{SAMPLE}", {"project": {"$ref": "/api/v1/projects/7e1a2b3c4d5e6f70"}}),
        ("PATCH", f"/api/v1/samples/{SAMPLE}", {"project": None, "tags": [{"$ref": "/api/v1/tags/42997b7a62634985"}]}),
        ("PATCH", f"/api/v1/samples/{SAMPLE}", {"tags": [{"name": "new"}]}),
        ("PATCH", f"/api/v1/metadata/{META}", {"platform": "Illumina MiSeq", "custom": {"a": 1, "b": None}}),
        ("PATCH", f"/api/v1/metadata/{META}", {"starred": False}),
        ("POST", "/api/v1/tags", {"name": "x", "sample": {"$ref": f"/api/v1/samples/{SAMPLE}"}}),
    ],
)
def test_good_bodies_pass(method: str, path: str, body: Any) -> None:
    assert check_body(method, path, body) == []


@pytest.mark.parametrize(
    ("method", "path", "body", "location"),
    [
        ("PATCH", f"/api/v1/samples/{SAMPLE}", {"status": "available"}, "$"),
        ("PATCH", f"/api/v1/samples/{SAMPLE}", {"project": "7e1a2b3c4d5e6f70"}, "$['project']"),
        ("PATCH", f"/api/v1/samples/{SAMPLE}", {"visibility": "hidden"}, "$['visibility']"),
        ("PATCH", f"/api/v1/metadata/{META}", {"sample": {"$ref": f"/api/v1/samples/{SAMPLE}"}}, "$"),
        ("PATCH", f"/api/v1/metadata/{META}", {"custom": {"a": {"b": 1}}}, "$['custom']"),
        ("PATCH", f"/api/v1/metadata/{META}", {"location_lat": 91}, "$['location_lat']"),
        ("PATCH", f"/api/v1/metadata/{META}", {"starred": None}, "$['starred']"),
        ("POST", "/api/v1/tags", {"name": "x"}, "$"),
        ("POST", "/api/v1/tags", {"name": "x" * 31, "sample": {"$ref": f"/api/v1/samples/{SAMPLE}"}}, "$['name']"),
    ],
)
def test_bad_bodies_are_violations(method: str, path: str, body: Any, location: str) -> None:
    found = check_body(method, path, body)
    assert found
    assert found[0].location == location
    assert found[0].operation == operation_for(method, path)


def test_non_contracted_calls_and_missing_bodies() -> None:
    assert check_body("GET", f"/api/v1/samples/{SAMPLE}", None) == []
    assert check_body("PUT", "/v2/files/x/tags", ["a"]) == []
    assert validate_onecodex_request("patch", f"/api/v1/samples/{SAMPLE}", None)[0].message == (
        "body is missing or not JSON"
    )


def test_emulator_records_violations_and_still_applies_its_rules(oc: requests.Session, emu: Emulator) -> None:
    good = oc.patch(f"{emu.url}{OC}/samples/{SAMPLE}", json={"visibility": "shared"})
    assert good.status_code == 200
    assert emu.contract_violations == []
    bare = oc.patch(f"{emu.url}{OC}/samples/{SAMPLE}", json={"project": "7e1a2b3c4d5e6f70"})
    assert bare.status_code == 200  # the legacy bare-id form is accepted by the emulator...
    (violation,) = emu.contract_violations  # ...but it is not in the vendor's current contract
    assert (violation.method, violation.path, violation.location) == (
        "PATCH", f"/api/v1/samples/{SAMPLE}", "$['project']"
    )  # fmt: skip
    oc.post(f"{emu.url}{OC}/tags", json={"name": "only-a-name"})
    assert len(emu.contract_violations) == 2
    checked = [validate_onecodex_request(r.method, r.path, r.body) for r in emu.recorder.writes()]
    assert [len(found) > 0 for found in checked] == [False, True, True]
    emu.reset()
    assert emu.contract_violations == []
