"""One Codex vendor rules: every refusal says exactly what is wrong, and what passes comes back normalised."""

from __future__ import annotations

from typing import Any

import pytest

from genomics_provider.exceptions import InvalidInputError
from genomics_provider.onecodex.rules import (
    SAMPLE_WHERE_FIELDS,
    TAG_NAME_MAX,
    UNSET,
    check_custom,
    check_metadata_fields,
    check_tag_names,
)

WRITABLE = (
    "name, description, external_sample_id, platform, library_type, sample_type, date_collected, date_sequenced, "
    "location_lat, location_lon, location_string, starred"
)


def refused(check: Any, value: Any) -> str:
    """Run a check that must refuse its value.

    :param check: The rule.
    :param value: The value it must refuse.
    :return: The error message.
    """
    with pytest.raises(InvalidInputError) as caught:
        check(value)
    return str(caught.value)


# -- tag names -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(["qc", "run-7"], ("qc", "run-7"), id="a list keeps its order"),
        pytest.param("qc", ("qc",), id="one name becomes a tuple of one"),
        pytest.param('["qc", "b"]', ("qc", "b"), id="a JSON list string is parsed"),
        pytest.param(["x" * TAG_NAME_MAX], ("x" * 30,), id="thirty characters is the limit"),
        pytest.param(["Cafe\u0301"], ("Caf\u00e9",), id="names come back in NFC form"),
    ],
)
def test_tag_names_are_accepted_in_every_rendered_form(value: Any, expected: tuple[str, ...]) -> None:
    assert check_tag_names(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(
            [],
            "tags: the list is empty; mode='add' needs at least one tag (mode='replace' with [] removes every tag)",
            id="no names",
        ),
        pytest.param(["qc", " "], "tags: ' ' is not allowed; each tag must be a non-empty string", id="a blank name"),
        pytest.param(["qc", 5], "tags: 5 is not allowed; each tag must be a non-empty string", id="a number"),
        pytest.param(
            ["x" * 31],
            f"tags: {'x' * 31!r} is 31 characters long; each tag must be at most 30 characters (the One Codex limit)",
            id="thirty-one characters",
        ),
        pytest.param(["qc", "qc"], "tags: 'qc' appears more than once; tags must be unique", id="a repeated name"),
        pytest.param(
            ["Cafe\u0301", "Caf\u00e9"],
            "tags: 'Cafe\u0301' and 'Caf\u00e9' are the same name in Unicode NFC form; tags are compared in NFC, "
            "give each once",
            id="two names equal only after NFC",
        ),
        pytest.param(
            ["a\x07"],
            "tags[0] 'a\\x07' contains a control character (U+0007); tags must be printable text",
            id="a control character",
        ),
    ],
)
def test_tag_names_that_break_a_rule_are_refused_saying_why(value: Any, message: str) -> None:
    assert refused(check_tag_names, value) == message


def test_a_too_long_tag_name_is_refused_for_its_length_before_it_is_refused_as_repeated() -> None:
    long = "x" * (TAG_NAME_MAX + 1)

    assert refused(check_tag_names, [long, long]).startswith(f"tags: {long!r} is 31 characters long; ")


def test_the_length_limit_counts_the_name_in_nfc_form() -> None:
    decomposed = "e\u0301" * TAG_NAME_MAX  # 60 code points as given, 30 in NFC

    assert check_tag_names([decomposed]) == ("\u00e9" * TAG_NAME_MAX,)


def test_tag_name_messages_name_the_argument_given() -> None:
    with pytest.raises(InvalidInputError, match=r"^mode: the list is empty"):
        check_tag_names([], argument="mode")


def test_an_empty_tag_list_is_refused_naming_the_mode_argument_given() -> None:
    message = r"^tags: the list is empty; tag_mode='remove' needs at least one tag \(tag_mode='replace' with \[\]"
    with pytest.raises(InvalidInputError, match=message):
        check_tag_names([], mode="remove", mode_argument="tag_mode")


@pytest.mark.parametrize("value", [[], "[]"], ids=["a list", "a JSON list string"])
def test_an_empty_tag_list_is_accepted_with_replace_and_means_no_tags(value: Any) -> None:
    assert check_tag_names(value, mode="replace") == ()


# -- metadata fields -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("starred", [True, False])
def test_starred_accepts_true_and_false(starred: bool) -> None:
    assert check_metadata_fields({"starred": starred}) == {"starred": starred}


