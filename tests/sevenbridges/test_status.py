"""The Seven Bridges file-count checks: which listed items count towards ``min_count``, and when that is enough."""

from __future__ import annotations

from typing import Any

import pytest

from genomics_provider.curation.waiting import WaitVerdict
from genomics_provider.sevenbridges.query import check_query
from genomics_provider.sevenbridges.status import FileMatches, collect_matching_ids, decide_files
from tests.sevenbridges.helpers import PROJECT


def test_collect_matching_ids_skips_folders_and_files_outside_the_query() -> None:
    query = check_query({"project": PROJECT, "tag": "bam"})
    listing: list[Any] = [
        {"id": "a", "type": "file", "project": PROJECT, "tags": ["bam"]},
        {"id": "b", "type": "FOLDER", "project": PROJECT},
        {"id": "c", "type": "file", "project": PROJECT, "tags": ["vcf"]},
        {"id": "d", "type": "file", "project": PROJECT, "tags": ["bam", "x"]},
    ]
    matches = collect_matching_ids(iter(listing), query)
    assert matches.ids == ["a", "d"]
    assert (matches.folders, matches.unexpected) == (1, 1)


@pytest.mark.parametrize(
    ("found", "min_count", "state"),
    [(["a"], 2, "waiting"), (["a", "b"], 2, "done"), (["a", "b", "c"], 2, "done")],
    ids=["fewer-than-min_count-waits", "exactly-min_count-is-done", "more-than-min_count-is-done"],
)
def test_decide_files_is_done_once_min_count_files_match(found: list[str], min_count: int, state: str) -> None:
    verdict = decide_files(FileMatches(ids=found), min_count)
    assert (verdict.state, verdict.ids) == (state, found if state == "done" else [])
    assert verdict.message == f"{len(found)} Seven Bridges files match, {min_count} wanted"
    assert verdict.warnings == ()


def test_decide_files_warns_about_listed_files_that_do_not_match_the_query_waiting_or_done() -> None:
    matches = FileMatches(ids=["a"], folders=1, unexpected=2)
    warning = "The listing returned 2 files that do not match the query; not counted"
    message = "1 Seven Bridges files match, {} wanted (1 folder, 2 listed file(s) that do not match the query ignored)"
    assert decide_files(matches, 1) == WaitVerdict("done", message.format(1), ids=["a"], warnings=(warning,))
    assert decide_files(matches, 3) == WaitVerdict("waiting", message.format(3), warnings=(warning,))
