"""The compatibility module: every name resolves, warning-free, to the object the running Airflow itself uses.

Runs on whichever Airflow the venv has (3.1, 3.2 or 3.3; ``make test-matrix`` runs it on each).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import warnings
from typing import Any

import airflow
import pytest
from packaging.version import Version

from genomics_provider import ONECODEX_CONNECTION_TYPE, SEVENBRIDGES_CONNECTION_TYPE, _compat

AIRFLOW_MINOR = Version(airflow.__version__).release[:2]
EXCEPTIONS = [
    "AirflowException",
    "AirflowFailException",
    "AirflowSkipException",
    "AirflowNotFoundException",
    "AirflowTaskTimeout",
    "AirflowSensorTimeout",
    "AirflowRescheduleException",
    "TaskDeferred",
]
#: Where Airflow keeps each name on this version: its 3.2+ home, or its 3.1 home before that.
HOME = {
    "exceptions": "airflow.sdk.exceptions" if AIRFLOW_MINOR >= (3, 2) else "airflow.exceptions",
    "conf": "airflow.sdk" if AIRFLOW_MINOR >= (3, 2) else "airflow.configuration",
    "DagBag": "airflow.dag_processing.dagbag" if AIRFLOW_MINOR >= (3, 2) else "airflow.models.dagbag",
    "serde": "airflow.sdk.serde" if AIRFLOW_MINOR >= (3, 2) else "airflow.serialization.serde",
    "TaskInstanceKey": "airflow.sdk.types" if AIRFLOW_MINOR >= (3, 2) else "airflow.models.taskinstancekey",
}
ONECODEX_BEHAVIOUR = {
    "hidden_fields": ["login", "port", "schema"],
    "relabeling": {"host": "API base URL", "password": "API key"},
    "placeholders": {
        "host": "https://app.onecodex.com (leave empty for the default)",
        "password": "32-character One Codex API key",
        "extra": '{"auth_scheme": "api_key", "timeout": 60, "rate_limit": 10}',
    },
}


def _home(name: str) -> Any:
    key = "exceptions" if name in EXCEPTIONS else "serde" if name in {"serialize", "deserialize"} else name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 3.1 homes of some names warn on 3.2+; only identity matters here
        return getattr(importlib.import_module(HOME[key]), name)


def test_the_supported_range_is_3_1_to_3_x() -> None:
    assert (3, 1) <= AIRFLOW_MINOR < (4, 0)


@pytest.mark.parametrize("name", [*EXCEPTIONS, "conf", "DagBag", "serialize", "deserialize", "TaskInstanceKey"])
def test_each_name_is_the_object_from_its_home_on_this_airflow(name: str) -> None:
    assert getattr(_compat, name) is _home(name)


@pytest.mark.parametrize("name", ["AirflowFailException", "AirflowSkipException", "AirflowNotFoundException"])
def test_task_exceptions_are_airflow_exceptions(name: str) -> None:
    assert issubclass(getattr(_compat, name), _compat.AirflowException)


def test_conf_answers_the_deferrable_default() -> None:
    assert _compat.conf.getboolean("operators", "default_deferrable", fallback=False) is False


def test_an_unknown_name_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"module 'genomics_provider\._compat' has no attribute 'nope'"):
        _compat.nope  # noqa: B018


def test_resolving_every_name_emits_no_deprecation_warning_about_where_it_lives() -> None:
    # Warnings Airflow raises about its own internals while a module loads (3.1's airflow.models.dagbag imports a
    # moved BaseBranchOperator) are not ours; a warning naming a module we look names up in would be.
    names = [*EXCEPTIONS, "conf", "DagBag", "serialize", "deserialize", "TaskInstanceKey"]
    code = (
        "import json, warnings\n"
        "with warnings.catch_warnings(record=True) as seen:\n"
        "    warnings.simplefilter('always')\n"
        "    import genomics_provider._compat as c\n"
        f"    kinds = {{n: type(getattr(c, n)).__name__ for n in {names!r}}}\n"
        "found = [str(w.message) for w in seen if issubclass(w.category, (DeprecationWarning, FutureWarning))]\n"
        "print(json.dumps([sorted(kinds), found]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    resolved, found = json.loads(done.stdout.strip().splitlines()[-1])
    homes = {module for modules in (*_compat._EAGER.values(), *_compat._LAZY.values()) for module in modules}
    assert resolved == sorted(names)
    assert [message for message in found if any(home in message for home in homes)] == []


def test_provider_info_forms_flag_matches_the_airflow_minor() -> None:
    assert _compat.PROVIDER_INFO_FORMS is (AIRFLOW_MINOR >= (3, 2))


def test_ui_field_behaviour_converts_the_provider_info_keys() -> None:
    assert _compat.ui_field_behaviour(ONECODEX_CONNECTION_TYPE) == ONECODEX_BEHAVIOUR
    assert _compat.ui_field_behaviour({"connection-type": "x"}) == {
        "hidden_fields": [],
        "relabeling": {},
        "placeholders": {},
    }


def _decorated_hook() -> type:
    from airflow.sdk import BaseHook

    @_compat.legacy_connection_form(ONECODEX_CONNECTION_TYPE)
    class FormHook(BaseHook):
        conn_type = "onecodex"

    return FormHook


def test_legacy_form_defines_the_method_only_where_airflow_reads_it() -> None:
    hook_class = _decorated_hook()
    assert ("get_ui_field_behaviour" in hook_class.__dict__) is (not _compat.PROVIDER_INFO_FORMS)


@pytest.mark.skipif(_compat.PROVIDER_INFO_FORMS, reason="Airflow 3.2+ reads the form from the provider info")
def test_legacy_form_returns_a_fresh_copy_of_the_behaviour_on_3_1() -> None:
    hook_class: Any = _decorated_hook()
    first = hook_class.get_ui_field_behaviour()
    first["hidden_fields"].append("host")
    assert hook_class.get_ui_field_behaviour() == ONECODEX_BEHAVIOUR


@pytest.mark.parametrize(
    ("module", "class_name"),
    [
        ("genomics_provider.hooks.onecodex", "OneCodexHook"),
        ("genomics_provider.hooks.sevenbridges", "SevenBridgesHook"),
    ],
)
def test_provider_hooks_define_the_method_only_where_airflow_reads_it(module: str, class_name: str) -> None:
    hook_class = getattr(importlib.import_module(module), class_name)
    assert ("get_ui_field_behaviour" in hook_class.__dict__) is (not _compat.PROVIDER_INFO_FORMS)


def test_every_supported_airflow_builds_the_same_forms_from_one_source() -> None:
    # 3.1 reads the hook method (wtforms, from the test extra, must import); 3.2+ reads the provider info.
    from airflow.providers_manager import ProvidersManager

    behaviours = ProvidersManager().field_behaviours
    assert behaviours["onecodex"] == ONECODEX_BEHAVIOUR
    assert behaviours["sevenbridges"] == _compat.ui_field_behaviour(SEVENBRIDGES_CONNECTION_TYPE)
