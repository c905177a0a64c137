"""How a Seven Bridges files operator walks its selection: page by page, each planned and written before the next.

Driven by the in-memory hook of ``test_writers.py`` with a listing that filters by the files' current state, as the
platform does, so the offsets the run asks for show whether it skips files that its writes move out of the listing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from unittest.mock import MagicMock

import pytest

from genomics_provider.curation.rounds import MAX_CONSECUTIVE_FAILURES
from genomics_provider.exceptions import GenomicsApiError
from genomics_provider.sevenbridges.plan import FilePlan, plan_tags
from genomics_provider.sevenbridges.query import FileQuery
from genomics_provider.sevenbridges.run import FileRun
from genomics_provider.sevenbridges.types import FilePage, SbFile
from tests.sevenbridges.helpers import PROJECT, sb_file
from tests.sevenbridges.test_writers import FakeHook, add_qc

IDS = [f"5a{index:022x}" for index in range(1, 6)]
RAW = FileQuery(project=PROJECT, tags=("raw",))


class ListingHook(FakeHook):
    """Also lists files ``page_size`` at a time, filtered by their current state; ``ignore_offset`` breaks paging."""

    verify_delay = 0.0
    page_size = 2
    ignore_offset = False

    def __init__(self, *files: SbFile) -> None:
        super().__init__(*files)
        self.offsets: list[int] = []
        self.pauses: list[float] = []

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)

    def list_files_page(self, *, offset: int, query: FileQuery) -> FilePage:
        self.offsets.append(offset)
        start = 0 if self.ignore_offset else offset
        listed = [dict(file) for file in self.files.values() if query.mismatch(file) is None]  # type: ignore[arg-type]
        items = listed[start : start + self.page_size]
        return FilePage(items, start + self.page_size < len(listed), "/v2/files")  # type: ignore[arg-type]


def drop_raw(files: Iterable[SbFile], query: FileQuery | None) -> FilePlan:
    return plan_tags(files, ["raw"], "remove", query)


def file_run(hook: ListingHook, planner: Any = add_qc, *, dry_run: bool = False, verify: bool = False) -> FileRun:
    return FileRun(hook, planner, MagicMock(), title="Tag plan", dry_run=dry_run, verify=verify)  # type: ignore[arg-type]


def raw_files() -> ListingHook:
    return ListingHook(*(sb_file(file_id, tags=["raw"]) for file_id in IDS))


def test_changes_that_keep_files_listed_advance_the_offset_by_whole_pages() -> None:
    hook = raw_files()
    run = file_run(hook)

    run.by_query(RAW)
    run.finish()

    assert hook.offsets == [0, 2, 4]
    assert [len(items) for _, items, _ in hook.calls] == [2, 2, 1]
    assert (run.outcome.changed, run.pages, run.stop_note) == (IDS, 3, "")


def test_changes_that_move_files_out_of_the_listing_keep_reading_offset_0_and_skip_nothing() -> None:
    hook = raw_files()
    run = file_run(hook, drop_raw)

    run.by_query(RAW)
    run.finish()

    assert hook.offsets == [0, 0, 0]
    assert run.outcome.changed == IDS
    assert all(hook.files[file_id]["tags"] == [] for file_id in IDS)


def test_each_page_logs_its_plan_table_with_the_page_number() -> None:
    hook = raw_files()
    run = file_run(hook)

    run.by_query(RAW)

    titles = [call.args[1].splitlines()[0] for call in run.log.info.call_args_list]
    assert titles[:3] == [
        "Tag plan for 2 Seven Bridges files (page 1)",
        "Tag plan for 2 Seven Bridges files (page 2)",
        "Tag plan for 1 Seven Bridges files (page 3)",
    ]


def test_a_dry_run_writes_nothing_and_reports_every_change() -> None:
    hook = raw_files()
    run = file_run(hook, drop_raw, dry_run=True)

    run.by_query(RAW)

    assert hook.calls == []
    assert hook.offsets == [0, 2, 4]  # nothing written, so nothing moves
    assert run.outcome.changed == IDS


def test_a_server_that_ignores_offset_fails_the_run_instead_of_looping() -> None:
    hook = raw_files()
    hook.ignore_offset = True
    run = file_run(hook)

    with pytest.raises(GenomicsApiError) as caught:
        run.by_query(RAW)

    assert str(caught.value) == (
        "GET /v2/files failed: page 2 lists only files already listed (2 files) at offset 2: the server seems to "
        "ignore offset; stopping instead of looping"
    )
    assert run.pages == 1


def test_by_ids_reads_100_per_bulk_get_and_fails_the_files_it_cannot_read() -> None:
    ids = [f"5b{index:022x}" for index in range(150)]
    hook = ListingHook(*(sb_file(file_id) for file_id in ids[1:]))
    run = file_run(hook)

    run.by_ids(ids)
    run.finish()

    assert [len(batch) for batch in hook.gets] == [100, 50]
    assert run.outcome.failed == {ids[0]: "HTTP 404, code 5002: not found"}
    assert run.outcome.changed == ids[1:]
    assert [len(items) for _, items, _ in hook.calls] == [99, 50]


def test_a_verified_run_re_reads_what_it_wrote_once_every_page_is_written() -> None:
    hook = raw_files()
    run = file_run(hook, verify=True)

    run.by_query(RAW)
    gets_while_writing = len(hook.gets)
    run.finish()

    assert gets_while_writing == 0
    assert hook.gets[0] == IDS
    assert run.outcome.changed == IDS


def test_a_run_whose_writes_keep_failing_stops_reading_with_a_note() -> None:
    hook = raw_files()
    run = file_run(hook)
    run.streak.count = MAX_CONSECUTIVE_FAILURES

    run.by_query(RAW)

    assert hook.offsets == []
    assert run.stop_note == (
        f"The run stopped after 0 page(s): the service failed {MAX_CONSECUTIVE_FAILURES} writes in a row, so the rest "
        "of the selection was not read; a retry writes only what still differs"
    )
