"""One Codex vendor rules: visibilities, modes, tag names, metadata fields, ``custom`` values, selection.

Each check validates an operator's argument before any request and raises
:class:`~genomics_provider.exceptions.InvalidInputError` with the message the user sees. Nothing here talks HTTP or
Airflow. The limits and value sets the checks apply (tag name length, metadata fields, enums, ranges, ``custom``
value types, page size) live in :mod:`genomics_provider.onecodex.limits`, which the emulator reads too; the names
re-exported here keep their old import path.

**``starred: null`` is refused.** The API reference's metadata table gives ``starred`` as ``bool`` where every other
field says "or null", and the read schema (``components.schemas.metadata``) types it ``boolean``; only the OpenAPI
PATCH schema lists ``null``, with no documented meaning. So the operators refuse it here, the emulator answers it
with 400, and the JSON contract (``testing/contracts/onecodex_requests.json``) reports it as a violation
(:data:`~genomics_provider.onecodex.limits.NOT_NULLABLE_METADATA`).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from typing import Any, Literal

import pendulum

from genomics_provider.curation.arguments import check_tag_list
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.onecodex.limits import CUSTOM_VALUE_TYPES, METADATA_READ_ONLY, NOT_NULLABLE_METADATA
from genomics_provider.onecodex.limits import METADATA_FIELDS as METADATA_FIELDS
from genomics_provider.onecodex.limits import PLATFORMS as PLATFORMS
from genomics_provider.onecodex.limits import SAMPLE_WHERE_FIELDS as SAMPLE_WHERE_FIELDS
from genomics_provider.onecodex.limits import TAG_NAME_MAX as TAG_NAME_MAX
from genomics_provider.onecodex.limits import VISIBILITIES as VISIBILITIES
from genomics_provider.onecodex.limits import Visibility as Visibility
from genomics_provider.validation import ONECODEX_ID_RULE, check_finite, check_text

TagMode = Literal["add", "remove", "replace"]
CustomMode = Literal["merge", "replace"]
TAG_MODES: tuple[TagMode, ...] = ("add", "remove", "replace")
CUSTOM_MODES: tuple[CustomMode, ...] = ("merge", "replace")


class Unset(enum.Enum):
    """Marks an argument that was left out (``project=None`` means "remove from its project")."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset.UNSET
#: How a One Codex id is described in messages (the rule is :data:`~genomics_provider.onecodex.types.ID_PATTERN`);
#: said once, in :mod:`genomics_provider.validation`.
ID_RULE = ONECODEX_ID_RULE


def check_tag_names(
    value: Any, *, argument: str = "tags", mode: TagMode = "add", mode_argument: str = "mode"
) -> tuple[str, ...]:
    """Validate a list of tag names: printable text, 1 to 30 characters each in NFC form, no duplicates.

    Names are returned (and so looked up, compared and sent) in Unicode NFC form; two that are equal only after
    normalising are refused as duplicates (see :mod:`genomics_provider.validation`). The rules and messages every
    vendor shares are :func:`~genomics_provider.curation.arguments.check_tag_list`'s; the length limit is One Codex's.

    :param value: The rendered argument: a list of strings, a JSON list string, or one name.
    :param argument: Optional. Argument name for messages.
    :param mode: Optional. The tag mode (default ``add``); only ``replace`` accepts an empty list (it removes every
        tag).
    :param mode_argument: Optional. The mode argument's name for messages (``mode``, or ``tag_mode``).
    :return: The names in NFC form, as a tuple.
    :raises InvalidInputError: On a non-string, empty, unprintable, too long or duplicate name, or an empty list
        outside ``replace``.
    """

    def check_length(name: str) -> None:
        if len(name) > TAG_NAME_MAX:
            raise InvalidInputError(
                f"{argument}: {name!r} is {len(name)} characters long; each tag must be at most {TAG_NAME_MAX} "
                "characters (the One Codex limit)"
            )

    names = check_tag_list(value, argument=argument, mode=mode, mode_argument=mode_argument, check_name=check_length)
    return tuple(names)


# -- metadata -------------------------------------------------------------------------------------------------

