"""Idempotent operators that curate One Codex samples: visibility, project, tags and metadata.

What every operator does (check, read, plan, write what differs, verify, summarise) is in
:mod:`genomics_provider.operators.base`, the plans in :mod:`genomics_provider.onecodex.plan`. The selection is walked
one page of 100 samples at a time (:mod:`genomics_provider.onecodex.run`): each page is read, planned, logged and
written before the next is read, and only ids and reasons are kept across pages, so memory stays flat. One Codex
replaces a sample's ``tags`` and a record's ``custom`` whole, so such a PATCH is planned from a read of its chunk of
10 samples (or the page read, while it is fresh) just before it is sent, and re-read once every page is written; a
PATCH of scalar fields only (visibility, project, top-level metadata) drops nobody's data, so its answer confirms it.
Cost, for N samples whose tags all change: ⌈N/100⌉ reads to plan, at most ⌈N/10⌉ fresh reads, N PATCHes and
⌈N/100⌉ verifying reads. A ``where`` selection relies on a keyset cursor; against a server in page mode the run lists
the remaining ids first, which costs about ⌈N/100⌉ more reads (see :mod:`genomics_provider.onecodex.run`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, cast

from genomics_provider.curation.arguments import as_mapping, check_choice, coerce_bool, is_templated
from genomics_provider.curation.outcome import Outcome, Summary
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.links.genomics import OneCodexSamplesLink
from genomics_provider.onecodex.plan import TagRequest, plan_metadata, plan_sample
from genomics_provider.onecodex.rules import (
    CUSTOM_MODES,
    ID_RULE,
    SAMPLE_WHERE_FIELDS,
    TAG_MODES,
    UNSET,
    VISIBILITIES,
    CustomMode,
    TagMode,
    Unset,
    check_custom,
    check_metadata_fields,
    check_tag_names,
)
from genomics_provider.onecodex.run import MetadataRun, SampleRun
from genomics_provider.onecodex.sheet_run import SheetOptions, SheetRun
from genomics_provider.onecodex.types import ID_PATTERN, id_from_link
from genomics_provider.operators.base import GenomicsCurationOperator
from genomics_provider.operators.sheets import check_sheet_argument, describe_sheet, open_sheet
from genomics_provider.validation import check_project_reference

if TYPE_CHECKING:
    from airflow.sdk import Context

__all__ = [
    "UNSET",
    "TagSamplesOperator",
    "UpdateSampleMetadataOperator",
    "UpdateSampleOperator",
    "UpdateSampleVisibilityOperator",
    "UpdateSamplesFromSheetOperator",
]

_SampleRequest = tuple[str | None, TagRequest | None]
_MetadataRequest = tuple[dict[str, Any], dict[str, Any] | None, CustomMode]


class _OneCodexSampleOperator(GenomicsCurationOperator[OneCodexHook, dict[str, Any]]):
    """One Codex samples selected by ids or ``where``: check the request, read, plan and write, then finish.

    :param sample_ids: Optional. Sample ids: a list, a JSON list string, or one id; templated, or an XComArg.
    :param where: Optional. A One Codex ``where`` filter selecting the samples instead of ``sample_ids``.
    :param onecodex_conn_id: Optional. Airflow connection id (default ``onecodex_default``).
    :param kwargs: ``dry_run``, ``verify_writes`` (:class:`~genomics_provider.operators.base.GenomicsCurationOperator`)
        and the :class:`~airflow.sdk.BaseOperator` arguments.
    """

    hook_class = OneCodexHook
    noun = "samples"
    link_xcom_key = OneCodexSamplesLink.xcom_key
    selection_arguments = ("sample_ids", "where")
    id_pattern = ID_PATTERN
    id_rule = ID_RULE
    operator_extra_links = (OneCodexSamplesLink(),)
    template_fields_renderers: ClassVar[dict[str, str]] = {"sample_ids": "json", "where": "json"}
    ui_color = "#e8f1fb"

    def __init__(
        self,
        *,
        sample_ids: Any = None,
        where: Any = None,
        onecodex_conn_id: str = OneCodexHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sample_ids = sample_ids
        self.where = where
        self.onecodex_conn_id = onecodex_conn_id
        self._check_if_literal(self._checked_selection, sample_ids, where)

    def _checked_query(self, query: Any) -> dict[str, Any]:
        where = as_mapping(query, argument="where")
        unknown = sorted(set(where) - SAMPLE_WHERE_FIELDS)
        if not where or unknown:
            raise InvalidInputError(
                f"where: {', '.join(map(repr, unknown)) or 'an empty filter'} is not allowed; filter on "
                f"{', '.join(sorted(SAMPLE_WHERE_FIELDS))}"
            )
        return where

    def _apply(
        self, ids: list[str] | None, where: dict[str, Any] | None, request: Any, dry_run: bool, outcome: Outcome
    ) -> list[str]:
        """Read, plan and write the samples a page at a time (:mod:`~genomics_provider.onecodex.run`); in subclasses.

        :param ids: The sample ids, or ``None`` when ``where`` selects.
        :param where: The checked ``where`` filter, or ``None``.
        :param request: What :meth:`_checked_request` returned.
        :param dry_run: Whether to write nothing.
        :param outcome: Where the results go.
        :return: The ids of the samples selected, for the link when ``where`` selected them.
        """
        raise NotImplementedError

    def execute(self, context: Context) -> Summary:
        """Read the samples, plan the difference, and PATCH what differs.

        :param context: The Airflow task context.
        :return: The summary (also the XCom return value).
        :raises InvalidInputError: On bad input, before any request.
        :raises GenomicsApiError: When reading a page fails (what the pages before it wrote is verified first).
        :raises AirflowException: After processing all samples, when any failed.
        """
        ids, where = self._checked_selection()
        request = self._checked_request()
        dry_run = self._dry_run_flag()
        outcome = Outcome()
        selected = self._apply(ids, where, request, dry_run, outcome)
        return self._finish(context, outcome, dry_run, ids or selected)

    def _link_url(self, target: Sequence[str]) -> str:
        return self.hook.web_url_for_samples(list(target))


class UpdateSampleOperator(_OneCodexSampleOperator):
    """Bring samples' visibility, project and tags to the desired state, PATCHing only what differs.

    Samples whose tag list was written are re-read afterwards, and written again where another writer's replace
    dropped a tag (:mod:`genomics_provider.operators.base`); visibility and project changes are confirmed by the
    PATCH response.

    :param sample_ids: Optional. Sample ids (list, JSON list string, single id, template or XComArg).
    :param where: Optional. A ``where`` filter selecting the samples instead (give exactly one of the two).
    :param visibility: Optional. ``public``, ``shared`` or ``private``; ``None`` leaves visibility alone.
    :param project: Optional. Project id, name or short name; ``None`` removes the samples from their project;
        left out, the project is left alone.
    :param tags: Optional. Tag names (1 to 30 characters); ``None`` leaves tags alone, ``[]`` with
        ``tag_mode="replace"`` removes every tag.
    :param tag_mode: Optional. ``add`` (default), ``remove`` or ``replace``.
    :param create_missing: Optional. Create tags that do not exist yet when adding or replacing (default ``True``);
        a tag is created with the first sample that needs it, then referenced by ``$ref``.
    :param onecodex_conn_id: Optional. Airflow connection id.
    :param dry_run: Optional. Log the plan and write nothing.
    :param verify_writes: Optional. Verify writes (default ``True``); see :mod:`genomics_provider.operators.base`.
    """

    template_fields: Sequence[str] = (
        "sample_ids", "where", "visibility", "project", "tags", "tag_mode", "create_missing",
        "onecodex_conn_id", "is_dry_run",
    )  # fmt: skip
    template_fields_renderers: ClassVar[dict[str, str]] = {"sample_ids": "json", "where": "json", "tags": "json"}

    #: Name of the tag-mode argument in error messages (``mode`` on :class:`TagSamplesOperator`).
    _tag_mode_argument: ClassVar[str] = "tag_mode"

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
        **kwargs: Any,
    ) -> None:
        super().__init__(sample_ids=sample_ids, where=where, **kwargs)
        self.visibility = visibility
        self.project = project
        self.tags = tags
        self.tag_mode = tag_mode
        self.create_missing = create_missing
        self._check_if_literal(self._checked_request, visibility, tags, tag_mode)

    def _checked_request(self) -> _SampleRequest:
        visibility = None
        if self.visibility is not None:
            visibility = check_choice(self.visibility, argument="visibility", choices=VISIBILITIES)
        mode_argument = self._tag_mode_argument
        mode = cast(TagMode, check_choice(self.tag_mode, argument=mode_argument, choices=TAG_MODES))
        tags = None if self.tags is None else check_tag_names(self.tags, mode=mode, mode_argument=mode_argument)
        if self.project is not UNSET and self.project is not None and not is_templated(self.project):
            check_project_reference(self.project, argument="project")
        if visibility is None and tags is None and self.project is UNSET:
            raise InvalidInputError("nothing to do: give at least one of visibility, project or tags")
        return visibility, None if tags is None else TagRequest(tags, mode)

    def _apply(
        self, ids: list[str] | None, where: dict[str, Any] | None, request: _SampleRequest, dry_run: bool,
        outcome: Outcome,
    ) -> list[str]:  # fmt: skip
        visibility, tag_request = request
        create_missing = coerce_bool(self.create_missing, argument="create_missing")
        project_id = self._resolve_project()
        ids_by_name, names_by_id = self._resolve_tags(tag_request, create_missing)
        planner = partial(plan_sample, visibility=visibility, project_id=project_id, tags=tag_request,
                          ids_by_name=ids_by_name, names_by_id=names_by_id)  # fmt: skip
        run = SampleRun(self.hook, planner, ids_by_name, names_by_id, self.log, dry_run=dry_run,
                        verify=self.verify_writes, outcome=outcome)  # fmt: skip
        return run.run(ids, where)

    def _resolve_project(self) -> str | Unset | None:
        if self.project is UNSET or self.project is None:
            return self.project
        project = self.hook.resolve_project(check_project_reference(self.project, argument="project"))
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


class UpdateSampleVisibilityOperator(UpdateSampleOperator):
    """Set samples' visibility (``public``, ``shared`` or ``private``), PATCHing only samples that differ.

    :param sample_ids: Optional. Sample ids (list, JSON list string, single id, template or XComArg).
    :param visibility: ``public``, ``shared`` or ``private``.
    :param where: Optional. A ``where`` filter selecting the samples instead of ``sample_ids``.
    :param onecodex_conn_id: Optional. Airflow connection id.
    :param dry_run: Optional. Log the plan and write nothing.
    :param verify_writes: Optional. Verify writes (default ``True``); see :mod:`genomics_provider.operators.base`.
    """

    def __init__(self, *, visibility: str, **kwargs: Any) -> None:
        super().__init__(visibility=visibility, **kwargs)


class TagSamplesOperator(UpdateSampleOperator):
    """Add, remove or replace samples' tags by name; the PATCH carries the full merged list.

    The API replaces the list whole, so two writers tagging the same samples at once can drop each other's tags; the
    written samples are re-read and corrected (:mod:`genomics_provider.operators.base`).

    :param sample_ids: Optional. Sample ids (list, JSON list string, single id, template or XComArg).
    :param tags: Tag names, 1 to 30 characters each; ``[]`` only with ``mode="replace"``, which removes every tag.
    :param mode: Optional. ``add`` (default), ``remove`` or ``replace``.
    :param create_missing: Optional. Create tags that do not exist yet when adding or replacing (default ``True``).
    :param where: Optional. A ``where`` filter selecting the samples instead of ``sample_ids``.
    :param onecodex_conn_id: Optional. Airflow connection id.
    :param dry_run: Optional. Log the plan and write nothing.
    :param verify_writes: Optional. Verify writes (default ``True``); see :mod:`genomics_provider.operators.base`.
    """

    _tag_mode_argument = "mode"

    def __init__(self, *, tags: Any, mode: str = "add", create_missing: Any = True, **kwargs: Any) -> None:
        super().__init__(tags=tags, tag_mode=mode, create_missing=create_missing, **kwargs)


class UpdateSampleMetadataOperator(_OneCodexSampleOperator):
    """Bring samples' metadata records to the desired state, PATCHing only the fields that differ.

    Never sends read-only fields (``$uri``, ``sample``, ``updated_at``). ``custom`` is replaced whole by the API, so
    when it changes the PATCH carries the complete merged dict, and the record is re-read afterwards and written again
    if another writer's replace dropped a key we set (:mod:`genomics_provider.operators.base`).

    :param sample_ids: Optional. Sample ids (list, JSON list string, single id, template or XComArg).
    :param where: Optional. A ``where`` filter selecting the samples instead (give exactly one of the two).
    :param fields: Optional. Top-level metadata fields, e.g. ``{"platform": "Illumina NovaSeq 6000"}``.
    :param custom: Optional. Custom fields (flat; string, number, boolean or null values).
    :param custom_mode: Optional. ``merge`` (default: set the given keys, keep the rest) or ``replace``.
    :param onecodex_conn_id: Optional. Airflow connection id.
    :param dry_run: Optional. Log the plan and write nothing.
    :param verify_writes: Optional. Verify writes (default ``True``); see :mod:`genomics_provider.operators.base`.
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
        **kwargs: Any,
    ) -> None:
        super().__init__(sample_ids=sample_ids, where=where, **kwargs)
        self.fields = fields
        self.custom = custom
        self.custom_mode = custom_mode
        self._check_if_literal(self._checked_request, fields, custom, custom_mode)

    def _checked_request(self) -> _MetadataRequest:
        mode = cast(CustomMode, check_choice(self.custom_mode, argument="custom_mode", choices=CUSTOM_MODES))
        fields = check_metadata_fields(as_mapping(self.fields, argument="fields")) if self.fields is not None else {}
        custom = None if self.custom is None else check_custom(as_mapping(self.custom, argument="custom"))
        if not fields and custom is None:
            raise InvalidInputError("nothing to do: give fields, custom, or both")
        return fields, custom, mode

    def _apply(
        self, ids: list[str] | None, where: dict[str, Any] | None, request: _MetadataRequest, dry_run: bool,
        outcome: Outcome,
    ) -> list[str]:  # fmt: skip
        fields, custom, mode = request
        planner = partial(plan_metadata, fields=fields, custom=custom, custom_mode=mode)
        run = MetadataRun(self.hook, planner, self.log, dry_run=dry_run, verify=self.verify_writes, outcome=outcome)
        return run.run(ids, where)


