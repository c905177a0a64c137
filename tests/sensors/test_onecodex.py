"""OneCodexSampleSensor: one list call per poke, fail-fast naming failed samples, XCom ids, deferral, event mapping."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from unittest.mock import MagicMock
from urllib.parse import parse_qsl, urlsplit

import pendulum
import pytest
import responses
from airflow.sdk import DAG

from genomics_provider._compat import (
    AirflowException,
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    TaskDeferred,
)
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.sensors.onecodex import OneCodexSampleSensor
from genomics_provider.triggers.onecodex import OneCodexSampleTrigger
from tests.triggers.conftest import first_event, logged

BASE = "https://app.onecodex.com"
SAMPLES_URL = f"{BASE}/api/v1/samples"
KEY = "oc-sensor-key-3b9d1f7a5c2e4086"
AVAILABLE = "7428cca4a3a04a8e"
IMPORTING = "5e1b7c4d9f6a2ba3"
FAILED = "6f2c8d5e0a7b3cb4"
DELETED = "1d5a9c3e7b2f4a60"
MISSING = "8b4e0f7a2c9d5ed6"
TRIGGER_PATH = "genomics_provider.triggers.onecodex.OneCodexSampleTrigger"
START = pendulum.datetime(2025, 1, 1)


def sample(sample_id: str, status: str, error_msg: str | None = None) -> dict[str, Any]:
    """Build a sample as the list route returns it.

    :param sample_id: Id.
    :param status: Status.
    :param error_msg: Optional error message.
    :return: The sample.
    """
    return {"$uri": f"/api/v1/samples/{sample_id}", "status": status, "error_msg": error_msg, "visibility": "private"}


class FakeSamples:
    """The samples list route: answers ``where={"$uri": {"$in": [...]}}`` from ``statuses`` and records each query."""

    def __init__(self, rsps: responses.RequestsMock) -> None:
        self.statuses: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self.queries: list[dict[str, str]] = []
        rsps.add_callback(responses.GET, SAMPLES_URL, self._list)

    def _list(self, request: Any) -> tuple[int, dict[str, str], str]:
        query = dict(parse_qsl(urlsplit(request.url).query))
        self.queries.append(query)
        wanted = json.loads(query["where"])["$uri"]["$in"]
        items = [sample(i, self.statuses[i], self.errors.get(i)) for i in wanted if i in self.statuses]
        return 200, {}, json.dumps(items)


@pytest.fixture(autouse=True)
def oc_conn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point ``onecodex_default`` at the mocked API.

    :param monkeypatch: pytest's monkeypatch.
    """
    conn = {"conn_type": "onecodex", "host": BASE, "password": KEY}
    monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", json.dumps(conn))


