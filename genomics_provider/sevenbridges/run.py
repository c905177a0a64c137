"""How a Seven Bridges files operator walks its selection: one page of 100 at a time, planned and written in turn.

Each page is read (a listing page, or ``POST /bulk/files/get`` for explicit ids), planned, logged and written before
the next page is read, and then dropped: the run keeps only ids and reasons, so memory stays flat whether the
selection holds 1,000 files or 100,000. The written files are re-read 100 at a time once every page is written
(:class:`~genomics_provider.curation.reconcile.Reconciler`), so another writer's replace that lands at any point
while the run is still writing is caught and repaired.

**Offsets, not ``rel=next``.** Writing a page can move files out of the listing that selected them (removing the tag
the query filters on, changing a metadata value it matches). Every later file then sits at a lower offset, and
following the ``next`` link would skip that many. So the run asks for each page's offset itself: the next offset
is this one plus the page's length minus the files that :func:`leaves_query` says the page's changes move out. A
change whose write failed is counted as moved out as well; if it is in fact still listed, it comes back on the next
page and is recognised as already seen, so nothing is skipped and nothing is planned twice. A page that lists only
files already seen, more of them than the previous page's changes counted as moved, cannot come from a listing that
honours ``offset``: the run fails there instead of reading the same page forever.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from genomics_provider.curation.outcome import Outcome
from genomics_provider.curation.reconcile import Reconciler
from genomics_provider.curation.rounds import MAX_CONSECUTIVE_FAILURES, FailureStreak
from genomics_provider.hooks.sevenbridges import BULK_LIMIT, SevenBridgesHook, repeated_page_error
from genomics_provider.sevenbridges.plan import leaves_query
from genomics_provider.sevenbridges.progress import SeenFiles
from genomics_provider.sevenbridges.query import FileQuery
from genomics_provider.sevenbridges.results import describe_error, read_records
from genomics_provider.sevenbridges.types import SbFile
from genomics_provider.sevenbridges.writers import BulkFileWriter, Planner


class FileRun:
    """Plan and write a selection of files page by page, collecting the outcome.

    :param hook: The Seven Bridges hook.
    :param planner: Plans the change for files (the operator's validated request).
    :param log: The task logger.
    :param title: Plan table title, e.g. ``Tag plan``.
    :param dry_run: Log the plans and write nothing.
    :param verify: Re-read written files to verify them (see
        :func:`~genomics_provider.curation.reconcile.reconcile`).
    """

    def __init__(
        self, hook: SevenBridgesHook, planner: Planner, log: Any, *, title: str, dry_run: bool, verify: bool
    ) -> None:
        self.hook = hook
        self.planner = planner
        self.log = log
        self.title = title
        self.dry_run = dry_run
        self.verify = verify
        self.outcome = Outcome()
        self.seen = SeenFiles()
        self.streak = FailureStreak()
        #: Pages planned so far.
        self.pages = 0
        #: Why the run stopped before the end of the selection ("" when it did not).
        self.stop_note = ""
        self.reconciler = Reconciler(
            BulkFileWriter(hook, planner), lambda change: change.file_id, self.outcome, log,
            verify_delay=hook.verify_delay, pause=hook.pause, verify=verify, streak=self.streak, chunk=BULK_LIMIT,
        )  # fmt: skip

    def finish(self) -> None:
        """Re-read what the pages wrote, 100 files per call, and write again what another writer's replace dropped.

        Call once, after the last page (also after a page failed to read: what was written is then still verified).
        """
        self.reconciler.finish()

    def by_ids(self, file_ids: Sequence[str]) -> None:
        """Read the given files 100 per bulk get, planning and writing each batch before reading the next.

        :param file_ids: The files (validated ids, no duplicates).
        :raises GenomicsApiError: When a bulk get fails (the pages before it are done and in :attr:`outcome`).
        """
        for start in range(0, len(file_ids), BULK_LIMIT):
            if self._stopped():
                return
            batch = file_ids[start : start + BULK_LIMIT]
            read_at = self.hook.clock()
            files, errors = read_records(batch, self.hook.bulk_get_files(batch))
            self.outcome.failed.update({file_id: describe_error(error) for file_id, error in errors.items()})
            self._page(files, None, read_at)

    def by_query(self, query: FileQuery) -> None:
        """List the query's files one page at a time, planning and writing each page before reading the next.

        :param query: The validated query.
        :raises GenomicsApiError: When a listing page fails, or lists only files already seen (more of them than the
            previous page's writes may have left listed), which means the server ignores ``offset`` and the run
            would never end (the pages before it are done and in :attr:`outcome`).
        """
        offset = moved_last = 0
        while not self._stopped():
            read_at = self.hook.clock()
            page = self.hook.list_files_page(offset=offset, query=query)
            number = self.pages + 1
            error = repeated_page_error(page, self.seen.ids, number=number, offset=offset, may_repeat=moved_last)
            if error is not None:
                raise error
            moved = self._page(page.items, query, read_at)
            if not page.has_next or not page.items:
                return
            offset += len(page.items) - moved
            # A file counted as moved whose write did not land is still listed, so the next page may repeat it.
            moved_last = moved

    def _stopped(self) -> bool:
        if not self.streak.stopped:
            return False
        self.stop_note = (
            f"The run stopped after {self.pages} page(s): the service failed {MAX_CONSECUTIVE_FAILURES} writes in a "
            "row, so the rest of the selection was not read; a retry writes only what still differs"
        )
        return True

    def _page(self, files: list[SbFile], query: FileQuery | None, read_at: float) -> int:
        """Plan, log and write one page, right after reading it (within ``max_read_age``).

        :param files: The page's files.
        :param query: Optional. The query the page was listed with.
        :param read_at: The hook's clock just before the page was read.
        :return: How many of the page's files the writes move out of the listing.
        """
        fresh = self.seen.fresh(files)
        plan = self.planner(fresh, query)
        self.seen.add(files, plan)
        self.pages += 1
        title = f"{self.title} for {len(plan.projects)} Seven Bridges files (page {self.pages})"
        self.log.info("%s", plan.render(title))
        outcome = self.outcome
        outcome.unchanged.extend(plan.unchanged)
        outcome.skipped.update(plan.skipped)
        outcome.failed.update(plan.failed)
        if self.dry_run:
            outcome.changed.extend(change.file_id for change in plan.changes)
            return 0
        self.reconciler.write(plan.changes, read_at=read_at)
        by_id = {file["id"]: file for file in fresh if "id" in file}
        return sum(leaves_query(by_id[change.file_id], change, query) for change in plan.changes)
