"""Idempotent operators that curate Seven Bridges files: tags, metadata and names.

What every operator does (check, read, plan, write what differs, verify, summarise) is in
:mod:`genomics_provider.operators.base`, the plans in :mod:`genomics_provider.sevenbridges.plan`. Seven Bridges
operators work through the selection one page of 100 files at a time (:mod:`genomics_provider.sevenbridges.run`):
read the page's current state (a listing page with ``fields=_all``, or ``POST /bulk/files/get`` for explicit ids),
plan, log, write only the files that differ in one bulk call within ``max_read_age`` of the read, and drop the page
before reading the next; once every page is written, re-read what was written. Only ids and reasons are kept, so
memory stays flat from a thousand files to a hundred thousand; listing pages are asked for by offset, so files that a
write moves out of the listing (removing the tag the query selects on) do not make the next page skip any. Folders
are skipped, and reported in the summary's ``skipped`` with why.

Cost: tagging N files selected by a query takes ⌈N/100⌉ list pages, ⌈N/100⌉ bulk writes and ⌈N/100⌉ verifying bulk
gets (30 calls for 1,000 files); a re-run with nothing to change takes ⌈N/100⌉.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from genomics_provider.curation.arguments import check_choice, parse_id_list
from genomics_provider.curation.outcome import Outcome, Summary, format_plan
from genomics_provider.exceptions import GenomicsApiError, InvalidInputError
from genomics_provider.hooks.sevenbridges import FILE_ID_PATTERN, SevenBridgesHook
from genomics_provider.links.genomics import SevenBridgesFilesLink
from genomics_provider.operators._manifest import ManifestRequest
from genomics_provider.operators.base import GenomicsCurationOperator
from genomics_provider.sevenbridges.plan import FilePlan, is_folder, plan_metadata, plan_tags
from genomics_provider.sevenbridges.query import FileQuery, check_query
from genomics_provider.sevenbridges.rules import (
    ID_RULE,
    METADATA_MODES,
    TAG_MODES,
    check_file_name,
    check_metadata,
    check_tags,
)
from genomics_provider.sevenbridges.run import FileRun
from genomics_provider.sevenbridges.sheet_run import ManifestRun, Resolution, resolve_names
from genomics_provider.sevenbridges.writers import Planner, RenameWriter

if TYPE_CHECKING:
    from airflow.sdk import Context

__all__ = ["RenameFileOperator", "TagFilesOperator", "UpdateFileMetadataOperator", "UpdateFilesFromManifestOperator"]


class _SevenBridgesOperator(GenomicsCurationOperator[SevenBridgesHook, FileQuery]):
    """The Seven Bridges hook and link for the operators below.

    :param sevenbridges_conn_id: Optional. Airflow connection id (default ``sevenbridges_default``).
    :param kwargs: ``dry_run``, ``verify_writes`` (:class:`~genomics_provider.operators.base.GenomicsCurationOperator`)
        and the :class:`~airflow.sdk.BaseOperator` arguments.
    """

    hook_class = SevenBridgesHook
    noun = "files"
    link_xcom_key = SevenBridgesFilesLink.xcom_key
    operator_extra_links = (SevenBridgesFilesLink(),)
    ui_color = "#e7f3ee"

    def __init__(self, *, sevenbridges_conn_id: str = SevenBridgesHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sevenbridges_conn_id = sevenbridges_conn_id

    def _link_url(self, target: tuple[str, str | None] | None) -> str | None:
        return None if target is None else self.hook.web_url_for(*target)


@dataclass(frozen=True)
class _FilesChange:
    """What a files operator changes: the argument holding the change, its modes, its check and its plan.

    :param argument: The argument (and attribute) the change is given in, e.g. ``tags``.
    :param modes: The allowed values of ``mode``.
    :param check: Checks the rendered argument: ``(value, *, mode) -> checked value``.
    :param plan: Plans it: ``(files, checked value, mode, query) -> FilePlan``.
    :param title: The plan table's title in the log, e.g. ``Tag plan``.
    """

    argument: str
    modes: tuple[str, ...]
    check: Callable[..., Any]
    plan: Callable[..., FilePlan]
    title: str

    def planner(self, value: Any, mode: Any) -> Planner:
        """Check the change and the mode, and return the planning function.

        :param value: The rendered change argument.
        :param mode: The rendered ``mode`` argument.
        :return: ``(files, query) -> FilePlan``.
        :raises InvalidInputError: On bad input.
        """
        checked_mode = check_choice(mode, argument="mode", choices=self.modes)
        checked = self.check(value, mode=checked_mode)
        return lambda files, query: self.plan(files, checked, checked_mode, query)


class _SevenBridgesFilesOperator(_SevenBridgesOperator):
    """Select files by ids or query, plan a change, and apply it with bulk calls.

    :param change: The change argument's value, stored under :attr:`change_kind` ``.argument``.
    :param mode: How the change applies.
    :param file_ids: Optional. File ids: a list, a JSON list string, or one id; templated, or an XComArg.
    :param query: Optional. A listing filter selecting the files instead of ``file_ids``.
    :param kwargs: ``sevenbridges_conn_id``, ``dry_run``, ``verify_writes`` and the BaseOperator arguments.
    """

    selection_arguments = ("file_ids", "query")
    id_pattern = FILE_ID_PATTERN
    id_rule = ID_RULE
    template_fields_renderers: ClassVar[dict[str, str]] = {"file_ids": "json", "query": "json"}
    #: What the operator changes.
    change_kind: ClassVar[_FilesChange]

    def __init__(self, *, change: Any, mode: str, file_ids: Any = None, query: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.file_ids = file_ids
        self.query = query
        self._check_if_literal(self._checked_selection, file_ids, query)
        setattr(self, self.change_kind.argument, change)
        self.mode = mode
        self._check_if_literal(self._checked_request, change, mode)

    def _checked_query(self, query: Any) -> FileQuery:
        return check_query(query)

    def _checked_request(self) -> Planner:
        return self.change_kind.planner(getattr(self, self.change_kind.argument), self.mode)

    def execute(self, context: Context) -> Summary:
        """Read the files a page of 100 at a time, plan and write each page; re-read what was written at the end.

        :param context: The Airflow task context.
        :return: The summary (also the XCom return value).
        :raises InvalidInputError: On bad input, before any request.
        :raises GenomicsApiError: When reading a page fails; the summary of the pages already done is pushed to XCom
            key ``summary`` first.
        :raises AirflowException: After processing all files, when any failed.
        """
        ids, query = self._checked_selection()
        planner = self._checked_request()
        dry_run = self._dry_run_flag()
        run = FileRun(
            self.hook, planner, self.log, title=self.change_kind.title, dry_run=dry_run, verify=self.verify_writes
        )
        try:
            if ids is not None:
                run.by_ids(ids)
            elif query is not None:
                run.by_query(query)
        except GenomicsApiError:
            if run.pages:
                run.finish()
                self._report_partial(context, run.outcome, dry_run, run.pages)
            raise
        run.finish()
        link = run.seen.link_target(query.project if query else None)
        return self._finish(context, run.outcome, dry_run, link, note=run.stop_note)

    def _report_partial(self, context: Context, outcome: Outcome, dry_run: bool, pages: int) -> None:
        context["ti"].xcom_push(key="summary", value=outcome.summary(dry_run=dry_run))
        self.log.error(
            "Reading page %d failed after %d page(s) were done (%s; summary in XCom key 'summary'); a retry reads the "
            "selection again and writes only what still differs",
            pages + 1,
            pages,
            self._counts(outcome),
        )


class TagFilesOperator(_SevenBridgesFilesOperator):
    """Add, remove or replace files' tags, writing only files whose tag list changes.

    The desired list keeps the file's existing order and appends new tags in the order given, without duplicates
    (``replace`` keeps the order of the tags that stay). Folders are skipped and reported in ``skipped``.

    Wire: files that only gain tags go out as ``POST /bulk/files/edit`` items ``{"id", "tags": <complete desired
    list>}``. Files that lose a tag go out as ``POST /bulk/files/update`` items ``{"id", "name", "tags",
    "metadata"}``, all complete (name and metadata as just read), because the documentation leaves open whether edit
    replaces or merges ``tags``. 100 items per call. The written files are then re-read and any whose tags another
    writer's replace dropped are written again (:mod:`genomics_provider.operators.base`).

    :param tags: Tags: a list of unique non-empty strings (a JSON list string or one tag also work). May be empty
        only with ``mode="replace"``, which then removes every tag.
    :param mode: Optional. ``add`` (default), ``remove`` or ``replace``.
    :param file_ids: Optional. File ids (list, JSON list string, single id, template or XComArg).
    :param query: Optional. Select the files by listing instead, e.g. ``{"project": "owner/project", "tag": ["raw"],
        "metadata.sample_id": "S1"}``; keys ``project`` xor ``parent`` (folder id), ``name``, ``tag``,
        ``metadata.<key>``, ``origin.task``, ``origin.dataset``. Repeated values match any of them. Give exactly
        one of ``file_ids`` and ``query``.
    :param sevenbridges_conn_id: Optional. Airflow connection id.
    :param dry_run: Optional. Log the plan and write nothing.
    :param verify_writes: Optional. Verify writes (default ``True``); see :mod:`genomics_provider.operators.base`.
    """

    template_fields: Sequence[str] = ("file_ids", "query", "tags", "mode", "sevenbridges_conn_id", "is_dry_run")
    template_fields_renderers: ClassVar[dict[str, str]] = {"file_ids": "json", "query": "json", "tags": "json"}
    change_kind = _FilesChange("tags", TAG_MODES, check_tags, plan_tags, title="Tag plan")

    def __init__(self, *, tags: Any, mode: str = "add", **kwargs: Any) -> None:
        super().__init__(change=tags, mode=mode, **kwargs)


class UpdateFileMetadataOperator(_SevenBridgesFilesOperator):
    """Merge or replace files' custom metadata, writing only files whose metadata changes.

    ``merge`` changes only the given keys (a key given ``None`` is removed); ``replace`` makes the metadata exactly
    ``metadata``. Values must be strings. Folders are skipped and reported in ``skipped``.

    Wire: the platform's rules are checked first (keys non-empty and at most 100 UTF-8 bytes, values at most 300
    bytes, at most 1000 pairs given). Files that only gain or change keys go out as ``POST /bulk/files/edit`` items
    ``{"id", "metadata": <complete desired metadata>}``, which is right whether edit merges per key or replaces.
    Files that lose a key (``None`` in merge mode, or a key left out in replace mode) go out as
    ``POST /bulk/files/update`` items ``{"id", "name", "tags", "metadata"}``, all complete, because an edit that
    merges would keep the key. ``null`` is never sent; null-valued keys on the platform count as absent.

    1000-pair rule after the change: it depends on each file's current metadata, so it is checked per file at plan
    time. A file that would exceed it is reported in ``failed`` and never written; the other files are written, and
    the task then fails naming it.

    Concurrent merges: a bulk edit carries the complete metadata as read, and the documentation does not say whether
    edit merges it per key or replaces it, so two writers merging different keys at once can drop each other's keys.
    The written files are re-read and any key dropped is written again (:mod:`genomics_provider.operators.base`).

    :param metadata: The metadata, e.g. ``{"sample_id": "S1", "obsolete": None}`` (a JSON object string works).
    :param mode: Optional. ``merge`` (default) or ``replace``.
    :param file_ids: Optional. File ids (list, JSON list string, single id, template or XComArg).
    :param query: Optional. Select the files by listing instead (see :class:`TagFilesOperator`); give exactly one
        of ``file_ids`` and ``query``.
    :param sevenbridges_conn_id: Optional. Airflow connection id.
    :param dry_run: Optional. Log the plan and write nothing.
    :param verify_writes: Optional. Verify writes (default ``True``); see :mod:`genomics_provider.operators.base`.
    """

    template_fields: Sequence[str] = ("file_ids", "query", "metadata", "mode", "sevenbridges_conn_id", "is_dry_run")
    template_fields_renderers: ClassVar[dict[str, str]] = {"file_ids": "json", "query": "json", "metadata": "json"}
    change_kind = _FilesChange("metadata", METADATA_MODES, check_metadata, plan_metadata, title="Metadata plan")

    def __init__(self, *, metadata: Any, mode: str = "merge", **kwargs: Any) -> None:
        super().__init__(change=metadata, mode=mode, **kwargs)


class RenameFileOperator(_SevenBridgesOperator):
    """Rename one file: read it, and ``PATCH /files/{id}`` with only ``name`` when the name differs.

    A rename replaces no list, so it drops nobody's data and the PATCH response (the renamed file) confirms it; the file
    is re-read only when the outcome is unknown (connection dropped, read timeout, 5xx), and renamed again only if it
    still has another name. A concurrent bulk update by another writer that read the old name can still revert it.

    Folders are refused. Map it with ``.partial(...).expand(file_id=[...], name=[...])`` or ``.expand_kwargs`` for
    several files.

    :param file_id: The file id (one id, or a one-element list / JSON list, as rendered from a template or XCom).
    :param name: The new name.
    :param sevenbridges_conn_id: Optional. Airflow connection id.
    :param dry_run: Optional. Log the plan and write nothing.
    :param verify_writes: Optional. Has no effect on a rename beyond the default: the PATCH response confirms the
        name, and the file is re-read only when that response shows another name or the outcome is unknown.
    """

    template_fields: Sequence[str] = ("file_id", "name", "sevenbridges_conn_id", "is_dry_run")

    def __init__(self, *, file_id: Any, name: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.file_id = file_id
        self.name = name
        self._check_if_literal(self._checked_request, file_id, name)

    def _checked_request(self) -> tuple[str, str]:
        ids = parse_id_list(self.file_id, argument="file_id", pattern=FILE_ID_PATTERN, rule=ID_RULE)
        if len(ids) != 1:
            raise InvalidInputError(
                f"file_id: {len(ids)} ids given; this operator renames one file (map it with .expand for several)"
            )
        return ids[0], check_file_name(self.name)

    def execute(self, context: Context) -> Summary:
        """Read the file and rename it if its name differs.

        :param context: The Airflow task context.
        :return: The summary (also the XCom return value).
        :raises InvalidInputError: On bad input (before any request), or when the id is a folder's.
        :raises AirflowException: When the rename was refused (the summary is pushed to XCom key ``summary``).
        """
        file_id, name = self._checked_request()
        dry_run = self._dry_run_flag()
        file = self.hook.get_file(file_id)
        if is_folder(file):
            raise InvalidInputError(
                f"file_id: {file_id} ({file.get('name')!r}) is a folder; RenameFileOperator renames files only"
            )
        outcome = Outcome()
        current = str(file.get("name") or "")
        if current == name:
            outcome.unchanged.append(file_id)
        else:
            self.log.info("%s", format_plan([(file_id, "name", current, name)], title="Rename plan"))
            if dry_run:
                outcome.changed.append(file_id)
            else:
                self._reconcile(RenameWriter(self.hook, name), [file_id], str, outcome)
        project = file.get("project")
        return self._finish(context, outcome, dry_run, (project, file_id) if project else None)


class UpdateFilesFromManifestOperator(_SevenBridgesOperator):
    """Give each file the tags and metadata its row of a manifest asks for, writing only files that differ.

    The manifest is a CSV, TSV, JSON or JSON Lines file (a path or URI read through ``ObjectStoragePath``) or a list of
    dicts; the formats, columns and cells are in :mod:`genomics_provider.sevenbridges.sheet` and the README
    ("Curate from a sample sheet"). The whole sheet is checked first and every problem reported at once, naming its
    row and column, before any request; names are then resolved by listing each folder once, and the files are
    written 100 rows at a time (:mod:`genomics_provider.sevenbridges.sheet_run`). A row whose file is not found is
    reported in ``failed`` as ``row N``; a failed file's reason starts with its row.

    :param sheet: The manifest: a path or URI, an ``ObjectStoragePath``, or a list of dicts (templated; XCom works).
    :param project: Optional. ``owner/project`` holding the files; needed when rows name files by name.
    :param format: Optional. ``csv``, ``tsv``, ``json`` or ``jsonl`` (default: from the name's suffix).
    :param sheet_conn_id: Optional. The Airflow connection of the object store holding the sheet.
    :param tag_separator: Optional. What separates the tags in a ``tags`` cell (default ``;``).
    :param tag_mode: Optional. ``add`` (default), ``remove`` or ``replace``, for every row's tags.
    :param metadata_mode: Optional. ``merge`` (default) or ``replace``, for every row's metadata.
    :param ignore_columns: Optional. Columns to leave out (otherwise every column not known is a metadata key).
    :param sevenbridges_conn_id: Optional. Airflow connection id.
    :param dry_run: Optional. Log the plan and write nothing.
    :param verify_writes: Optional. Verify writes (default ``True``); see :mod:`genomics_provider.operators.base`.
    """

    template_fields: Sequence[str] = (
        "sheet", "project", "format", "tag_separator", "tag_mode", "metadata_mode", "sevenbridges_conn_id",
        "is_dry_run",
    )  # fmt: skip
    template_fields_renderers: ClassVar[dict[str, str]] = {"sheet": "json"}

    def __init__(
        self,
        *,
        sheet: Any,
        project: str | None = None,
        format: str | None = None,
        sheet_conn_id: str | None = None,
        tag_separator: str = ";",
        tag_mode: str = "add",
        metadata_mode: str = "merge",
        ignore_columns: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sheet, self.project, self.format, self.sheet_conn_id = sheet, project, format, sheet_conn_id
        self.tag_separator, self.tag_mode, self.metadata_mode = tag_separator, tag_mode, metadata_mode
        self.ignore_columns = ignore_columns
        self._check_if_literal(self._checked_request, sheet, project, format, tag_separator, tag_mode, metadata_mode)

    def _checked_request(self) -> ManifestRequest:
        return ManifestRequest.check(self)

    def execute(self, context: Context) -> Summary:
        """Check the whole sheet, resolve names, then write each file's row; re-read what was written at the end.

        :param context: The Airflow task context.
        :return: The summary (also the XCom return value).
        :raises InvalidInputError: On a bad argument or any problem in the sheet, before any request.
        :raises AirflowException: After processing every row, when any failed.
        """
        request = self._checked_request()
        dry_run = self._dry_run_flag()
        checked = request.check_sheet()
        run = ManifestRun(
            self.hook, self.log, tag_mode=request.tag_mode, metadata_mode=request.metadata_mode, dry_run=dry_run,
            verify=self.verify_writes,
        )  # fmt: skip
        if checked is not None:
            resolution = Resolution()
            if checked.names:
                resolution = resolve_names(self.hook, str(request.project), sorted(checked.names))
                self.log.info("Resolved %d names with %d listing page(s)", len(checked.names), resolution.calls)
            with request.rows(checked.columns) as rows:
                try:
                    run.apply(rows, resolution)
                finally:
                    run.finish()
        link = (request.project, None) if request.project else None
        return self._finish(context, run.outcome, dry_run, link)
