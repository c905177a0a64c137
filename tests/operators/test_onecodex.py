"""One Codex operators: exact requests, convergence (a second run writes nothing), failures, dry run, templating."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import MagicMock

import pendulum
import pytest
import responses
from airflow.sdk import DAG

from genomics_provider._compat import AirflowException
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.operators.onecodex import (
    TagSamplesOperator,
    UpdateSampleMetadataOperator,
    UpdateSampleOperator,
    UpdateSampleVisibilityOperator,
)
from tests.operators.onecodex_fake import BASE, KEY, FakeOneCodex

CONN = {"conn_type": "onecodex", "host": BASE, "password": KEY}


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


def run(operator: Any) -> tuple[dict[str, Any], MagicMock]:
    ti = MagicMock()
    return operator.execute(context={"ti": ti}), ti


def test_visibility_patches_only_samples_that_differ_and_second_run_writes_nothing(fake: FakeOneCodex) -> None:
    a, b, c = fake.add_sample(), fake.add_sample(), fake.add_sample(visibility="shared")
    op = UpdateSampleVisibilityOperator(task_id="vis", sample_ids=[a, b, c], visibility="shared")

    result, _ = run(op)

    assert result == {"changed": [a, b], "unchanged": [c], "skipped": {}, "failed": {}, "dry_run": False}
    assert fake.writes == [
        ("PATCH", f"/api/v1/samples/{a}", {"visibility": "shared"}),
        ("PATCH", f"/api/v1/samples/{b}", {"visibility": "shared"}),
    ]
    fake.writes.clear()
    again, _ = run(UpdateSampleVisibilityOperator(task_id="vis", sample_ids=[a, b, c], visibility="shared"))
    assert fake.writes == []
    assert again == {"changed": [], "unchanged": [a, b, c], "skipped": {}, "failed": {}, "dry_run": False}


def test_requests_carry_the_api_key_header_and_json_content_type(fake: FakeOneCodex, rsps: Any) -> None:
    a = fake.add_sample()
    run(UpdateSampleVisibilityOperator(task_id="vis", sample_ids=[a], visibility="public"))

    assert [call.request.method for call in rsps.calls] == ["GET", "PATCH"]
    assert all(call.request.headers["X-API-Key"] == KEY for call in rsps.calls)
    patch = rsps.calls[1].request
    assert patch.url == f"{BASE}/api/v1/samples/{a}"
    assert patch.headers["Content-Type"] == "application/json"
    assert json.loads(patch.body) == {"visibility": "public"}
    listing = rsps.calls[0].request
    assert json.loads(listing.params["where"]) == {"$uri": {"$in": [a]}}


def test_adding_tags_creates_missing_tag_with_first_sample_then_references_it(fake: FakeOneCodex) -> None:
    old, qc = fake.add_tag("old"), fake.add_tag("qc-pass")
    a, b = fake.add_sample(tags=[old]), fake.add_sample()

    result, _ = run(TagSamplesOperator(task_id="tag", sample_ids=[a, b], tags=["qc-pass", "run-42"]))

    run42 = next(tag_id for tag_id, tag in fake.tags.items() if tag["name"] == "run-42")
    ref = lambda tag_id: {"$ref": f"/api/v1/tags/{tag_id}"}  # noqa: E731
    assert fake.writes == [
        ("POST", "/api/v1/tags", {"name": "run-42", "sample": {"$ref": f"/api/v1/samples/{a}"}}),
        ("PATCH", f"/api/v1/samples/{a}", {"tags": [ref(old), ref(qc), ref(run42)]}),
        ("PATCH", f"/api/v1/samples/{b}", {"tags": [ref(qc), ref(run42)]}),
    ]
    assert fake.tag_names(a) == ["old", "qc-pass", "run-42"]
    assert fake.tag_names(b) == ["qc-pass", "run-42"]
    assert result["changed"] == [a, b]
    fake.writes.clear()
    run(TagSamplesOperator(task_id="tag", sample_ids=[a, b], tags=["qc-pass", "run-42"]))
    assert fake.writes == []


def test_a_tag_post_that_already_attached_everything_needs_no_patch(fake: FakeOneCodex) -> None:
    a = fake.add_sample()

    result, _ = run(TagSamplesOperator(task_id="tag", sample_ids=[a], tags=["brand-new"]))

    assert [w[0] for w in fake.writes] == ["POST"]
    assert fake.tag_names(a) == ["brand-new"]
    assert result["changed"] == [a]


def test_remove_mode_drops_only_named_tags_and_ignores_unknown_names(fake: FakeOneCodex) -> None:
    keep, drop = fake.add_tag("keep"), fake.add_tag("drop")
    a, b = fake.add_sample(tags=[keep, drop]), fake.add_sample(tags=[keep])

    result, _ = run(TagSamplesOperator(task_id="t", sample_ids=[a, b], tags=["drop", "never-existed"], mode="remove"))

    assert fake.writes == [("PATCH", f"/api/v1/samples/{a}", {"tags": [{"$ref": f"/api/v1/tags/{keep}"}]})]
    assert result == {"changed": [a], "unchanged": [b], "skipped": {}, "failed": {}, "dry_run": False}


def test_replace_mode_sets_exact_list_and_treats_reordering_as_unchanged(fake: FakeOneCodex) -> None:
    x, y, z = fake.add_tag("x"), fake.add_tag("y"), fake.add_tag("z")
    a, b = fake.add_sample(tags=[x, z]), fake.add_sample(tags=[y, x])

    result, _ = run(TagSamplesOperator(task_id="t", sample_ids=[a, b], tags=["x", "y"], mode="replace"))

    refs = [{"$ref": f"/api/v1/tags/{x}"}, {"$ref": f"/api/v1/tags/{y}"}]
    assert fake.writes == [("PATCH", f"/api/v1/samples/{a}", {"tags": refs})]
    assert result["unchanged"] == [b]


def test_missing_tags_with_create_missing_false_fail_before_any_write(fake: FakeOneCodex) -> None:
    a = fake.add_sample()
    with pytest.raises(
        InvalidInputError, match=r"tags: 'nope' does not exist on One Codex and create_missing is False"
    ):
        run(TagSamplesOperator(task_id="t", sample_ids=[a], tags=["nope"], create_missing=False))
    assert fake.writes == []


def test_project_is_resolved_by_short_name_and_only_differing_samples_move(fake: FakeOneCodex, rsps: Any) -> None:
    project = fake.add_project("Run 42 samples", "run42")
    a, b = fake.add_sample(), fake.add_sample(project=project)

    result, _ = run(UpdateSampleOperator(task_id="p", sample_ids=[a, b], project="run42"))

    assert fake.writes == [("PATCH", f"/api/v1/samples/{a}", {"project": {"$ref": f"/api/v1/projects/{project}"}})]
    assert result["unchanged"] == [b]
    lookups = [json.loads(c.request.params["where"]) for c in rsps.calls if "/projects" in c.request.url]
    assert lookups == [{"name": "run42"}, {"project_name": "run42"}]


def test_project_none_removes_samples_from_their_project(fake: FakeOneCodex) -> None:
    project = fake.add_project("P", "proj")
    a, b = fake.add_sample(project=project), fake.add_sample()

    run(UpdateSampleOperator(task_id="p", sample_ids=[a, b], project=None))

    assert fake.writes == [("PATCH", f"/api/v1/samples/{a}", {"project": None})]


def test_leaving_project_out_never_sends_a_project_key(fake: FakeOneCodex) -> None:
    project = fake.add_project("P", "proj")
    a = fake.add_sample(project=project)

    run(UpdateSampleOperator(task_id="p", sample_ids=[a], visibility="shared"))

    assert fake.writes == [("PATCH", f"/api/v1/samples/{a}", {"visibility": "shared"})]


def test_project_without_add_permission_fails_before_any_write(fake: FakeOneCodex) -> None:
    project = fake.add_project("Locked", "locked", permissions=["can_see_files"])
    a = fake.add_sample()
    with pytest.raises(InvalidInputError, match=r"project: .*lacks the can_add_files permission"):
        run(UpdateSampleOperator(task_id="p", sample_ids=[a], project=project))
    assert fake.writes == []


def test_one_failing_sample_does_not_stop_the_others_and_the_task_names_it(fake: FakeOneCodex) -> None:
    a, b, c = fake.add_sample(), fake.add_sample(), fake.add_sample()
    fake.fail_patch[b] = (403, {"message": "You don't have the permission to access the requested resource.",
                                "status": 403})  # fmt: skip
    ghost = "0123456789abcdef"

    with pytest.raises(AirflowException) as excinfo:
        run(UpdateSampleVisibilityOperator(task_id="v", sample_ids=[a, b, c, ghost], visibility="public"))

    text = str(excinfo.value)
    assert text.startswith("2 of 4 samples failed (2 changed, 0 already as asked): ")
    assert f"{b}: not written: PATCH /api/v1/samples/{b} failed, HTTP 403" in text
    assert f"{ghost}: not found, or not visible to this API key" in text
    assert fake.samples[a]["visibility"] == fake.samples[c]["visibility"] == "public"
    assert fake.samples[b]["visibility"] == "private"


def test_failure_summary_is_pushed_to_xcom_before_failing(fake: FakeOneCodex) -> None:
    a = fake.add_sample()
    fake.fail_patch[a] = (500, {"message": "boom", "status": 500})
    ti = MagicMock()
    with pytest.raises(AirflowException):
        UpdateSampleVisibilityOperator(task_id="v", sample_ids=[a], visibility="public").execute({"ti": ti})
    summary = next(c.kwargs["value"] for c in ti.xcom_push.call_args_list if c.kwargs["key"] == "summary")
    assert summary["changed"] == []
    assert list(summary["failed"]) == [a]


def test_dry_run_logs_a_before_after_table_and_writes_nothing(fake: FakeOneCodex, capsys: Any) -> None:
    a = fake.add_sample()

    result, _ = run(UpdateSampleOperator(task_id="d", sample_ids=[a], visibility="public", tags=["new"], dry_run=True))

    assert fake.writes == []
    assert result == {"changed": [a], "unchanged": [], "skipped": {}, "failed": {}, "dry_run": True}
    log = capsys.readouterr().out  # Airflow 3 task loggers write through structlog to stdout
    assert f"{a}  visibility  private  → public" in log
    assert f"{a}  tags        (none)   → new (new)" in log


def test_where_selects_samples_by_query(fake: FakeOneCodex, rsps: Any) -> None:
    project = fake.add_project("P", "proj")
    a, _b = fake.add_sample(project=project), fake.add_sample()

    result, _ = run(UpdateSampleVisibilityOperator(task_id="w", where={"project": project}, visibility="shared"))

    assert result["changed"] == [a]
    assert json.loads(rsps.calls[0].request.params["where"]) == {"project": project}


def test_link_to_the_web_app_is_pushed(fake: FakeOneCodex) -> None:
    a = fake.add_sample()
    _, ti = run(UpdateSampleVisibilityOperator(task_id="v", sample_ids=[a], visibility="public"))
    ti.xcom_push.assert_any_call(key="onecodex_samples_url", value=f"{BASE}/samples/{a}")


# -- metadata ---------------------------------------------------------------------------------------------------


def test_metadata_patch_carries_only_changed_fields_and_the_whole_custom_dict(fake: FakeOneCodex) -> None:
    a = fake.add_sample(name="s1", platform="Illumina MiSeq", custom={"lab": "A", "run": 7})
    metadata_id = fake.samples[a]["metadata"]["$ref"].rsplit("/", 1)[-1]
    op = UpdateSampleMetadataOperator(
        task_id="m",
        sample_ids=[a],
        fields={"name": "s1", "platform": "Illumina NovaSeq 6000", "date_collected": "2024-03-01"},
        custom={"run": 8, "qc": "pass"},
    )

    result, _ = run(op)

    assert fake.writes == [
        (
            "PATCH",
            f"/api/v1/metadata/{metadata_id}",
            {
                "platform": "Illumina NovaSeq 6000",
                "date_collected": "2024-03-01T00:00:00Z",
                "custom": {"lab": "A", "run": 8, "qc": "pass"},
            },
        )
    ]
    assert result["changed"] == [a]
    fake.writes.clear()
    fake.metadata[metadata_id]["date_collected"] = "2024-03-01T00:00:00+00:00"  # the server's own rendering
    run(op)
    assert fake.writes == []


def test_custom_replace_mode_drops_other_keys(fake: FakeOneCodex) -> None:
    a = fake.add_sample(custom={"lab": "A", "old": True})
    run(UpdateSampleMetadataOperator(task_id="m", sample_ids=[a], custom={"lab": "A"}, custom_mode="replace"))
    assert fake.writes[0][2] == {"custom": {"lab": "A"}}


# -- bad input --------------------------------------------------------------------------------------------------

GOOD = "0123456789abcdef"
BAD_INPUT = [
    pytest.param(UpdateSampleVisibilityOperator, {"sample_ids": [GOOD], "visibility": "secret"},
                 r"visibility: 'secret' is not allowed; use one of 'private', 'shared', 'public'", id="bad visibility"),
    pytest.param(UpdateSampleVisibilityOperator, {"sample_ids": ["ABC"], "visibility": "public"},
                 r"sample_ids: 'ABC' is not a valid id; each id must be 16 lowercase hex", id="malformed id"),
    pytest.param(UpdateSampleVisibilityOperator, {"sample_ids": [], "visibility": "public"},
                 r"sample_ids: the selection is empty", id="empty selection"),
    pytest.param(UpdateSampleVisibilityOperator, {"sample_ids": [GOOD, GOOD], "visibility": "public"},
                 r"sample_ids: 0123456789abcdef appears more than once", id="duplicate ids"),
    pytest.param(TagSamplesOperator, {"sample_ids": [GOOD], "tags": ["x" * 31]},
                 r"tags: 'x{31}' is 31 characters long; each tag must be at most 30 characters \(the One Codex",
                 id="tag too long"),
    pytest.param(TagSamplesOperator, {"sample_ids": [GOOD], "tags": [""]},
                 r"tags: '' is not allowed; each tag must be a non-empty string", id="empty tag"),
    pytest.param(TagSamplesOperator, {"sample_ids": [GOOD], "tags": []},
                 r"^tags: the list is empty; mode='add' needs at least one tag", id="empty tag list to add"),
    pytest.param(UpdateSampleOperator, {"sample_ids": [GOOD], "tags": [], "tag_mode": "remove"},
                 r"^tags: the list is empty; tag_mode='remove' needs at least one tag \(tag_mode='replace'",
                 id="empty tag list to remove"),
    pytest.param(TagSamplesOperator, {"sample_ids": [GOOD], "tags": ["a"], "mode": "merge"},
                 r"^mode: 'merge' is not allowed; use one of 'add', 'remove', 'replace'", id="unknown mode"),
    pytest.param(UpdateSampleOperator, {"sample_ids": [GOOD], "tags": ["a"], "tag_mode": "merge"},
                 r"^tag_mode: 'merge' is not allowed", id="unknown tag_mode"),
    pytest.param(TagSamplesOperator, {"sample_ids": [GOOD], "tags": ["a"], "verify_writes": "sometimes"},
                 r"verify_writes: 'sometimes' is not a boolean", id="verify_writes not a boolean"),
    pytest.param(UpdateSampleVisibilityOperator, {"sample_ids": [GOOD], "where": {}, "visibility": "public"},
                 r"give either sample_ids or where, not both", id="both selections"),
    pytest.param(UpdateSampleVisibilityOperator, {"visibility": "public"},
                 r"give sample_ids \(a list of ids\) or where", id="neither selection"),
    pytest.param(UpdateSampleMetadataOperator, {"sample_ids": [GOOD], "fields": {"updated_at": "x"}},
                 r"fields: 'updated_at' is read-only", id="read-only metadata field"),
    pytest.param(UpdateSampleMetadataOperator, {"sample_ids": [GOOD], "fields": {"location_lat": "north"}},
                 r"fields: 'location_lat' = 'north' is not a number", id="metadata wrong type"),
    pytest.param(UpdateSampleMetadataOperator, {"sample_ids": [GOOD], "fields": {"platform": "Nanopore"}},
                 r"fields: 'platform' = 'Nanopore' is not one of", id="metadata bad enum"),
    pytest.param(UpdateSampleMetadataOperator, {"sample_ids": [GOOD], "custom": {"nested": {"a": 1}}},
                 r"custom: value of 'nested' is dict; values must be strings, numbers, booleans or null",
                 id="nested custom"),
    pytest.param(UpdateSampleOperator, {"sample_ids": [GOOD]},
                 r"nothing to do: give at least one of visibility, project or tags", id="nothing to do"),
]  # fmt: skip


@pytest.mark.parametrize(("operator", "kwargs", "message"), BAD_INPUT)
def test_bad_input_is_refused_at_construction_naming_argument_and_rule(
    operator: Any, kwargs: dict[str, Any], message: str, rsps: Any
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        operator(task_id="bad", **kwargs)
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(
    ("rendered", "message"),
    [
        pytest.param('{"a": 1}', r"sample_ids: expected a list of ids or a JSON list", id="JSON object string"),
        pytest.param("[1, 2]", r"sample_ids: 1, 2 is not a valid id", id="JSON list of numbers"),
        pytest.param("[oops", r"sample_ids: '\[oops' looks like JSON but does not parse", id="broken JSON"),
    ],
)
def test_templated_ids_that_render_badly_fail_before_any_request(rendered: str, message: str, rsps: Any) -> None:
    with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
        op = UpdateSampleVisibilityOperator(task_id="v", sample_ids="{{ params.ids }}", visibility="public")
    op.render_template_fields(context={"params": {"ids": rendered}})  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=message):
        run(op)
    assert len(rsps.calls) == 0


def test_templated_fields_render_json_ids_and_string_dry_run(fake: FakeOneCodex) -> None:
    a, b = fake.add_sample(), fake.add_sample()
    with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
        op = UpdateSampleOperator(
            task_id="u",
            sample_ids="{{ params.ids }}",
            visibility="{{ params.visibility }}",
            dry_run="{{ params.dry_run }}",
        )
    op.render_template_fields(context={"params": {"ids": json.dumps([a, b]), "visibility": "shared", "dry_run": True}})  # type: ignore[arg-type]

    result, _ = run(op)

    assert result == {"changed": [a, b], "unchanged": [], "skipped": {}, "failed": {}, "dry_run": True}
    assert fake.writes == []


def test_a_single_id_string_works_for_mapped_instances(fake: FakeOneCodex) -> None:
    a = fake.add_sample()
    result, _ = run(UpdateSampleVisibilityOperator(task_id="v", sample_ids=a, visibility="shared"))
    assert result["changed"] == [a]


def test_operators_expand_over_sample_ids() -> None:
    with DAG("mapped", schedule=None, start_date=pendulum.datetime(2025, 1, 1)) as dag:
        mapped = UpdateSampleVisibilityOperator.partial(task_id="vis", visibility="shared").expand(
            sample_ids=[[GOOD], ["fedcba9876543210"]]
        )
    assert dag.task_dict["vis"] is mapped
    assert mapped.partial_kwargs["visibility"] == "shared"
    assert mapped.expand_input.value == {"sample_ids": [[GOOD], ["fedcba9876543210"]]}
