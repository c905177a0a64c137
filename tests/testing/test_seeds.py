"""Seeds (seeds.build_state): the demo and empty seeds, generated scale data, refusals."""

from __future__ import annotations

import time

import pytest
import requests

from genomics_provider.testing import Emulator, seeds, seeds_onecodex, seeds_sevenbridges
from genomics_provider.testing.seeds import SEEDS, build_state
from tests.testing.conftest import OC, START

SAMPLE_1 = "7428cca4a3a04a8e"
BAM = "65a100000000000000000201"


def test_empty_seed_has_users_but_no_data() -> None:
    with Emulator(seed="empty") as emu, requests.Session() as session:
        session.headers["X-API-Key"] = emu.config.onecodex_api_key
        assert session.get(f"{emu.url}{OC}/samples").json() == []
        assert session.get(f"{emu.url}{OC}/account").status_code == 200
        assert emu.sevenbridges.files == {}
        listing = requests.get(
            f"{emu.sevenbridges_url}/files", params={"project": "rfranklin/demo-project"},
            headers={"X-SBG-Auth-Token": emu.config.sevenbridges_token}, timeout=10
        )  # fmt: skip
        assert (listing.status_code, listing.json()["items"]) == (200, [])


def test_demo_seed_shape(emu: Emulator) -> None:
    oc, sb = emu.onecodex, emu.sevenbridges
    assert (len(oc.samples), len(oc.metadata), len(oc.tags), len(oc.projects), len(oc.users)) == (11, 11, 7, 3, 3)
    for sample_id in oc.samples:
        assert oc.metadata_for_sample(sample_id)["sample"] == {"$ref": f"/api/v1/samples/{sample_id}"}
    assert len(sb.files) == 30
    assert sum(f["type"] == "folder" for f in sb.files.values()) == 4
    assert all(len(file_id) == 24 for file_id in sb.files)
    run = [f for f in sb.files.values() if f.get("origin") == {"task": "8f9e2c1a-3b4d-4e5f-a6b7-c8d9e0f1a2b3"}]
    assert {f["metadata"]["sample_id"] for f in run} == {"HCC1143"}
    assert len(run) == 5


def test_scale_generation_is_fast_and_deterministic() -> None:
    started = time.monotonic()
    big = Emulator(sb_files=100_000, oc_samples=1000)
    assert time.monotonic() - started < 8
    assert (len(big.sevenbridges.files), len(big.onecodex.samples)) == (100_030, 1011)
    again = Emulator(sb_files=20_000)  # file i does not depend on the count
    assert again.sevenbridges.files[f"5ca1e{12345:019x}"] == big.sevenbridges.files[f"5ca1e{12345:019x}"]
    assert list(again.sevenbridges.files)[-3:] == list(big.sevenbridges.files)[19_997 + 30 : 20_000 + 30]


def test_only_the_known_seeds_and_non_negative_counts_are_accepted() -> None:
    assert SEEDS == ("demo", "empty")
    with pytest.raises(ValueError, match="unknown seed 'huge'; choose one of demo, empty"):
        build_state("huge", START)
    for counts in ({"sb_files": -1}, {"oc_samples": -1}):
        with pytest.raises(ValueError, match="must not be negative"):
            build_state("demo", START, **counts)


def test_every_build_is_fresh_state() -> None:
    first_oc, first_sb = build_state("demo", START)
    second_oc, second_sb = build_state("demo", START)
    first_oc.samples[SAMPLE_1]["tags"].clear()
    first_sb.files[BAM]["metadata"]["sample_id"] = "changed"
    assert len(second_oc.samples[SAMPLE_1]["tags"]) == 2
    assert second_sb.files[BAM]["metadata"]["sample_id"] == "HCC1143"


def test_the_seed_modules_are_reexported() -> None:
    assert seeds.onecodex is seeds_onecodex
    assert seeds.sevenbridges is seeds_sevenbridges
    assert set(seeds.__all__) == {"SEEDS", "build_state", "onecodex", "sevenbridges"}
