"""The tag rules every vendor shares (``check_tag_list``): accepted forms, exact refusals, and the vendor's own rule."""

from __future__ import annotations

from typing import Any

import pytest

from genomics_provider.curation.arguments import check_tag_list
from genomics_provider.exceptions import InvalidInputError
from tests.curation.test_arguments import refusal

# -- check_tag_list ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(["qc", "run-7"], ["qc", "run-7"], id="a list keeps its order"),
        pytest.param(("qc", "b"), ["qc", "b"], id="a tuple becomes a list"),
        pytest.param("qc", ["qc"], id="one name becomes a list of one"),
        pytest.param('["qc", "b"]', ["qc", "b"], id="a JSON list string is parsed"),
        pytest.param(["Cafe\u0301"], ["Caf\u00e9"], id="names come back in NFC form"),
        pytest.param(["x" * 500], ["x" * 500], id="no length limit of its own"),
    ],
)
def test_check_tag_list_accepts_every_rendered_form(value: Any, expected: list[str]) -> None:
    assert check_tag_list(value) == expected


@pytest.mark.parametrize(
    ("value", "mode", "message"),
    [
        pytest.param(
            [],
            "add",
            "tags: the list is empty; mode='add' needs at least one tag (mode='replace' with [] removes every tag)",
            id="no names to add",
        ),
        pytest.param(
            "[]",
            "remove",
            "tags: the list is empty; mode='remove' needs at least one tag (mode='replace' with [] removes every tag)",
            id="no names to remove, as a JSON list",
        ),
        pytest.param(["qc", " "], "add", "tags: ' ' is not allowed; each tag must be a non-empty string", id="blank"),
        pytest.param(["qc", ""], "add", "tags: '' is not allowed; each tag must be a non-empty string", id="empty"),
        pytest.param(["qc", 5], "add", "tags: 5 is not allowed; each tag must be a non-empty string", id="a number"),
        pytest.param(
            [" ", 5], "add", "tags: ' ' is not allowed; each tag must be a non-empty string", id="the first bad one"
        ),
        pytest.param(["a", "b", "a"], "add", "tags: 'a' appears more than once; tags must be unique", id="repeated"),
        pytest.param(
            ["b", "a", "b", "a"],
            "add",
            "tags: 'a', 'b' appears more than once; tags must be unique",
            id="every repeated name, sorted",
        ),
        pytest.param(
            ["Cafe\u0301", "Caf\u00e9"],
            "add",
            "tags: 'Cafe\u0301' and 'Caf\u00e9' are the same name in Unicode NFC form; tags are compared in NFC, "
            "give each once",
            id="two names equal only after NFC",
        ),
        pytest.param(
            ["a\x00"],
            "add",
            "tags[0] 'a\\x00' contains a NUL character (U+0000); tags must be printable text",
            id="a NUL",
        ),
        pytest.param({"a": 1}, "add", "tags: expected a list of strings, got dict", id="a mapping"),
        pytest.param("[oops", "add", "tags: '[oops' looks like JSON but does not parse", id="broken JSON"),
        pytest.param(["qc", "qc"], "replace", "tags: 'qc' appears more than once; tags must be unique", id="replace"),
    ],
)
def test_check_tag_list_refuses_a_bad_list_saying_why(value: Any, mode: str, message: str) -> None:
    assert refusal(lambda: check_tag_list(value, mode=mode)) == message


@pytest.mark.parametrize("value", [[], "[]"], ids=["a list", "a JSON list string"])
def test_check_tag_list_accepts_no_names_with_replace(value: Any) -> None:
    assert check_tag_list(value, mode="replace") == []


def test_check_tag_list_messages_name_the_arguments_given() -> None:
    assert refusal(lambda: check_tag_list(["a", "a"], argument="labels")) == (
        "labels: 'a' appears more than once; tags must be unique"
    )
    assert refusal(lambda: check_tag_list([], argument="labels", mode="remove", mode_argument="tag_mode")) == (
        "labels: the list is empty; tag_mode='remove' needs at least one tag (tag_mode='replace' with [] removes "
        "every tag)"
    )
    assert refusal(lambda: check_tag_list(["a\x07"], argument="labels")).startswith("labels[0] 'a\\x07'")


def test_check_tag_list_runs_the_vendor_rule_on_each_name_in_nfc_form() -> None:
    seen: list[str] = []

    assert check_tag_list(["qc", "Cafe\u0301"], check_name=seen.append) == ["qc", "Caf\u00e9"]
    assert seen == ["qc", "Caf\u00e9"]


def test_check_tag_list_runs_the_vendor_rule_before_looking_for_duplicates_and_lets_its_refusal_through() -> None:
    def too_long(name: str) -> None:
        if len(name) > 3:
            raise InvalidInputError(f"tags: {name!r} is too long")

    assert refusal(lambda: check_tag_list(["abcd", "abcd"], check_name=too_long)) == "tags: 'abcd' is too long"
    assert refusal(lambda: check_tag_list(["abc", "abc"], check_name=too_long)) == (
        "tags: 'abc' appears more than once; tags must be unique"
    )


def test_check_tag_list_does_not_run_the_vendor_rule_on_a_name_that_is_not_a_string() -> None:
    seen: list[str] = []

    with pytest.raises(InvalidInputError, match="each tag must be a non-empty string"):
        check_tag_list(["qc", 5], check_name=seen.append)
    assert seen == []
