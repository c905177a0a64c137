"""One Codex writes go out within ``max_read_age`` of a read of their chunk, or are read again, never sent stale."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from unittest.mock import MagicMock

import pytest

from genomics_provider.curation.reconcile import STALE_HINT, RoundResult
from genomics_provider.exceptions import StaleReadError
from genomics_provider.onecodex import fresh
from genomics_provider.onecodex.fresh import FRESH_CHUNK, MAX_STALE_READS, _rotated, patch_fresh

STALE = StaleReadError("not sent: its body was planned from a read more than 2 s old (max_read_age); read again first")


class Chunks:
    """A fake fresh read that records which ids each read asked for."""

    def __init__(self) -> None:
        self.reads: list[list[str]] = []

    def __call__(self, keys: list[str]) -> dict[str, Mapping[str, Any]]:
        self.reads.append(list(keys))
        return {key: {"id": key, "read": len(self.reads)} for key in keys}


@pytest.fixture
def hook() -> MagicMock:
    fake = MagicMock()
    fake.clock.return_value = 100.0
    fake.max_read_age = 2.0
    return fake


@pytest.fixture(autouse=True)
def no_rotation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fresh, "_rotated", lambda keys: keys)


def test_each_chunk_of_ten_is_read_right_before_its_patches_with_the_reads_deadline(hook: MagicMock) -> None:
    keys = [f"s{index:02d}" for index in range(25)]
    read, sent = Chunks(), []
    patch_fresh(hook, keys, read, lambda key, item, send_by, result: sent.append((key, send_by)), RoundResult())

    assert read.reads == [keys[:10], keys[10:20], keys[20:]]
    assert sent == [(key, 102.0) for key in keys]


def test_a_patch_that_turns_stale_makes_the_rest_of_its_chunk_be_read_again(hook: MagicMock) -> None:
    keys = ["a", "b", "c"]
    read, sent = Chunks(), []

    def patch(key: str, item: Mapping[str, Any], send_by: float, result: RoundResult) -> None:
        if key == "b" and item["read"] == 1:
            raise STALE
        sent.append((key, item["read"]))

    patch_fresh(hook, keys, read, patch, RoundResult())

    assert read.reads == [["a", "b", "c"], ["b", "c"]]
    assert sent == [("a", 1), ("b", 2), ("c", 2)]  # b and c planned from the second read


def test_a_known_fresh_read_is_used_before_any_chunk_is_read_again(hook: MagicMock) -> None:
    known = {"a": {"read": 0}, "b": {"read": 0}}
    read, sent = Chunks(), []

    def patch(key: str, item: Mapping[str, Any], send_by: float, result: RoundResult) -> None:
        if key == "b" and item["read"] == 0:
            raise STALE  # the planning read ran out of freshness: expected, and not held against b
        sent.append((key, item["read"]))

    patch_fresh(hook, ["a", "b"], read, patch, RoundResult(), known=known, read_at=99.0)

    assert sent == [("a", 0), ("b", 1)]
    assert read.reads == [["b"]]


def test_an_item_whose_fresh_read_keeps_turning_stale_waits_for_the_next_round_saying_why(hook: MagicMock) -> None:
    def patch(key: str, item: Mapping[str, Any], send_by: float, result: RoundResult) -> None:
        raise STALE

    read, result = Chunks(), RoundResult()
    patch_fresh(hook, ["a"], read, patch, result)

    assert len(read.reads) == MAX_STALE_READS
    assert result.recheck == ["a"]
    assert result.errors["a"] == str(STALE) + STALE_HINT
    assert result.streak.count == 0  # nothing was sent, so the service did not fail


@pytest.mark.parametrize("size", [1, FRESH_CHUNK, FRESH_CHUNK + 1, 95])
def test_rotation_keeps_every_item_once_and_starts_on_a_chunk_boundary(size: int) -> None:
    keys = [f"s{index:03d}" for index in range(size)]
    for _ in range(20):
        rotated = _rotated(list(keys))
        assert sorted(rotated) == keys
        assert keys.index(rotated[0]) % FRESH_CHUNK == 0
        start = keys.index(rotated[0])
        assert rotated == keys[start:] + keys[:start]
