"""What a Seven Bridges request carries, checked before it is sent: ids, bulk items, metadata pairs, listing queries.

Plain calls: every check raises before any request could be built, with a message naming the argument and the rule.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks._sevenbridges_query import (
    BULK_LIMIT,
    check_pairs,
    checked_id,
    checked_items,
    list_params,
    query_of,
)
from genomics_provider.sevenbridges import limits
from genomics_provider.sevenbridges.query import FileQuery

FILE = "5a0000000000000000000001"
FOLDER = "5f0000000000000000000001"
PROJECT = "rfranklin/demo"
HEX_RULE = "is not valid; each id must be 24 lowercase hex characters"


def test_the_bulk_limit_is_the_vendors_limit() -> None:
    assert BULK_LIMIT == limits.BULK_LIMIT == 100


def test_a_good_id_is_returned_as_it_is() -> None:
    assert checked_id(FILE) == FILE


@pytest.mark.parametrize(
    ("value", "argument", "message"),
    [
        pytest.param("ABC", None, f"file id: 'ABC' {HEX_RULE}", id="too short and upper case"),
        pytest.param(FILE.upper(), "parent", f"parent: '{FILE.upper()}' {HEX_RULE}", id="upper case, named argument"),
        pytest.param("../" + FILE[3:], None, f"file id: '../{FILE[3:]}' {HEX_RULE}", id="a path escape"),
    ],
)
def test_a_bad_id_is_refused_naming_the_argument(value: str, argument: str | None, message: str) -> None:
    with pytest.raises(InvalidInputError, match=f"^{re.escape(message)}$"):
        checked_id(value) if argument is None else checked_id(value, argument)


def test_checked_items_returns_the_items_it_was_given() -> None:
    items: list[Any] = [{"id": FILE, "tags": ["a"]}, {"id": FOLDER}]

    assert checked_items(items) is items


@pytest.mark.parametrize(
    ("items", "message"),
    [
        pytest.param([{"id": FILE}, {"id": "bad"}], f"items[1] id: 'bad' {HEX_RULE}", id="the second id is bad"),
        pytest.param([{"tags": []}], f"items[0] id: None {HEX_RULE}", id="no id at all"),
        pytest.param(
            [{"id": FILE, "metadata": {"r": float("nan")}}],
            "items[0]: metadata.r = nan is not a finite number; NaN and Infinity cannot be sent as JSON",
            id="a NaN inside an item",
        ),
    ],
)
def test_checked_items_refuses_the_first_bad_item(items: list[Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=f"^{re.escape(message)}$"):
        checked_items(items)


def test_check_pairs_allows_line_breaks_in_values_and_non_string_values() -> None:
    check_pairs({"note": "line one\nline two\ttabbed", "count": 3, "ratio": None})


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        pytest.param(
            {"a\x00": "v"},
            r"metadata: key 'a\x00' contains a NUL character (U+0000); metadata keys must be printable text",
            id="a NUL in a key",
        ),
        pytest.param(
            {"k": "v\x01"},
            r"metadata: value of 'k' 'v\x01' contains a control character (U+0001); metadata values must be "
            "printable text (tab and line breaks are allowed)",
            id="a control character in a value",
        ),
        pytest.param(
            {"k\n": "v"},
            r"metadata: key 'k\n' contains a control character (U+000A); metadata keys must be printable text",
            id="a line break in a key",
        ),
    ],
)
def test_check_pairs_refuses_control_characters(metadata: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_pairs(metadata)

    assert str(caught.value) == message


def test_query_of_builds_the_query_from_the_keyword_arguments() -> None:
    query = query_of(None, PROJECT, None, ["a.bam"], ["raw"], {"sample": "S1", "lane": ["1", "2"]}, {"task": "t"})

    assert query == FileQuery(
        project=PROJECT,
        names=("a.bam",),
        tags=("raw",),
        metadata={"sample": ("S1",), "lane": ("1", "2")},
        origin={"task": "t"},
    )


def test_query_of_with_nothing_is_an_empty_query() -> None:
    assert query_of(None, None, None, None, None, None, None) == FileQuery()


def test_query_of_returns_a_given_query_itself() -> None:
    query = FileQuery(parent=FOLDER)

    assert query_of(query, None, None, None, None, None, None) is query


def test_a_query_with_other_selection_arguments_is_refused_naming_them() -> None:
    with pytest.raises(InvalidInputError) as caught:
        query_of(FileQuery(project=PROJECT), "x/y", None, [], None, None, {"task": "t"})

    assert str(caught.value) == (
        "iter_files: give either query or project, names, origin, not both; the query holds the whole selection"
    )


def test_a_mixed_query_is_refused_naming_the_hook_method_that_was_called() -> None:
    with pytest.raises(InvalidInputError) as caught:
        query_of(FileQuery(project=PROJECT), None, None, None, ["raw"], None, None, caller="list_files_page")

    assert str(caught.value) == (
        "list_files_page: give either query or tags, not both; the query holds the whole selection"
    )


def test_a_query_without_one_location_is_refused_naming_the_hook_method_that_was_called() -> None:
    with pytest.raises(InvalidInputError) as caught:
        list_params(FileQuery(), "_all", 10, caller="list_files_page")

    assert str(caught.value) == "list_files_page: give exactly one of project (owner/project) or parent (a folder id)"


def test_list_params_orders_repeated_filters_as_the_official_client_does() -> None:
    query = FileQuery(
        project=PROJECT,
        names=("a.bam", "b.bam"),
        tags=("raw",),
        metadata={"lane": ("1", "2")},
        origin={"task": "t1"},
    )

    assert list_params(query, "id,name", 50) == [
        ("limit", 50),
        ("fields", "id,name"),
        ("project", PROJECT),
        ("name", "a.bam"),
        ("name", "b.bam"),
        ("tag", "raw"),
        ("metadata.lane", "1"),
        ("metadata.lane", "2"),
        ("origin.task", "t1"),
    ]


def test_list_params_of_a_folder_sends_parent_instead_of_project() -> None:
    assert list_params(FileQuery(parent=FOLDER), "_all", BULK_LIMIT) == [
        ("limit", 100),
        ("fields", "_all"),
        ("parent", FOLDER),
    ]


@pytest.mark.parametrize(
    ("query", "page_size", "message"),
    [
        pytest.param(
            FileQuery(project=PROJECT, parent=FOLDER),
            10,
            "iter_files: give exactly one of project (owner/project) or parent (a folder id)",
            id="both project and parent",
        ),
        pytest.param(
            FileQuery(),
            10,
            "iter_files: give exactly one of project (owner/project) or parent (a folder id)",
            id="neither",
        ),
        pytest.param(FileQuery(project=PROJECT), 0, "page_size: 0 must be between 1 and 100", id="page size 0"),
        pytest.param(FileQuery(project=PROJECT), 101, "page_size: 101 must be between 1 and 100", id="page size 101"),
        pytest.param(FileQuery(project=PROJECT), True, "page_size: True must be between 1 and 100", id="a bool"),
        pytest.param(FileQuery(project=PROJECT), 5.0, "page_size: 5.0 must be between 1 and 100", id="a float"),
        pytest.param(
            FileQuery(project="a/.."),
            10,
            "project: 'a/..' is not a project id; use 'owner/project' (two non-empty parts without spaces, control "
            "characters, or '.'/'..')",
            id="a project with ..",
        ),
        pytest.param(FileQuery(parent="zz"), 10, f"parent: 'zz' {HEX_RULE}", id="a bad folder id"),
        pytest.param(
            FileQuery(project=PROJECT, names=("ok", "b\x00")),
            10,
            r"names[1] 'b\x00' contains a NUL character (U+0000); filter values must be printable text",
            id="a NUL in a name",
        ),
        pytest.param(
            FileQuery(project=PROJECT, tags=("t\x01",)),
            10,
            r"tags[0] 't\x01' contains a control character (U+0001); filter values must be printable text",
            id="a control character in a tag",
        ),
        pytest.param(
            FileQuery(project=PROJECT, metadata={"k\x00": ("v",)}),
            10,
            r"filter key 'k\x00' contains a NUL character (U+0000); filter keys must be printable text",
            id="a NUL in a metadata key",
        ),
        pytest.param(
            FileQuery(project=PROJECT, metadata={"k": ("ok", "v\x02")}),
            10,
            r"filter 'k' 'v\x02' contains a control character (U+0002); filter values must be printable text",
            id="a control character in one of a key's values",
        ),
        pytest.param(
            FileQuery(project=PROJECT, origin={"task": "t\x07"}),
            10,
            r"filter 'origin.task' 't\x07' contains a control character (U+0007); filter values must be printable "
            "text",
            id="a control character in an origin filter",
        ),
    ],
)
def test_list_params_refuses_a_bad_query_before_anything_is_sent(
    query: FileQuery, page_size: Any, message: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        list_params(query, "_all", page_size)

    assert str(caught.value) == message
