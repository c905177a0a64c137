"""Pure planning for the One Codex operators: current state + request → the PATCH body of only what differs.

Nothing here talks HTTP or Airflow, so every rule is tested on plain dicts, and a plan can be printed for ``dry_run``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pendulum

from genomics_provider.curation.arguments import parse_string_list, repeated
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.onecodex import id_from_link, ref
from genomics_provider.validation import check_finite, check_text, nfc_names

Visibility = Literal["public", "shared", "private"]
TagMode = Literal["add", "remove", "replace"]
CustomMode = Literal["merge", "replace"]
VISIBILITIES: tuple[Visibility, ...] = ("private", "shared", "public")
TAG_MODES: tuple[TagMode, ...] = ("add", "remove", "replace")
CUSTOM_MODES: tuple[CustomMode, ...] = ("merge", "replace")
TAG_NAME_MAX = 30


class Unset(enum.Enum):
    """Marks an argument that was left out (``project=None`` means "remove from its project")."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset.UNSET


@dataclass(frozen=True)
class TagRequest:
    """Tags asked for by name, and how to apply them.

    :param names: Tag names, in order, without duplicates.
    :param mode: ``add``, ``remove`` or ``replace``.
    """

    names: tuple[str, ...]
    mode: TagMode


@dataclass
class SampleChange:
    """What one sample needs: a PATCH body, tags to create first, and table rows for the log.

    :param sample_id: The sample.
    :param body: Only the keys that differ (``visibility``, ``project``, ``tags``).
    :param create_tags: Tag names to create by ``POST /api/v1/tags`` with this sample before the PATCH.
    :param rows: ``(field, before, after)`` for the plan table.
    """

    sample_id: str
    body: dict[str, Any] = field(default_factory=dict)
    create_tags: list[str] = field(default_factory=list)
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def is_noop(self) -> bool:
        """Whether the sample is already as asked."""
        return not self.body and not self.create_tags


def check_tag_names(value: Any, *, argument: str = "tags") -> tuple[str, ...]:
    """Validate a list of tag names: printable text, 1 to 30 characters each in NFC form, no duplicates.

    Names are returned (and so looked up, compared and sent) in Unicode NFC form; two that are equal only after
    normalising are refused as duplicates (see :mod:`genomics_provider.validation`).

    :param value: The rendered argument: a list of strings, a JSON list string, or one name.
    :param argument: Argument name for messages.
    :return: The names in NFC form, as a tuple.
    :raises InvalidInputError: On a rule violation.
    """
    value = parse_string_list(value, argument=argument)
    if not value:
        raise InvalidInputError(f"{argument}: expected a non-empty list of tag names, got []")
    for name in value:
        if not isinstance(name, str) or not name.strip():
            raise InvalidInputError(f"{argument}: {name!r} is not a tag name; names are non-empty strings")
    names = nfc_names(value, argument=argument)
    for name in names:
        if len(name) > TAG_NAME_MAX:
            raise InvalidInputError(
                f"{argument}: {name!r} is {len(name)} characters long; One Codex tag names are at most "
                f"{TAG_NAME_MAX} characters"
            )
    dupes = repeated(value)
    if dupes:
        raise InvalidInputError(f"{argument}: {', '.join(map(repr, dupes))} is given more than once")
    return tuple(names)


def _tag_label(tag_id: str, names_by_id: Mapping[str, str]) -> str:
    return names_by_id.get(tag_id, tag_id)


def desired_tag_ids(
    current: Sequence[str], request: TagRequest, ids_by_name: Mapping[str, str | None]
) -> tuple[list[str | None], list[str]]:
    """Compute the full tag list a sample should end with.

    Existing order is kept and new tags are appended in the order given. Names without an id (tags that do not exist
    yet) appear as ``None`` placeholders and are returned as names to create.

    :param current: Tag ids the sample has now.
    :param request: The names and mode.
    :param ids_by_name: Resolved tag id for each requested name (``None`` when the tag does not exist).
    :return: ``(desired ids with None placeholders, names to create)``.
    """
    wanted = [ids_by_name.get(name) for name in request.names]
    missing = [name for name in request.names if ids_by_name.get(name) is None]
    if request.mode == "remove":
        drop = {tag_id for tag_id in wanted if tag_id}
        return [tag_id for tag_id in current if tag_id not in drop], []
    if request.mode == "replace":
        return list(wanted), missing
    desired: list[str | None] = list(current)
    desired += [tag_id for tag_id in wanted if tag_id is None or tag_id not in current]
    return desired, missing