def test_valid_metadata_fields_pass_and_dates_are_normalised_to_utc_rfc_3339() -> None:
    fields = {
        "platform": "Illumina MiSeq",
        "date_collected": "2024-03-01",
        "date_sequenced": "2024-03-01T12:00:00+02:00",
        "location_lat": 45.5,
        "starred": True,
        "name": None,
        "description": "two\nlines\tand a tab",
    }
    assert check_metadata_fields(fields) == {
        **fields,
        "date_collected": "2024-03-01T00:00:00Z",
        "date_sequenced": "2024-03-01T10:00:00Z",
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"custom": {}}, "fields: 'custom' is read-only; pass custom fields as custom=", id="custom"),
        pytest.param({"$uri": "x"}, "fields: '$uri' is read-only and never sent", id="a read-only field"),
        pytest.param(
            {"colour": "x"},
            f"fields: 'colour' is not a One Codex metadata field; writable fields: {WRITABLE}",
            id="an unknown field",
        ),
        pytest.param({"starred": None}, "fields: 'starred' must be true or false, not null", id="starred null"),
        pytest.param({"starred": "yes"}, "fields: 'starred' = 'yes' is not a boolean", id="starred a string"),
        pytest.param(
            {"external_sample_id": "x" * 61},
            "fields: 'external_sample_id' is 61 characters; the limit is 60",
            id="a string over its limit",
        ),
        pytest.param({"location_lat": 91}, "fields: 'location_lat' = 91 is outside -90..90", id="out of range"),
        pytest.param({"location_lat": True}, "fields: 'location_lat' = True is not a number", id="a bool number"),
        pytest.param(
            {"location_lon": float("nan")},
            "fields: 'location_lon' = nan is not a finite number; NaN and Infinity cannot be sent as JSON",
            id="NaN",
        ),
        pytest.param(
            {"library_type": "RNA"},
            "fields: 'library_type' = 'RNA' is not one of 'WGS', 'Targeted/16S', 'Other'",
            id="a value outside the enum",
        ),
        pytest.param(
            {"date_collected": "yesterday-ish"},
            "fields: 'date_collected' = 'yesterday-ish' is not an RFC 3339 date-time",
            id="an unparsable date",
        ),
        pytest.param(
            {"date_collected": 5}, "fields: 'date_collected' = 5 is not an RFC 3339 date-time", id="a number date"
        ),
        pytest.param(
            {"name": "a\nb"},
            "fields: value of 'name' 'a\\nb' contains a control character (U+000A); metadata values must be "
            "printable text",
            id="a line break in a one-line field",
        ),
    ],
)
def test_metadata_fields_that_break_a_rule_are_refused_saying_why(fields: dict[str, Any], message: str) -> None:
    assert refused(check_metadata_fields, fields) == message


# -- custom ----------------------------------------------------------------------------------------------------


def test_flat_custom_values_pass_unchanged() -> None:
    custom = {"run": 7, "ok": True, "note": "a\nb", "none": None, "ratio": 0.5}
    assert check_custom(custom) == custom


@pytest.mark.parametrize(
    ("custom", "message"),
    [
        pytest.param({"": 1}, "custom: key '' is not allowed; keys must be non-empty strings", id="an empty key"),
        pytest.param({1: 1}, "custom: key 1 is not allowed; keys must be non-empty strings", id="a number key"),
        pytest.param(
            {"a": {"b": 1}},
            "custom: value of 'a' is dict; values must be strings, numbers, booleans or null (no nesting)",
            id="a nested dict",
        ),
        pytest.param(
            {"a": [1]},
            "custom: value of 'a' is list; values must be strings, numbers, booleans or null (no nesting)",
            id="a list",
        ),
        pytest.param(
            {"a": float("inf")},
            "custom: value of 'a' = inf is not a finite number; NaN and Infinity cannot be sent as JSON",
            id="Infinity",
        ),
        pytest.param(
            {"a\x00": 1},
            "custom: key 'a\\x00' contains a NUL character (U+0000); keys must be printable text",
            id="a NUL in a key",
        ),
        pytest.param(
            {"a": "x\x00"},
            "custom: value of 'a' 'x\\x00' contains a NUL character (U+0000); values must be printable text "
            "(tab and line breaks are allowed)",
            id="a NUL in a value",
        ),
    ],
)
def test_custom_values_that_break_a_rule_are_refused_saying_why(custom: dict[Any, Any], message: str) -> None:
    assert refused(check_custom, custom) == message


# -- constants -------------------------------------------------------------------------------------------------


def test_unset_reads_as_unset_and_is_not_none() -> None:
    assert repr(UNSET) == "UNSET"
    assert UNSET is not None


def test_where_may_filter_on_the_documented_sample_fields_only() -> None:
    assert sorted(SAMPLE_WHERE_FIELDS) == [
        "$uri", "created_at", "error_msg", "filename", "metadata", "owner", "primary_classification", "project",
        "size", "status", "tags", "updated_at", "visibility",
    ]  # fmt: skip
