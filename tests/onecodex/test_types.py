"""One Codex wire helpers: the id rule and ``$ref`` links (which carry the API prefix)."""

from __future__ import annotations

from typing import Any

import pytest

from genomics_provider.hooks import onecodex as hook_module
from genomics_provider.onecodex import types
from genomics_provider.onecodex.types import ID_PATTERN, id_from_link, ref

TAG_ID = "42997b7a62634985"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        pytest.param(TAG_ID, True, id="16 lowercase hex"),
        pytest.param(TAG_ID.upper(), False, id="upper case"),
        pytest.param(TAG_ID[:-1], False, id="15 characters"),
        pytest.param(TAG_ID + "0", False, id="17 characters"),
        pytest.param("g" * 16, False, id="not hex"),
    ],
)
def test_the_id_pattern_is_16_lowercase_hex(value: str, valid: bool) -> None:
    assert (ID_PATTERN.fullmatch(value) is not None) is valid


def test_ref_builds_a_link_object() -> None:
    assert ref("tags", TAG_ID) == {"$ref": f"/api/v1/tags/{TAG_ID}"}


@pytest.mark.parametrize(
    ("link", "found"),
    [
        pytest.param({"$ref": f"/api/v1/tags/{TAG_ID}"}, TAG_ID, id="a $ref link"),
        pytest.param({"$uri": f"/api/v1/tags/{TAG_ID}", "name": "t"}, TAG_ID, id="an expanded object's $uri"),
        pytest.param({"$ref": f"/api/v1/tags/{TAG_ID}", "$uri": "/api/v1/tags/other"}, TAG_ID, id="$ref first"),
        pytest.param(f"/api/v1/projects/{TAG_ID}/", TAG_ID, id="a trailing slash"),
        pytest.param(TAG_ID, TAG_ID, id="a bare id"),
        pytest.param(None, None, id="None"),
        pytest.param({"name": "t"}, None, id="an object without a link"),
        pytest.param(42, None, id="not a string"),
        pytest.param({"$ref": 42}, None, id="a link that is not a string"),
    ],
)
def test_id_from_link(link: Any, found: str | None) -> None:
    assert id_from_link(link) == found


def test_the_hook_module_re_exports_the_same_objects() -> None:
    for name in ("API", "ID_PATTERN", "id_from_link", "ref"):
        assert getattr(hook_module, name) is getattr(types, name)
