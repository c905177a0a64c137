"""The Seven Bridges file query: refused naming the key and the rule, and serialised back to the argument."""

from __future__ import annotations

import json
from typing import Any

import pytest

from genomics_provider.exceptions import InvalidInputError
from genomics_provider.sevenbridges.query import FileQuery, check_query, query_to_dict
from tests.sevenbridges.helpers import FOLDER, PROJECT, TASK


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"project": PROJECT, "colour": "red"}, r"query: unknown key\(s\) 'colour'; use project, parent, name, tag"),
        (
            {"project": PROJECT, "parent": FOLDER},
            r"query: give exactly one of 'project' \('owner/project'\) and 'parent'",
        ),
        ({"tag": "raw"}, r"query: give exactly one of 'project'"),
        ({"project": "demo"}, r"query: project 'demo' is not a project id; use 'owner/project'"),
        ({"parent": "FOLDER"}, r"query: parent 'FOLDER' is not a folder id; ids are 24 lowercase hex characters"),
        ({"project": PROJECT, "tag": []}, r"query: tag = \[\] is not allowed; it must be a non-empty string or a"),
        ({"project": PROJECT, "name": ["a", 1]}, r"query: name = \['a', 1\] is not allowed"),
        ({"project": PROJECT, "origin.task": ["a", "b"]}, r"query: origin.task = \['a', 'b'\] is not allowed"),
        ({"project": PROJECT, "metadata.": "x"}, r"query: unknown key\(s\) 'metadata.'"),
    ],
)
def test_bad_queries_are_refused_naming_the_key_and_the_rule(value: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        check_query(value)


def test_a_query_holds_the_location_and_every_filter() -> None:
    query = check_query(
        {"project": PROJECT, "tag": ["raw"], "name": "a.bam", "metadata.sample_id": "S1", "origin.task": TASK}
    )

    assert query == FileQuery(
        project=PROJECT, names=("a.bam",), tags=("raw",), metadata={"sample_id": ("S1",)}, origin={"task": TASK}
    )
    assert check_query(f'{{"parent": "{FOLDER}"}}') == FileQuery(parent=FOLDER)


@pytest.mark.parametrize(
    "query",
    [
        {"project": PROJECT},
        {"parent": FOLDER, "name": "a.bam"},
        {"project": PROJECT, "tag": ["a", "b"], "metadata.sample_id": "S1", "metadata.case": ["c1", "c2"]},
        {"project": PROJECT, "origin.task": "t-1", "origin.dataset": "d"},
    ],
)
def test_query_to_dict_round_trips_through_check_query(query: dict[str, Any]) -> None:
    validated = check_query(query)
    as_dict = query_to_dict(validated)
    assert check_query(as_dict) == validated
    assert json.loads(json.dumps(as_dict)) == as_dict
