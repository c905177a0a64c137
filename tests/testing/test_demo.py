"""``make demo``'s reporting (demo): snapshots of both APIs, the before → after table, request counts, the chains."""

from __future__ import annotations

from genomics_provider.testing import Emulator
from genomics_provider.testing.demo import DEMO_CHAINS, diff_table, request_counts, snapshot
from genomics_provider.testing.recorder import RecordedRequest
from genomics_provider.testing.seeds_onecodex import SAMPLE_1

BAM = "65a100000000000000000201"


def recorded(method: str, path: str, status: int = 200) -> RecordedRequest:
    return RecordedRequest(0, "sevenbridges", method, path, {}, {}, None, "r", status=status)


def test_snapshot_flattens_the_curated_fields_of_both_apis(emu: Emulator) -> None:
    rows = snapshot(emu)
    assert rows[("One Codex", SAMPLE_1, "visibility")] == "private"
    assert rows[("One Codex", SAMPLE_1, "project")] == "(none)"
    assert rows[("One Codex", SAMPLE_1, "tags")] == "S. aureus, neg. control"
    assert rows[("One Codex", SAMPLE_1, "metadata.platform")] == "Illumina HiSeq"
    assert rows[("One Codex", SAMPLE_1, "custom.totalige")] == "112.0"
    assert rows[("Seven Bridges", f"file …{BAM[-6:]}", "name")] == "HCC1143.bam"
    assert rows[("Seven Bridges", f"file …{BAM[-6:]}", "tags")] == "WGS, tumor, bam"
    assert rows[("Seven Bridges", f"file …{BAM[-6:]}", "metadata.sample_id")] == "HCC1143"


def test_diff_table_lists_only_changed_rows_with_an_arrow() -> None:
    before = {("One Codex", "s1", "visibility"): "private", ("One Codex", "s1", "tags"): "a"}
    after = {("One Codex", "s1", "visibility"): "public", ("One Codex", "s1", "tags"): "a",
             ("One Codex", "s1", "custom.run"): "r1"}  # fmt: skip
    lines = diff_table(before, after).splitlines()
    assert lines[0].split() == ["api", "item", "field", "before", "after"]
    assert [line.split() for line in lines[1:]] == [
        ["One", "Codex", "s1", "custom.run", "(none)", "→", "r1"],
        ["One", "Codex", "s1", "visibility", "private", "→", "public"],
    ]
    assert diff_table(before, dict(before)) == "  nothing changed"


def test_request_counts_leave_bulk_gets_out_of_the_writes() -> None:
    calls = [recorded("GET", "/v2/files"), recorded("POST", "/v2/bulk/files/get"),
             recorded("POST", "/v2/bulk/files/edit", 429), recorded("PUT", "/v2/files/x/tags")]  # fmt: skip
    assert request_counts(calls) == "4 calls (GET 1, POST 2, PUT 1), 2 writes, 1 answered 429"
    assert request_counts([]) == "0 calls (none), 0 writes, 0 answered 429"


def test_every_chain_has_a_run_that_must_not_write() -> None:
    assert set(DEMO_CHAINS) == {
        "onecodex_sample_curation", "sevenbridges_tag_outputs", "onecodex_post_sequencing", "ui_publish_samples",
        "sequencing_run_sample_sheet",
    }  # fmt: skip
    for steps in DEMO_CHAINS.values():
        assert [step.expect_writes for step in steps].count(False) == 1
