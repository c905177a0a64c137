"""How a One Codex sheet is applied: filenames resolved with ``$in`` 100 at a time, then written page by page.

Driven through a real :class:`OneCodexHook` against the ``responses`` fake of the operator tests, so the requests
show what is looked up, how often, and what is written.
"""

from __future__ import annotations

import io
import json
from contextlib import nullcontext
from typing import Any
from unittest.mock import MagicMock

import pytest
import responses

from genomics_provider._compat import AirflowException
from genomics_provider.curation.sheet import iter_rows, rows_from_records
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.onecodex.run import NOT_FOUND
from genomics_provider.onecodex.sheet_run import MAX_WHERE_CHARS, SheetOptions, SheetRun, desired_custom, find_filenames
from genomics_provider.operators.onecodex import UpdateSamplesFromSheetOperator
from tests.operators.onecodex_fake import BASE, KEY, FakeOneCodex

CONN = {"conn_type": "onecodex", "host": BASE, "password": KEY, "extra": {"rate_limit": 0}}


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


def sample(fake: FakeOneCodex, filename: str, **kwargs: Any) -> str:
    sample_id = fake.add_sample(**kwargs)
    fake.samples[sample_id]["filename"] = filename
    return sample_id


def options(**overrides: Any) -> SheetOptions:
    arguments = {"separator": ";", "tag_mode": "add", "custom_mode": "merge", "create_missing": True,
                 "ignore_columns": (), "project": None, **overrides}  # fmt: skip
    return SheetOptions(**arguments)


def apply(rows: list[dict[str, Any]] | str, *, dry_run: bool = False, **overrides: Any) -> SheetRun:
    def open_rows() -> Any:
        if isinstance(rows, str):
            return nullcontext(iter_rows(io.StringIO(rows), "csv"))
        return nullcontext(rows_from_records(rows))

    run = SheetRun(OneCodexHook(), MagicMock(), options(**overrides), dry_run=dry_run, verify=True)
    run.run(open_rows, "sheet")
    return run


def kind(request: Any) -> str:
    """Name a request: ``filename`` (a name look-up), ``ids`` (a ``$in`` read), ``metadata``, ``tags``, or the verb."""
    if request.method != "GET":
        return f"{request.method} {request.url.split('/api/v1/', 1)[1].split('/', 1)[0]}"
    for name in ("metadata", "tags", "projects"):
        if f"/{name}" in request.url:
            return name
    return "ids" if "$uri" in json.loads(request.params.get("where", "{}")) else "filename"


def kinds(rsps: Any) -> list[str]:
    return [kind(call.request) for call in rsps.calls]


def compress(names: list[str]) -> list[tuple[str, int]]:
    runs: list[tuple[str, int]] = []
    for name in names:
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1] + 1)
        else:
            runs.append((name, 1))
    return runs


def test_a_filename_matching_one_sample_is_written_and_one_matching_none_or_two_fails_its_row(
    fake: FakeOneCodex,
) -> None:
    one = sample(fake, "S1_R1.fastq.gz")
    twins = [sample(fake, "x.fq"), sample(fake, "x.fq")]

    run = apply("filename,visibility\nS1_R1.fastq.gz,shared\nS12_R1.fastq.gz,shared\nx.fq,shared\n")

    outcome = run.outcome()
    assert (outcome.changed, outcome.unchanged) == ([one], [])
    assert outcome.failed == {
        "row 3": "no sample has filename 'S12_R1.fastq.gz'",
        "row 4": f"2 samples have filename 'x.fq' ({twins[0]}, {twins[1]}); give their ids instead",
    }
    assert [path for _, path, _ in fake.patches()] == [f"/api/v1/samples/{one}"]
    assert all(fake.samples[twin]["visibility"] == "private" for twin in twins)


def test_filenames_are_resolved_100_per_call_and_the_listing_is_the_page_planned_from(
    fake: FakeOneCodex, rsps: Any
) -> None:
    names = [f"S{index:03d}.fq" for index in range(250)]
    ids = [sample(fake, name) for name in names]

    run = apply([{"filename": name, "visibility": "shared"} for name in names])

    assert compress(kinds(rsps)) == [("filename", 1), ("PATCH samples", 100), ("filename", 1),
                                     ("PATCH samples", 100), ("filename", 1), ("PATCH samples", 50)]  # fmt: skip
    assert run.lookups == 3
    assert run.outcome().changed == ids
    assert run.samples.pages == 3
    assert run.sample_requests == {}  # scalar changes are confirmed by their answers: nothing is kept