class UpdateSamplesFromSheetOperator(GenomicsCurationOperator[OneCodexHook, dict[str, Any]]):
    """Give each sample the tags, visibility, project and metadata its row of a sample sheet asks for.

    The whole sheet is checked before any request (:mod:`~genomics_provider.onecodex.sheet`), then written by pages.

    :param sheet: The sheet: a path or URI, an ``ObjectStoragePath``, or a list of dicts (templated; XCom works).
    :param format: Optional. ``csv``, ``tsv``, ``json`` or ``jsonl`` (default: from the name's suffix).
    :param sheet_conn_id: Optional. The Airflow connection of the object store holding the sheet.
    :param tag_separator: Optional. What separates the tags in a ``tags`` cell (default ``;``).
    :param tag_mode: Optional. ``add`` (default), ``remove`` or ``replace``, for every row's tags.
    :param custom_mode: Optional. ``merge`` (default) or ``replace``, for every row's ``custom.<key>`` cells.
    :param create_missing: Optional. Create tags the sheet names that do not exist yet (default ``True``).
    :param ignore_columns: Optional. Columns to leave out (any other unknown column is an error).
    :param project: Optional. Match filenames only in this project (id, name or short name).
    :param onecodex_conn_id: Optional. Airflow connection id.
    :param dry_run: Optional. Log the plan and write nothing.
    :param verify_writes: Optional. Verify writes (default ``True``); see :mod:`genomics_provider.operators.base`.
    """

    hook_class = OneCodexHook
    noun = "samples"
    link_xcom_key = OneCodexSamplesLink.xcom_key
    operator_extra_links = (OneCodexSamplesLink(),)
    template_fields: Sequence[str] = ("sheet", "format", "project", "tag_separator", "tag_mode", "custom_mode",
                                      "create_missing", "onecodex_conn_id", "is_dry_run")  # fmt: skip
    template_fields_renderers: ClassVar[dict[str, str]] = {"sheet": "json"}

    def __init__(
        self, *, sheet: Any, format: str | None = None, sheet_conn_id: str | None = None, project: str | None = None,
        tag_separator: str = ";", tag_mode: str = "add", custom_mode: str = "merge", create_missing: Any = True,
        ignore_columns: Sequence[str] = (), onecodex_conn_id: str = OneCodexHook.default_conn_name, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(**kwargs)
        self.sheet, self.format, self.project, self.ignore_columns = sheet, format, project, ignore_columns
        self.sheet_conn_id, self.onecodex_conn_id, self.create_missing = sheet_conn_id, onecodex_conn_id, create_missing
        self.tag_separator, self.tag_mode, self.custom_mode = tag_separator, tag_mode, custom_mode
        self._check_if_literal(self._checked_request, *(getattr(self, name) for name in self.template_fields))

    def _checked_request(self) -> SheetOptions:
        check_sheet_argument(self.sheet, self.format)
        return SheetOptions.of(self)

    def execute(self, context: Context) -> Summary:
        """Check the whole sheet, look up its names, then write each sample's row; re-read what was written at the end.

        :param context: The Airflow task context.
        :return: The summary (also the XCom return value).
        :raises InvalidInputError: On a bad argument or any problem in the sheet, before any write.
        :raises AirflowException: After processing every row, when any failed.
        """
        options, dry_run = self._checked_request(), self._dry_run_flag()
        run = SheetRun(self.hook, self.log, options, dry_run=dry_run, verify=self.verify_writes)
        run.run(partial(open_sheet, self.sheet, self.format, self.sheet_conn_id), describe_sheet(self.sheet))
        return self._finish(context, run.outcome(), dry_run, run.selected)

    def _link_url(self, target: Sequence[str]) -> str:
        return self.hook.web_url_for_samples(list(target))
