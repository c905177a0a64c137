"""Tell another writer's change to an item from ours: fingerprints of a written field, and conflicting asks.

The write / verify loop (:mod:`genomics_provider.curation.reconcile`, which also holds the timing argument for why
no non-conflicting change is lost) re-reads every written item. What it finds there is a :class:`Recheck`; this
module says how to read it.

**Conflicting asks** (one writer adds a tag another removes, or two writers set one key to different values) end
with a failed task naming the items, never with a silent last-writer-wins. A writer that finds its change gone tells
the two ways that can happen apart before it writes again (:func:`conflict`):

* *A stale write* dropped it: a body planned from a read taken before our write landed. Such a body carries only
  values the field held before our write, plus that writer's own change, which is not empty (it would not have
  written otherwise). So the field cannot be back to exactly its state before our write, and a key we set cannot
  hold a value that is neither ours nor the one before. The change is written again.
* *A conflicting ask* undid it on purpose: the field is back to exactly its state in the read our write was planned
  from (a tag we added is removed again, and nothing else changed), or a key we set now holds a third value. The item
  fails, naming what the other writer did, and is not written again: the other writer's re-read then finds its own
  change in place and confirms it, so exactly one of the two tasks succeeds on the item.

A writer that reverts our change *and* changes something else of the same field in one write looks like a stale
write, and the two correct each other until one runs out of
:data:`~genomics_provider.curation.reconcile.MAX_WRITE_ROUNDS` and fails naming the item; if the later one confirms
before the earlier one's correction lands, that correction wins unreported. Two runs of the same ask at once can
look like a conflict (the second's stale write restores exactly our before-state): the task fails and its retry
finds the item as asked.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

#: The change type a vendor writer plans and writes (a sample patch, a file's tag edit, ...).
ChangeT = TypeVar("ChangeT")


def fingerprint(value: Any) -> str:
    """Digest a written field's value (a tag list, a metadata dict) to tell later whether anyone wrote it since.

    A short digest instead of the value keeps a run over 100,000 items small.

    :param value: A JSON-serialisable value.
    :return: 16 hex characters.
    """
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


_ABSENT = object()


def conflict(before: Any, written: Any, current: Any) -> str | None:
    """Tell whether another writer undid our write of a field on purpose (a conflicting ask), not by a stale write.

    A tag list is compared as a set, a metadata dict key by key (see the module docstring for why a stale write can
    produce neither result).

    :param before: The field in the read our write was planned from.
    :param written: The field as our write set it.
    :param current: The field in the re-read that found our change gone.
    :return: What the other writer did, or ``None`` when the change may have been dropped by a stale write.
    """
    if isinstance(before, list) and isinstance(current, list):
        if set(map(str, current)) == set(map(str, before)) != set(map(str, written or [])):
            return "put the tags back to exactly what they were before our write"
        return None
    if not (isinstance(before, dict) and isinstance(written, dict) and isinstance(current, dict)):
        return None
    if current == before != written:
        return "put the metadata back to exactly what it was before our write"
    for key in sorted(before.keys() | written.keys(), key=str):
        ours, was = written.get(key, _ABSENT), before.get(key, _ABSENT)
        now = current.get(key, _ABSENT)
        if ours != was and now not in (ours, was):
            return f"set {key!r} to {_shown(now)} after our write set it to {_shown(ours)} (it was {_shown(was)})"
    return None


def _shown(value: Any) -> str:
    """Show a field value in a conflict message, cut to 60 characters.

    :param value: The value, or the marker for an absent key.
    :return: ``absent`` or the value's ``repr``.
    """
    if value is _ABSENT:
        return "absent"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass
class Recheck(Generic[ChangeT]):
    """The state of re-read items, planned again with the same request.

    :param done: Items now as asked.
    :param changes: Items that still differ, with the change to write next.
    :param failed: Items that cannot be written (gone, refused at plan time), with the reason.
    :param stamps: Fingerprint of each re-read item's written field, to tell whether anyone wrote it meanwhile.
    :param read_at: The hook's clock just before the re-read was sent: the changes were planned from that read.
    :param conflicts: Items among ``changes`` whose change another writer undid on purpose (:func:`conflict`), with
        what it did: they fail instead of being written again.
    """

    done: list[str] = field(default_factory=list)
    changes: list[ChangeT] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    stamps: dict[str, str | None] = field(default_factory=dict)
    read_at: float | None = None
    conflicts: dict[str, str] = field(default_factory=dict)
