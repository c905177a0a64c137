"""Fidelity: the official ``onecodex`` client drives the emulator (reads, a metadata write, auth refusals)."""

from __future__ import annotations

import os
from typing import Any

import pytest
import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.config import DEFAULT_ONECODEX_BEARER_TOKEN
from genomics_provider.testing.seeds_onecodex import SAMPLE_1, SAMPLE_EXTERNAL_PUBLIC
from tests.testing.conftest import OC_KEY

try:
    import onecodex
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("the official client is not installed: pip install 'onecodex>=1.2,<2'", allow_module_level=True)

META_1 = "a7fc7e430e704e2e"


def client(emu: Emulator, **credentials: str) -> Any:
    return onecodex.Api(base_url=emu.url, telemetry=False, load_extensions=False, **credentials)


def test_the_client_reads_samples_projects_and_tags(emu: Emulator) -> None:
    api = client(emu, api_key=OC_KEY)
    samples = api.Samples.all()
    assert len(samples) == 9
    assert samples[0].id == SAMPLE_1
    assert samples[0].updated_at.isoformat() == "2015-09-25T17:27:19.596555-07:00"
    sample = api.Samples.get(SAMPLE_1)
    assert (sample.filename, sample.metadata.name) == ("SRR2352185.fastq.gz", "sample 1")
    assert sorted(tag.name for tag in sample.tags) == ["S. aureus", "neg. control"]
    assert [s.id for s in api.Samples.where(filename="public_reference.fastq.gz")] == [SAMPLE_EXTERNAL_PUBLIC]
    assert [p.name for p in api.Projects.where(public=True)] == ["Read-only collaboration"]
    assert len(api.Tags.all()) == 7
    assert [(r.method, r.path, r.status) for r in emu.recorder][-1] == ("GET", "/api/v1/tags", 200)


def test_the_clients_metadata_write_conforms_to_the_contract(emu: Emulator) -> None:
    api = client(emu, api_key=OC_KEY)
    metadata = api.Samples.get(SAMPLE_1).metadata
    metadata.name = "renamed by the official client"
    metadata.save()
    assert emu.onecodex.metadata[META_1]["name"] == "renamed by the official client"
    assert emu.recorder.last("PATCH").body == {"name": "renamed by the official client"}
    assert emu.contract_violations == []


def test_the_client_with_a_jwt_is_accepted_and_with_an_api_key_as_bearer_is_refused(emu: Emulator) -> None:
    assert len(client(emu, bearer_token=DEFAULT_ONECODEX_BEARER_TOKEN).Samples.all()) == 9
    with pytest.raises(requests.HTTPError, match=r"^401 Client Error: Unauthorized for url: "):
        client(emu, bearer_token=OC_KEY).Samples.all()
    assert emu.recorder.last().status == 401
