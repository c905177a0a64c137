"""Argument checks: every accepted form of a selection, list, choice, boolean or mapping, and every exact refusal.

Whether a value is templated (and so checked after rendering) is in ``test_templated.py``; the shared tag rules in
``test_tag_list.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from genomics_provider.curation.arguments import (
    as_mapping,
    check_choice,
    check_selection,
    coerce_bool,
    parse_id_list,
    parse_string_list,
    repeated,
)
from genomics_provider.exceptions import InvalidInputError

HEX16 = re.compile(r"[0-9a-f]{16}")
RULE = "16 lowercase hex characters"
A, B, C = "7428cca4a3a04a8e", "5c1e9e41043e4435", "42997b7a62634985"
VISIBILITY = ("private", "shared", "public")


class LazySequence:
    """Stands in for the lazy XCom sequence a mapped upstream task produces: iterable, not a list."""

    def __init__(self, *items: Any) -> None:
        self.items = items

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


def refusal(call: Callable[[], Any]) -> str:
    """Run ``call``, assert it raised exactly :class:`InvalidInputError`, and return the message."""
    with pytest.raises(InvalidInputError) as caught:
        call()
    assert type(caught.value) is InvalidInputError
    return str(caught.value)


def ids(value: Any) -> list[str]:
    return parse_id_list(value, argument="sample_ids", pattern=HEX16, rule=RULE)


# -- parse_id_list -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param([A, B], [A, B], id="a list keeps its order"),
        pytest.param((B, A), [B, A], id="a tuple becomes a list in its order"),
        pytest.param(f'["{A}", "{B}"]', [A, B], id="a JSON list string rendered from a template"),
        pytest.param(f'  ["{A}"]\n', [A], id="a JSON list string with surrounding whitespace"),
        pytest.param(A, [A], id="one id"),
        pytest.param(f"  {A}\n", [A], id="one id with surrounding whitespace is stripped"),
        pytest.param(LazySequence(C, A), [C, A], id="a lazy XCom sequence from mapped tasks"),
    ],
)
def test_parse_id_list_accepts_every_rendered_form(value: Any, expected: list[str]) -> None:
    result = ids(value)
    assert result == expected
    assert type(result) is list


def test_parse_id_list_returns_a_new_list_not_the_argument() -> None:
    given = [A, B]
    result = ids(given)
    result.append(C)
    assert given == [A, B]


EMPTY = "sample_ids: the selection is empty; give at least one id"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param([], EMPTY, id="an empty list"),
        pytest.param((), EMPTY, id="an empty tuple"),
        pytest.param("", EMPTY, id="an empty string"),
        pytest.param("   \n", EMPTY, id="a blank string"),
        pytest.param("[]", EMPTY, id="an empty JSON list"),
        pytest.param(LazySequence(), EMPTY, id="an empty lazy sequence"),
        pytest.param(
            f'["{A}"', f"""sample_ids: '["{A}"' looks like JSON but does not parse""", id="a broken JSON list"
        ),
        pytest.param(
            "[" + "x" * 100,
            f"sample_ids: '[{'x' * 59}' looks like JSON but does not parse",
            id="a broken JSON list is quoted up to 60 characters",
        ),
        pytest.param(
            '{"ids": ["7428cca4a3a04a8e"]}',
            """sample_ids: expected a list of ids or a JSON list, got '{"ids": ["7428cca4a3a04a8e"]}'""",
            id="a JSON object string",
        ),
        pytest.param(
            f'"{A}"', f"""sample_ids: expected a list of ids or a JSON list, got '"{A}"'""", id="a JSON string string"
        ),
        pytest.param(
            "{" + "y" * 100,
            f"sample_ids: expected a list of ids or a JSON list, got '{{{'y' * 59}'",
            id="a non-list string is quoted up to 60 characters",
        ),
        pytest.param(42, "sample_ids: expected a list of ids, got int", id="a number"),
        pytest.param(None, "sample_ids: expected a list of ids, got NoneType", id="None"),
        pytest.param({A: 1}, "sample_ids: expected a list of ids, got dict", id="a dict"),
        pytest.param(A.encode(), "sample_ids: expected a list of ids, got bytes", id="bytes"),
        pytest.param(
            ["7428CCA4A3A04A8E"],
            f"sample_ids: '7428CCA4A3A04A8E' is not a valid id; each id must be {RULE}",
            id="an uppercase id",
        ),
        pytest.param(
            [A, "abc", B], f"sample_ids: 'abc' is not a valid id; each id must be {RULE}", id="only bad ids are named"
        ),
        pytest.param(
            [f"{A}\n"], f"sample_ids: '{A}\\n' is not a valid id; each id must be {RULE}", id="an id with a newline"
        ),
        pytest.param([7, None], f"sample_ids: 7, None is not a valid id; each id must be {RULE}", id="non-strings"),
        pytest.param("[1, 2]", f"sample_ids: 1, 2 is not a valid id; each id must be {RULE}", id="a JSON list of ints"),
        pytest.param(
            [f"bad{n}" for n in range(7)],
            f"sample_ids: 'bad0', 'bad1', 'bad2', 'bad3', 'bad4' and 2 more is not a valid id; each id must be {RULE}",
            id="more than five bad ids name the first five and how many more",
        ),
        pytest.param(
            ["x", "x"],
            f"sample_ids: 'x', 'x' is not a valid id; each id must be {RULE}",
            id="malformed ids are reported before duplicates",
        ),
        pytest.param(
            [B, A, C, B, A, A],
            f"sample_ids: {B}, {A} appears more than once; ids must be unique",
            id="duplicates are named once each, sorted",
        ),
    ],
)
def test_parse_id_list_refusals_name_the_argument_and_the_rule(value: Any, message: str) -> None:
    assert refusal(lambda: ids(value)) == message


def test_parse_id_list_json_errors_do_not_chain_the_decoder_error() -> None:
    with pytest.raises(InvalidInputError) as caught:
        ids("[not json")
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ is True


# -- repeated ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param([], [], id="nothing repeats in an empty list"),
        pytest.param([A, B, C], [], id="unique values give nothing"),
        pytest.param(["b", "a", "b", "a", "a", "c"], ["a", "b"], id="each repeated value once, sorted"),
        pytest.param((3, 1, 3, 2, 1), [1, 3], id="any hashable values, from a tuple"),
    ],
)
def test_repeated_returns_each_repeated_value_once_sorted(items: Any, expected: list[Any]) -> None:
    assert repeated(items) == expected


# -- parse_string_list -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(["qc-pass", "run-7"], ["qc-pass", "run-7"], id="a list"),
        pytest.param(("qc-pass",), ["qc-pass"], id="a tuple becomes a list"),
        pytest.param('["qc-pass", "run-7"]', ["qc-pass", "run-7"], id="a JSON list string"),
        pytest.param(' ["qc-pass"] ', ["qc-pass"], id="a JSON list string with surrounding whitespace"),
        pytest.param("qc-pass", ["qc-pass"], id="one string"),
        pytest.param(" qc pass ", [" qc pass "], id="one string is kept as given, whitespace included"),
        pytest.param("", [""], id="an empty string is one empty item, left for the caller's checks"),
        pytest.param([1, None, {"a": 2}], [1, None, {"a": 2}], id="items are not checked"),
        pytest.param('[1, {"a": 2}]', [1, {"a": 2}], id="a JSON list's items are not checked"),
        pytest.param([], [], id="an empty list"),
    ],
)
def test_parse_string_list_accepts_every_rendered_form(value: Any, expected: list[Any]) -> None:
    result = parse_string_list(value, argument="tags")
    assert result == expected
    assert type(result) is list


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param('{"a": 1}', """tags: expected a list or a JSON list, got '{"a": 1}'""", id="a JSON object"),
        pytest.param('  "qc"', """tags: expected a list or a JSON list, got '"qc"'""", id="a JSON string, stripped"),
        pytest.param(
            '"' + "z" * 100, f"""tags: expected a list or a JSON list, got '"{"z" * 59}'""", id="quoted up to 60"
        ),
        pytest.param('["qc", ', """tags: '["qc",' looks like JSON but does not parse""", id="a broken JSON list"),
        pytest.param(5, "tags: expected a list of strings, got int", id="a number"),
        pytest.param(None, "tags: expected a list of strings, got NoneType", id="None"),
        pytest.param({"qc": True}, "tags: expected a list of strings, got dict", id="a dict"),
        pytest.param({"qc"}, "tags: expected a list of strings, got set", id="a set"),
        pytest.param(LazySequence("qc"), "tags: expected a list of strings, got LazySequence", id="a lazy sequence"),
    ],
)
def test_parse_string_list_refusals(value: Any, message: str) -> None:
    assert refusal(lambda: parse_string_list(value, argument="tags")) == message


# -- check_choice ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", VISIBILITY)
def test_check_choice_returns_an_allowed_value(value: str) -> None:
    assert check_choice(value, argument="visibility", choices=VISIBILITY) == value


ALLOWED = "use one of 'private', 'shared', 'public'"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("secret", f"visibility: 'secret' is not allowed; {ALLOWED}", id="an unknown value"),
        pytest.param("Public", f"visibility: 'Public' is not allowed; {ALLOWED}", id="choices are case-sensitive"),
        pytest.param(" public", f"visibility: ' public' is not allowed; {ALLOWED}", id="whitespace is not stripped"),
        pytest.param(None, f"visibility: None is not allowed; {ALLOWED}", id="None"),
        pytest.param(1, f"visibility: 1 is not allowed; {ALLOWED}", id="a number"),
    ],
)
def test_check_choice_refusals_list_the_allowed_values(value: Any, message: str) -> None:
    assert refusal(lambda: check_choice(value, argument="visibility", choices=VISIBILITY)) == message


# -- coerce_bool -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("TRUE", True),
        (" True\n", True),
        ("1", True),
        ("yes", True),
        ("YES", True),
        (1, True),
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        ("", False),
        ("  ", False),
        (0, False),
    ],
)
def test_coerce_bool_reads_booleans_and_rendered_strings(value: Any, expected: bool) -> None:
    assert coerce_bool(value, argument="dry_run") is expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [("maybe", "'maybe'"), ("on", "'on'"), (None, "None"), (2, "2"), (1.0, "1.0"), ([], "[]")],
)
def test_coerce_bool_refuses_anything_else(value: Any, shown: str) -> None:
    assert refusal(lambda: coerce_bool(value, argument="dry_run")) == (
        f"dry_run: {shown} is not a boolean; use true or false"
    )


# -- as_mapping --------------------------------------------------------------------------------------------------


def test_as_mapping_returns_a_dict_as_given() -> None:
    where = {"project": A}
    assert as_mapping(where, argument="where") is where


def test_as_mapping_reads_a_json_object_string() -> None:
    assert as_mapping('{"project": "7428cca4a3a04a8e", "tags": ["qc"]}', argument="where") == {
        "project": A,
        "tags": ["qc"],
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("project=1", "where: expected a mapping or a JSON object, got 'project=1'", id="not JSON"),
        pytest.param("", "where: expected a mapping or a JSON object, got ''", id="an empty string"),
        pytest.param(
            "{" + "q" * 100, f"where: expected a mapping or a JSON object, got '{{{'q' * 59}'", id="quoted up to 60"
        ),
        pytest.param("[1, 2]", "where: expected a mapping, got list", id="a JSON list"),
        pytest.param('"x"', "where: expected a mapping, got str", id="a JSON string"),
        pytest.param("null", "where: expected a mapping, got NoneType", id="JSON null"),
        pytest.param(None, "where: expected a mapping, got NoneType", id="None"),
        pytest.param([("project", A)], "where: expected a mapping, got list", id="a list of pairs"),
        pytest.param(5, "where: expected a mapping, got int", id="a number"),
    ],
)
def test_as_mapping_refusals(value: Any, message: str) -> None:
    assert refusal(lambda: as_mapping(value, argument="where")) == message


# -- check_selection ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "query"),
    [
        pytest.param([A], None, id="ids alone"),
        pytest.param(None, {"project": A}, id="a query alone"),
        pytest.param([], None, id="an empty id list is a given selection (its emptiness is checked later)"),
        pytest.param(None, {}, id="an empty query is a given selection (its emptiness is checked later)"),
    ],
)
def test_check_selection_accepts_exactly_one_selection(given: Any, query: Any) -> None:
    check_selection(given, query, ids_arg="sample_ids", query_arg="where")  # no refusal


def test_check_selection_refuses_both() -> None:
    assert refusal(lambda: check_selection([A], {"project": A}, ids_arg="file_ids", query_arg="query")) == (
        "give either file_ids or query, not both"
    )


def test_check_selection_refuses_neither() -> None:
    assert refusal(lambda: check_selection(None, None, ids_arg="sample_ids", query_arg="where")) == (
        "give sample_ids (a list of ids) or where (a filter) to select what to update"
    )
