"""Input rules of the Seven Bridges operators, checked before any request, and how a file's tags and metadata are read.

Every check raises :class:`~genomics_provider.exceptions.InvalidInputError` with a message naming the argument, the
key and the rule. The platform's metadata limits (keys of at most 100 UTF-8 bytes, values of at most 300, at most
1000 pairs per file) live in :mod:`genomics_provider.sevenbridges.limits`, which the emulator reads too. The rules
shared with the hooks (ids, projects, printable text, tags in Unicode NFC form, file names: :func:`check_file_name`)
live in :mod:`genomics_provider.validation`; the file query's rules in :mod:`genomics_provider.sevenbridges.query`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from genomics_provider.curation.arguments import as_mapping, check_tag_list
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.sevenbridges.limits import MAX_KEY_BYTES as MAX_KEY_BYTES
from genomics_provider.sevenbridges.limits import MAX_PAIRS as MAX_PAIRS
from genomics_provider.sevenbridges.limits import MAX_VALUE_BYTES as MAX_VALUE_BYTES
from genomics_provider.validation import SEVENBRIDGES_ID_RULE, check_text, nfc
from genomics_provider.validation import check_file_name as check_file_name

TagMode = Literal["add", "remove", "replace"]
MetadataMode = Literal["merge", "replace"]
TAG_MODES: tuple[str, ...] = ("add", "remove", "replace")
METADATA_MODES: tuple[str, ...] = ("merge", "replace")
#: How a file or folder id is described in messages; said once, in :mod:`genomics_provider.validation`.
ID_RULE = SEVENBRIDGES_ID_RULE


# -- input rules (all raise InvalidInputError naming the argument, the key and the rule) ----------------------


def check_tags(value: Any, *, mode: TagMode) -> list[str]:
    """Check the ``tags`` argument: a list (or JSON list, or one tag) of unique non-empty printable strings.

    Tags are returned (and so compared and sent) in Unicode NFC form; two equal only after normalising are refused.
    The messages are the One Codex operators' (:func:`genomics_provider.onecodex.rules.check_tag_names`), word for
    word, where the rule is the same.

    :param value: The rendered argument.
    :param mode: The tag mode; only ``replace`` accepts an empty list (it removes every tag).
    :return: The tags in NFC form, in the given order.
    :raises InvalidInputError: On a non-string, empty, unprintable or duplicate tag, or an empty list outside
        ``replace``.
    """
    return check_tag_list(value, argument="tags", mode=mode)


def check_metadata(value: Any, *, mode: MetadataMode) -> dict[str, str | None]:
    """Check the ``metadata`` argument against the platform's rules, before any request.

    Keys: non-empty strings of at most 100 UTF-8 bytes. Values: strings of at most 300 UTF-8 bytes, or ``None``
    (remove the key) in ``merge`` mode only. At most 1000 pairs.

    :param value: The rendered argument (a mapping or a JSON object string).
    :param mode: ``merge`` or ``replace``; ``merge`` needs at least one key.
    :return: The metadata.
    :raises InvalidInputError: Naming every offending key (up to five) and the rule it breaks.
    """
    metadata = as_mapping(value, argument="metadata")
    if not metadata and mode == "merge":
        raise InvalidInputError(
            "metadata: the mapping is empty; give at least one key to merge (mode='replace' with {} clears all)"
        )
    problems = [problem for key, item in metadata.items() for problem in _pair_problems(key, item, mode)]
    if problems:
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise InvalidInputError(f"metadata: {'; '.join(problems[:5])}{more}")
    pairs = sum(item is not None for item in metadata.values())
    if pairs > MAX_PAIRS:
        raise InvalidInputError(f"metadata: {pairs} pairs given; a file may have at most {MAX_PAIRS}")
    return metadata


def _pair_problems(key: Any, value: Any, mode: MetadataMode) -> list[str]:
    if not isinstance(key, str) or not key.strip():
        return [f"key {key!r} is not allowed; keys must be non-empty strings"]
    problems = []
    size = _utf8_size(key)
    if size is None or size > MAX_KEY_BYTES:
        problems.append(f"key {key[:40]!r} is {_size_text(size)}; keys may have at most {MAX_KEY_BYTES} bytes")
    if size is not None:
        problems += _unprintable(key, "key", "keys")
    if value is None:
        if mode == "replace":
            problems.append(f"key {key[:40]!r} is None; None removes a key only in mode='merge' (leave it out here)")
        return problems
    if not isinstance(value, str):
        problems.append(f"value of {key[:40]!r} is {type(value).__name__}; values must be strings (quote numbers)")
        return problems
    size = _utf8_size(value)
    if size is None or size > MAX_VALUE_BYTES:
        problems.append(f"value of {key[:40]!r} is {_size_text(size)}; values may have at most {MAX_VALUE_BYTES} bytes")
    if size is not None:
        problems += _unprintable(value, f"value of {key[:40]!r}", "values", line_breaks=True)
    return problems


def _unprintable(text: str, label: str, noun: str, *, line_breaks: bool = False) -> list[str]:
    # The shared rule, collected with the other problems of the mapping instead of raised alone.
    try:
        check_text(text, label=label, noun=noun, line_breaks=line_breaks)
    except InvalidInputError as exc:
        return [str(exc)]
    return []


def _utf8_size(text: str) -> int | None:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return None


def _size_text(size: int | None) -> str:
    return "not valid UTF-8" if size is None else f"{size} bytes in UTF-8"


def file_tags(file: Mapping[str, Any]) -> list[str]:
    """Read a file's tags as the API returned them, in Unicode NFC form (strings only; missing means none).

    :param file: The file.
    :return: Its tags.
    """
    tags = file.get("tags")
    # In NFC form, as the tags asked for are, so a tag stored decomposed is recognised (and rewritten composed).
    return [nfc(tag) for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def file_metadata(file: Mapping[str, Any]) -> dict[str, Any]:
    """Read a file's metadata, null-valued keys dropped (they count as absent).

    :param file: The file.
    :return: Its metadata.
    """
    metadata = file.get("metadata")
    return {key: value for key, value in metadata.items() if value is not None} if isinstance(metadata, dict) else {}