def test_long_filenames_take_more_calls_so_the_where_stays_short(fake: FakeOneCodex, rsps: Any) -> None:
    names = [f"{index:03d}-{'n' * 60}.fq" for index in range(100)]
    for name in names:
        sample(fake, name)

    found, calls = find_filenames(OneCodexHook(), names, None)

    wheres = [json.loads(call.request.params["where"]) for call in rsps.calls]
    assert calls == len(wheres) == 2
    assert all(len(json.dumps(where["filename"]["$in"])) <= MAX_WHERE_CHARS for where in wheres)
    assert sum(len(where["filename"]["$in"]) for where in wheres) == 100
    assert all(len(matches) == 1 for matches in found.values())


def test_a_project_restricts_filename_matching(fake: FakeOneCodex, rsps: Any) -> None:
    soil = fake.add_project("Soil 2024", "soil_2024")
    inside = sample(fake, "x.fq", project=soil)
    sample(fake, "x.fq")

    run = apply("filename,visibility\nx.fq,public\n", project="Soil 2024")

    assert run.outcome().changed == [inside]
    where = [json.loads(c.request.params["where"]) for c in rsps.calls if kind(c.request) == "filename"]
    assert where == [{"filename": {"$in": ["x.fq"]}, "project": soil}]
    missing = apply("filename,visibility\nnone.fq,public\n", project="Soil 2024").outcome()
    assert missing.failed == {"row 2": "no sample has filename 'none.fq' in the project given"}


def test_ids_not_found_fail_under_the_id_and_a_sample_named_twice_fails_the_later_row(fake: FakeOneCodex) -> None:
    one = sample(fake, "a.fq")
    ghost = "0123456789abcdef"

    run = apply(f"id,filename,visibility\n{one},,shared\n{ghost},,shared\n,a.fq,public\n")

    outcome = run.outcome()
    assert outcome.changed == [one]
    assert outcome.failed == {
        ghost: f"row 3: {NOT_FOUND}",
        "row 4": f"sample {one} is already given in row 2; each sample may appear once",
    }
    assert fake.samples[one]["visibility"] == "shared"


def test_each_tag_is_looked_up_once_and_a_missing_one_is_created_with_its_first_sample(
    fake: FakeOneCodex, rsps: Any
) -> None:
    fake.add_tag("qc")
    ids = [sample(fake, f"{index}.fq") for index in range(3)]

    run = apply([{"filename": f"{index}.fq", "tags": "qc;new"} for index in range(3)])

    assert kinds(rsps).count("tags") == 2
    assert kinds(rsps).count("POST tags") == 1
    assert all(fake.tag_names(sample_id) == ["qc", "new"] for sample_id in ids)
    assert run.outcome().changed == ids


def test_a_missing_tag_without_create_missing_is_refused_naming_its_row_and_nothing_is_written(
    fake: FakeOneCodex,
) -> None:
    sample(fake, "a.fq")

    with pytest.raises(InvalidInputError) as error:
        apply("filename,tags\na.fq,\nb.fq,new\n", create_missing=False)

    assert str(error.value) == (
        "sheet: 1 problem, nothing was written: row 3, column tags: tag 'new' does not exist and create_missing is "
        "False"
    )
    assert fake.writes == []


def test_projects_are_resolved_once_each_and_one_the_key_may_not_add_to_is_refused(
    fake: FakeOneCodex, rsps: Any
) -> None:
    soil = fake.add_project("Soil 2024", "soil_2024")
    fake.add_project("Locked", "locked", permissions=["can_see_files"])
    a, b = sample(fake, "a.fq"), sample(fake, "b.fq", project=soil)

    run = apply("filename,project\na.fq,soil_2024\nb.fq,<delete>\n")

    assert fake.samples[a]["project"] == {"$ref": f"/api/v1/projects/{soil}"}
    assert fake.samples[b]["project"] is None
    assert run.outcome().changed == [a, b]
    assert kinds(rsps).count("projects") == 2  # by name (no match), then by short name
    with pytest.raises(InvalidInputError, match="row 2, column project: this API key may not add samples to project"):
        apply("filename,project\na.fq,Locked\n")
    assert len(fake.patches()) == 2


def test_metadata_fields_and_custom_keys_are_merged_and_delete_removes_a_key(fake: FakeOneCodex) -> None:
    a = sample(fake, "a.fq", custom={"site": "A", "depth_cm": 10}, name="old")

    run = apply("filename,metadata.name,metadata.location_lat,custom.site,custom.depth_cm,custom.run\n"
                "a.fq,Soil A1,52.5,<delete>,,run-42\n")  # fmt: skip

    record = fake.metadata[str(fake.samples[a]["metadata"]["$ref"]).rsplit("/", 1)[1]]
    assert (record["name"], record["location_lat"]) == ("Soil A1", 52.5)
    assert record["custom"] == {"depth_cm": 10, "run": "run-42"}
    assert run.outcome().changed == [a]
    assert run.metadata_requests == {}  # verified, then dropped with the run's end