def plan_sample(
    sample: Mapping[str, Any],
    *,
    visibility: str | None,
    project_id: str | Unset | None,
    tags: TagRequest | None,
    ids_by_name: Mapping[str, str | None],
    names_by_id: Mapping[str, str],
) -> SampleChange:
    """Plan the PATCH for one sample.

    :param sample: The sample as the API returned it.
    :param visibility: Optional. Desired visibility, or ``None`` to leave it.
    :param project_id: Desired project id, ``None`` to remove the sample from its project, or ``UNSET`` to leave it.
    :param tags: Optional. Tag request, or ``None`` to leave tags alone.
    :param ids_by_name: Resolved tag ids by name (``None`` for tags not created yet).
    :param names_by_id: Known tag names by id, for the table.
    :return: The planned change (possibly a no-op).
    """
    change = SampleChange(sample_id=str(id_from_link(sample)))
    if visibility is not None and sample.get("visibility") != visibility:
        change.body["visibility"] = visibility
        change.rows.append(("visibility", str(sample.get("visibility")), visibility))
    current_project = id_from_link(sample.get("project"))
    if project_id is not UNSET and current_project != project_id:
        change.body["project"] = None if project_id is None else ref("projects", project_id)
        change.rows.append(("project", str(current_project), str(project_id)))
    if tags is not None:
        _plan_tags(change, sample, tags, ids_by_name, names_by_id)
    return change


def _plan_tags(
    change: SampleChange,
    sample: Mapping[str, Any],
    request: TagRequest,
    ids_by_name: Mapping[str, str | None],
    names_by_id: Mapping[str, str],
) -> None:
    current = [str(id_from_link(tag)) for tag in sample.get("tags") or []]
    desired, missing = desired_tag_ids(current, request, ids_by_name)
    if request.mode == "replace":
        same = not missing and set(current) == set(desired) and len(current) == len(desired)
    else:
        same = desired == current
    if same:
        return
    change.create_tags = missing
    before = ", ".join(_tag_label(tag_id, names_by_id) for tag_id in current) or "(none)"
    after_names = iter(missing)
    after = [_tag_label(tag_id, names_by_id) if tag_id else f"{next(after_names)} (new)" for tag_id in desired]
    change.rows.append(("tags", before, ", ".join(after) or "(none)"))
    change.body["tags"] = desired  # placeholders are filled once the missing tags exist


def finalise_tags(body: dict[str, Any], created: Mapping[str, str], missing: Sequence[str]) -> dict[str, Any]:
    """Turn a planned body's tag ids (with ``None`` placeholders) into the wire form of ``$ref`` objects.

    :param body: A planned body whose ``tags`` may hold ``None`` placeholders, in the order of ``missing``.
    :param created: Ids of tags created since planning, by name.
    :param missing: The names the placeholders stand for, in order.
    :return: A new body ready to send.
    """
    if "tags" not in body:
        return dict(body)
    fill = iter(created[name] for name in missing)
    tag_ids = [tag_id if tag_id is not None else next(fill) for tag_id in body["tags"]]
    return {**body, "tags": [ref("tags", tag_id) for tag_id in tag_ids]}


# -- metadata -------------------------------------------------------------------------------------------------

