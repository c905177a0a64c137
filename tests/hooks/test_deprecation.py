"""Old hook method names: aliases that warn with ``DeprecationWarning`` and call the new method on the instance.

First the alias itself, on a stand-in class; then every old name of both hooks, sending what the new name sends.
"""

from __future__ import annotations

import warnings
from typing import Any
from urllib.parse import urlsplit

import pytest
import responses

from genomics_provider.hooks._deprecation import deprecated_alias
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from tests.hooks.onecodex_support import METADATA_URL, SAMPLES_URL
from tests.hooks.sevenbridges_support import BASE as SB_BASE
from tests.hooks.sevenbridges_support import FILE_A, body


class Client:
    def list_things(self, project: str, *, limit: int = 10) -> tuple[str, int]:
        """List things."""
        return ("base", limit) if project else ("none", limit)

    get_things = deprecated_alias(list_things, "get_things")


class Patched(Client):
    def list_things(self, project: str, *, limit: int = 10) -> tuple[str, int]:
        return ("override", limit)


def test_the_alias_warns_naming_the_class_and_both_names_and_returns_what_the_new_method_returns() -> None:
    with pytest.warns(DeprecationWarning, match="get_things") as caught:
        result = Client().get_things("p", limit=3)

    assert result == ("base", 3)
    assert [str(warning.message) for warning in caught] == ["Client.get_things is deprecated; use list_things instead"]


def test_the_warning_points_at_the_caller_not_at_the_alias() -> None:
    with pytest.warns(DeprecationWarning, match="get_things") as caught:
        Client().get_things("p")

    assert caught[0].filename == __file__


def test_a_subclass_override_is_what_the_alias_calls_and_the_warning_names_the_subclass() -> None:
    with pytest.warns(DeprecationWarning, match=r"^Patched\.get_things is deprecated; use list_things instead$"):
        assert Patched().get_things("p", limit=1) == ("override", 1)


def test_a_patched_new_method_on_the_instance_is_what_the_alias_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    client = Client()
    calls: list[tuple[Any, ...]] = []

    def patched(*args: Any, **kwargs: Any) -> tuple[str, int]:
        calls.append((args, kwargs))
        return ("patched", 0)

    monkeypatch.setattr(client, "list_things", patched)

    with pytest.warns(DeprecationWarning, match=r"^Client\.get_things is deprecated"):
        assert client.get_things("p", limit=5) == ("patched", 0)
    assert calls == [(("p",), {"limit": 5})]


def test_the_alias_is_named_as_the_old_method_with_a_docstring_pointing_at_the_new_one() -> None:
    alias = Client.get_things

    assert alias.__name__ == "get_things"
    assert alias.__qualname__ == "Client.get_things"
    assert alias.__doc__ == "Deprecated alias of :meth:`list_things`; it warns with ``DeprecationWarning``."
    assert alias.__wrapped__ is Client.list_things  # type: ignore[attr-defined]


def test_an_alias_of_a_module_level_function_has_no_leading_dot_in_its_qualname() -> None:
    def new(self: object) -> int:
        return 1

    alias = deprecated_alias(new, "old")

    assert alias.__qualname__.endswith("<locals>.old")
    assert not alias.__qualname__.startswith(".")
    holder = type("Holder", (), {"new": new})()
    with pytest.warns(DeprecationWarning, match=r"^Holder\.old is deprecated; use new instead$"):
        assert alias(holder) == 1


def test_the_new_method_runs_without_any_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Client().list_things("p") == ("base", 10)


@pytest.mark.parametrize(
    ("cls", "old", "new"),
    [
        pytest.param(OneCodexHook, "get_samples_by_id", "list_samples_by_id", id="One Codex get_samples_by_id"),
        pytest.param(OneCodexHook, "get_metadata_by_id", "list_metadata_by_id", id="One Codex get_metadata_by_id"),
        pytest.param(SevenBridgesHook, "patch_file_metadata", "merge_file_metadata", id="Seven Bridges patch"),
        pytest.param(SevenBridgesHook, "put_file_metadata", "replace_file_metadata", id="Seven Bridges put metadata"),
        pytest.param(SevenBridgesHook, "put_file_tags", "replace_file_tags", id="Seven Bridges put tags"),
    ],
)
def test_the_hooks_keep_their_old_names_as_warning_aliases(cls: type, old: str, new: str) -> None:
    alias = getattr(cls, old)

    assert alias.__name__ == old
    assert alias.__doc__ == f"Deprecated alias of :meth:`{new}`; it warns with ``DeprecationWarning``."
    assert alias.__wrapped__ is getattr(cls, new)


# -- the hooks' old names, end to end -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "url"),
    [
        ("get_samples_by_id", "list_samples_by_id", SAMPLES_URL),
        ("get_metadata_by_id", "list_metadata_by_id", METADATA_URL),
    ],
    ids=["get_samples_by_id", "get_metadata_by_id"],
)
def test_an_old_by_id_name_warns_naming_the_new_one_and_reads_the_same(
    hook: OneCodexHook, api: responses.RequestsMock, old: str, new: str, url: str
) -> None:
    record_id = "0a1b2c3d4e5f6071"
    record = {"$uri": f"{urlsplit(url).path}/{record_id}"}
    api.get(url, json=[record])

    with pytest.warns(DeprecationWarning, match=rf"^OneCodexHook\.{old} is deprecated; use {new} instead$"):
        assert getattr(hook, old)([record_id]) == {record_id: record}

    assert len(api.calls) == 1


@pytest.mark.usefixtures("sb_conn")
@pytest.mark.parametrize(
    ("old", "new", "method", "path", "argument", "answer"),
    [
        ("patch_file_metadata", "merge_file_metadata", "PATCH", "metadata", {"b": "2"}, {"b": "2"}),
        ("put_file_metadata", "replace_file_metadata", "PUT", "metadata", {"a": "1"}, {"a": "1"}),
        ("put_file_tags", "replace_file_tags", "PUT", "tags", ["a", "b"], ["a", "b"]),
    ],
    ids=["patch_file_metadata", "put_file_metadata", "put_file_tags"],
)
def test_an_old_file_method_name_warns_naming_the_new_one_and_sends_the_same_request(
    rsps: Any, old: str, new: str, method: str, path: str, argument: Any, answer: Any
) -> None:
    rsps.add(method, f"{SB_BASE}/files/{FILE_A}/{path}", json=answer)

    with pytest.warns(DeprecationWarning, match=rf"^SevenBridgesHook\.{old} is deprecated; use {new} instead$"):
        assert getattr(SevenBridgesHook(), old)(FILE_A, argument) == answer

    assert [(c.request.method, body(c)) for c in rsps.calls] == [(method, argument)]


@pytest.mark.usefixtures("sb_conn")
def test_an_old_file_method_name_calls_the_new_method_as_the_instance_has_it(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(SevenBridgesHook, "replace_file_tags", lambda _, file_id, tags: calls.append((file_id, tags)))

    with pytest.warns(DeprecationWarning, match="use replace_file_tags instead"):
        SevenBridgesHook().put_file_tags(FILE_A, tags=["x"])

    assert calls == [(FILE_A, ["x"])]
    assert SevenBridgesHook.put_file_tags.__name__ == "put_file_tags"
