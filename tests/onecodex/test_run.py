"""How the One Codex operators walk their selection: a page of 100 at a time, each planned and written in turn.

Driven through a real :class:`OneCodexHook` against the ``responses`` fake of the operator tests, whose listing can
answer in keyset-cursor pages or in page mode, so the requests show whether a run skips samples that its own writes
move out of a ``where`` filter, plans any twice, or spends more requests than the budget allows.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any
from unittest.mock import MagicMock

import pytest
import responses

from genomics_provider.curation.outcome import Outcome
from genomics_provider.exceptions import GenomicsApiError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.onecodex.plan import TagRequest, plan_metadata, plan_sample
from genomics_provider.onecodex.rules import UNSET
from genomics_provider.onecodex.run import NOT_FOUND, MetadataRun, SampleRun
from tests.operators.onecodex_fake import BASE, KEY, FakeOneCodex

CONN = {"conn_type": "onecodex", "host": BASE, "password": KEY, "extra": {"rate_limit": 0}}
PRIVATE = {"visibility": "private"}


@pytest.fixture(autouse=True)
def onecodex_conn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", json.dumps(CONN))


@pytest.fixture
def rsps() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def fake(rsps: responses.RequestsMock) -> FakeOneCodex:
    return FakeOneCodex(rsps)


def share_run(*, dry_run: bool = False, verify: bool = True) -> SampleRun:
    planner = partial(plan_sample, visibility="shared", project_id=UNSET, tags=None, ids_by_name={}, names_by_id={})
    return SampleRun(OneCodexHook(), planner, {}, {}, MagicMock(), dry_run=dry_run, verify=verify)


def tag_run(fake: FakeOneCodex, name: str = "qc", mode: Any = "add") -> SampleRun:
    tag_id = next(tag_id for tag_id, tag in fake.tags.items() if tag["name"] == name)
    ids_by_name: dict[str, str | None] = {name: tag_id}
    names_by_id = {tag_id: name}
    planner = partial(plan_sample, visibility=None, project_id=UNSET, tags=TagRequest((name,), mode),
                      ids_by_name=ids_by_name, names_by_id=names_by_id)  # fmt: skip
    return SampleRun(OneCodexHook(), planner, ids_by_name, names_by_id, MagicMock(), dry_run=False, verify=True)


def metadata_run(**request: Any) -> MetadataRun:
    planner = partial(plan_metadata, fields=request.get("fields", {}), custom=request.get("custom"),
                      custom_mode="merge")  # fmt: skip
    return MetadataRun(OneCodexHook(), planner, MagicMock(), dry_run=False, verify=True)


def kinds(rsps: Any) -> list[str]:
    """Name every request: ``list`` (a where listing), ``ids`` (a ``$in`` read), ``metadata``, ``PATCH``."""
    return [kind(call.request) for call in rsps.calls]


def kind(request: Any) -> str:
    if request.method != "GET":
        return str(request.method)
    if "/metadata" in request.url:
        return "metadata"
    return "ids" if "$uri" in json.loads(request.params.get("where", "{}")) else "list"


def compress(names: list[str]) -> list[tuple[str, int]]:
    runs: list[tuple[str, int]] = []
    for name in names:
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1] + 1)
        else:
            runs.append((name, 1))
    return runs


def patched_ids(fake: FakeOneCodex) -> list[str]:
    return [path.rsplit("/", 1)[-1] for _, path, _ in fake.patches()]


def test_ids_are_read_100_at_a_time_and_each_chunk_is_written_before_the_next_is_read(
    fake: FakeOneCodex, rsps: Any
) -> None:
    ids = [fake.add_sample() for _ in range(250)]
    run = share_run()

    selected = run.run(ids, None)

    assert compress(kinds(rsps)) == [("ids", 1), ("PATCH", 100), ("ids", 1), ("PATCH", 100), ("ids", 1), ("PATCH", 50)]
    assert (selected, run.outcome.changed, patched_ids(fake)) == (ids, ids, ids)
    assert run.pages == 3


def test_ids_not_found_fail_and_the_rest_are_written(fake: FakeOneCodex) -> None:
    a = fake.add_sample()
    ghost = "0123456789abcdef"
    run = share_run()

    assert run.run([ghost, a], None) == [a]
    assert (run.outcome.changed, run.outcome.failed) == ([a], {ghost: NOT_FOUND})


@pytest.mark.parametrize("paging", ["cursor", "page"])
def test_where_whose_writes_move_samples_out_of_the_filter_skips_nothing_and_plans_nothing_twice(
    fake: FakeOneCodex, paging: str
) -> None:
    fake.paging = paging
    ids = [fake.add_sample() for _ in range(250)]
    fake.add_sample(visibility="shared")
    run = share_run()

    selected = run.run(None, PRIVATE)

    assert selected == ids
    assert patched_ids(fake) == ids  # each once, in listing order
    assert run.outcome.changed == ids
    assert all(fake.samples[sample_id]["visibility"] == "shared" for sample_id in ids)


def test_where_in_cursor_mode_writes_each_page_before_listing_the_next(fake: FakeOneCodex, rsps: Any) -> None:
    fake.paging = "cursor"
    for _ in range(250):
        fake.add_sample()

    share_run().run(None, PRIVATE)

    assert compress(kinds(rsps)) == [("list", 1), ("PATCH", 100), ("list", 1), ("PATCH", 100), ("list", 1),
                                     ("PATCH", 50)]  # fmt: skip
    cursors = [call.request.params.get("cursor") for call in rsps.calls if call.request.method == "GET"]
    assert cursors[0] is None
    assert all(cursors[1:])


def test_where_in_page_mode_lists_every_id_before_writing_then_reads_the_rest_by_id(
    fake: FakeOneCodex, rsps: Any
) -> None:
    fake.paging = "page"
    for _ in range(250):
        fake.add_sample()

    share_run().run(None, PRIVATE)

    assert compress(kinds(rsps)) == [("list", 3), ("PATCH", 100), ("ids", 1), ("PATCH", 100), ("ids", 1),
                                     ("PATCH", 50)]  # fmt: skip
    pages = [call.request.params.get("page") for call in rsps.calls if kind(call.request) == "list"]
    assert pages == [None, "2", "3"]


def test_tag_changes_stay_within_the_request_budget(fake: FakeOneCodex, rsps: Any) -> None:
    fake.add_tag("qc")
    ids = [fake.add_sample() for _ in range(250)]
    run = tag_run(fake)

    run.run(ids, None)

    reads = [call for call in rsps.calls if call.request.method == "GET"]
    patches = [call for call in rsps.calls if call.request.method == "PATCH"]
    # ⌈N/100⌉ plan reads + at most ⌈N/10⌉ fresh reads + ⌈N/100⌉ verifying reads; N PATCHes.
    assert len(reads) <= 3 + 25 + 3
    assert len(patches) == 250
    assert run.outcome.changed == ids
    assert all(fake.tag_names(sample_id) == ["qc"] for sample_id in ids)


def test_removing_the_filtered_tag_in_cursor_mode_skips_nothing(fake: FakeOneCodex) -> None:
    fake.paging = "cursor"
    raw = fake.add_tag("raw")
    ids = [fake.add_sample(tags=[raw]) for _ in range(230)]
    run = tag_run(fake, "raw", "remove")

    run.run(None, {"tags": {"$contains": raw}})

    assert sorted(patched_ids(fake)) == ids  # each once (a page's chunks start at a random one)
    assert run.outcome.changed == ids
    assert all(fake.tag_names(sample_id) == [] for sample_id in ids)


def spy_sizes(writer: Any, attribute: str) -> list[int]:
    """Record how many items the writer holds whenever it is called and after each call."""
    sizes: list[int] = []
    for method in ("write", "recheck"):
        original = getattr(writer, method)

        def spied(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            sizes.append(len(getattr(writer, attribute)))
            try:
                return _original(*args, **kwargs)
            finally:
                sizes.append(len(getattr(writer, attribute)))

        setattr(writer, method, spied)
    return sizes


def test_the_sample_writer_holds_at_most_one_page_over_a_multi_page_run(fake: FakeOneCodex) -> None:
    fake.add_tag("qc")
    ids = [fake.add_sample() for _ in range(350)]
    run = tag_run(fake)
    sizes = spy_sizes(run.writer, "samples")

    run.run(ids, None)

    assert run.outcome.changed == ids
    assert len(sizes) >= 2 * (4 + 4)  # four pages written, four re-reads
    assert max(sizes) == 100
    assert len(run.writer.samples) <= 100


def test_the_metadata_writer_holds_at_most_one_page_over_a_multi_page_run(fake: FakeOneCodex, rsps: Any) -> None:
    ids = [fake.add_sample(custom={"lane": "1"}) for _ in range(250)]
    run = metadata_run(custom={"qc": "pass"})
    sizes = spy_sizes(run.writer, "records")

    run.run(ids, None)

    assert run.outcome.changed == ids
    assert max(sizes) == 100
    assert len(run.writer.records) <= 100
    assert all(fake.metadata[m]["custom"] == {"lane": "1", "qc": "pass"} for m in run.writer.metadata_ids.values())


def test_metadata_pages_read_their_records_then_write_before_the_next_page(fake: FakeOneCodex, rsps: Any) -> None:
    ids = [fake.add_sample() for _ in range(150)]
    run = metadata_run(fields={"platform": "Illumina NovaSeq 6000"})

    assert run.run(ids, None) == ids

    assert compress(kinds(rsps)) == [("ids", 1), ("metadata", 1), ("PATCH", 100), ("ids", 1), ("metadata", 1),
                                     ("PATCH", 50)]  # fmt: skip
    assert run.outcome.changed == ids


def test_plan_tables_name_their_page_only_when_there_are_several(fake: FakeOneCodex) -> None:
    one, many = share_run(dry_run=True), share_run(dry_run=True)
    ids = [fake.add_sample() for _ in range(150)]

    one.run(ids[:1], None)
    many.run(ids, None)

    titles = lambda run: [call.args[1].splitlines()[0] for call in run.log.info.call_args_list]  # noqa: E731
    assert titles(one) == ["Plan for 1 One Codex samples"]
    assert titles(many) == ["Plan for 100 One Codex samples (page 1)", "Plan for 50 One Codex samples (page 2)"]
    assert (many.outcome.changed, fake.writes) == (ids, [])


def test_a_failed_page_read_still_verifies_what_the_pages_before_it_wrote(
    fake: FakeOneCodex, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [fake.add_sample() for _ in range(150)]
    run = share_run()
    reads = iter([True, False])
    original = run.hook.list_samples_by_id

    def read(sample_ids: list[str]) -> dict[str, dict[str, Any]]:
        if not next(reads):
            raise GenomicsApiError("boom", method="GET", path="/api/v1/samples")
        return original(sample_ids)

    monkeypatch.setattr(run.hook, "list_samples_by_id", read)

    with pytest.raises(GenomicsApiError, match="boom"):
        run.run(ids, None)
    assert run.outcome.changed == ids[:100]


def test_a_run_reports_into_the_outcome_it_is_given(fake: FakeOneCodex) -> None:
    a = fake.add_sample()
    outcome = Outcome()
    planner = partial(plan_sample, visibility="shared", project_id=UNSET, tags=None, ids_by_name={}, names_by_id={})
    run = SampleRun(OneCodexHook(), planner, {}, {}, MagicMock(), dry_run=False, verify=True, outcome=outcome)

    run.run([a], None)

    assert run.outcome is outcome
    assert outcome.changed == [a]
