"""How a One Codex sample sheet is applied: tags and projects looked up once, then 100 rows at a time.

The rows are read and checked by :mod:`genomics_provider.onecodex.sheet` (every problem before any request); this
module does the requests, through the same runs, writers and reconciler as the other One Codex operators
(:mod:`genomics_provider.onecodex.run`), so the writes are fresh, verified and safe alongside other writers.

**Before any write**: each distinct tag name is looked up once (``find_tag``), each distinct project reference
resolved once (and checked for ``can_add_files``), and the operator's ``project`` (which restricts filename matching)
resolved once. A problem there is raised, naming the first row that gave the name, and nothing is written.

**Then, 100 rows at a time** (the hook's page size): the rows keyed by filename are resolved with
``where={"filename": {"$in": [...]}}`` (plus ``"project"`` when restricted), up to 100 names per call and at most
:data:`MAX_WHERE_CHARS` characters of ``where``, so ⌈N/100⌉ calls for N short names; the rows keyed by id are read
with one ``$in`` call of 100 ids. The samples those reads return are the page the run plans from (no second read),
then written as :class:`~genomics_provider.onecodex.run.SampleRun` writes a page; the rows carrying metadata then
have their records read (one ``$in`` call) and written as :class:`~genomics_provider.onecodex.run.MetadataRun`
does. Every write is re-read once the whole sheet is written.

A filename matching no sample, or more than one, fails its row (``failed["row N"]``) and nothing is written for it;
so does a row naming a sample another row already named. An id that is not found fails under the id.

**Memory.** Across pages the run keeps the row number of each sample (ids only), the reasons of failures, and the
request of each sample whose write is still to be verified (tuples); a page of rows and samples is dropped once
written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Final, NamedTuple

from genomics_provider.curation.outcome import Outcome
from genomics_provider.curation.sheet import SheetProblems, SheetRow
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.onecodex.plan import SampleChange, TagRequest, plan_metadata, plan_sample
from genomics_provider.onecodex.rules import CustomMode, Unset
from genomics_provider.onecodex.run import NOT_FOUND, MetadataRun, SampleRun
from genomics_provider.onecodex.sheet import SampleRow, SheetOptions, check_sheet, read_sheet
from genomics_provider.onecodex.sheet_cells import PROJECT_COLUMN, TAGS_COLUMN
from genomics_provider.onecodex.types import id_from_link

__all__ = ["MAX_WHERE_CHARS", "SheetOptions", "SheetRun", "desired_custom", "find_filenames"]

#: Longest ``where`` JSON of one filename look-up (it travels in the URL, which servers cap at about 8 KB).
MAX_WHERE_CHARS: Final = 4000

OpenRows = Callable[[], AbstractContextManager[Iterator[SheetRow]]]
Sample = dict[str, Any]


class _SampleRequest(NamedTuple):
    visibility: str | None
    project_id: str | Unset | None
    tags: TagRequest | None


class _MetadataRequest(NamedTuple):
    fields: tuple[tuple[str, Any], ...]
    custom: tuple[tuple[str, Any], ...] | None


def desired_custom(current: Any, given: dict[str, Any], mode: CustomMode) -> dict[str, Any]:
    """Compute the custom dict a record should end with from the keys a row gives (``None``: remove the key).

    :param current: The record's ``custom`` now.
    :param given: The row's custom keys.
    :param mode: ``merge`` (change the given keys) or ``replace`` (the given keys are the whole dict).
    :return: The desired dict.
    """
    result = dict(current or {}) if mode == "merge" else {}
    for key, value in given.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def find_filenames(hook: OneCodexHook, names: list[str], project_id: str | None) -> tuple[dict[str, list[Sample]], int]:
    """Find the samples with each filename, 100 names per ``$in`` call (fewer when they are long).

    :param hook: The One Codex hook.
    :param names: The filenames (no duplicates).
    :param project_id: Optional. Only samples in this project match.
    :return: The samples found for each name (exact matches only), and how many listing pages were read.
    :raises GenomicsApiError: When a listing fails.
    """
    found: dict[str, list[Sample]] = {name: [] for name in names}
    calls = 0
    for chunk in _name_chunks(names, hook.page_size):
        where: dict[str, Any] = {"filename": {"$in": chunk}}
        if project_id is not None:
            where["project"] = project_id
        for page in hook.iter_sample_pages(where=where):
            calls += 1
            for sample in page.items:
                matches = found.get(str(sample.get("filename")))
                if matches is not None and all(id_from_link(s) != id_from_link(sample) for s in matches):
                    matches.append(sample)
    return found, calls


def _name_chunks(names: list[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    length = 0
    for name in names:
        cost = len(json.dumps(name)) + 2
        if chunk and (len(chunk) == size or length + cost > MAX_WHERE_CHARS):
            yield chunk
            chunk, length = [], 0
        chunk.append(name)
        length += cost
    if chunk:
        yield chunk


class _Samples(SampleRun):
    """A :class:`SampleRun` fed pages the sheet run read, instead of walking a selection itself."""

    def write_page(self, samples: list[Sample], read_at: float, *, last: bool) -> None:
        """Plan, log and write one page of samples read at ``read_at``.

        :param samples: The samples.
        :param read_at: The hook's clock just before they were read.
        :param last: Whether no page follows.
        """
        self._page(samples, read_at, last=last)


class _Metadata(MetadataRun):
    """A :class:`MetadataRun` fed pages of samples the sheet run read."""

    def write_page(self, samples: list[Sample], *, last: bool) -> None:
        """Read these samples' metadata records, plan, log and write them.

        :param samples: The samples.
        :param last: Whether no page follows.
        """
        self._page(samples, self.hook.clock(), last=last)


class SheetRun:
    """Apply a checked sheet 100 rows at a time, collecting the outcome by sample id and by row.

    :param hook: The One Codex hook.
    :param log: The task logger.
    :param options: The checked arguments.
    :param dry_run: Log the plans and write nothing.
    :param verify: Re-read written samples and records to verify them.
    """

    def __init__(self, hook: OneCodexHook, log: Any, options: SheetOptions, *, dry_run: bool, verify: bool) -> None:
        self.hook, self.log, self.options = hook, log, options
        self.ids_by_name: dict[str, str | None] = {}
        self.names_by_id: dict[str, str] = {}
        self.project_ids: dict[str, str | None] = {}
        self.restrict: str | None = None
        #: The row number of each sample a row named, in sheet order.
        self.rows: dict[str, int] = {}
        #: ``(row number, key, reason)`` of rows that named no sample (key ``row N``) or an id not found.
        self.failures: list[tuple[int, str, str]] = []
        self.sample_requests: dict[str, _SampleRequest] = {}
        self.metadata_requests: dict[str, _MetadataRequest] = {}
        self.lookups = 0
        self.samples = _Samples(hook, self._plan_sample, self.ids_by_name, self.names_by_id, log, dry_run=dry_run,
                                verify=verify)  # fmt: skip
        self.metadata = _Metadata(hook, self._plan_metadata, log, dry_run=dry_run, verify=verify)

    def run(self, open_rows: OpenRows, source: str) -> None:
        """Check the whole sheet, look up its tags and projects, then write it 100 rows at a time and verify.

        :param open_rows: Opens the sheet for one pass (called twice: to check, then to write).
        :param source: How the sheet is named in messages.
        :raises InvalidInputError: On any problem in the sheet or its names, before any write.
        :raises GenomicsApiError: When a read fails (what was written before it is verified first).
        """
        options = self.options
        problems = SheetProblems(source)
        with open_rows() as rows:
            checked = check_sheet(rows, problems, ignore_columns=options.ignore_columns,
                                  separator=options.separator, tag_mode=options.tag_mode)  # fmt: skip
        problems.raise_if_any()
        if checked is None:
            return
        self._look_up(checked.tags, checked.projects, SheetProblems(source))
        with open_rows() as rows:
            self.apply(read_sheet(rows, checked.columns, separator=options.separator, tag_mode=options.tag_mode))

    def _look_up(self, tags: dict[str, int], projects: dict[str, int], problems: SheetProblems) -> None:
        if self.options.project is not None:
            self.restrict = id_from_link(self.hook.resolve_project(self.options.project))
        for reference, number in projects.items():
            try:
                self.project_ids[reference] = self._project_id(reference)
            except InvalidInputError as exc:
                problems.add(number, PROJECT_COLUMN, str(exc).removeprefix(f"{PROJECT_COLUMN}: "))
        for name, number in tags.items():
            try:
                tag = self.hook.find_tag(name)
            except InvalidInputError as exc:
                problems.add(number, TAGS_COLUMN, str(exc).removeprefix(f"{TAGS_COLUMN}: "))
                continue
            self.ids_by_name[name] = tag_id = id_from_link(tag) if tag else None
            if tag_id is not None:
                self.names_by_id[tag_id] = name
            elif self.options.tag_mode != "remove" and not self.options.create_missing:
                problems.add(number, TAGS_COLUMN, f"tag {name!r} does not exist and create_missing is False")
        problems.raise_if_any("nothing was written")

    def _project_id(self, reference: str) -> str | None:
        project = self.hook.resolve_project(reference)
        permissions = project.get("permissions")
        if isinstance(permissions, list) and "can_add_files" not in permissions:
            raise InvalidInputError(
                f"this API key may not add samples to project {reference!r} (it lacks the can_add_files permission)"
            )
        return id_from_link(project)

    def apply(self, rows: Iterator[SampleRow]) -> None:
        """Write every row's sample, 100 rows at a time, then verify what was written.

        :param rows: The checked rows, in sheet order.
        :raises GenomicsApiError: When a read fails (what the pages before it wrote is verified first).
        """
        try:
            for page, last in _pages(rows, self.hook.page_size):
                self._page(page, last=last)
        finally:
            self.samples.reconciler.finish()
            self.metadata.reconciler.finish()
            self.sample_requests.clear()
            self.metadata_requests.clear()

    def _page(self, rows: list[SampleRow], *, last: bool) -> None:
        read_at = self.hook.clock()
        pairs = self._read(rows)
        sample_page = [sample for row, sample in pairs if row.changes_sample]
        metadata_page = [sample for row, sample in pairs if row.changes_metadata]
        for row, sample in pairs:
            sample_id = str(id_from_link(sample))
            if row.changes_sample:
                self.sample_requests[sample_id] = self._sample_request(row)
            metadata_id = id_from_link(sample.get("metadata"))
            if row.changes_metadata and metadata_id:
                custom = None if row.custom is None else tuple(row.custom.items())
                self.metadata_requests[metadata_id] = _MetadataRequest(tuple(row.fields.items()), custom)
        if sample_page:
            self.samples.write_page(sample_page, read_at, last=last)
        if metadata_page:
            self.metadata.write_page(metadata_page, last=last)
        watching = self.samples.reconciler.watching
        for sample in sample_page:
            if str(id_from_link(sample)) not in watching:
                self.sample_requests.pop(str(id_from_link(sample)), None)
        watching = self.metadata.reconciler.watching
        for sample in metadata_page:
            if str(id_from_link(sample)) not in watching:
                self.metadata_requests.pop(str(id_from_link(sample.get("metadata"))), None)

    def _read(self, rows: list[SampleRow]) -> list[tuple[SampleRow, Sample]]:
        """Find each row's sample: filenames with ``$in`` look-ups, ids with one ``$in`` read.

        :param rows: One page of rows.
        :return: Each row that found its sample, with the sample (as read: the page to plan from).
        :raises GenomicsApiError: When a read fails.
        """
        names = list(dict.fromkeys(str(row.filename) for row in rows if row.sample_id is None))
        by_name, calls = find_filenames(self.hook, names, self.restrict) if names else ({}, 0)
        self.lookups += calls
        ids = [str(row.sample_id) for row in rows if row.sample_id is not None]
        by_id = self.hook.list_samples_by_id(ids) if ids else {}
        pairs: list[tuple[SampleRow, Sample]] = []
        for row in rows:
            sample = by_id.get(str(row.sample_id)) if row.sample_id is not None else self._one(row, by_name)
            if sample is None:
                if row.sample_id is not None:
                    self.failures.append((row.number, row.sample_id, f"row {row.number}: {NOT_FOUND}"))
                continue
            sample_id = str(id_from_link(sample))
            if sample_id in self.rows:
                why = f"sample {sample_id} is already given in row {self.rows[sample_id]}; each sample may appear once"
                self.failures.append((row.number, f"row {row.number}", why))
                continue
            self.rows[sample_id] = row.number
            pairs.append((row, sample))
        return pairs

    def _one(self, row: SampleRow, by_name: dict[str, list[Sample]]) -> Sample | None:
        matches = by_name.get(str(row.filename), [])
        if len(matches) == 1:
            return matches[0]
        where = " in the project given" if self.restrict is not None else ""
        if not matches:
            why = f"no sample has filename {row.filename!r}{where}"
        else:
            ids = ", ".join(str(id_from_link(sample)) for sample in matches)
            why = f"{len(matches)} samples have filename {row.filename!r}{where} ({ids}); give their ids instead"
        self.failures.append((row.number, f"row {row.number}", why))
        return None

    def _sample_request(self, row: SampleRow) -> _SampleRequest:
        unknown = [name for name in row.tags or () if name not in self.ids_by_name]
        if unknown or (isinstance(row.project, str) and row.project not in self.project_ids):
            raise InvalidInputError(
                f"sheet (changed since it was checked): row {row.number} names a tag or project the check did not "
                "see; nothing more was sent"
            )
        project = self.project_ids[row.project] if isinstance(row.project, str) else row.project
        tags = None if row.tags is None else TagRequest(row.tags, self.options.tag_mode)
        return _SampleRequest(row.visibility, project, tags)

    def _plan_sample(self, sample: Any) -> SampleChange:
        request = self.sample_requests[str(id_from_link(sample))]
        return plan_sample(sample, visibility=request.visibility, project_id=request.project_id, tags=request.tags,
                           ids_by_name=self.ids_by_name, names_by_id=self.names_by_id)  # fmt: skip

    def _plan_metadata(self, record: Any) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
        request = self.metadata_requests[str(id_from_link(record))]
        custom = None
        if request.custom is not None:
            custom = desired_custom(record.get("custom"), dict(request.custom), self.options.custom_mode)
        return plan_metadata(record, dict(request.fields), custom, "replace")

    @property
    def selected(self) -> list[str]:
        """The ids of the samples the rows named, in sheet order (the operator's web link)."""
        return list(self.rows)

    def outcome(self) -> Outcome:
        """Merge what the sample and metadata writes did into one result per sample, and the rows that failed.

        :return: ``changed`` / ``unchanged`` by sample id in sheet order; ``failed`` by sample id or ``row N``, in
            row order, each reason starting with its row.
        """
        runs = (self.samples.outcome, self.metadata.outcome)
        changed = set(runs[0].changed) | set(runs[1].changed)
        result = Outcome(conflicted=list(dict.fromkeys([*runs[0].conflicted, *runs[1].conflicted])))
        failures = list(self.failures)
        for sample_id, number in self.rows.items():
            reasons = [run.failed[sample_id] for run in runs if sample_id in run.failed]
            if reasons:
                failures.append((number, sample_id, f"row {number}: {'; '.join(reasons)}"))
            elif sample_id in changed:
                result.changed.append(sample_id)
            else:
                result.unchanged.append(sample_id)
        result.failed = {key: why for _, key, why in sorted(failures, key=lambda failure: failure[0])}
        return result


def _pages(rows: Iterator[SampleRow], size: int) -> Iterator[tuple[list[SampleRow], bool]]:
    """Cut the rows into pages, telling the last one (one row is read ahead).

    :param rows: The rows.
    :param size: Rows per page.
    :return: ``(page, last)`` pairs.
    """
    page: list[SampleRow] = []
    for row in rows:
        if len(page) == size:
            yield page, False
            page = []
        page.append(row)
    if page:
        yield page, True
