"""Send each One Codex PATCH within ``max_read_age`` of a read of its item, reading chunks of 10 again as needed.

Both writers (:mod:`genomics_provider.onecodex.writers`) send a replace of a whole list or dict (``tags``,
``custom``) this way, so it is planned from a state at most ``max_read_age`` old; the transport refuses to send a
later one (:class:`~genomics_provider.exceptions.StaleReadError`). See :mod:`genomics_provider.curation.reconcile`
for why.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from genomics_provider.curation.rounds import STALE_HINT, RoundResult
from genomics_provider.exceptions import GenomicsApiError, StaleReadError
from genomics_provider.hooks.onecodex import OneCodexHook

#: Samples (or metadata records) read with one ``$in`` list call right before their PATCHes.
FRESH_CHUNK = 10
#: Times in a row an item's fresh read may turn too old before its PATCH can be sent, before it waits for the next
#: round (pacing on this key leaves less than ``max_read_age`` between a read and the next write).
MAX_STALE_READS = 2

FreshRead = Callable[[list[str]], Mapping[str, Mapping[str, Any]]]
PatchOne = Callable[[str, Mapping[str, Any], float, RoundResult], None]


def patch_fresh(
    hook: OneCodexHook,
    keys: Sequence[str],
    read: FreshRead,
    patch: PatchOne,
    result: RoundResult,
    *,
    known: Mapping[str, Mapping[str, Any]] | None = None,
    read_at: float | None = None,
) -> None:
    """PATCH each item within ``max_read_age`` of a read of it, reading chunks of :data:`FRESH_CHUNK` as needed.

    The list is started at a random chunk (:func:`_rotated`). Items are first planned from ``known`` (a read sent at
    ``read_at``) for as long as that read is fresh enough;
    then each chunk of the rest is read again right before its PATCHes. When pacing, a 429 or a retry makes a PATCH
    late, the transport does not send it (:class:`~genomics_provider.exceptions.StaleReadError`); the rest of the
    chunk is read again and planned from the fresh state (see :mod:`genomics_provider.curation.reconcile`).

    :param hook: The One Codex hook (its clock dates each read, taken just before it).
    :param keys: Item ids, in the order to write them.
    :param read: Reads up to :data:`FRESH_CHUNK` items by id.
    :param patch: Plans and PATCHes one item from its fresh state, sending by the given deadline.
    :param result: Where each item's fate is recorded.
    :param known: Optional. The items' state from one read (a single request) sent at ``read_at``.
    :param read_at: Optional. When that read was sent (``None``: read every chunk again).
    """
    stale = dict.fromkeys(keys, 0)
    queue = _rotated(list(keys))
    if known is not None and read_at is not None:
        # Running out of this read's freshness is expected: it does not count against the item.
        queue = _patch_until_stale(queue, known, read_at + hook.max_read_age, patch, result, dict(stale))
    while queue:
        chunk, queue = queue[:FRESH_CHUNK], queue[FRESH_CHUNK:]
        if result.hold(chunk):
            continue
        read_at = hook.clock()
        try:
            found = read(chunk)
        except GenomicsApiError as exc:
            result.failed(chunk, exc.status, f"not sent: reading it right before the PATCH failed: {exc}")
            continue
        send_by = read_at + hook.max_read_age
        queue = _patch_until_stale(chunk, found, send_by, patch, result, stale) + queue


def _rotated(keys: list[str]) -> list[str]:
    """Start at a random chunk: writers given the same list at the same time then work on different items.

    Two writers PATCHing the same sample within ``max_read_age`` of each other's read would make one write again
    (:mod:`genomics_provider.curation.reconcile`); in step on one list, they would do so on almost every sample.

    :param keys: The items, in the order given.
    :return: The same items, rotated by a random whole number of chunks (unchanged for one chunk or less).
    """
    if len(keys) <= FRESH_CHUNK:
        return keys
    start = random.randrange(0, len(keys), FRESH_CHUNK)  # noqa: S311 - spreading load, not a secret
    return keys[start:] + keys[:start]


def _patch_until_stale(
    keys: list[str],
    state: Mapping[str, Mapping[str, Any]],
    send_by: float,
    patch: PatchOne,
    result: RoundResult,
    stale: dict[str, int],
) -> list[str]:
    """PATCH items from one read until the read is too old to send from.

    :param keys: The items, in order.
    :param state: Their state from the read.
    :param send_by: The read's send time plus ``max_read_age``.
    :param patch: Plans and PATCHes one item.
    :param result: Where each item's fate is recorded.
    :param stale: How often each item found its read too old so far (updated).
    :return: The items still to write, from a fresh read.
    """
    for index, key in enumerate(keys):
        if result.hold([key]):
            continue
        item = state.get(key)
        if item is None:
            result.failed([key], 404, "not found, or no longer visible to this API key")
            continue
        try:
            patch(key, item, send_by, result)
        except StaleReadError as exc:
            stale[key] += 1
            if stale[key] < MAX_STALE_READS:
                return keys[index:]
            result.failed([key], None, str(exc) + STALE_HINT, request_failed=False)
    return []
