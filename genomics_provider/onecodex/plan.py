"""Pure planning for the One Codex operators: current state + request → the PATCH body of only what differs.

Nothing here talks HTTP or Airflow, so every rule is tested on plain dicts, and a plan can be printed for ``dry_run``.
The arguments were validated first (:mod:`genomics_provider.onecodex.rules`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pendulum

from genomics_provider.onecodex.rules import UNSET, CustomMode, TagMode, Unset
from genomics_provider.onecodex.types import id_from_link, ref


@dataclass(frozen=True)
class TagRequest:
    """Tags asked for by name, and how to apply them.

    :param names: Tag names, in order, without duplicates; empty only with ``replace`` (remove every tag).
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