def test_custom_replace_makes_the_row_s_keys_the_whole_dict() -> None:
    assert desired_custom({"a": 1, "b": 2}, {"b": 3, "c": None}, "merge") == {"a": 1, "b": 3}
    assert desired_custom({"a": 1, "b": 2}, {"b": 3, "c": None}, "replace") == {"b": 3}
    assert desired_custom(None, {"c": None}, "replace") == {}


def test_a_sample_and_its_metadata_count_once_and_either_failing_fails_it_naming_the_row(fake: FakeOneCodex) -> None:
    a, b = sample(fake, "a.fq"), sample(fake, "b.fq")
    fake.fail_patch[b] = (403, {"message": "You don't have the permission", "status": 403})

    outcome = apply("filename,visibility,metadata.name\na.fq,shared,A\nb.fq,shared,B\n").outcome()

    assert outcome.changed == [a]
    assert list(outcome.failed) == [b]
    assert outcome.failed[b].startswith("row 3: ")


def test_a_dry_run_writes_nothing_and_a_second_run_writes_nothing(fake: FakeOneCodex) -> None:
    fake.add_tag("qc")
    ids = [sample(fake, f"{index}.fq") for index in range(3)]
    sheet = "filename,tags,visibility,custom.k\n0.fq,qc,shared,v\n1.fq,,public,\n2.fq,,,\n"

    dry = apply(sheet, dry_run=True).outcome()

    assert fake.writes == []
    assert (dry.changed, dry.unchanged) == (ids[:2], ids[2:])
    assert apply(sheet).outcome().changed == ids[:2]
    written = len(fake.writes)
    again = apply(sheet).outcome()
    assert len(fake.writes) == written
    assert (again.changed, again.unchanged, again.failed) == ([], ids, {})


def test_the_operator_runs_a_sheet_given_as_rows_and_fails_naming_each_row(fake: FakeOneCodex) -> None:
    a = sample(fake, "a.fq")
    operator = UpdateSamplesFromSheetOperator(
        task_id="sheet", sheet=[{"filename": "a.fq", "visibility": "shared"}, {"filename": "gone.fq", "tags": "x"}]
    )

    with pytest.raises(AirflowException, match=r"row 2: no sample has filename 'gone\.fq'"):
        operator.execute({"ti": MagicMock()})

    assert fake.samples[a]["visibility"] == "shared"


def test_literal_arguments_are_checked_when_the_dag_is_parsed_and_templates_when_the_task_runs() -> None:
    with pytest.raises(InvalidInputError, match="tag_mode"):
        UpdateSamplesFromSheetOperator(task_id="sheet", sheet="run.csv", tag_mode="merge")
    with pytest.raises(InvalidInputError, match="format"):
        UpdateSamplesFromSheetOperator(task_id="sheet", sheet="run.txt")
    operator = UpdateSamplesFromSheetOperator(task_id="sheet", sheet="{{ params.sheet }}", tag_mode="merge")
    assert "tag_mode" in operator.template_fields


def test_a_sheet_that_names_a_new_tag_between_the_check_and_the_writes_stops_the_run(fake: FakeOneCodex) -> None:
    sample(fake, "a.fq")
    texts = iter(["filename,tags\na.fq,\n", "filename,tags\na.fq,sneaked-in\n"])

    def open_rows() -> Any:
        return nullcontext(iter_rows(io.StringIO(next(texts)), "csv"))

    run = SheetRun(OneCodexHook(), MagicMock(), options(create_missing=False), dry_run=False, verify=True)
    with pytest.raises(InvalidInputError, match=r"^sheet \(changed since it was checked\): row 2 names a tag"):
        run.run(open_rows, "sheet")
    assert fake.writes == []


def test_a_page_of_tag_and_custom_changes_costs_one_look_up_one_record_read_and_one_re_read_of_each(
    fake: FakeOneCodex, rsps: Any
) -> None:
    fake.add_tag("qc")
    ids = [sample(fake, f"{index}.fq") for index in range(5)]

    run = apply([{"filename": f"{index}.fq", "tags": "qc", "custom.run": "r1"} for index in range(5)])

    assert compress(kinds(rsps)) == [("tags", 1), ("filename", 1), ("PATCH samples", 5), ("metadata", 1),
                                     ("PATCH metadata", 5), ("ids", 1), ("metadata", 1)]  # fmt: skip
    assert run.outcome().changed == ids
