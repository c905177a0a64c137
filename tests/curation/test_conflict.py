"""Conflict detection: fingerprints of a written field, and telling a deliberate undo from a stale write."""

from __future__ import annotations

import pytest

from genomics_provider.curation.conflict import conflict, fingerprint


def test_fingerprints_differ_when_the_value_does_and_ignore_key_order() -> None:
    assert fingerprint({"a": "1", "b": "2"}) == fingerprint({"b": "2", "a": "1"})
    assert fingerprint(["x", "y"]) != fingerprint(["y", "x"])
    assert len(fingerprint(["x"])) == 16


@pytest.mark.parametrize(
    ("before", "written", "current", "expected"),
    [
        # tags: back to exactly the before-state is a conflicting ask; anything else may be a stale write
        (["a"], ["a", "ours"], ["a"], "put the tags back to exactly what they were before our write"),
        (["a"], ["a", "ours"], ["ours", "a", "a"][1:], "put the tags back to exactly what they were before our write"),
        (["a", "x"], ["a"], ["x", "a"], "put the tags back to exactly what they were before our write"),
        (["a"], ["a", "ours"], ["a", "theirs"], None),
        ([], ["ours"], ["theirs"], None),
        (["a"], ["a"], ["a"], None),
        # metadata: exactly back, or a key we set now holding a third value
        ({"s": "A"}, {"s": "A", "k": "1"}, {"s": "A"}, "put the metadata back to exactly what it was before our write"),
        ({}, {"k": "1"}, {"k": "2"}, "set 'k' to '2' after our write set it to '1' (it was absent)"),
        ({"k": "0"}, {}, {"k": "2"}, "set 'k' to '2' after our write set it to absent (it was '0')"),
        ({"k": "0"}, {"k": "1"}, {"k": "0", "o": "x"}, None),
        ({}, {"k": "1"}, {"o": "x"}, None),
        ({"k": "0"}, {"k": "1"}, {"k": "1", "o": "x"}, None),
        ({}, {"k": "1"}, {"k": "x" * 80}, f"set 'k' to '{'x' * 56}... after our write set it to '1' (it was absent)"),
        # anything else (an unknown shape) cannot be judged
        (None, ["ours"], ["a"], None),
        ({"k": "0"}, {"k": "1"}, ["k"], None),
    ],
)
def test_conflict_tells_a_deliberate_undo_from_what_a_stale_write_can_produce(
    before: object, written: object, current: object, expected: str | None
) -> None:
    assert conflict(before, written, current) == expected