PLATFORMS = (
    "454 sequencing", "454 GS FLX", "454 GS FLX Titanium", "Illumina", "Illumina Genome Analyzer II",
    "Illumina HiSeq", "Illumina HiSeq 1500", "Illumina HiSeq 2000", "Illumina HiSeq 2500", "Illumina HiSeq 3000",
    "Illumina HiSeq 4000", "Illumina HiSeq X", "Illumina iSeq 100", "Illumina MiniSeq", "Illumina MiSeq",
    "Illumina NextSeq", "Illumina NextSeq 500", "Illumina NextSeq 550", "Illumina NovaSeq", "Illumina NovaSeq 5000",
    "Illumina NovaSeq 6000", "BGISEQ", "BGISEQ 50", "Element", "Element AVITI", "Ion", "Ion S5", "Ion S5 XL",
    "Ion PGM", "Ion Proton", "Ion Torrent", "Oxford Nanopore", "Oxford Nanopore GridION X5",
    "Oxford Nanopore MinION", "Oxford Nanopore PromethION", "PacBio", "PacBio RS II", "PacBio Sequel",
    "PacBio Sequel II System", "PacBio Revio", "PacBio Onso", "SOLiD", "Solexa Genome Analyzer", "Sanger", "Other",
)  # fmt: skip
"""``SequencingPlatform`` enum of One Codex's OpenAPI document."""

#: Writable metadata fields and their rule: ("str", max length) | ("enum", values) | ("date",) | ("num", lo, hi) |
#: ("bool",). Every field is nullable except ``starred``.
METADATA_FIELDS: dict[str, tuple[Any, ...]] = {
    "name": ("str", 255),
    "description": ("str", None),
    "external_sample_id": ("str", 60),
    "platform": ("enum", PLATFORMS),
    "library_type": ("enum", ("WGS", "Targeted/16S", "Other")),
    "sample_type": ("enum", ("Isolate", "Metagenomic", "Other")),
    "date_collected": ("date",),
    "date_sequenced": ("date",),
    "location_lat": ("num", -90.0, 90.0),
    "location_lon": ("num", -180.0, 180.0),
    "location_string": ("str", 255),
    "starred": ("bool",),
}
#: Free-text fields, which may hold tab and line breaks (every other text field is one printable line).
MULTILINE_FIELDS = frozenset({"description"})
READ_ONLY_METADATA = ("$uri", "sample", "updated_at", "custom")


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
        if kind == "bool":
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
            raise InvalidInputError(f"custom: key {key!r} must be a non-empty string")
        check_text(key, label="custom: key", noun="custom keys")
        if isinstance(value, str):
            check_text(value, label=f"custom: value of {key!r}", noun="custom values", line_breaks=True)
        check_finite(value, label=f"custom: {key!r}")
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise InvalidInputError(
                f"custom: {key!r} = {value!r} is {type(value).__name__}; values must be strings, numbers, "
                "booleans or null (no nesting)"
            )
    return dict(custom)


def _same_value(name: str, current: Any, desired: Any) -> bool:
    if name in ("date_collected", "date_sequenced") and current and desired:
        try:
            return bool(pendulum.parse(str(current)) == pendulum.parse(str(desired)))
        except (ValueError, pendulum.parsing.exceptions.ParserError):
            return False
    return bool(current == desired)


def plan_metadata(
    record: Mapping[str, Any],
    fields: Mapping[str, Any],
    custom: Mapping[str, Any] | None,
    custom_mode: CustomMode,
) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """Plan the PATCH of one metadata record: only the fields that differ, ``custom`` whole when it changes.

    :param record: The metadata record as the API returned it.
    :param fields: Validated desired top-level fields.
    :param custom: Optional. Desired custom values.
    :param custom_mode: ``merge`` (set the given keys) or ``replace`` (custom becomes exactly ``custom``).
    :return: ``(body, rows)``; an empty body means nothing to change.
    """
    body: dict[str, Any] = {}
    rows: list[tuple[str, str, str]] = []
    for name, value in fields.items():
        if not _same_value(name, record.get(name), value):
            body[name] = value
            rows.append((name, repr(record.get(name)), repr(value)))
    if custom is not None:
        current = dict(record.get("custom") or {})
        desired = {**current, **custom} if custom_mode == "merge" else dict(custom)
        if desired != current:
            body["custom"] = desired
            changed = sorted(k for k in desired if k not in current or desired[k] != current[k])
            rows += [(f"custom.{k}", repr(current.get(k)), repr(desired[k])) for k in changed]
            rows += [(f"custom.{k}", repr(current[k]), "(removed)") for k in sorted(current) if k not in desired]
    return body, rows
