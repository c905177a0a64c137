"""What a paged Seven Bridges run remembers: the ids it has seen, and the file or project the extra link opens."""

from __future__ import annotations

from typing import Any

import pytest

from genomics_provider.sevenbridges.plan import FilePlan
from genomics_provider.sevenbridges.progress import SeenFiles
from tests.sevenbridges.helpers import PROJECT, A, B


@pytest.mark.parametrize(
    ("projects", "query_project", "expected"),
    [
        ({A: PROJECT}, None, (PROJECT, A)),
        ({A: PROJECT, B: PROJECT}, None, (PROJECT, None)),
        ({A: PROJECT, B: "other/p"}, None, None),
        ({A: PROJECT, B: "other/p"}, PROJECT, (PROJECT, None)),
        ({}, PROJECT, (PROJECT, None)),
        ({}, None, None),
    ],
    ids=["one file", "one project", "several projects", "query project", "nothing found", "nothing known"],
)
def test_the_link_opens_one_file_or_the_project_files(
    projects: dict[str, str | None], query_project: str | None, expected: Any
) -> None:
    seen = SeenFiles()
    seen.add([], FilePlan(projects=projects))
    assert seen.link_target(query_project) == expected


def test_the_link_is_the_same_when_the_files_arrive_over_several_pages() -> None:
    seen = SeenFiles()
    seen.add([{"id": A}], FilePlan(projects={A: PROJECT}))
    assert seen.link_target(None) == (PROJECT, A)
    seen.add([{"id": B}], FilePlan(projects={B: "other/p"}))
    assert (seen.count, seen.link_target(None), seen.link_target(PROJECT)) == (2, None, (PROJECT, None))
    assert seen.fresh([{"id": A}, {"id": "c" * 24}, {"name": "no id"}]) == [{"id": "c" * 24}, {"name": "no id"}]
