"""Registration: the provider info dict, and what Airflow 3.3's ProvidersManager and CLI make of it."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.resources
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from packaging.utils import canonicalize_name

from genomics_provider import __version__, get_provider_info
from genomics_provider._compat import PROVIDER_INFO_FORMS

DIST_NAME = "airflow-provider-genomics"
VERSION = "0.1.0"
ONECODEX_HOOK = "genomics_provider.hooks.onecodex.OneCodexHook"
SEVENBRIDGES_HOOK = "genomics_provider.hooks.sevenbridges.SevenBridgesHook"
LINK_CLASSES = {
    "genomics_provider.links.genomics.OneCodexSamplesLink",
    "genomics_provider.links.genomics.SevenBridgesFilesLink",
}
ONECODEX_CONN_FIELDS = {"auth_scheme", "timeout", "connect_timeout", "rate_limit", "max_attempts"}
AIRFLOW_CLI = Path(sys.executable).with_name("airflow")


# The Seven Bridges hook is written concurrently; until its module imports, its registration check may fail.


@pytest.fixture(scope="module")
def providers_manager() -> Any:
    """Return Airflow's (singleton) ProvidersManager, imported after conftest set AIRFLOW_HOME.

    :return: The ProvidersManager.
    """
    from airflow.providers_manager import ProvidersManager

    return ProvidersManager()


@pytest.fixture(scope="module")
def hooks_registry(providers_manager: Any) -> Any:
    """Return the connection-type to hook registry.

    ``ProvidersManager.hooks`` is deprecated in Airflow 3.3 (it warns with ``DeprecatedImportWarning``, a
    ``FutureWarning``, and delegates to the task SDK's ``ProvidersManagerTaskRuntime.hooks``); the warning is silenced
    so the test reads the same registry either way.

    :param providers_manager: The ProvidersManager.
    :return: The registry.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return providers_manager.hooks


# -- the info dict -----------------------------------------------------------------------------------------------


def test_provider_info_validates_against_airflows_schema() -> None:
    schema = json.loads((importlib.resources.files("airflow") / "provider_info.schema.json").read_text())
    jsonschema.validate(get_provider_info(), schema)


def test_package_name_is_the_canonical_distribution_name() -> None:
    dist = importlib.metadata.distribution(DIST_NAME)
    assert get_provider_info()["package-name"] == canonicalize_name(dist.metadata["Name"])
    assert get_provider_info()["package-name"] == DIST_NAME


def test_versions_agree_between_the_package_the_dist_and_the_info() -> None:
    assert __version__ == VERSION
    assert importlib.metadata.version(DIST_NAME) == VERSION
    assert get_provider_info()["versions"] == [VERSION]


def test_entry_point_points_at_get_provider_info() -> None:
    entry_points = importlib.metadata.entry_points(group="apache_airflow_provider")
    ours = [entry for entry in entry_points if entry.dist is not None and entry.dist.name == DIST_NAME]
    assert [entry.value for entry in ours] == ["genomics_provider:get_provider_info"]
    assert ours[0].load() is get_provider_info


@pytest.mark.parametrize(
    ("conn_type", "hook_path"),
    [("onecodex", ONECODEX_HOOK), ("sevenbridges", SEVENBRIDGES_HOOK)],
)
def test_connection_types_name_hooks_whose_conn_type_matches(conn_type: str, hook_path: str) -> None:
    declared = {entry["connection-type"]: entry for entry in get_provider_info()["connection-types"]}
    assert declared[conn_type]["hook-class-name"] == hook_path
    module_name, class_name = hook_path.rsplit(".", 1)
    hook_class = getattr(importlib.import_module(module_name), class_name)
    assert hook_class.conn_type == conn_type
    assert hook_class.hook_name == declared[conn_type]["hook-name"]


def test_every_listed_module_and_link_class_imports() -> None:
    info = get_provider_info()
    sections = ("hooks", "operators", "sensors", "triggers")
    modules = [module for section in sections for entry in info[section] for module in entry["python-modules"]]
    assert len(modules) == 8
    for module in modules:
        importlib.import_module(module)
    for link in info["extra-links"]:
        module_name, class_name = link.rsplit(".", 1)
        assert hasattr(importlib.import_module(module_name), class_name)


# -- ProvidersManager ------------------------------------------------------------------------------------------


def test_providers_manager_lists_the_provider_with_its_version(providers_manager: Any) -> None:
    provider = providers_manager.providers[DIST_NAME]
    assert provider.version == VERSION
    assert provider.data["package-name"] == DIST_NAME
    assert provider.data["name"] == "Genomics (One Codex, Seven Bridges)"


def test_hooks_registry_maps_onecodex_to_the_onecodex_hook(hooks_registry: Any) -> None:
    info = hooks_registry["onecodex"]
    assert info is not None, "the One Codex hook failed to import"
    assert info.hook_class_name == ONECODEX_HOOK
    assert info.connection_id_attribute_name == "onecodex_conn_id"
    assert info.package_name == DIST_NAME
    assert info.hook_name == "One Codex"
    assert info.connection_testable is True


def test_hooks_registry_maps_sevenbridges_to_the_seven_bridges_hook(hooks_registry: Any) -> None:
    info = hooks_registry["sevenbridges"]
    assert info is not None, "the Seven Bridges hook failed to import"
    assert info.hook_class_name == SEVENBRIDGES_HOOK
    assert info.connection_id_attribute_name == "sevenbridges_conn_id"


def test_providers_manager_registers_both_extra_links(providers_manager: Any) -> None:
    assert set(providers_manager.extra_links_class_names) >= LINK_CLASSES


def test_onecodex_form_relabels_the_password_as_api_key_and_hides_unused_fields(providers_manager: Any) -> None:
    behaviour = providers_manager.field_behaviours["onecodex"]
    assert behaviour["relabeling"] == {"host": "API base URL", "password": "API key"}
    assert sorted(behaviour["hidden_fields"]) == ["login", "port", "schema"]
    assert behaviour["placeholders"]["host"] == "https://app.onecodex.com (leave empty for the default)"


def test_sevenbridges_form_relabels_the_password_as_a_token(providers_manager: Any) -> None:
    behaviour = providers_manager.field_behaviours["sevenbridges"]
    assert behaviour["relabeling"]["password"] == "Authentication token"
    assert sorted(behaviour["hidden_fields"]) == ["login", "port", "schema"]


@pytest.mark.skipif(
    not PROVIDER_INFO_FORMS,
    reason="Airflow 3.1 cannot render conn-fields (extra form fields); 3.1 users set them as JSON in extra",
)
def test_onecodex_form_offers_the_connection_extras_as_fields(providers_manager: Any) -> None:
    widgets = {
        info.field_name: info
        for name, info in providers_manager.connection_form_widgets.items()
        if name.startswith("extra__onecodex__")
    }
    assert set(widgets) == ONECODEX_CONN_FIELDS
    assert all(info.hook_class_name == ONECODEX_HOOK for info in widgets.values())
    assert all(info.package_name == DIST_NAME for info in widgets.values())
    assert not any(info.is_sensitive for info in widgets.values())
    auth = widgets["auth_scheme"].field
    assert auth["value"] == "api_key"
    assert auth["schema"]["enum"] == ["api_key", "basic", "bearer", None]
    assert auth["schema"]["title"] == "Auth scheme"
    assert widgets["timeout"].field["value"] == 60
    assert widgets["connect_timeout"].field["value"] == 10
    assert widgets["rate_limit"].field["value"] == 10
    assert widgets["max_attempts"].field["value"] == 5


def test_a_connection_resolves_to_the_onecodex_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.sdk import BaseHook

    from genomics_provider.hooks.onecodex import OneCodexHook

    conn = {"conn_type": "onecodex", "host": "https://app.onecodex.com", "password": "oc-test-key-7f3a9c1e5b2d4f60a8"}
    monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", json.dumps(conn))
    hook = BaseHook.get_hook("onecodex_default")
    assert type(hook) is OneCodexHook
    assert hook.conn_id == "onecodex_default"


# -- CLI -----------------------------------------------------------------------------------------------------


def test_airflow_providers_list_shows_the_provider() -> None:
    result = subprocess.run(
        [str(AIRFLOW_CLI), "providers", "list", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "AIRFLOW_HOME": os.environ["AIRFLOW_HOME"]},
    )
    assert result.returncode == 0, result.stderr
    assert DIST_NAME in result.stdout
    listing = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("[")))
    ours = [row for row in listing if row["package_name"] == DIST_NAME]
    assert len(ours) == 1
    assert ours[0]["version"] == VERSION
