"""The shared input rules (genomics_provider.validation): each rule's exact message, and what it lets through."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from genomics_provider import validation
from genomics_provider.exceptions import GenomicsApiError, InvalidInputError
from genomics_provider.onecodex import limits as onecodex_limits
from genomics_provider.sevenbridges import limits as sevenbridges_limits
from genomics_provider.validation import (
    SETTING_RANGES,
    check_credential,
    check_file_name,
    check_finite,
    check_finite_body,
    check_id,
    check_number,
    check_project_reference,
    check_setting,
    check_text,
    expect_items,
    expect_object,
    id_problem,
    nfc,
    nfc_names,
)


def test_the_module_imports_no_airflow_http_hook_or_operator_module() -> None:
    tree = ast.parse(Path(validation.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    # The vendors' limits modules are leaves (they import nothing of ours): the one source of the id and page rules.
    assert imported == {"__future__", "math", "re", "unicodedata", "collections.abc", "dataclasses", "typing",
                        "genomics_provider.exceptions", "genomics_provider.onecodex",
                        "genomics_provider.sevenbridges"}  # fmt: skip
    for leaf in (onecodex_limits, sevenbridges_limits):
        leaf_tree = ast.parse(Path(leaf.__file__).read_text())
        assert not [node for node in ast.walk(leaf_tree) if isinstance(node, ast.ImportFrom) and
                    (node.module or "").startswith("genomics_provider")]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "kind", "message"),
    [
        ("../x", "onecodex", "id: '../x' is not valid; each id must be 16 lowercase hex characters"),
        ("7428cca4a3a04a8e ", "onecodex", "id: '7428cca4a3a04a8e ' is not valid; each id must be 16 lowercase hex"),
        (b"7428cca4a3a04a8e", "onecodex", "id: b'7428cca4a3a04a8e' is not valid; each id must be 16"),
        ("65a10000000000000000020", "sevenbridges", "id: '65a10000000000000000020' is not valid; each id must be 24"),
        ("a/b/c", "sevenbridges project", "id: 'a/b/c' is not a project id; use 'owner/project' (two non-empty"),
        ("a/.", "sevenbridges project", "id: 'a/.' is not a project id; use 'owner/project'"),
        ("a /b", "sevenbridges project", "id: 'a /b' is not a project id"),
        ("/b", "sevenbridges project", "id: '/b' is not a project id"),
        (7, "sevenbridges project", "id: 7 is not a project id"),
    ],
    ids=["path", "trailing space", "bytes", "23 hex", "three parts", "dot", "space", "empty owner", "number"],
)
def test_check_id_refuses_naming_the_argument_and_the_rule(value: Any, kind: Any, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_id(value, argument="id", kind=kind)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("value", "kind"),
    [("7428cca4a3a04a8e", "onecodex"), ("65a100000000000000000201", "sevenbridges"),
     ("rfranklin/demo-project", "sevenbridges project"), ("Owner.Name/p_1", "sevenbridges project")],
)  # fmt: skip
def test_valid_ids_pass_unchanged(value: str, kind: Any) -> None:
    assert check_id(value, argument="id", kind=kind) == value
    assert id_problem(value, kind) is None


def test_a_project_id_problem_is_the_rule_alone() -> None:
    assert id_problem("demo", "sevenbridges project") == (
        "use 'owner/project' (two non-empty parts without spaces, control characters, or '.'/'..')"
    )


@pytest.mark.parametrize(
    ("text", "line_breaks", "message"),
    [
        ("qc\x00", False, "tags[2] 'qc\\x00' contains a NUL character (U+0000); tags must be printable text"),
        ("a\tb", False, "tags[2] 'a\\tb' contains a control character (U+0009); tags must be printable text"),
        ("a\x9bb", True, "tags[2] 'a\\x9bb' contains a control character (U+009B); tags must be printable text (tab "
                         "and line breaks are allowed)"),
        ("\udfff", False, "tags[2] '\\udfff' contains a lone surrogate (U+DFFF), which has no UTF-8 form; tags must "
                          "be printable text"),
        ("a\ufeffb", True, "tags[2] 'a\\ufeffb' contains a byte order mark (U+FEFF); tags must be printable text (tab "
                            "and line breaks are allowed)"),
    ],
    ids=["NUL", "tab in a tag", "C1 in free text", "lone surrogate", "a byte order mark inside"],
)  # fmt: skip
def test_check_text_names_the_character_and_the_rule(text: str, line_breaks: bool, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_text(text, label="tags[2]", noun="tags", line_breaks=line_breaks)
    assert str(caught.value) == message


def test_check_text_lets_printable_unicode_and_allowed_line_breaks_through() -> None:
    assert check_text("Ångström ✓ 東京", label="x", noun="tags") == "Ångström ✓ 東京"
    assert check_text("line 1\r\nline 2\tend", label="x", noun="values", line_breaks=True) == "line 1\r\nline 2\tend"


def test_tags_are_returned_in_nfc_and_twins_are_refused() -> None:
    assert nfc_names(["cafe\u0301", "tea"], argument="tags") == ["caf\u00e9", "tea"]
    assert nfc("A\u030a") == "\u00c5"
    with pytest.raises(InvalidInputError) as caught:
        nfc_names(["x", "caf\u00e9", "cafe\u0301"], argument="tags")
    assert str(caught.value) == (
        "tags: 'caf\u00e9' and 'cafe\u0301' are the same name in Unicode NFC form; tags are compared in NFC, give each "
        "once"
    )


def test_exact_duplicates_are_left_to_the_callers_own_rule() -> None:
    assert nfc_names(["a", "a"], argument="tags") == ["a", "a"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_check_finite_refuses_nan_and_infinity(value: float) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_finite(value, label="custom: 'x'")
    assert (
        str(caught.value) == f"custom: 'x' = {value!r} is not a finite number; NaN and Infinity cannot be sent as JSON"
    )


@pytest.mark.parametrize("value", [0, 1.5, -1e300, "nan", None, True])
def test_check_finite_passes_everything_else_unchanged(value: Any) -> None:
    assert check_finite(value, label="x") is value


def test_a_body_with_nan_deep_inside_is_refused_naming_the_place() -> None:
    body = {"custom": {"a": 1, "runs": [{"q": 0.5}, {"q": float("-inf")}]}}
    with pytest.raises(InvalidInputError) as caught:
        check_finite_body(body, label="body:")
    assert str(caught.value) == (
        "body: custom.runs[1].q = -inf is not a finite number; NaN and Infinity cannot be sent as JSON"
    )
    assert check_finite_body({"a": [1, "x", None, True]}, label="body:") == {"a": [1, "x", None, True]}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("max_attempts", 1e9, "max_attempts = 1000000000.0 must be a number from 1 to 20 (a whole number)"),
        ("max_attempts", 0, "max_attempts = 0 must be a number from 1 to 20 (a whole number)"),
        ("max_attempts", "3.5", "max_attempts = '3.5' must be a number from 1 to 20 (a whole number)"),
        ("timeout", "inf", "timeout = 'inf' must be a number from 0.001 to 3600"),
        ("timeout", True, "timeout = True must be a number from 0.001 to 3600"),
        ("rate_limit", -1, "rate_limit = -1 must be a number from 0 to 1000"),
        ("sevenbridges page_size", 101, "sevenbridges page_size = 101 must be a number from 1 to 100 (a whole number)"),
    ],
)
def test_numeric_settings_outside_their_range_are_refused(name: str, value: Any, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_setting(name, value, label=name)
    assert str(caught.value) == message


def test_numbers_in_range_are_read_from_json_numbers_and_text() -> None:
    assert check_setting("max_attempts", "20", label="m") == 20.0
    assert check_setting("timeout", 0.001, label="t") == 0.001
    assert check_number("7", label="n", bounds=SETTING_RANGES["rate_limit"]) == 7.0


def test_every_connection_extra_of_the_transport_has_a_range() -> None:
    assert {"timeout", "connect_timeout", "write_timeout", "max_read_age", "max_attempts", "rate_limit"} <= set(
        SETTING_RANGES
    )


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("key-\u2603-000", "k has a character outside Latin-1 at position 5, which an HTTP header cannot carry"),
        ("key\x00", "k has a control character at position 4, which an HTTP header cannot carry"),
        ("\x85key", "k has a control character at position 1"),
    ],
)
def test_an_unsendable_credential_is_refused_without_quoting_it(secret: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_credential(secret, label="k")
    assert str(caught.value).startswith(message)
    assert secret not in str(caught.value)
    assert secret not in repr(caught.value.args)


def test_a_latin_1_credential_passes() -> None:
    assert check_credential("clé-0000", label="k") == "clé-0000"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (123, "project: 123 is number; give a project id, name or short name as a string (or None to remove the "
              "project)"),
        ("  ", "project: an empty string is not a project; use None to remove the project"),
        ("Run\x1b42", "project 'Run\\x1b42' contains a control character (U+001B); project names must be printable "
                      "text"),
    ],
)  # fmt: skip
def test_a_project_reference_must_be_printable_text(value: Any, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_project_reference(value, argument="project")
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a/b", "name: 'a/b' is not allowed; a file name cannot contain '/' or be '.' or '..'"),
        (".", "name: '.' is not allowed; a file name cannot contain '/'"),
        (" a", "name: ' a' is not allowed; use a non-empty name without surrounding spaces"),
        ("a\x00", "name 'a\\x00' contains a NUL character (U+0000); file names must be printable text"),
    ],
)
def test_file_names_are_one_printable_path_segment(name: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_file_name(name)
    assert str(caught.value).startswith(message)


def test_a_file_name_with_dots_and_unicode_passes() -> None:
    assert check_file_name("sample.1.ñ.bam") == "sample.1.ñ.bam"


def id_of(item: Any) -> str | None:
    return item.get("id") if isinstance(item.get("id"), str) else None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "PATCH /x failed: expected a JSON object, got list"),
        (None, "PATCH /x failed: expected a JSON object, got null"),
        (1.5, "PATCH /x failed: expected a JSON object, got number"),
        ({"name": "a"}, "PATCH /x failed: expected a JSON object with a string id ('id'), got one without"),
        ({"id": ""}, "PATCH /x failed: expected a JSON object with a string id ('id'), got one without"),
    ],
)
def test_expect_object_names_method_path_and_shape(value: Any, message: str) -> None:
    with pytest.raises(GenomicsApiError) as caught:
        expect_object(value, method="PATCH", path="/x", id_of=id_of)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"items": []}, "GET /l failed: expected a JSON list of objects with string ids ('id'), got object"),
        ([{"id": "a"}, 3], "GET /l failed: expected a JSON list of objects with string ids ('id'); item 1 is number"),
        ([{"id": 3}], "GET /l failed: expected a JSON list of objects with string ids ('id'); item 0 has none"),
    ],
)
def test_expect_items_names_the_first_bad_item(value: Any, message: str) -> None:
    with pytest.raises(GenomicsApiError) as caught:
        expect_items(value, method="GET", path="/l", id_of=id_of)
    assert str(caught.value) == message


def test_well_shaped_answers_pass_unchanged() -> None:
    items = [{"id": "a"}, {"id": "b", "x": [1]}]
    assert expect_items(items, method="GET", path="/l", id_of=id_of) is items
    assert expect_object({"email": "e"}, method="GET", path="/a") == {"email": "e"}
