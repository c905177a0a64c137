"""One value per vendor rule: the limits modules are the source, and every other place that states a rule agrees.

Each test names one rule and the places that state it: the operators' rules (``onecodex/rules.py``,
``sevenbridges/rules.py``), the hooks and the shared validation, the emulator (``testing/oc_*``, ``testing/sb_*``,
``testing/config.py``) and the JSON contract (``testing/contracts/onecodex_requests.json``). The contract stays a
committed subset of the vendor's OpenAPI document (reviewable against it), so it is compared here instead of generated.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
import requests

from genomics_provider import validation
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.hooks.sevenbridges import BULK_LIMIT as HOOK_BULK_LIMIT
from genomics_provider.onecodex import limits as oc_limits
from genomics_provider.onecodex import rules as oc_rules
from genomics_provider.operators import sevenbridges as sb_operators
from genomics_provider.sevenbridges import limits as sb_limits
from genomics_provider.sevenbridges import query as sb_query
from genomics_provider.sevenbridges import rules as sb_rules
from genomics_provider.testing import Emulator, oc_model, oc_writes, sb_writes
from genomics_provider.testing.config import EmulatorConfig
from genomics_provider.testing.contracts import check_body, load_contract
from genomics_provider.testing.state import OC_ID
from genomics_provider.validation import ONECODEX_ID, SETTING_RANGES, SEVENBRIDGES_ID
from tests.testing.conftest import OC

META_1 = "a7fc7e430e704e2e"
SAMPLE_1 = "7428cca4a3a04a8e"
BAM = "65a100000000000000000201"
NULLABLE = {"type": "null"}


def schema(definition: str) -> dict[str, Any]:
    props: dict[str, Any] = load_contract()["$defs"][definition]["properties"]
    return props


def accepts(check: Callable[[Any], object], value: Any) -> bool:
    """Whether an operator-side check accepts a value (it raises InvalidInputError when it does not)."""
    try:
        check(value)
    except InvalidInputError:
        return False
    return True


def imports_without_restating(module: ModuleType, name: str, source: ModuleType) -> bool:
    """Whether a module binds ``name`` only by importing it from ``source``, never by assigning it a value of its own.

    An ``is`` check cannot tell: CPython keeps one object per small int (30, 100), so a retyped literal is the same
    object as the source's. This reads the module's top-level statements instead.
    """
    return binds_by_import_only(inspect.getsource(module), name, source.__name__)


def binds_by_import_only(text: str, name: str, source: str) -> bool:
    """Whether module source text imports ``name`` from the module ``source`` and never assigns it."""
    imported, assigned = False, False
    for node in ast.parse(text).body:
        if isinstance(node, ast.ImportFrom) and node.module == source:
            imported |= any((alias.asname or alias.name) == name for alias in node.names)
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        assigned |= any(isinstance(target, ast.Name) and target.id == name for target in targets)
    return imported and not assigned


def non_null(prop: dict[str, Any]) -> dict[str, Any]:
    """The one non-null branch of a contract property (the property itself when it is not nullable)."""
    options = [option for option in prop.get("anyOf", [prop]) if option != NULLABLE]
    assert len(options) == 1
    return options[0]


# -- One Codex ------------------------------------------------------------------------------------------------


def test_the_rules_module_and_the_emulator_use_the_limits_module_values() -> None:
    for module in (oc_rules, oc_writes):
        assert imports_without_restating(module, "TAG_NAME_MAX", oc_limits), module.__name__
    assert oc_rules.METADATA_FIELDS is oc_writes.METADATA_FIELDS is oc_limits.METADATA_FIELDS
    assert oc_rules.PLATFORMS is oc_limits.PLATFORMS
    assert oc_rules.VISIBILITIES is oc_limits.VISIBILITIES
    assert oc_rules.SAMPLE_WHERE_FIELDS is oc_limits.SAMPLE_WHERE_FIELDS
    assert oc_writes.SAMPLE_WRITABLE is oc_limits.SAMPLE_WRITABLE
    assert oc_writes.METADATA_READ_ONLY is oc_limits.METADATA_READ_ONLY
    assert oc_rules.READ_ONLY_METADATA == ("$uri", "sample", "updated_at", "custom")


def test_tag_name_length_is_the_same_in_the_contract() -> None:
    branches = schema("sample_patch")["tags"]["anyOf"]  # list of {"$ref"} objects, or of inline {"name"} objects
    inline_names = [option for option in branches if "name" in option["items"]["properties"]]
    assert len(inline_names) == 1
    assert inline_names[0]["items"]["properties"]["name"]["maxLength"] == oc_limits.TAG_NAME_MAX
    assert schema("tag_post")["name"]["maxLength"] == oc_limits.TAG_NAME_MAX


@pytest.mark.parametrize("length", [oc_limits.TAG_NAME_MAX, oc_limits.TAG_NAME_MAX + 1])
def test_tag_name_length_is_one_rule_for_operator_emulator_and_contract(
    oc: requests.Session, emu: Emulator, length: int
) -> None:
    allowed = length <= oc_limits.TAG_NAME_MAX
    body = {"name": "x" * length, "sample": {"$ref": f"/api/v1/samples/{SAMPLE_1}"}}
    assert (check_body("POST", "/api/v1/tags", body) == []) is allowed
    assert (oc.post(f"{emu.url}{OC}/tags", json=body).status_code == 200) is allowed
    assert accepts(oc_rules.check_tag_names, ["x" * length]) is allowed


def test_visibility_values_are_the_contracts() -> None:
    assert tuple(schema("sample_patch")["visibility"]["enum"]) == oc_limits.API_VISIBILITIES
    assert set(oc_limits.VISIBILITIES) <= set(oc_limits.API_VISIBILITIES)


def test_sample_patch_fields_are_the_contracts() -> None:
    assert set(schema("sample_patch")) == oc_limits.SAMPLE_WRITABLE
    assert load_contract()["$defs"]["sample_patch"]["additionalProperties"] is False


def test_metadata_fields_and_read_only_fields_are_the_contracts() -> None:
    assert set(schema("metadata_patch")) == {*oc_limits.METADATA_FIELDS, "custom"}
    assert load_contract()["$defs"]["metadata_patch"]["additionalProperties"] is False
    assert not set(oc_limits.METADATA_READ_ONLY) & set(schema("metadata_patch"))
    assert set(oc_writes.METADATA_RULES) == {*oc_limits.METADATA_FIELDS, "custom"}


@pytest.mark.parametrize("field", sorted(oc_limits.METADATA_FIELDS))
def test_each_metadata_field_rule_is_the_contracts(field: str) -> None:
    rule, prop = oc_limits.METADATA_FIELDS[field], schema("metadata_patch")[field]
    branch = non_null(prop)
    assert (NULLABLE in prop.get("anyOf", [])) is (field not in oc_limits.NOT_NULLABLE_METADATA)
    kind = rule[0]
    if kind == "str":
        assert branch["type"] == "string"
        assert branch.get("maxLength") == rule[1]
    elif kind == "enum":
        assert tuple(branch["enum"]) == rule[1]
    elif kind == "num":
        assert (branch["type"], branch["minimum"], branch["maximum"]) == ("number", rule[1], rule[2])
    elif kind == "date":
        assert branch == {"type": "string"}
    else:
        assert branch == {"type": "boolean"}


def test_custom_value_types_are_the_contracts() -> None:
    prop = non_null(schema("metadata_patch")["custom"])
    names = {str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}
    assert set(prop["additionalProperties"]["type"]) == {names[t] for t in oc_limits.CUSTOM_VALUE_TYPES}


def test_where_and_metadata_fields_are_the_emulators() -> None:
    assert set(oc_model.FIELDS["samples"]) == oc_limits.SAMPLE_WHERE_FIELDS
    assert set(oc_model.FIELDS["metadata"]) == {*oc_limits.METADATA_FIELDS, *oc_limits.METADATA_READ_ONLY}


def test_one_codex_id_rule_is_the_same_everywhere() -> None:
    hex_id = "0123456789abcdef"
    for candidate in (hex_id, hex_id[:-1], hex_id + "0", hex_id.upper(), "g" * 16):
        assert bool(ONECODEX_ID.fullmatch(candidate)) is bool(OC_ID.match(candidate))
    assert ONECODEX_ID.pattern == f"[0-9a-f]{{{oc_limits.ID_HEX_DIGITS}}}"
    text = str(load_contract())
    patterns = re.findall(r"'pattern': '(\^/api/v1/[a-z]+/[^']+)'", text)
    assert patterns
    assert all(pattern.endswith(f"/[a-f0-9]{{{oc_limits.ID_HEX_DIGITS}}}$") for pattern in patterns)


def test_one_codex_page_size_and_rate_are_the_same_everywhere() -> None:
    assert SETTING_RANGES["onecodex page_size"].high == oc_limits.PAGE_SIZE_MAX
    assert OneCodexHook.page_size <= oc_limits.PAGE_SIZE_MAX
    assert EmulatorConfig().onecodex_rate_per_s == oc_limits.RATE_PER_S == OneCodexHook.default_rate_limit


def test_normalised_operator_dates_pass_the_emulators_date_rule() -> None:
    for given in ("2024-05-01", "2024-05-01T10:00:00+02:00", "2024-05-01 10:00"):
        sent = oc_rules.check_metadata_fields({"date_collected": given})["date_collected"]
        assert re.match(oc_limits.DATETIME_PATTERN, sent)


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        pytest.param(None, False, id="null is refused"),
        pytest.param(True, True, id="true is accepted"),
        pytest.param(False, True, id="false is accepted"),
        pytest.param("yes", False, id="a string is refused"),
    ],
)
def test_starred_is_one_rule_for_operator_emulator_and_contract(
    oc: requests.Session, emu: Emulator, value: Any, allowed: bool
) -> None:
    operator = accepts(oc_rules.check_metadata_fields, {"starred": value})
    before = dict(emu.onecodex.metadata[META_1])
    response = oc.patch(f"{emu.url}{OC}/metadata/{META_1}", json={"starred": value})
    contract = check_body("PATCH", f"/api/v1/metadata/{META_1}", {"starred": value}) == []

    assert (operator, response.status_code == 200, contract) == (allowed, allowed, allowed)
    assert emu.onecodex.metadata[META_1]["starred"] == (value if allowed else before["starred"])


# -- Seven Bridges --------------------------------------------------------------------------------------------


def test_seven_bridges_rules_and_emulator_use_the_limits_module_values() -> None:
    for name in ("MAX_KEY_BYTES", "MAX_VALUE_BYTES", "MAX_PAIRS"):
        for module in (sb_rules, sb_writes):
            assert imports_without_restating(module, name, sb_limits), f"{module.__name__}.{name}"
    assert imports_without_restating(sb_writes, "BULK_LIMIT", sb_limits)


@pytest.mark.parametrize(
    ("text", "reads_it"),
    [
        pytest.param("from a.limits import BULK_LIMIT\n", True, id="imported"),
        pytest.param("from a.limits import BULK_LIMIT as BULK_LIMIT\n", True, id="re-exported"),
        pytest.param("BULK_LIMIT = 100\n", False, id="retyped"),
        pytest.param("BULK_LIMIT: int = 100\n", False, id="retyped with a type"),
        pytest.param("from a.limits import BULK_LIMIT\nBULK_LIMIT = 100\n", False, id="imported, then retyped"),
        pytest.param("from b.limits import BULK_LIMIT\n", False, id="imported from elsewhere"),
    ],
)
def test_the_source_check_fails_on_a_module_that_restates_a_limit(text: str, reads_it: bool) -> None:
    assert binds_by_import_only(text, "BULK_LIMIT", "a.limits") is reads_it


@pytest.mark.parametrize(
    ("vendor_rule", "validation_rule", "digits"),
    [
        pytest.param(oc_rules.ID_RULE, validation.ONECODEX_ID_RULE, oc_limits.ID_HEX_DIGITS, id="One Codex"),
        pytest.param(sb_rules.ID_RULE, validation.SEVENBRIDGES_ID_RULE, sb_limits.ID_HEX_DIGITS, id="Seven Bridges"),
    ],
)
def test_each_vendors_id_rule_text_is_the_one_validation_states(
    vendor_rule: str, validation_rule: str, digits: int
) -> None:
    assert vendor_rule is validation_rule  # a built string: a retyped literal would be another object
    assert validation_rule == f"{digits} lowercase hex characters"


def test_every_seven_bridges_id_message_says_the_one_rule() -> None:
    kind = "sevenbridges"
    assert validation.id_problem("x", kind) == f"each id must be {sb_rules.ID_RULE}"
    assert sb_operators.TagFilesOperator.id_rule is sb_rules.ID_RULE
    with pytest.raises(InvalidInputError) as caught:
        sb_query.check_query({"parent": "x"})
    assert str(caught.value) == f"query: parent 'x' is not a folder id; ids are {sb_rules.ID_RULE}"
    with pytest.raises(InvalidInputError) as caught:
        sb_operators.RenameFileOperator(task_id="rename", file_id="x", name="a.bam")
    assert str(caught.value) == f"file_id: 'x' is not a valid id; each id must be {sb_rules.ID_RULE}"
    assert "lowercase hex" not in inspect.getsource(sb_query)


def test_seven_bridges_bulk_page_and_rate_limits_are_the_same_everywhere() -> None:
    assert HOOK_BULK_LIMIT == sb_limits.BULK_LIMIT
    assert SETTING_RANGES["sevenbridges page_size"].high == sb_limits.PAGE_SIZE_MAX
    config = EmulatorConfig()
    assert (config.sevenbridges_limit, config.sevenbridges_window_s) == (
        sb_limits.RATE_LIMIT_REQUESTS,
        sb_limits.RATE_LIMIT_WINDOW_S,
    )
    assert SEVENBRIDGES_ID.pattern == f"[0-9a-f]{{{sb_limits.ID_HEX_DIGITS}}}"


@pytest.mark.parametrize(
    ("metadata", "allowed"),
    [
        pytest.param({"k" * sb_limits.MAX_KEY_BYTES: "v"}, True, id="a key at the byte limit"),
        pytest.param({"é" * (sb_limits.MAX_KEY_BYTES // 2 + 1): "v"}, False, id="a key over it in bytes"),
        pytest.param({"k": "v" * sb_limits.MAX_VALUE_BYTES}, True, id="a value at the byte limit"),
        pytest.param({"k": "é" * (sb_limits.MAX_VALUE_BYTES // 2 + 1)}, False, id="a value over it in bytes"),
        pytest.param({f"k{i}": "v" for i in range(sb_limits.MAX_PAIRS)}, True, id="pairs at the limit"),
        pytest.param({f"k{i}": "v" for i in range(sb_limits.MAX_PAIRS + 1)}, False, id="pairs over the limit"),
    ],
)
def test_seven_bridges_metadata_limits_are_one_rule_for_operator_and_emulator(
    sb: requests.Session, emu: Emulator, metadata: dict[str, str], allowed: bool
) -> None:
    operator = accepts(lambda value: sb_rules.check_metadata(value, mode="replace"), metadata)
    response = sb.put(f"{emu.sevenbridges_url}/files/{BAM}/metadata", json=metadata)
    assert (operator, response.status_code == 200) == (allowed, allowed)


@pytest.mark.parametrize("count", [sb_limits.BULK_LIMIT, sb_limits.BULK_LIMIT + 1])
def test_the_emulators_bulk_limit_is_the_limits_module_value(sb: requests.Session, emu: Emulator, count: int) -> None:
    response = sb.post(f"{emu.sevenbridges_url}/bulk/files/get", json={"file_ids": [BAM] * count})
    assert (response.status_code == 200) is (count <= sb_limits.BULK_LIMIT)
