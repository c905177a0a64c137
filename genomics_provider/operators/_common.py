"""Pieces shared by every operator: input checks, the plan table, and the summary returned as XCom.

Every check raises :class:`~genomics_provider.exceptions.InvalidInputError` with a message that names the argument
and the rule, and runs before any request is sent.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from genomics_provider._compat import AirflowException, AirflowFailException
from genomics_provider.curation.outcome import LONGEST_REASON_CHARS, SHOWN_ITEMS, clip, first_reasons
from genomics_provider.curation.outcome import Outcome as Outcome
from genomics_provider.curation.outcome import Summary as Summary
from genomics_provider.exceptions import InvalidInputError

_LOG = logging.getLogger(__name__)
#: Failed items per log record when a failure message is capped and the full list goes to the task log.
LOG_CHUNK = 500


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


#: Why a task whose items met a conflicting ask is not retried.
CONFLICT_NOTE = (
    "{count} {noun} met a conflicting ask, so this task is not retried: a retry would overwrite the other writer's "
    "change without telling anyone"
)


def raise_for_failures(
    outcome: Outcome, *, noun: str, note: str = "", log: logging.Logger | logging.LoggerAdapter[Any] | None = None
) -> None:
    """Fail the task after all items were processed, naming the failed items and why, in a message of bounded size.

    While the list fits :data:`~genomics_provider.curation.outcome.TEXT_BUDGET`, every failure is named, in the
    order it happened. Beyond that the message names the first
    :data:`~genomics_provider.curation.outcome.SHOWN_ITEMS` by id (reasons cut) with exact counts, and every failed
    item with its whole reason goes to the task log.

    :param outcome: The collected results.
    :param noun: What the items are, plural (``samples``, ``files``).
    :param note: Optional. A sentence appended to the message (e.g. why the run stopped early).
    :param log: Optional. Where the full list goes when the message is capped (default: this module's logger).
    :raises AirflowException: When any item failed (retryable: a retry redoes only what still differs).
    :raises AirflowFailException: When another writer undid a change on purpose (``outcome.conflicted``): not
        retried, since the retry would silently overwrite that writer's change.
    """
    if not outcome.failed:
        return
    failed = len(outcome.failed)
    head = (
        f"{failed} of {outcome.total} {noun} failed ({len(outcome.changed)} changed, "
        f"{len(outcome.unchanged)} already as asked"
    )
    notes = [note] if note else []
    if outcome.conflicted:
        notes.append(CONFLICT_NOTE.format(count=len(outcome.conflicted), noun=noun))
    tail = "".join(f". {text}" for text in notes)
    error = AirflowFailException if outcome.conflicted else AirflowException
    if not Outcome(failed=outcome.failed).too_big():
        lines = "; ".join(f"{item}: {clip(reason, LONGEST_REASON_CHARS)}" for item, reason in outcome.failed.items())
        raise error(f"{head}): {lines}{tail}")
    _log_every_failure(outcome.failed, noun, log or _LOG)
    lines = "; ".join(f"{item}: {reason}" for item, reason in first_reasons(outcome.failed).items())
    raise error(
        f"{head}; the first {SHOWN_ITEMS} by id are shown, every one is in the task log): {lines}; "
        f"and {failed - SHOWN_ITEMS} more{tail}"
    )


def _log_every_failure(failed: Mapping[str, str], noun: str, log: logging.Logger | logging.LoggerAdapter[Any]) -> None:
    # One record per LOG_CHUNK items: a record per item makes 100,000 failures cost seconds of logging.
    items = sorted(failed)
    log.error("%d %s failed; every one of them, by id:", len(items), noun)
    for start in range(0, len(items), LOG_CHUNK):
        chunk = items[start : start + LOG_CHUNK]
        log.error("failed %s:\n%s", noun, "\n".join(f"{item}: {failed[item]}" for item in chunk))


def format_plan(rows: Iterable[tuple[str, str, str, str]], *, title: str) -> str:
    """Render a plan as a before → after table for the task log.

    :param rows: ``(item, field, before, after)`` tuples.
    :param title: First line of the table.
    :return: The table text.
    """
    body = [(item, name, _clip(before), _clip(after)) for item, name, before, after in rows]
    if not body:
        return f"{title}: nothing to change"
    header = ("item", "field", "before", "after")
    widths = [max(len(row[col]) for row in [header, *body]) for col in range(4)]
    lines = [title]
    for row in [header, *body]:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths[:3], strict=True)))
        lines[-1] = f"{lines[-1]}  → {row[3]}" if row is not header else f"{lines[-1]}    {row[3]}"
    return "\n".join(lines)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
