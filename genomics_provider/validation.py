"""The input rules shared by the hooks and the operators, in one place, checked before any request.

A leaf module: it imports neither Airflow's operator machinery nor any HTTP library, so hooks (which must not
import operator modules) and operators both use it, and every rule is said once. Each check raises
:class:`~genomics_provider.exceptions.InvalidInputError` with a message that names the input and the rule, e.g.
``tags[2] 'qc\\x00' contains a NUL character (U+0000); tags must be printable text``.

The rules:

* **Ids in URL paths** (:func:`check_id`): One Codex ids are 16 lowercase hex characters, Seven Bridges file and
  folder ids 24; a Seven Bridges project is ``owner/project``: exactly two non-empty parts without whitespace or
  control characters, neither of them ``.`` or ``..`` (which an HTTP stack folds away, reaching another path).
* **Printable text** (:func:`check_text`): tags, metadata keys, names, ``custom`` keys, file names and filter values
  hold no control character (Unicode category Cc: NUL, U+0001-U+001F, DEL, U+0080-U+009F) and no lone surrogate
  (which has no UTF-8 form). Free-text metadata *values* may also hold tab and line breaks.
* **Unicode normalisation** (:func:`nfc_names`): tags are compared, deduplicated and **sent in NFC**, so ``café``
  typed as ``e`` + U+0301 and as U+00E9 is one tag, and a run never creates its twin. Other text is sent as given.
* **Finite numbers** (:func:`check_finite`): NaN and Infinity are refused (JSON has no such values).
* **Numeric settings** (:data:`SETTING_RANGES`, :func:`check_number`): every connection extra and hook argument that
  is a number has a documented range, so ``max_attempts=1e9`` or a one-day timeout is refused, not obeyed.
* **Credentials** (:func:`check_credential`): a key or token with a control character or a character outside
  Latin-1 (which no HTTP header can carry) is refused with a message that never contains it.
* **Response shapes** (:func:`expect_object`, :func:`expect_items`): what a hook returns to the operators is a JSON
  object, or a list of objects with string ids; anything else is a
  :class:`~genomics_provider.exceptions.GenomicsApiError` naming the method and path.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from genomics_provider.exceptions import GenomicsApiError, InvalidInputError
from genomics_provider.onecodex import limits as onecodex_limits
from genomics_provider.sevenbridges import limits as sevenbridges_limits

IdKind = Literal["onecodex", "sevenbridges", "sevenbridges project"]
ONECODEX_ID = re.compile(rf"[0-9a-f]{{{onecodex_limits.ID_HEX_DIGITS}}}")
SEVENBRIDGES_ID = re.compile(rf"[0-9a-f]{{{sevenbridges_limits.ID_HEX_DIGITS}}}")
#: How each vendor's ids are described in messages (the vendor rules re-export them as ``ID_RULE``).
ONECODEX_ID_RULE = f"{onecodex_limits.ID_HEX_DIGITS} lowercase hex characters"
SEVENBRIDGES_ID_RULE = f"{sevenbridges_limits.ID_HEX_DIGITS} lowercase hex characters"
_ID_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "onecodex": (ONECODEX_ID, ONECODEX_ID_RULE),
    "sevenbridges": (SEVENBRIDGES_ID, SEVENBRIDGES_ID_RULE),
}
PROJECT_RULE = "use 'owner/project'"
#: Longest input repr a message quotes.
_SHOWN = 60


def shown(value: Any) -> str:
    """Quote an input for a message, cut to a readable length.

    :param value: Any input.
    :return: Its ``repr``, at most about 60 characters.
    """
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


# -- ids --------------------------------------------------------------------------------------------------------


def check_id(value: Any, *, argument: str, kind: IdKind) -> str:
    """Check an id before it becomes part of a URL path (or a ``where``/``project`` filter, or a bulk body).

    :param value: The id.
    :param argument: What it is, for the message, e.g. ``sample id``.
    :param kind: ``onecodex`` (16 hex), ``sevenbridges`` (24 hex) or ``sevenbridges project`` (``owner/project``).
    :return: The id, unchanged.
    :raises InvalidInputError: ``sample id: '../x' is not valid; each id must be 16 lowercase hex characters``.
    """
    problem = id_problem(value, kind)
    if problem is not None:
        what = "a project id" if kind == "sevenbridges project" else "valid"
        raise InvalidInputError(f"{argument}: {shown(value)} is not {what}; {problem}")
    return value  # type: ignore[no-any-return]  # id_problem has checked it is a str


def id_problem(value: Any, kind: IdKind) -> str | None:
    """Tell which rule an id breaks, for callers that word the rest of the message themselves.

    :param value: The id.
    :param kind: As for :func:`check_id`.
    :return: The rule it breaks (``each id must be 24 lowercase hex characters``), or ``None`` when it is valid.
    """
    if kind == "sevenbridges project":
        parts = value.split("/") if isinstance(value, str) else []
        bad_part = any(not part or part in (".", "..") for part in parts)
        if len(parts) != 2 or bad_part or any(ch.isspace() or _unprintable(ch) for ch in value):
            return f"{PROJECT_RULE} (two non-empty parts without spaces, control characters, or '.'/'..')"
        return None
    pattern, rule = _ID_RULES[kind]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        return f"each id must be {rule}"
    return None


def check_project_reference(value: Any, *, argument: str) -> str:
    """Check a One Codex project reference (an id, a name or a short name) before it is looked up.

    :param value: The argument.
    :param argument: Its name, for the message (``project``).
    :return: The reference, unchanged.
    :raises InvalidInputError: When it is not a non-empty string of printable text (``123``, ``["Run 42"]``).
    """
    if not isinstance(value, str):
        raise InvalidInputError(
            f"{argument}: {shown(value)} is {_json_type(value)}; give a project id, name or short name as a string "
            "(or None to remove the project)"
        )
    if not value.strip():
        raise InvalidInputError(f"{argument}: an empty string is not a project; use None to remove the project")
    return check_text(value, label=argument, noun="project names")


# -- text -------------------------------------------------------------------------------------------------------


def _unprintable(ch: str) -> bool:
    return ch == "\ufeff" or unicodedata.category(ch) in ("Cc", "Cs")  # a BOM inside text: two files joined


def _describe(ch: str) -> str:
    code = f"U+{ord(ch):04X}"
    if ch in ("\x00", "\ufeff"):
        return f"a {'NUL character' if ch == chr(0) else 'byte order mark'} ({code})"
    if 0xDC80 <= ord(ch) <= 0xDCFF:  # a byte that is not UTF-8, as errors="surrogateescape" reads it
        return f"a byte that is not UTF-8 (0x{ord(ch) - 0xDC00:02X})"
    if unicodedata.category(ch) == "Cs":
        return f"a lone surrogate ({code}), which has no UTF-8 form"
    return f"a control character ({code})"


def check_text(value: str, *, label: str, noun: str, line_breaks: bool = False) -> str:
    """Refuse control characters and lone surrogates in a string that is sent as text.

    :param value: The string.
    :param label: Where it came from, e.g. ``tags[2]`` or ``metadata: key``.
    :param noun: What such strings are, plural, for the rule, e.g. ``tags``.
    :param line_breaks: Optional. Allow tab, line feed and carriage return (free-text values).
    :return: The string, unchanged.
    :raises InvalidInputError: ``tags[2] 'qc\\x00' contains a NUL character (U+0000); tags must be printable text``.
    """
    allowed = "\t\n\r" if line_breaks else ""
    for ch in value:
        if _unprintable(ch) and ch not in allowed:
            extra = " (tab and line breaks are allowed)" if line_breaks else ""
            raise InvalidInputError(
                f"{label} {shown(value)} contains {_describe(ch)}; {noun} must be printable text{extra}"
            )
    return value


def check_file_name(value: Any) -> str:
    """Check a file name for a rename: printable text, no ``/``, not ``.`` or ``..``, no surrounding spaces.

    :param value: The new name.
    :return: The name.
    :raises InvalidInputError: When it breaks a rule.
    """
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise InvalidInputError(f"name: {value!r} is not allowed; use a non-empty name without surrounding spaces")
    check_text(value, label="name", noun="file names")
    if "/" in value or value in (".", ".."):
        raise InvalidInputError(
            f"name: {value!r} is not allowed; a file name cannot contain '/' or be '.' or '..' (a rename does not "
            "move a file)"
        )
    return value


def nfc(text: str) -> str:
    """Return the NFC form of a string (how tags are compared and sent).

    :param text: Any string.
    :return: Its canonical composition.
    """
    return unicodedata.normalize("NFC", text)


def nfc_names(names: Sequence[str], *, argument: str, noun: str = "tags") -> list[str]:
    """Check names for printable text, turn them into NFC, and refuse two that are equal only after normalising.

    Exact duplicates are the caller's rule (each vendor words it its own way); this catches the ones that look
    the same but differ in their code points.

    :param names: The names, in order (strings).
    :param argument: Argument name for messages, e.g. ``tags``.
    :param noun: Optional. What the names are, plural, for the rule (``tags``).
    :return: The names in NFC, in the given order.
    :raises InvalidInputError: On a control character, or two names equal in NFC but not as given.
    """
    first: dict[str, str] = {}
    result = []
    for index, name in enumerate(names):
        check_text(name, label=f"{argument}[{index}]", noun=noun)
        normal = nfc(name)
        earlier = first.setdefault(normal, name)
        if earlier != name:
            raise InvalidInputError(
                f"{argument}: {shown(earlier)} and {shown(name)} are the same name in Unicode NFC form; "
                f"{noun} are compared in NFC, give each once"
            )
        result.append(normal)
    return result


def check_finite(value: Any, *, label: str) -> Any:
    """Refuse NaN and Infinity (JSON cannot carry them; a server storing NaN never compares equal).

    :param value: A value about to be sent.
    :param label: Where it came from, e.g. ``custom: 'ratio'``.
    :return: The value, unchanged.
    :raises InvalidInputError: On a float that is not finite.
    """
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInputError(f"{label} = {value!r} is not a finite number; NaN and Infinity cannot be sent as JSON")
    return value


def check_finite_body(value: Any, *, label: str) -> Any:
    """Refuse NaN and Infinity anywhere in a JSON body about to be sent, naming where.

    :param value: The body (dicts, lists and scalars).
    :param label: Where it is going, e.g. ``body:``.
    :return: The body, unchanged.
    :raises InvalidInputError: ``body: custom.ratio = nan is not a finite number; ...``.
    """
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, dict):
            stack += [(f"{where}.{key}" if where else str(key), child) for key, child in item.items()]
        elif isinstance(item, (list, tuple)):
            stack += [(f"{where}[{index}]", child) for index, child in enumerate(item)]
        else:
            check_finite(item, label=f"{label} {where}".rstrip())
    return value


# -- numeric settings -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """The allowed values of a numeric setting.

    :param low: Smallest allowed value.
    :param high: Largest allowed value.
    :param whole: Optional. Only whole numbers.
    """

    low: float
    high: float
    whole: bool = False

    def describe(self) -> str:
        """Say the range in words.

        :return: E.g. ``from 1 to 20 (a whole number)``.
        """
        return f"from {self.low:g} to {self.high:g}" + (" (a whole number)" if self.whole else "")


#: Every numeric connection extra and hook argument, with its range (seconds for times, requests per second for
#: ``rate_limit``; ``rate_limit`` 0 turns the client-side bucket off). Documented in the README's Reliability section.
SETTING_RANGES: dict[str, Range] = {
    "timeout": Range(0.001, 3600),
    "connect_timeout": Range(0.001, 600),
    "write_timeout": Range(0.002, 600),
    "max_read_age": Range(0.001, 300),
    "max_attempts": Range(1, 20, whole=True),
    "rate_limit": Range(0, 1000),
    "onecodex page_size": Range(1, onecodex_limits.PAGE_SIZE_MAX, whole=True),
    "sevenbridges page_size": Range(1, sevenbridges_limits.PAGE_SIZE_MAX, whole=True),
    "max_wait": Range(0, 86400),
}


def check_number(value: Any, *, label: str, bounds: Range) -> float:
    """Read a number (a JSON number or its text) and check it is finite and within its range.

    :param value: The raw setting.
    :param label: Where it came from, e.g. ``connection 'x': extra 'max_attempts'``.
    :param bounds: The allowed range.
    :return: The number.
    :raises InvalidInputError: ``<label> = <value> must be a number from <low> to <high>``.
    """
    number: float | None = None
    if not isinstance(value, bool):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
    fits = number is not None and math.isfinite(number) and bounds.low <= number <= bounds.high
    if number is None or not fits or (bounds.whole and not number.is_integer()):
        raise InvalidInputError(f"{label} = {value!r} must be a number {bounds.describe()}")
    return number


def check_setting(name: str, value: Any, *, label: str) -> float:
    """Check a named numeric setting against :data:`SETTING_RANGES`.

    :param name: The setting's key in :data:`SETTING_RANGES`.
    :param value: The raw value.
    :param label: Where it came from, for the message.
    :return: The number.
    :raises InvalidInputError: When it is not a finite number in range.
    """
    return check_number(value, label=label, bounds=SETTING_RANGES[name])


# -- credentials ------------------------------------------------------------------------------------------------


def check_credential(secret: str, *, label: str) -> str:
    """Refuse a key or token that no HTTP header can carry, without ever quoting it.

    :param secret: The key or token.
    :param label: What and where it is, e.g. ``connection 'x': the API key``.
    :return: The secret, unchanged.
    :raises InvalidInputError: Naming the position and the kind of character, never the secret or the character.
    """
    for position, ch in enumerate(secret, start=1):
        if unicodedata.category(ch) in ("Cc", "Cs"):
            kind = "a control character"
        elif ord(ch) > 0xFF:
            kind = "a character outside Latin-1"
        else:
            continue
        raise InvalidInputError(
            f"{label} has {kind} at position {position}, which an HTTP header cannot carry; paste it again from "
            "the service (it is not shown here)"
        )
    return secret


# -- response shapes --------------------------------------------------------------------------------------------


def expect_object(
    value: Any, *, method: str, path: str, id_of: Callable[[Any], str | None] | None = None, id_name: str = "id"
) -> dict[str, Any]:
    """Check that a response body is a JSON object (with a string id when ``id_of`` is given).

    :param value: The parsed body.
    :param method: HTTP method, for the error.
    :param path: URL path, for the error.
    :param id_of: Optional. Reads the object's id; the object must have one that is a non-empty string.
    :param id_name: Optional. The id's field name, for the error (``$uri``, ``id``).
    :return: The object.
    :raises GenomicsApiError: ``expected a JSON object, got list``.
    """
    if not isinstance(value, dict):
        raise GenomicsApiError(f"expected a JSON object, got {_json_type(value)}", method=method, path=path)
    if id_of is not None and not _has_id(value, id_of):
        raise GenomicsApiError(
            f"expected a JSON object with a string id ({id_name!r}), got one without", method=method, path=path
        )
    return value


def expect_items(
    value: Any, *, method: str, path: str, id_of: Callable[[Any], str | None], id_name: str = "id"
) -> list[dict[str, Any]]:
    """Check that a listing is a JSON list of objects that each have a string id.

    :param value: The parsed list (a page's items).
    :param method: HTTP method, for the error.
    :param path: URL path, for the error.
    :param id_of: Reads an item's id.
    :param id_name: Optional. The id's field name, for the error.
    :return: The items.
    :raises GenomicsApiError: ``expected a JSON list of objects with string ids ('$uri'); item 0 is a string``.
    """
    rule = f"expected a JSON list of objects with string ids ({id_name!r})"
    if not isinstance(value, list):
        raise GenomicsApiError(f"{rule}, got {_json_type(value)}", method=method, path=path)
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise GenomicsApiError(f"{rule}; item {index} is {_json_type(item)}", method=method, path=path)
        if not _has_id(item, id_of):
            raise GenomicsApiError(f"{rule}; item {index} has none", method=method, path=path)
    return value


def _has_id(item: Any, id_of: Callable[[Any], str | None]) -> bool:
    found = id_of(item)
    return isinstance(found, str) and bool(found)


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
