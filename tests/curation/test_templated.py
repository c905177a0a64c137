"""Templated or literal: which arguments are only known at run time, and checks that run at parse time otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from genomics_provider.curation.arguments import check_if_literal, is_templated
from genomics_provider.exceptions import InvalidInputError
from tests.curation.test_arguments import A, B, refusal


class FakeXComArg:
    """Stands in for an ``XComArg``: only known at run time, recognised by its ``resolve`` method."""

    def resolve(self, context: Any) -> Any:
        return [A]


# -- is_templated ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "templated"),
    [
        pytest.param("{{ ds }}", True, id="a Jinja template string is templated"),
        pytest.param("run-{{ params.run }}-qc", True, id="a template inside a longer string is templated"),
        pytest.param(FakeXComArg(), True, id="an object with resolve (an XComArg) is templated"),
        pytest.param({"project": "{{ params.p }}"}, True, id="a template as a dict value is templated"),
        pytest.param({"{{ params.key }}": 1}, True, id="a template as a dict key is templated"),
        pytest.param([A, FakeXComArg()], True, id="an XComArg inside a list is templated"),
        pytest.param((A, ("x", "{{ ds }}")), True, id="a template in a nested tuple is templated"),
        pytest.param({"a": [{"b": FakeXComArg()}]}, True, id="an XComArg deep inside dicts and lists is templated"),
        pytest.param("plain text", False, id="a plain string is literal"),
        pytest.param("{ not jinja }", False, id="single braces are literal"),
        pytest.param([A, B], False, id="a list of plain strings is literal"),
        pytest.param({"project": A, "tags": ["qc"]}, False, id="a dict of literals is literal"),
        pytest.param(None, False, id="None is literal"),
        pytest.param(42, False, id="a number is literal"),
        pytest.param([], False, id="an empty list is literal"),
    ],
)
def test_is_templated_finds_templates_and_xcomargs_at_any_depth(value: Any, templated: bool) -> None:
    assert is_templated(value) is templated


# -- check_if_literal ------------------------------------------------------------------------------------------


class Check:
    """A check that counts its runs and refuses when told to."""

    def __init__(self, refuse: bool = False) -> None:
        self.runs = 0
        self.refuse = refuse

    def __call__(self) -> None:
        self.runs += 1
        if self.refuse:
            raise InvalidInputError("tags: refused")


@pytest.mark.parametrize(
    ("values", "runs"),
    [
        pytest.param((), 1, id="a check reading no argument runs now"),
        pytest.param(([A], "add"), 1, id="literal arguments are checked now"),
        pytest.param(([A], "{{ params.mode }}"), 0, id="one template among them defers the check"),
        pytest.param((FakeXComArg(), "add"), 0, id="an XComArg defers the check"),
        pytest.param(({"project": ["{{ ds }}"]}, None), 0, id="a template deep inside a value defers the check"),
    ],
)
def test_check_if_literal_runs_the_check_only_when_every_value_is_literal(values: tuple[Any, ...], runs: int) -> None:
    check = Check()

    assert check_if_literal(check, *values) is (runs == 1)
    assert check.runs == runs


def test_check_if_literal_lets_the_checks_refusal_through() -> None:
    assert refusal(lambda: check_if_literal(Check(refuse=True), [A], "add")) == "tags: refused"


def test_check_if_literal_does_not_run_a_refusing_check_on_a_templated_value() -> None:
    check = Check(refuse=True)

    assert check_if_literal(check, "{{ params.tags }}") is False
    assert check.runs == 0
