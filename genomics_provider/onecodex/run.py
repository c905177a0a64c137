"""How the One Codex operators walk their selection: one page of 100 samples at a time, planned and written in turn.

Each page is read (a listing page for ``where``, a ``$in`` list call of 100 ids for ``sample_ids``), planned, logged
as its own plan table, written (:class:`~genomics_provider.curation.reconcile.Reconciler`) and then dropped, before
the next page is read. The metadata operator also reads that page's metadata records (one ``$in`` call) before
planning it. Only ids, reasons and the reconciler's small per-item stamps outlive a page, and the writers hold one
page at a time (:mod:`genomics_provider.onecodex.writers`), so memory stays flat whether the selection holds 1,000
samples or 100,000. What the pages wrote is re-read 100 at a time once every page is written
(:meth:`~genomics_provider.curation.reconcile.Reconciler.finish`), so another writer's replace that lands while the
run is still writing is caught and repaired.

**Cost**, for N samples whose tags all change: ⌈N/100⌉ reads to plan (plus ⌈N/100⌉ metadata reads for the metadata
operator), at most ⌈N/10⌉ fresh reads (fewer: a page's first chunks are written from the page read itself while it
is younger than ``max_read_age``), N PATCHes and ⌈N/100⌉ verifying reads, plus the tag look-ups. A change of scalar
fields only (visibility, project, top-level metadata) needs no fresh read and no verifying read.

**Cursor mode: we assume a keyset cursor.** Writing a page can move samples out of the ``where`` filter that selected
them (``where`` on ``tags`` or ``visibility``, which the run changes). The reference calls ``X-Next-Cursor`` opaque
and recommends cursor mode for changing sets (``onecodex-api.md`` §8); the run relies on more than that: that the
cursor is a keyset position, "after the last item of the previous page in the listing's order", so the next page
starts right after that item whether or not it still matches, and nothing is skipped. (An offset hidden in the
cursor would skip as many samples as the previous page's writes moved out.) The emulator's cursor behaves this way.

**Page mode: the ids first.** A server that ignores the cursor header answers with ``page``/``per_page`` offsets,
which our own writes shift: after writing page 1, page 2 starts further on than it did and skips samples. So when
the first page arrives in page mode, the run lists every remaining page before writing anything (keeping only the
ids, 16 characters each), then writes the first page and reads the rest back by id, 100 per ``$in`` call. That
costs ⌈(N - 100)/100⌉ extra reads (each listed sample after the first page is read twice: once to list its id,
once to plan it), and a sample that stops matching ``where`` between the listing and its read is still planned, as
it was selected.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from genomics_provider.curation.outcome import Outcome, format_plan
from genomics_provider.curation.reconcile import Reconciler
from genomics_provider.exceptions import GenomicsApiError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.onecodex.types import id_from_link
from genomics_provider.onecodex.writers import (
    MetadataChange,
    MetadataPlanner,
    MetadataWriter,
    SamplePlanner,
    SampleWriter,
)

__all__ = ["MISSING_RECORD", "NOT_FOUND", "MetadataRun", "SampleRun"]

#: Why a selected id was not planned.
NOT_FOUND = "not found, or not visible to this API key"
#: Why a sample's metadata was not planned.
MISSING_RECORD = "its metadata record was not found"

Sample = dict[str, Any]


class _SelectionRun:
    """Walk a selection of samples page by page, handing each page to :meth:`_page`, and verify at the end.

    :param hook: The One Codex hook.
    :param writer: The writer the reconciler drives (it holds one page at a time).
    :param log: The task logger.
    :param dry_run: Log the plans and write nothing.
    :param verify: Re-read written samples to verify them (see :class:`Reconciler`).
    :param outcome: Where the results go.
    """

    def __init__(
        self, hook: OneCodexHook, writer: Any, log: Any, *, dry_run: bool, verify: bool, outcome: Outcome
    ) -> None:
        self.hook = hook
        self.log = log
        self.dry_run = dry_run
        self.outcome = outcome
        #: The ids of the samples planned, in order (the operator's web link).
        self.selected: list[str] = []
        #: Pages planned so far.
        self.pages = 0
        self.reconciler: Reconciler[Any] = Reconciler(
            writer, lambda change: change.sample_id, outcome, log,
            verify_delay=hook.verify_delay, pause=hook.pause, verify=verify,
        )  # fmt: skip

    def run(self, ids: Sequence[str] | None, where: dict[str, Any] | None) -> list[str]:
        """Plan and write the whole selection page by page, then verify what was written.

        :param ids: The sample ids (validated, no duplicates), or ``None`` when ``where`` selects.
        :param where: The checked ``where`` filter, or ``None``.
        :return: The ids of the samples planned, in order.
        :raises GenomicsApiError: When a read to plan fails (what the pages before it wrote is verified first).
        """
        try:
            if ids is not None:
                self.by_ids(ids)
            else:
                self.by_where(where or {})
        except GenomicsApiError:
            if self.pages:
                self.reconciler.finish()  # what the pages before the failed read wrote is still verified
            raise
        self.reconciler.finish()
        return self.selected

    def by_ids(self, ids: Sequence[str]) -> None:
        """Read the samples 100 per ``$in`` list call, planning and writing each chunk before reading the next.

        :param ids: Sample ids.
        :raises GenomicsApiError: When a read fails (the chunks before it are written).
        """
        size = self.hook.page_size
        for start in range(0, len(ids), size):
            chunk = list(ids[start : start + size])
            read_at = self.hook.clock()
            found = self.hook.list_samples_by_id(chunk)
            for sample_id in chunk:
                if sample_id not in found:
                    self.outcome.failed[sample_id] = NOT_FOUND
            self._page([found[sample_id] for sample_id in chunk if sample_id in found], read_at,
                       last=start + size >= len(ids))  # fmt: skip

    def by_where(self, where: dict[str, Any]) -> None:
        """List the samples matching ``where`` a page at a time (cursor mode), planning and writing each in turn.

        In page mode the remaining ids are listed before anything is written (see the module notes).

        :param where: The ``where`` filter.
        :raises GenomicsApiError: When a listing page fails (the pages before it are written).
        """
        pages = self.hook.iter_sample_pages(where=where)
        listed = 0
        while True:
            read_at = self.hook.clock()
            page = next(pages, None)
            if page is None:
                break
            listed += len(page.items)
            if page.paged:
                rest = list(_ids_of_pages(pages))
                listed += len(rest)
                self._page(page.items, read_at, last=not rest)
                self.by_ids(rest)
                break
            self._page(page.items, read_at, last=not page.more)
        self.log.info("where=%s selected %d samples", where, listed)

    def _title(self, title: str, *, last: bool) -> str:
        """Count a page and name it in its plan table's title when the run has more than one.

        :param title: The table's title.
        :param last: Whether no page follows.
        :return: The title, with `` (page n)`` unless this is the run's only page.
        """
        self.pages += 1
        return title if self.pages == 1 and last else f"{title} (page {self.pages})"

    def _page(self, samples: list[Sample], read_at: float, *, last: bool) -> None:
        """Plan, log and write one page of samples; subclasses implement this.

        :param samples: The page's samples.
        :param read_at: The hook's clock just before the page was read.
        :param last: Whether no page follows.
        """
        raise NotImplementedError


def _ids_of_pages(pages: Iterator[Any]) -> Iterator[str]:
    """List the ids of the remaining pages, keeping nothing else.

    :param pages: The rest of a listing.
    :return: Sample ids, in order.
    """
    for page in pages:
        for sample in page.items:
            yield str(id_from_link(sample))


class SampleRun(_SelectionRun):
    """Bring samples' visibility, project and tags to the desired state, one page at a time.

    :param hook: The One Codex hook.
    :param planner: Plans one sample's change (reads ``ids_by_name`` as tags are created).
    :param ids_by_name: Tag ids by requested name (``None`` until the tag exists); updated as tags are created.
    :param names_by_id: Tag names by id, for the plan table; updated as tags are created.
    :param log: The task logger.
    :param dry_run: Log the plans and write nothing.
    :param verify: Re-read written samples to verify them.
    :param outcome: Optional. Where the results go (a new one by default).
    """

    def __init__(
        self,
        hook: OneCodexHook,
        planner: SamplePlanner,
        ids_by_name: dict[str, str | None],
        names_by_id: dict[str, str],
        log: Any,
        *,
        dry_run: bool,
        verify: bool,
        outcome: Outcome | None = None,
    ) -> None:
        self.planner = planner
        self.writer = SampleWriter(hook, planner, ids_by_name, names_by_id, {})
        super().__init__(hook, self.writer, log, dry_run=dry_run, verify=verify, outcome=outcome or Outcome())

    def _page(self, samples: list[Sample], read_at: float, *, last: bool) -> None:
        if not samples and self.pages:
            return
        changes = [self.planner(sample) for sample in samples]
        self.selected.extend(change.sample_id for change in changes)
        rows = [(change.sample_id, *row) for change in changes for row in change.rows]
        title = self._title(f"Plan for {len(changes)} One Codex samples", last=last)
        self.log.info("%s", format_plan(rows, title=title))
        self.outcome.unchanged.extend(change.sample_id for change in changes if change.is_noop)
        pending = [change for change in changes if not change.is_noop]
        if self.dry_run:
            self.outcome.changed.extend(change.sample_id for change in pending)
        elif pending:
            self.writer.start_page({str(id_from_link(sample)): sample for sample in samples})
            self.reconciler.write(pending, read_at=read_at)


class MetadataRun(_SelectionRun):
    """Bring samples' metadata records to the desired state, one page of samples (and their records) at a time.

    :param hook: The One Codex hook.
    :param planner: Plans one record's PATCH body.
    :param log: The task logger.
    :param dry_run: Log the plans and write nothing.
    :param verify: Re-read written records to verify them.
    :param outcome: Optional. Where the results go (a new one by default).
    """

    def __init__(
        self,
        hook: OneCodexHook,
        planner: MetadataPlanner,
        log: Any,
        *,
        dry_run: bool,
        verify: bool,
        outcome: Outcome | None = None,
    ) -> None:
        self.planner = planner
        self.writer = MetadataWriter(hook, planner, {}, {})
        super().__init__(hook, self.writer, log, dry_run=dry_run, verify=verify, outcome=outcome or Outcome())

    def _page(self, samples: list[Sample], read_at: float, *, last: bool) -> None:
        if not samples and self.pages:
            return
        metadata_ids = {str(id_from_link(sample)): id_from_link(sample.get("metadata")) for sample in samples}
        self.selected.extend(metadata_ids)
        records_at = self.hook.clock()
        records = self.hook.list_metadata_by_id([metadata_id for metadata_id in metadata_ids.values() if metadata_id])
        changes = self._plan(metadata_ids, records, last=last)
        if self.dry_run:
            self.outcome.changed.extend(change.sample_id for change in changes)
        elif changes:
            known = {change.sample_id: records[change.metadata_id] for change in changes}
            self.writer.start_page(known, {change.sample_id: change.metadata_id for change in changes})
            self.reconciler.write(changes, read_at=records_at)

    def _plan(
        self, metadata_ids: Mapping[str, str | None], records: Mapping[str, dict[str, Any]], *, last: bool
    ) -> list[MetadataChange]:
        """Plan one page's metadata PATCHes, log its plan table, and note unchanged samples and missing records.

        :param metadata_ids: Metadata record id by sample id.
        :param records: The records read, by id.
        :param last: Whether no page follows.
        :return: The records that need a PATCH.
        """
        changes: list[MetadataChange] = []
        rows: list[tuple[str, str, str, str]] = []
        unchanged = 0
        for sample_id, metadata_id in metadata_ids.items():
            record = records.get(metadata_id or "")
            if record is None:
                self.outcome.failed[sample_id] = MISSING_RECORD
                continue
            body, sample_rows = self.planner(record)
            rows += [(sample_id, *row) for row in sample_rows]
            if body:
                changes.append(MetadataChange(sample_id, str(metadata_id), body))
            else:
                self.outcome.unchanged.append(sample_id)
                unchanged += 1
        title = self._title(f"Metadata plan for {len(changes) + unchanged} One Codex samples", last=last)
        self.log.info("%s", format_plan(rows, title=title))
        return changes