@pytest.fixture
def api() -> Iterator[FakeSamples]:
    """Mock the samples list route (requests to anything else fail the test).

    :return: The fake.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeSamples(rsps)


def make_sensor(**kwargs: Any) -> OneCodexSampleSensor:
    """Build the sensor with test defaults.

    :param kwargs: Overrides.
    :return: The sensor.
    """
    args: dict[str, Any] = {"task_id": "wait", "sample_ids": [AVAILABLE], "poke_interval": 0, "timeout": 600}
    return OneCodexSampleSensor(**{**args, **kwargs})


CONTEXT: dict[str, Any] = {}


def test_poke_is_not_done_while_a_sample_is_importing(
    api: FakeSamples, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    api.statuses = {AVAILABLE: "available", IMPORTING: "importing"}
    result = make_sensor(sample_ids=[AVAILABLE, IMPORTING]).poke(CONTEXT)
    assert not result.is_done
    assert result.xcom_value is None
    logs = caplog.text + capsys.readouterr().out
    assert f"{IMPORTING}: importing" in logs
    assert "1 of 2" in logs


def test_poke_is_done_with_the_ids_as_xcom_when_every_sample_is_available(api: FakeSamples) -> None:
    api.statuses = {AVAILABLE: "available", IMPORTING: "available"}
    result = make_sensor(sample_ids=[IMPORTING, AVAILABLE]).poke(CONTEXT)
    assert result.is_done
    assert result.xcom_value == [IMPORTING, AVAILABLE]


def test_poke_waits_for_another_target_status(api: FakeSamples) -> None:
    api.statuses = {AVAILABLE: "available", IMPORTING: "importing"}
    assert not make_sensor(sample_ids=[AVAILABLE, IMPORTING], target_status="importing").poke(CONTEXT).is_done
    api.statuses[AVAILABLE] = "importing"
    assert make_sensor(sample_ids=[AVAILABLE, IMPORTING], target_status="importing").poke(CONTEXT).is_done


def test_poke_fails_fast_naming_every_failed_deleted_and_missing_sample(api: FakeSamples) -> None:
    api.statuses = {AVAILABLE: "available", IMPORTING: "importing", FAILED: "failed_validation", DELETED: "deleted"}
    api.errors = {FAILED: "truncated gzip stream"}
    sensor = make_sensor(sample_ids=[AVAILABLE, IMPORTING, FAILED, DELETED, MISSING])
    with pytest.raises(AirflowFailException) as info:
        sensor.poke(CONTEXT)
    message = str(info.value)
    assert "3 of 5" in message
    assert f"{FAILED}: failed_validation (truncated gzip stream)" in message
    assert f"{DELETED}: deleted" in message
    assert f"{MISSING}: not_found" in message
    assert "'onecodex_default'" in message
    assert AVAILABLE not in message
    assert IMPORTING not in message
    assert len(api.queries) == 1


def test_poke_reads_up_to_100_samples_with_one_list_call(api: FakeSamples) -> None:
    ids = [f"{n:016x}" for n in range(100)]
    api.statuses = dict.fromkeys(ids, "importing")
    make_sensor(sample_ids=ids).poke(CONTEXT)
    assert len(api.queries) == 1
    assert api.queries[0]["per_page"] == "100"
    assert json.loads(api.queries[0]["where"]) == {"$uri": {"$in": ids}}


def test_poke_reads_101_samples_with_two_list_calls(api: FakeSamples) -> None:
    ids = [f"{n:016x}" for n in range(101)]
    api.statuses = dict.fromkeys(ids, "available")
    assert make_sensor(sample_ids=ids).poke(CONTEXT).xcom_value == ids
    assert [json.loads(query["where"])["$uri"]["$in"] for query in api.queries] == [ids[:100], ids[100:]]


@pytest.mark.parametrize(
    "sample_ids",
    [[AVAILABLE, IMPORTING], json.dumps([AVAILABLE, IMPORTING]), (AVAILABLE, IMPORTING)],
    ids=["list", "json-list-string", "tuple"],
)
def test_sample_ids_accept_lists_and_json_strings(api: FakeSamples, sample_ids: Any) -> None:
    api.statuses = {AVAILABLE: "available", IMPORTING: "available"}
    assert make_sensor(sample_ids=sample_ids).poke(CONTEXT).xcom_value == [AVAILABLE, IMPORTING]


def test_a_single_id_is_a_one_sample_selection(api: FakeSamples) -> None:
    api.statuses = {AVAILABLE: "available"}
    assert make_sensor(sample_ids=AVAILABLE).poke(CONTEXT).xcom_value == [AVAILABLE]


def test_templated_sample_ids_are_checked_after_rendering(api: FakeSamples) -> None:
    api.statuses = {AVAILABLE: "available", IMPORTING: "available"}
    with DAG("d", schedule=None, start_date=START):
        sensor = make_sensor(sample_ids="{{ params.ids | tojson }}", target_status="{{ params.status }}")
    sensor.render_template_fields(context={"params": {"ids": [AVAILABLE, IMPORTING], "status": "available"}})  # type: ignore[arg-type]
    assert sensor.poke(CONTEXT).xcom_value == [AVAILABLE, IMPORTING]


def test_invalid_rendered_ids_fail_before_any_request(api: FakeSamples) -> None:
    with DAG("d", schedule=None, start_date=START):
        sensor = make_sensor(sample_ids="{{ params.ids | tojson }}")
    sensor.render_template_fields(context={"params": {"ids": ["not-an-id"]}})  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="sample_ids: 'not-an-id'"):
        sensor.poke(CONTEXT)
    assert api.queries == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sample_ids": []}, "sample_ids: the selection is empty"),
        ({"sample_ids": ["7428CCA4A3A04A8E"]}, "16 lowercase hex"),
        ({"sample_ids": [AVAILABLE, AVAILABLE]}, "appears more than once"),
        ({"target_status": "failed_validation"}, "target_status: 'failed_validation' is a failure state"),
        ({"target_status": "ready"}, "target_status: 'ready' is not allowed"),
    ],
    ids=["empty", "uppercase-id", "duplicate-id", "failure-target", "unknown-target"],
)
def test_literal_arguments_are_checked_when_the_dag_is_parsed(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        make_sensor(**kwargs)


def test_xcomarg_ids_are_accepted_at_parse_time_and_feed_downstream() -> None:
    with DAG("d", schedule=None, start_date=START):
        upstream = make_sensor(task_id="first")
        sensor = make_sensor(task_id="second", sample_ids=upstream.output)
    assert sensor.upstream_task_ids == {"first"}


def test_execute_pokes_until_available_and_returns_the_ids(api: FakeSamples) -> None:
    api.statuses = {AVAILABLE: "available", IMPORTING: "importing"}
    sensor = make_sensor(sample_ids=[AVAILABLE, IMPORTING])
    original = sensor.poke

    def poke_then_import(context: Any) -> Any:
        result = original(context)
        api.statuses[IMPORTING] = "available"
        return result

    sensor.poke = poke_then_import  # type: ignore[method-assign]
    assert sensor.execute(context={"ti": MagicMock()}) == [AVAILABLE, IMPORTING]
    assert len(api.queries) == 2


def test_execute_times_out_in_poke_mode(api: FakeSamples) -> None:
    api.statuses = {IMPORTING: "importing"}
    with pytest.raises(AirflowSensorTimeout):
        make_sensor(sample_ids=[IMPORTING], timeout=0).execute(context={"ti": MagicMock()})


def test_reschedule_mode_frees_the_worker_while_waiting(api: FakeSamples) -> None:
    api.statuses = {IMPORTING: "importing"}
    ti = MagicMock()
    ti.get_first_reschedule_date.return_value = None
    with pytest.raises(AirflowRescheduleException):
        make_sensor(sample_ids=[IMPORTING], mode="reschedule", poke_interval=30).execute(context={"ti": ti})


def test_soft_fail_skips_instead_of_failing(api: FakeSamples) -> None:
    api.statuses = {FAILED: "failed_validation"}
    with pytest.raises(AirflowSkipException):
        make_sensor(sample_ids=[FAILED], soft_fail=True).execute(context={"ti": MagicMock()})


# -- deferrable ------------------------------------------------------------------------------------------------


def test_deferrable_execute_defers_with_the_trigger_and_the_sensor_timeout(api: FakeSamples) -> None:
    api.statuses = {AVAILABLE: "available", IMPORTING: "importing"}
    sensor = make_sensor(sample_ids=json.dumps([AVAILABLE, IMPORTING]), deferrable=True, poke_interval=45, timeout=3600)
    with pytest.raises(TaskDeferred) as info:
        sensor.execute(context={"ti": MagicMock()})
    deferred = info.value
    assert isinstance(deferred.trigger, OneCodexSampleTrigger)
    assert deferred.trigger.serialize() == (
        TRIGGER_PATH,
        {
            "sample_ids": [AVAILABLE, IMPORTING],
            "target_status": "available",
            "onecodex_conn_id": "onecodex_default",
            "poll_interval": 45.0,
        },
    )
    assert deferred.method_name == "execute_complete"
    assert deferred.timeout == timedelta(seconds=3600)
    assert len(api.queries) == 1


def test_deferrable_execute_returns_without_deferring_when_already_done(api: FakeSamples) -> None:
    api.statuses = {AVAILABLE: "available"}
    assert make_sensor(deferrable=True).execute(context={"ti": MagicMock()}) == [AVAILABLE]


def test_deferrable_execute_fails_fast_without_deferring(api: FakeSamples) -> None:
    api.statuses = {FAILED: "failed_validation"}
    with pytest.raises(AirflowFailException, match=f"{FAILED}: failed_validation"):
        make_sensor(sample_ids=[FAILED], deferrable=True).execute(context={"ti": MagicMock()})


def test_poke_and_the_trigger_fail_with_the_same_message(api: FakeSamples) -> None:
    api.statuses = {AVAILABLE: "available", IMPORTING: "importing", FAILED: "failed_validation"}
    api.errors = {FAILED: "truncated gzip stream"}
    sensor = make_sensor(sample_ids=[AVAILABLE, IMPORTING, FAILED, MISSING], onecodex_conn_id="onecodex_default")
    with pytest.raises(AirflowFailException) as poked:
        sensor.poke(CONTEXT)
    event = first_event(sensor.build_trigger())
    assert event.payload == {
        "status": "failed",
        "message": str(poked.value),
        "failed": {FAILED: "failed_validation", MISSING: "not_found"},
    }
    assert str(poked.value) == (
        f"2 of 4 One Codex samples will never be 'available': {FAILED}: failed_validation (truncated gzip stream); "
        f"{MISSING}: not_found (missing, deleted, or not visible to connection 'onecodex_default')"
    )


def test_poke_and_the_trigger_log_the_same_waiting_and_done_messages(
    api: FakeSamples, caplog: pytest.LogCaptureFixture, read_logs: Callable[[], str]
) -> None:
    api.statuses = {AVAILABLE: "available", IMPORTING: "importing"}
    sensor = make_sensor(sample_ids=[AVAILABLE, IMPORTING])
    assert not sensor.poke(CONTEXT).is_done
    waiting = f"Waiting for 1 of 2 One Codex samples to be 'available': {IMPORTING}: importing"
    assert logged(caplog, logging.INFO) == [waiting]
    api.statuses[IMPORTING] = "available"
    assert sensor.poke(CONTEXT).is_done
    caplog.clear()
    assert first_event(sensor.build_trigger()).payload == {"status": "success", "sample_ids": [AVAILABLE, IMPORTING]}
    assert "All 2 One Codex samples are 'available'" in logged(caplog, logging.INFO)


def test_deferrable_soft_fail_skips_on_the_first_poke(api: FakeSamples) -> None:
    api.statuses = {FAILED: "failed_validation"}
    with pytest.raises(AirflowSkipException):
        make_sensor(sample_ids=[FAILED], deferrable=True, soft_fail=True).execute(context={"ti": MagicMock()})


def test_poll_interval_is_an_alias_of_poke_interval(api: FakeSamples) -> None:
    api.statuses = {IMPORTING: "importing"}
    sensor = OneCodexSampleSensor(task_id="wait", sample_ids=[IMPORTING], poll_interval=7, deferrable=True)
    assert sensor.poke_interval == 7
    with pytest.raises(TaskDeferred) as info:
        sensor.execute(context={"ti": MagicMock()})
    assert info.value.trigger.serialize()[1]["poll_interval"] == 7.0
    with pytest.raises(ValueError, match="not both"):
        OneCodexSampleSensor(task_id="x", sample_ids=[IMPORTING], poll_interval=7, poke_interval=8)


def test_deferrable_defaults_to_the_airflow_setting() -> None:
    assert make_sensor().deferrable is False


@pytest.mark.parametrize(
    ("event", "raises", "match"),
    [
        ({"status": "failed", "message": f"{FAILED}: failed_validation", "failed": {FAILED: "x"}}, AirflowFailException,
         f"{FAILED}: failed_validation"),
        ({"status": "error", "message": "GET /api/v1/samples failed, HTTP 500"}, AirflowException, "HTTP 500"),
        ({"status": "success"}, AirflowException, "no 'sample_ids' list"),
        ({"status": "nonsense"}, AirflowException, "unexpected trigger event"),
        (None, AirflowException, "unexpected trigger event"),
    ],
    ids=["failed", "error", "success-without-ids", "unknown-status", "no-event"],
)  # fmt: skip
def test_execute_complete_raises_unless_the_event_is_a_success(
    event: dict[str, Any] | None, raises: type[Exception], match: str
) -> None:
    with pytest.raises(raises, match=match) as info:
        make_sensor().execute_complete(CONTEXT, event)  # type: ignore[arg-type]
    if raises is AirflowException:
        assert not isinstance(info.value, AirflowFailException), "errors must stay retryable"


def test_execute_complete_returns_the_sample_ids_on_success() -> None:
    event = {"status": "success", "sample_ids": [AVAILABLE, IMPORTING]}
    assert make_sensor().execute_complete(CONTEXT, event) == [AVAILABLE, IMPORTING]  # type: ignore[arg-type]