#: Free-text fields, which may hold tab and line breaks (every other text field is one printable line).
MULTILINE_FIELDS = frozenset({"description"})
#: What ``fields`` may not carry: the service's read-only fields, and ``custom`` (the ``custom`` argument's).
READ_ONLY_METADATA = (*METADATA_READ_ONLY, "custom")


def check_metadata_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate metadata fields against One Codex's writable schema; normalise dates to RFC 3339.

    :param fields: Field name to desired value.
    :return: The fields with dates normalised.
    :raises InvalidInputError: On a read-only or unknown field, or a value of the wrong type or range.
    """
    checked: dict[str, Any] = {}
    for name, value in fields.items():
        if name in READ_ONLY_METADATA:
            hint = "; pass custom fields as custom=" if name == "custom" else " and never sent"
            raise InvalidInputError(f"fields: {name!r} is read-only{hint}")
        rule = METADATA_FIELDS.get(name)
        if rule is None:
            raise InvalidInputError(
                f"fields: {name!r} is not a One Codex metadata field; writable fields: {', '.join(METADATA_FIELDS)}"
            )
        checked[name] = _check_metadata_value(name, value, rule)
    return checked


def _check_metadata_value(name: str, value: Any, rule: tuple[Any, ...]) -> Any:
    kind = rule[0]
    if value is None:
        if name in NOT_NULLABLE_METADATA:
            raise InvalidInputError(f"fields: {name!r} must be true or false, not null")
        return None
    if kind == "str" and isinstance(value, str):
        label, noun = f"fields: value of {name!r}", "metadata values"
        check_text(value, label=label, noun=noun, line_breaks=name in MULTILINE_FIELDS)
        if rule[1] is not None and len(value) > rule[1]:
            raise InvalidInputError(f"fields: {name!r} is {len(value)} characters; the limit is {rule[1]}")
        return value
    if kind == "enum" and value in rule[1]:
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "num" and isinstance(value, (int, float)) and not isinstance(value, bool):
        check_finite(value, label=f"fields: {name!r}")
        if not (rule[1] <= value <= rule[2] and math.isfinite(value)):
            raise InvalidInputError(f"fields: {name!r} = {value!r} is outside {rule[1]:g}..{rule[2]:g}")
        return value
    if kind == "date" and isinstance(value, str):
        return _normalise_date(name, value)
    raise InvalidInputError(f"fields: {name!r} = {value!r} is not {_describe(rule)}")


def _describe(rule: tuple[Any, ...]) -> str:
    kind = rule[0]
    if kind == "enum":
        return "one of " + ", ".join(repr(v) for v in rule[1])
    return {"str": "a string", "bool": "a boolean", "num": "a number", "date": "an RFC 3339 date-time"}[kind]


def _normalise_date(name: str, value: str) -> str:
    try:
        parsed = pendulum.parse(value)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise InvalidInputError(f"fields: {name!r} = {value!r} is not an RFC 3339 date-time") from None
    if not isinstance(parsed, pendulum.DateTime):
        if isinstance(parsed, pendulum.Date):
            parsed = pendulum.datetime(parsed.year, parsed.month, parsed.day)
        else:
            raise InvalidInputError(f"fields: {name!r} = {value!r} is not an RFC 3339 date-time")
    return str(parsed.in_timezone("UTC").to_iso8601_string())


def check_custom(custom: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``custom``: a flat object whose values are strings, finite numbers, booleans or null.

    Keys are printable text; string values may also hold tab and line breaks.

    :param custom: The custom metadata.
    :return: The same values as a dict.
    :raises InvalidInputError: On a non-string or unprintable key, a nested / non-scalar value, an unprintable
        string, or NaN / Infinity.
    """
    for key, value in custom.items():
        if not isinstance(key, str) or not key:
            raise InvalidInputError(f"custom: key {key!r} is not allowed; keys must be non-empty strings")
        check_text(key, label="custom: key", noun="keys")
        if isinstance(value, str):
            check_text(value, label=f"custom: value of {key!r}", noun="values", line_breaks=True)
        check_finite(value, label=f"custom: value of {key!r}")
        if not isinstance(value, CUSTOM_VALUE_TYPES):
            raise InvalidInputError(
                f"custom: value of {key!r} is {type(value).__name__}; values must be strings, numbers, booleans or "
                "null (no nesting)"
            )
    return dict(custom)
