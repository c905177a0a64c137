"""The Seven Bridges file-count checks: which listed items count towards ``min_count``."""

from __future__ import annotations

from typing import Any

from genomics_provider.sevenbridges.query import check_query
from genomics_provider.sevenbridges.status import collect_matching_ids
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
