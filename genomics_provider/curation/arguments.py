"""Argument checks shared by every operator, sensor and trigger: selections, id lists, string lists, tags, choices.

Vendor-neutral and free of Airflow and HTTP. Every check raises :class:`~genomics_provider.exceptions.InvalidInputError`
with a message that names the argument and the rule, and runs before any request is sent.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from genomics_provider.exceptions import InvalidInputError
from genomics_provider.validation import nfc_names


def is_templated(value: Any) -> bool:
    """Tell whether a value is only known at run time: a Jinja template or an XComArg, also inside a dict or list.

    Operators check literal arguments when the DAG is parsed and everything else after rendering, in ``execute``.

    :param value: An operator argument as given to the constructor.
    :return: ``True`` when it cannot be checked before rendering.
    """
    if isinstance(value, dict):
        return any(is_templated(key) or is_templated(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(is_templated(item) for item in value)
    return (isinstance(value, str) and "{{" in value) or hasattr(value, "resolve")


def check_if_literal(check: Callable[[], object], *values: Any) -> bool:
    """Run a check now, when the DAG is parsed, unless a value is only known at run time (:func:`is_templated`).

    The rendered values are checked again after rendering, so a templated argument is checked once, then.

    :param check: The check; it raises :class:`~genomics_provider.exceptions.InvalidInputError` on bad input.
    :param values: The arguments it reads, as given to the constructor.
    :return: Whether the check ran.
    :raises InvalidInputError: What ``check`` raises.
    """
    if any(is_templated(value) for value in values):
        return False
    check()
    return True


def parse_id_list(value: Any, *, argument: str, pattern: re.Pattern[str], rule: str) -> list[str]:
    """Normalise an id selection: a list, a JSON list string, or one id, as rendered from a template or XCom.

    :param value: The rendered argument.
    :param argument: Argument name for messages, e.g. ``sample_ids``.
    :param pattern: Regular expression each id must match.
    :param rule: Human description of the pattern, e.g. ``16 lowercase hex characters``.
    :return: The ids, in the given order.
    :raises InvalidInputError: When the value is empty, not a list of strings, has duplicates or malformed ids.
    """
    items = _as_list(value, argument)
    if not items:
        raise InvalidInputError(f"{argument}: the selection is empty; give at least one id")
    bad = [item for item in items if not isinstance(item, str) or not pattern.fullmatch(item)]
    if bad:
        shown = ", ".join(repr(item) for item in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise InvalidInputError(f"{argument}: {shown}{more} is not a valid id; each id must be {rule}")
    dupes = repeated(items)
    if dupes:
        raise InvalidInputError(f"{argument}: {', '.join(dupes)} appears more than once; ids must be unique")
    return list(items)


def repeated(items: Sequence[Any]) -> list[Any]:
    """Return the values that occur more than once, sorted (linear time: selections reach 100,000 ids).

    :param items: Hashable values.
    :return: Each repeated value once.
    """
    return sorted(value for value, count in Counter(items).items() if count > 1)


def _as_list(value: Any, argument: str) -> list[Any]:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise InvalidInputError(f"{argument}: {text[:60]!r} looks like JSON but does not parse") from None
        elif text.startswith(("{", '"')):
            raise InvalidInputError(f"{argument}: expected a list of ids or a JSON list, got {text[:60]!r}")
        else:
            return [text] if text else []
    if isinstance(value, (list, tuple)) or _is_lazy_sequence(value):
        return list(value)
    raise InvalidInputError(f"{argument}: expected a list of ids, got {type(value).__name__}")


def _is_lazy_sequence(value: Any) -> bool:
    # The outputs of mapped upstream tasks arrive as lazy XCom sequences; accept any iterable that is not a string
    # or a mapping.
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes, Mapping))


def parse_string_list(value: Any, *, argument: str) -> list[Any]:
    """Read a list argument that a template may have rendered as text: a list, a JSON list string, or one string.

    :param value: The rendered argument.
    :param argument: Argument name for messages, e.g. ``tags``.
    :return: The items (not yet checked).
    :raises InvalidInputError: On a JSON list that does not parse, JSON that is not a list (``{...}``, ``"..."``),
        or a value that is neither a string nor a list.
    """
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("{", '"')):
            raise InvalidInputError(f"{argument}: expected a list or a JSON list, got {text[:60]!r}")
        if not text.startswith("["):
            return [value]
        try:
            value = json.loads(text)
        except ValueError:
            raise InvalidInputError(f"{argument}: {text[:60]!r} looks like JSON but does not parse") from None
    if not isinstance(value, (list, tuple)):
        raise InvalidInputError(f"{argument}: expected a list of strings, got {type(value).__name__}")
    return list(value)


def check_tag_list(
    value: Any,
    *,
    argument: str = "tags",
    mode: str = "add",
    mode_argument: str = "mode",
    check_name: Callable[[str], None] | None = None,
) -> list[str]:
    """Check a list of tag names: unique non-empty printable strings, in Unicode NFC form.

    The part of the tag rules every vendor shares; a vendor's own rules (One Codex's length limit) come in as
    ``check_name``, run on each name in NFC form before duplicates are looked for. Two names equal only after
    normalising are refused (see :func:`~genomics_provider.validation.nfc_names`).

    :param value: The rendered argument: a list of strings, a JSON list string, or one name.
    :param argument: Optional. Argument name for messages (``tags``).
    :param mode: Optional. The tag mode (default ``add``); only ``replace`` accepts an empty list (it removes every
        tag).
    :param mode_argument: Optional. The mode argument's name for messages (``mode``, or ``tag_mode``).
    :param check_name: Optional. A vendor's rule for one name (in NFC form); it raises on a bad name.
    :return: The names in NFC form, in the given order.
    :raises InvalidInputError: On a non-string, empty, unprintable or duplicate name, what ``check_name`` raises, or
        an empty list outside ``replace``.
    """
    items = parse_string_list(value, argument=argument)
    bad = [name for name in items if not isinstance(name, str) or not name.strip()]
    if bad:
        raise InvalidInputError(f"{argument}: {bad[0]!r} is not allowed; each tag must be a non-empty string")
    names = nfc_names(items, argument=argument)
    if check_name is not None:
        for name in names:
            check_name(name)
    dupes = repeated(items)
    if dupes:
        raise InvalidInputError(
            f"{argument}: {', '.join(map(repr, dupes))} appears more than once; tags must be unique"
        )
    if not names and mode != "replace":
        raise InvalidInputError(
            f"{argument}: the list is empty; {mode_argument}={mode!r} needs at least one tag "
            f"({mode_argument}='replace' with [] removes every tag)"
        )
    return names


def check_choice(value: Any, *, argument: str, choices: Sequence[str]) -> str:
    """Check that a value is one of the allowed strings.

    :param value: The rendered argument.
    :param argument: Argument name for messages.
    :param choices: Allowed values.
    :return: The value.
    :raises InvalidInputError: When the value is not allowed.
    """
    if value not in choices:
        allowed = ", ".join(repr(choice) for choice in choices)
        raise InvalidInputError(f"{argument}: {value!r} is not allowed; use one of {allowed}")
    return str(value)


def coerce_bool(value: Any, *, argument: str) -> bool:
    """Read a boolean that may have been rendered from a template as a string.

    :param value: ``True``/``False`` or ``"true"``/``"false"`` (any case), ``"1"``/``"0"``.
    :param argument: Argument name for messages.
    :return: The boolean.
    :raises InvalidInputError: On anything else.
    """
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no", ""):
        return False
    raise InvalidInputError(f"{argument}: {value!r} is not a boolean; use true or false")


def as_mapping(value: Any, *, argument: str) -> dict[str, Any]:
    """Read a dict argument, accepting a JSON object string rendered from a template.

    :param value: The rendered argument.
    :param argument: Argument name for messages.
    :return: The dict.
    :raises InvalidInputError: When the value is neither a dict nor a JSON object string.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidInputError(f"{argument}: expected a mapping or a JSON object, got {value[:60]!r}") from None
    if not isinstance(value, dict):
        raise InvalidInputError(f"{argument}: expected a mapping, got {type(value).__name__}")
    return value


def check_selection(ids: Any, query: Any, *, ids_arg: str, query_arg: str) -> None:
    """Check that exactly one of two selection arguments is given.

    :param ids: The id-list argument.
    :param query: The query argument.
    :param ids_arg: Name of the id-list argument.
    :param query_arg: Name of the query argument.
    :raises InvalidInputError: When both or neither are given.
    """
    if ids is not None and query is not None:
        raise InvalidInputError(f"give either {ids_arg} or {query_arg}, not both")
    if ids is None and query is None:
        raise InvalidInputError(f"give {ids_arg} (a list of ids) or {query_arg} (a filter) to select what to update")
