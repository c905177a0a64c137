"""Idempotent operators that curate One Codex samples: visibility, project, tags and metadata.

Every operator reads the current state, plans the difference (:mod:`genomics_provider.operators._onecodex_plan`),
PATCHes only the samples that differ with only the keys that differ, and returns a small summary::

    {"changed": [ids], "unchanged": [ids], "failed": {id: reason}, "dry_run": bool}

Running an operator twice sends no PATCH the second time. One sample failing does not stop the others; the task fails
at the end naming every failed sample, and an Airflow retry redoes only what still differs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator

from genomics_provider.exceptions import GenomicsApiError, InvalidInputError
from genomics_provider.hooks.onecodex import ID_PATTERN, OneCodexHook, id_from_link
from genomics_provider.links.genomics import OneCodexSamplesLink
from genomics_provider.operators._common import (
    Outcome,
    Summary,
    as_mapping,
    check_choice,
    check_selection,
    coerce_bool,
    format_plan,
    is_templated,
    parse_id_list,
    raise_for_failures,
)
from genomics_provider.operators._onecodex_plan import (
    CUSTOM_MODES,
    TAG_MODES,
    UNSET,
    VISIBILITIES,
    SampleChange,
    TagRequest,
    Unset,
    check_custom,
    check_metadata_fields,
    check_tag_names,
    finalise_tags,
    plan_metadata,
    plan_sample,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

__all__ = [
    "UNSET",
    "TagSamplesOperator",
    "UpdateSampleMetadataOperator",
    "UpdateSampleOperator",
    "UpdateSampleVisibilityOperator",
]

#: Sample fields One Codex accepts in ``where``.
SAMPLE_WHERE_FIELDS = frozenset(
    {"$uri", "created_at", "updated_at", "filename", "metadata", "owner", "primary_classification", "project",
     "size", "tags", "visibility", "status", "error_msg"}
)  # fmt: skip
_ID_RULE = "16 lowercase hex characters"


class _OneCodexSampleOperator(BaseOperator):
    """Shared selection, hook, link and summary handling for the One Codex operators.

    :param sample_ids: Optional. Sample ids: a list, a JSON list string, or one id; templated, or an XComArg.
    :param where: Optional. A One Codex ``where`` filter selecting the samples instead of ``sample_ids``.
    :param onecodex_conn_id: Optional. Airflow connection id (default ``onecodex_default``).
    :param dry_run: Optional. Log the plan as a before → after table and write nothing.
    """

    operator_extra_links = (OneCodexSamplesLink(),)
    template_fields_renderers: ClassVar[dict[str, str]] = {"sample_ids": "json", "where": "json"}
    ui_color = "#e8f1fb"

    def __init__(
        self,
        *,
        sample_ids: Any = None,
        where: Any = None,
        onecodex_conn_id: str = OneCodexHook.default_conn_name,
        dry_run: Any = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sample_ids = sample_ids
        self.where = where
        self.onecodex_conn_id = onecodex_conn_id
        # BaseOperator already has a dry_run() method; the argument is stored under another name.
        self.is_dry_run = dry_run
        if not is_templated(sample_ids) and not is_templated(where):
            self._checked_selection()

    @cached_property
    def hook(self) -> OneCodexHook:
        """The One Codex hook, created on first use inside ``execute``."""
        return OneCodexHook(onecodex_conn_id=self.onecodex_conn_id)

    def _checked_selection(self) -> tuple[list[str] | None, dict[str, Any] | None]:
        check_selection(self.sample_ids, self.where, ids_arg="sample_ids", query_arg="where")
        if self.sample_ids is not None:
            return parse_id_list(self.sample_ids, argument="sample_ids", pattern=ID_PATTERN, rule=_ID_RULE), None
        where = as_mapping(self.where, argument="where")
        unknown = sorted(set(where) - SAMPLE_WHERE_FIELDS)
        if not where or unknown:
            raise InvalidInputError(
                f"where: {', '.join(map(repr, unknown)) or 'an empty filter'} is not allowed; filter on "
                f"{', '.join(sorted(SAMPLE_WHERE_FIELDS))}"
            )
        return None, where

    def _read_samples(
        self, ids: list[str] | None, where: dict[str, Any] | None, outcome: Outcome
    ) -> list[dict[str, Any]]:
        if ids is None:
            samples = list(self.hook.iter_samples(where=where))
            self.log.info("where=%s selected %d samples", where, len(samples))
            return samples
        found = self.hook.get_samples_by_id(ids)
        for sample_id in ids:
            if sample_id not in found:
                outcome.failed[sample_id] = "not found, or not visible to this API key"
        return [found[sample_id] for sample_id in ids if sample_id in found]

    def _finish(self, context: Context, outcome: Outcome, dry_run: bool, sample_ids: Sequence[str]) -> Summary:
        self._push_link(context, sample_ids)
        summary = outcome.summary(dry_run=dry_run)
        self.log.info(
            "%s: %d changed, %d unchanged, %d failed",
            "Dry run" if dry_run else "Done",
            len(outcome.changed),
            len(outcome.unchanged),
            len(outcome.failed),
        )
        if outcome.failed:
            context["ti"].xcom_push(key="summary", value=summary)
        raise_for_failures(outcome, noun="samples")
        return summary

    def _push_link(self, context: Context, sample_ids: Sequence[str]) -> None:
        try:
            url = self.hook.web_url_for_samples(list(sample_ids))
        except InvalidInputError:
            return
        context["ti"].xcom_push(key=OneCodexSamplesLink.xcom_key, value=url)


class UpdateSampleOperator(_OneCodexSampleOperator):
    """Bring samples' visibility, project and tags to the desired state, PATCHing only what differs.

    :param sample_ids: Optional. Sample ids (list, JSON list string, single id, template or XComArg).
    :param where: Optional. A ``where`` filter selecting the samples instead (give exactly one of the two).
    :param visibility: Optional. ``public``, ``shared`` or ``private``; ``None`` leaves visibility alone.
    :param project: Optional. Project id, name or short name; ``None`` removes the samples from their project;
        left out, the project is left alone.
    :param tags: Optional. Tag names (1 to 30 characters); ``None`` leaves tags alone.
    :param tag_mode: Optional. ``add`` (default), ``remove`` or ``replace``.
    :param create_missing: Optional. Create tags that do not exist yet when adding or replacing (default ``True``);
        a tag is created with the first sample that needs it, then referenced by ``$ref``.
    :param onecodex_conn_id: Optional. Airflow connection id.
    :param dry_run: Optional. Log the plan and write nothing.
    """

    template_fields: Sequence[str] = (
        "sample_ids", "where", "visibility", "project", "tags", "tag_mode", "create_missing",
        "onecodex_conn_id", "is_dry_run",
    )  # fmt: skip
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "sample_ids": "json",
        "where": "json",
        "tags": "json",
    }

    def __init__(
        self,
        *,
        sample_ids: Any = None,
        where: Any = None,
        visibility: str | None = None,
        project: str | Unset | None = UNSET,
        tags: Any = None,
        tag_mode: str = "add",
        create_missing: Any = True,
        onecodex_conn_id: str = OneCodexHook.default_conn_name,
        dry_run: Any = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            sample_ids=sample_ids, where=where, onecodex_conn_id=onecodex_conn_id, dry_run=dry_run, **kwargs
        )
        self.visibility = visibility
        self.project = project
        self.tags = tags
        self.tag_mode = tag_mode
        self.create_missing = create_missing
        if not any(is_templated(value) for value in (visibility, tags, tag_mode)):
            self._checked_request()

    def _checked_request(self) -> tuple[str | None, TagRequest | None]:
        visibility = None
        if self.visibility is not None:
            visibility = check_choice(self.visibility, argument="visibility", choices=VISIBILITIES)
        mode = check_choice(self.tag_mode, argument="tag_mode", choices=TAG_MODES)
        request = None if self.tags is None else TagRequest(check_tag_names(self.tags), mode)  # type: ignore[arg-type]
        if self.project is not UNSET and self.project is not None and not str(self.project).strip():
            raise InvalidInputError("project: an empty string is not a project; use None to remove the project")
        if visibility is None and request is None and self.project is UNSET:
            raise InvalidInputError("nothing to do: give at least one of visibility, project or tags")
        return visibility, request

    def execute(self, context: Context) -> Summary:
        """Read the samples, plan the difference, and PATCH what differs.

        :param context: The Airflow task context.
        :return: The summary (also the XCom return value).
        :raises InvalidInputError: On bad input, before any request.
        :raises AirflowException: After processing all samples, when any failed.
        """
        ids, where = self._checked_selection()
        visibility, tag_request = self._checked_request()
        dry_run = coerce_bool(self.is_dry_run, argument="dry_run")
        create_missing = coerce_bool(self.create_missing, argument="create_missing")
        outcome = Outcome()
        project_id = self._resolve_project()
        ids_by_name, names_by_id = self._resolve_tags(tag_request, create_missing)
        samples = self._read_samples(ids, where, outcome)
        changes = [
            plan_sample(s, visibility=visibility, project_id=project_id, tags=tag_request,
                        ids_by_name=ids_by_name, names_by_id=names_by_id)
            for s in samples
        ]  # fmt: skip
        rows = [(c.sample_id, *row) for c in changes for row in c.rows]
        self.log.info("%s", format_plan(rows, title=f"Plan for {len(changes)} One Codex samples"))
        for change, sample in zip(changes, samples, strict=True):
            if change.is_noop:
                outcome.unchanged.append(change.sample_id)
            elif dry_run:
                outcome.changed.append(change.sample_id)
            else:
                self._apply(change, sample, ids_by_name, outcome)
        return self._finish(context, outcome, dry_run, ids or [c.sample_id for c in changes])

    def _resolve_project(self) -> str | Unset | None:
        if self.project is UNSET or self.project is None:
            return self.project
        project = self.hook.resolve_project(str(self.project))
        permissions = project.get("permissions")
        if isinstance(permissions, list) and "can_add_files" not in permissions:
            raise InvalidInputError(
                f"project: this API key may not add samples to project {self.project!r} (it lacks the "
                "can_add_files permission); nothing was changed"
            )
        return id_from_link(project)

    def _resolve_tags(
        self, request: TagRequest | None, create_missing: bool
    ) -> tuple[dict[str, str | None], dict[str, str]]:
        ids_by_name: dict[str, str | None] = {}
        if request is None:
            return ids_by_name, {}
        for name in request.names:
            tag = self.hook.find_tag(name)
            ids_by_name[name] = id_from_link(tag) if tag else None
        missing = [name for name, tag_id in ids_by_name.items() if tag_id is None]
        if missing and request.mode != "remove" and not create_missing:
            raise InvalidInputError(
                f"tags: {', '.join(map(repr, missing))} does not exist on One Codex and create_missing is False"
            )
        return ids_by_name, {tag_id: name for name, tag_id in ids_by_name.items() if tag_id}

    def _apply(
        self,
        change: SampleChange,
        sample: Mapping[str, Any],
        ids_by_name: dict[str, str | None],
        outcome: Outcome,
    ) -> None:
        try:
            body = self._create_missing_tags(change, sample, ids_by_name)
            if body:
                self.hook.update_sample(change.sample_id, body)
        except GenomicsApiError as exc:
            outcome.failed[change.sample_id] = str(exc)
            return
        outcome.changed.append(change.sample_id)

    def _create_missing_tags(
        self, change: SampleChange, sample: Mapping[str, Any], ids_by_name: dict[str, str | None]
    ) -> dict[str, Any]:
        """Create this sample's missing tags (``POST /api/v1/tags`` also attaches them), then finish the body.

        :param change: The planned change.
        :param sample: The sample as read.
        :param ids_by_name: Tag ids by name; updated with the tags created here.
        :return: The PATCH body still needed (empty when the POSTs already did everything).
        """
        attached: list[str] = []
        for name in change.create_tags:
            if ids_by_name.get(name) is None:
                tag = self.hook.create_tag(name, change.sample_id)
                ids_by_name[name] = id_from_link(tag)
                attached.append(str(ids_by_name[name]))
        created = {name: str(ids_by_name[name]) for name in change.create_tags}
        body = finalise_tags(change.body, created, change.create_tags)
        if attached and "tags" in body:
            after_post = [str(id_from_link(tag)) for tag in sample.get("tags") or []] + attached
            if [id_from_link(tag) for tag in body["tags"]] == after_post:
                del body["tags"]  # the POSTs attached exactly what the PATCH would have written
        return body


class UpdateSampleVisibilityOperator(UpdateSampleOperator):
    """Set samples' visibility (``public``, ``shared`` or ``private``), PATCHing only samples that differ.

    :param sample_ids: Optional. Sample ids (list, JSON list string, single id, template or XComArg).
    :param visibility: ``public``, ``shared`` or ``private``.
    :param where: Optional. A ``where`` filter selecting the samples instead of ``sample_ids``.
    :param onecodex_conn_id: Optional. Airflow connection id.
    :param dry_run: Optional. Log the plan and write nothing.
    """

    def __init__(
        self,
        *,
        visibility: str,
        sample_ids: Any = None,
        where: Any = None,
        onecodex_conn_id: str = OneCodexHook.default_conn_name,
        dry_run: Any = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            sample_ids=sample_ids, where=where, visibility=visibility, onecodex_conn_id=onecodex_conn_id,
            dry_run=dry_run, **kwargs,
        )  # fmt: skip


class TagSamplesOperator(UpdateSampleOperator):
    """Add, remove or replace samples' tags by name; the PATCH carries the full merged list.

    :param sample_ids: Optional. Sample ids (list, JSON list string, single id, template or XComArg).
    :param tags: Tag names, 1 to 30 characters each.
    :param mode: Optional. ``add`` (default), ``remove`` or ``replace``.
    :param create_missing: Optional. Create tags that do not exist yet when adding or replacing (default ``True``).
    :param where: Optional. A ``where`` filter selecting the samples instead of ``sample_ids``.
    :param onecodex_conn_id: Optional. Airflow connection id.
    :param dry_run: Optional. Log the plan and write nothing.
    """

    def __init__(
        self,
        *,
        tags: Any,
        mode: str = "add",
        create_missing: Any = True,
        sample_ids: Any = None,
        where: Any = None,
        onecodex_conn_id: str = OneCodexHook.default_conn_name,
        dry_run: Any = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            sample_ids=sample_ids, where=where, tags=tags, tag_mode=mode, create_missing=create_missing,
            onecodex_conn_id=onecodex_conn_id, dry_run=dry_run, **kwargs,
        )  # fmt: skip


class UpdateSampleMetadataOperator(_OneCodexSampleOperator):
    """Bring samples' metadata records to the desired state, PATCHing only the fields that differ.

    Never sends read-only fields (``$uri``, ``sample``, ``updated_at``). ``custom`` is replaced whole by the API, so
    when it changes the PATCH carries the complete merged dict.

    :param sample_ids: Optional. Sample ids (list, JSON list string, single id, template or XComArg).
    :param where: Optional. A ``where`` filter selecting the samples instead (give exactly one of the two).
    :param fields: Optional. Top-level metadata fields, e.g. ``{"platform": "Illumina NovaSeq 6000"}``.
    :param custom: Optional. Custom fields (flat; string, number, boolean or null values).
    :param custom_mode: Optional. ``merge`` (default: set the given keys, keep the rest) or ``replace``.
    :param onecodex_conn_id: Optional. Airflow connection id.
    :param dry_run: Optional. Log the plan and write nothing.
    """

    template_fields: Sequence[str] = (
        "sample_ids", "where", "fields", "custom", "custom_mode", "onecodex_conn_id", "is_dry_run",
    )  # fmt: skip
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "sample_ids": "json", "where": "json", "fields": "json", "custom": "json",
    }  # fmt: skip

    def __init__(
        self,
        *,
        sample_ids: Any = None,
        where: Any = None,
        fields: Any = None,
        custom: Any = None,
        custom_mode: str = "merge",
        onecodex_conn_id: str = OneCodexHook.default_conn_name,
        dry_run: Any = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            sample_ids=sample_ids, where=where, onecodex_conn_id=onecodex_conn_id, dry_run=dry_run, **kwargs
        )
        self.fields = fields
        self.custom = custom
        self.custom_mode = custom_mode
        if not any(is_templated(value) for value in (fields, custom, custom_mode)):
            self._checked_request()

    def _checked_request(self) -> tuple[dict[str, Any], dict[str, Any] | None, str]:
        mode = check_choice(self.custom_mode, argument="custom_mode", choices=CUSTOM_MODES)
        fields = check_metadata_fields(as_mapping(self.fields, argument="fields")) if self.fields is not None else {}
        custom = None if self.custom is None else check_custom(as_mapping(self.custom, argument="custom"))
        if not fields and custom is None:
            raise InvalidInputError("nothing to do: give fields, custom, or both")
        return fields, custom, mode

    def execute(self, context: Context) -> Summary:
        """Read the samples and their metadata records, plan the difference, and PATCH what differs.

        :param context: The Airflow task context.
        :return: The summary (also the XCom return value).
        :raises InvalidInputError: On bad input, before any request.
        :raises AirflowException: After processing all samples, when any failed.
        """
        ids, where = self._checked_selection()
        fields, custom, mode = self._checked_request()
        dry_run = coerce_bool(self.is_dry_run, argument="dry_run")
        outcome = Outcome()
        samples = self._read_samples(ids, where, outcome)
        metadata_ids = {str(id_from_link(s)): id_from_link(s.get("metadata")) for s in samples}
        records = self.hook.get_metadata_by_id([m for m in metadata_ids.values() if m])
        plans: list[tuple[str, str, dict[str, Any]]] = []
        rows: list[tuple[str, str, str, str]] = []
        for sample_id, metadata_id in metadata_ids.items():
            record = records.get(metadata_id or "")
            if record is None:
                outcome.failed[sample_id] = "its metadata record was not found"
                continue
            body, sample_rows = plan_metadata(record, fields, custom, mode)  # type: ignore[arg-type]
            rows += [(sample_id, *row) for row in sample_rows]
            plans.append((sample_id, str(metadata_id), body))
        self.log.info("%s", format_plan(rows, title=f"Metadata plan for {len(plans)} One Codex samples"))
        for sample_id, metadata_id, body in plans:
            self._apply(sample_id, metadata_id, body, dry_run, outcome)
        return self._finish(context, outcome, dry_run, ids or list(metadata_ids))

    def _apply(self, sample_id: str, metadata_id: str, body: dict[str, Any], dry_run: bool, outcome: Outcome) -> None:
        if not body:
            outcome.unchanged.append(sample_id)
            return
        if not dry_run:
            try:
                self.hook.update_metadata(metadata_id, body)
            except GenomicsApiError as exc:
                outcome.failed[sample_id] = str(exc)
                return
        outcome.changed.append(sample_id)
