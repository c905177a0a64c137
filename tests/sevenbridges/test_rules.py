"""Seven Bridges input rules: tags, metadata and new names, refused naming the key and the rule."""

from __future__ import annotations

from typing import Any

import pytest

from genomics_provider.exceptions import InvalidInputError
from genomics_provider.sevenbridges.rules import check_file_name, check_metadata, check_tags


@pytest.mark.parametrize(
    ("value", "mode", "message"),
    [
        (["a", ""], "add", r"tags: '' is not allowed; each tag must be a non-empty string"),
        (["a", 3], "add", r"tags: 3 is not allowed; each tag must be a non-empty string"),
        (["a", "b", "a"], "add", r"tags: 'a' appears more than once; tags must be unique"),
        ([], "add", r"tags: the list is empty; mode='add' needs at least one tag"),
        (
            [],
            "remove",
            r"^tags: the list is empty; mode='remove' needs at least one tag \(mode='replace' with \[\] removes",
        ),
        ({"a": 1}, "add", r"tags: expected a list of strings, got dict"),
        ("[oops", "add", r"tags: '\[oops' looks like JSON but does not parse"),
    ],
)
def test_bad_tags_are_refused_naming_the_rule(value: Any, mode: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        check_tags(value, mode=mode)


def test_tags_have_no_length_limit_and_come_back_in_nfc_form() -> None:
    assert check_tags(["x" * 500, "Cafe\u0301"], mode="add") == ["x" * 500, "Caf\u00e9"]


def test_tags_accept_a_list_a_json_list_string_or_one_tag_and_replace_accepts_none() -> None:
    assert check_tags(["a", "b"], mode="add") == ["a", "b"]
    assert check_tags('["a", "b"]', mode="remove") == ["a", "b"]
    assert check_tags("a", mode="add") == ["a"]
    assert check_tags([], mode="replace") == []


@pytest.mark.parametrize(
    ("value", "mode", "message"),
    [
        ({"": "v"}, "merge", r"metadata: key '' is not allowed; keys must be non-empty strings"),
        ({"é" * 51: "v"}, "merge", r"metadata: key 'é+' is 102 bytes in UTF-8; keys may have at most 100 bytes"),
        ({"k": "€" * 101}, "merge", r"metadata: value of 'k' is 303 bytes in UTF-8; values may have at most 300"),
        ({"k": 5}, "merge", r"metadata: value of 'k' is int; values must be strings"),
        ({"k": None}, "replace", r"metadata: key 'k' is None; None removes a key only in mode='merge'"),
        ({"k": "\ud800"}, "merge", r"metadata: value of 'k' is not valid UTF-8"),
        ({}, "merge", r"metadata: the mapping is empty; give at least one key to merge"),
        ({f"k{n}": "v" for n in range(1001)}, "replace", r"metadata: 1001 pairs given; a file may have at most 1000"),
        ("not json", "merge", r"metadata: expected a mapping or a JSON object"),
    ],
    ids=["empty key", "long key", "long value", "number", "None in replace", "surrogate", "empty", "too many", "text"],
)
def test_bad_metadata_is_refused_naming_the_key_and_the_rule(value: Any, mode: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        check_metadata(value, mode=mode)


def test_metadata_at_the_byte_limits_and_json_strings_are_accepted() -> None:
    at_limit = {"k" * 100: "v" * 300, "gone": None}
    assert check_metadata(at_limit, mode="merge") == at_limit
    assert check_metadata('{"a": "1"}', mode="replace") == {"a": "1"}
    assert check_metadata({}, mode="replace") == {}


@pytest.mark.parametrize("value", ["", "  ", " a.bam", 3, None])
def test_bad_new_names_are_refused(value: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"name: .* is not allowed; use a non-empty name"):
        check_file_name(value)
