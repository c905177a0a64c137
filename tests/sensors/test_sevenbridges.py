"""SevenBridgesFilesSensor: files not folders, min_count, all ids across pages, the operators' query rules, deferral."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from unittest.mock import MagicMock
from urllib.parse import parse_qsl, urlencode, urlsplit

import pendulum
import pytest
import responses
from airflow.sdk import DAG

from genomics_provider._compat import TaskDeferred
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.operators.sevenbridges import TagFilesOperator
from genomics_provider.sensors.sevenbridges import SevenBridgesFilesSensor
from genomics_provider.triggers.sevenbridges import SevenBridgesFilesTrigger
from tests.triggers.conftest import first_event, logged

BASE = "https://cgc-api.sbgenomics.com/v2"
TOKEN = "sb-sensor-token-5d7f9b1c3e2a4068"
PROJECT = "rfranklin/demo"
FOLDER = "65f100000000000000000001"
TRIGGER_PATH = "genomics_provider.triggers.sevenbridges.SevenBridgesFilesTrigger"
START = pendulum.datetime(2025, 1, 1)


class FakeListing:
    """``GET /files`` over ``items``, paginated by ``offset``/``limit`` with absolute ``next`` links.

    The fake does not filter: tests put in ``items`` what the server would return, and ``queries`` records what the
    sensor asked for.
    """

    def __init__(self, rsps: responses.RequestsMock) -> None:
        self.items: list[dict[str, Any]] = []
        self.queries: list[list[tuple[str, str]]] = []
        rsps.add_callback(responses.GET, re.compile(rf"{re.escape(BASE)}/files(\?.*)?$"), self._list)

    def add(self, count: int, kind: str = "file", **fields: Any) -> list[str]:
        ids = []
        for _ in range(count):
            file_id = f"5a{len(self.items) + 1:022x}"
            self.items.append({"id": file_id, "name": f"{file_id}.bam", "type": kind, "project": PROJECT, **fields})
            ids.append(file_id)
        return ids

    def _list(self, request: Any) -> tuple[int, dict[str, str], str]:
        pairs = parse_qsl(urlsplit(request.url).query)
        self.queries.append(pairs)
        params = dict(pairs)
        offset, limit = int(params.get("offset", 0)), int(params["limit"])
        page = self.items[offset : offset + limit]
        links = []
        if offset + limit < len(self.items):
            rest = [(k, v) for k, v in pairs if k != "offset"] + [("offset", str(offset + limit))]
            links.append({"href": f"{BASE}/files?{urlencode(rest)}", "rel": "next", "method": "GET"})
        headers = {"X-Total-Matching-Query": str(len(self.items))}
        return 200, headers, json.dumps({"href": request.url, "items": page, "links": links})


@pytest.fixture(autouse=True)
def sb_conn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point ``sevenbridges_default`` at the mocked API.

    :param monkeypatch: pytest's monkeypatch.
    """
    conn = {"conn_type": "sevenbridges", "host": BASE, "password": TOKEN}
    monkeypatch.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", json.dumps(conn))


@pytest.fixture
def api() -> Iterator[FakeListing]:
    """Mock the listing route (requests to anything else fail the test).

    :return: The fake.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeListing(rsps)


def make_sensor(**kwargs: Any) -> SevenBridgesFilesSensor:
    """Build the sensor with test defaults.

    :param kwargs: Overrides.
    :return: The sensor.
    """
    args: dict[str, Any] = {"task_id": "wait", "query": {"project": PROJECT}, "poke_interval": 0, "timeout": 600}
    return SevenBridgesFilesSensor(**{**args, **kwargs})


CONTEXT: dict[str, Any] = {}


def test_folders_do_not_count(api: FakeListing) -> None:
    files = api.add(2)
    api.add(3, kind="folder")
    assert not make_sensor(min_count=3).poke(CONTEXT).is_done
    result = make_sensor(min_count=2).poke(CONTEXT)
    assert result.is_done
    assert result.xcom_value == files


def test_not_done_until_min_count_files_match(api: FakeListing) -> None:
    assert not make_sensor().poke(CONTEXT).is_done
    first = api.add(1)
    assert make_sensor().poke(CONTEXT).xcom_value == first


def test_every_matching_id_is_returned_across_pages(api: FakeListing) -> None:
    files = api.add(250, tags=["cram"])
    result = make_sensor(query={"project": PROJECT, "tag": ["bam", "cram"]}, min_count=1).poke(CONTEXT)
    assert result.xcom_value == files
    assert len(api.queries) == 3
    first = api.queries[0]
    assert ("limit", "100") in first
    assert ("fields", "_all") in first
    assert ("project", PROJECT) in first
    assert [value for key, value in first if key == "tag"] == ["bam", "cram"]
    assert [dict(query).get("offset") for query in api.queries] == [None, "100", "200"]


def test_files_the_listing_should_not_have_returned_do_not_count(
    api: FakeListing, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    good = api.add(1, tags=["bam"])
    api.add(1, tags=["vcf"])
    result = make_sensor(query={"project": PROJECT, "tag": "bam"}, min_count=1).poke(CONTEXT)
    assert result.xcom_value == good
    assert "1 files that do not match the query" in caplog.text + capsys.readouterr().out


def test_poke_and_the_trigger_warn_alike_about_listed_files_that_do_not_match_the_query(
    api: FakeListing, caplog: pytest.LogCaptureFixture, read_logs: Callable[[], str]
) -> None:
    good = api.add(1, tags=["bam"])
    api.add(2, tags=["vcf"])
    sensor = make_sensor(query={"project": PROJECT, "tag": "bam"}, min_count=1)
    assert sensor.poke(CONTEXT).xcom_value == good
    poked_warnings, poked_info = logged(caplog, logging.WARNING), logged(caplog, logging.INFO)
    caplog.clear()
    assert first_event(sensor.build_trigger()).payload == {"status": "success", "file_ids": good}
    warning = "The listing returned 2 files that do not match the query; not counted"
    assert poked_warnings == logged(caplog, logging.WARNING) == [warning]
    found = "1 Seven Bridges files match, 1 wanted (2 listed file(s) that do not match the query ignored)"
    assert poked_info == [found]
    assert found in logged(caplog, logging.INFO)


def test_query_by_parent_folder(api: FakeListing) -> None:
    files = api.add(1, parent=FOLDER)
    assert make_sensor(query={"parent": FOLDER}).poke(CONTEXT).xcom_value == files
    assert ("parent", FOLDER) in api.queries[0]
    assert "project" not in dict(api.queries[0])


BAD_QUERIES = [
    pytest.param({"project": PROJECT, "parent": FOLDER}, id="project-and-parent"),
    pytest.param({"tag": "bam"}, id="neither-project-nor-parent"),
    pytest.param({"project": "no-slash"}, id="malformed-project"),
    pytest.param({"parent": "65F1"}, id="malformed-parent"),
    pytest.param({"project": PROJECT, "colour": "red"}, id="unknown-key"),
    pytest.param({"project": PROJECT, "tag": []}, id="empty-filter"),
    pytest.param({"project": PROJECT, "origin.task": ["a", "b"]}, id="two-origin-values"),
    pytest.param("not json", id="not-a-mapping"),
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_invalid_query_is_refused_like_tag_files_operator(query: Any) -> None:
    with pytest.raises(InvalidInputError) as operator_error:
        TagFilesOperator(task_id="tag", query=query, tags=["x"])
    with pytest.raises(InvalidInputError) as sensor_error:
        make_sensor(query=query)
    assert str(sensor_error.value) == str(operator_error.value)


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_invalid_rendered_query_fails_before_any_request(api: FakeListing, query: Any) -> None:
    with DAG("d", schedule=None, start_date=START):
        sensor = make_sensor(query="{{ params.query | tojson }}")
    sensor.render_template_fields(context={"params": {"query": query}})  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="query"):
        sensor.poke(CONTEXT)
    assert api.queries == []


def test_templated_query_and_min_count_render(api: FakeListing) -> None:
    files = api.add(3, tags=["bam"])
    with DAG("d", schedule=None, start_date=START):
        sensor = make_sensor(query={"project": "{{ params.project }}", "tag": "bam"}, min_count="{{ params.n }}")
    sensor.render_template_fields(context={"params": {"project": PROJECT, "n": 3}})  # type: ignore[arg-type]
    assert sensor.poke(CONTEXT).xcom_value == files


def test_invalid_rendered_min_count_fails_before_any_request(api: FakeListing) -> None:
    with DAG("d", schedule=None, start_date=START):
        sensor = make_sensor(min_count="{{ params.n }}")
    sensor.render_template_fields(context={"params": {"n": 0}})  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="min_count: 0"):
        sensor.poke(CONTEXT)
    assert api.queries == []


@pytest.mark.parametrize("min_count", [0, -1, True, 1.5, "x", None], ids=repr)
def test_min_count_must_be_a_whole_number_of_at_least_one(min_count: Any) -> None:
    with pytest.raises(InvalidInputError, match="min_count"):
        make_sensor(min_count=min_count)


def test_output_feeds_tag_files_operator() -> None:
    with DAG("d", schedule=None, start_date=START):
        sensor = make_sensor()
        tag = TagFilesOperator(task_id="tag", file_ids=sensor.output, tags=["seen"])
    assert tag.upstream_task_ids == {"wait"}


def test_execute_in_poke_mode_returns_the_ids(api: FakeListing) -> None:
    files = api.add(2)
    assert make_sensor(min_count=2).execute(context={"ti": MagicMock()}) == files


# -- deferrable ------------------------------------------------------------------------------------------------


def test_deferrable_execute_defers_with_a_normalised_query_and_the_sensor_timeout(api: FakeListing) -> None:
    api.add(1)
    query = {"project": PROJECT, "tag": "bam", "metadata.sample_id": "S1", "origin.task": "t-1"}
    sensor = make_sensor(query=json.dumps(query), min_count="2", deferrable=True, poke_interval=30, timeout=7200)
    with pytest.raises(TaskDeferred) as info:
        sensor.execute(context={"ti": MagicMock()})
    deferred = info.value
    assert isinstance(deferred.trigger, SevenBridgesFilesTrigger)
    assert deferred.trigger.serialize() == (
        TRIGGER_PATH,
        {
            "query": {"project": PROJECT, "tag": ["bam"], "metadata.sample_id": ["S1"], "origin.task": "t-1"},
            "min_count": 2,
            "sevenbridges_conn_id": "sevenbridges_default",
            "poll_interval": 30.0,
        },
    )
    assert deferred.method_name == "execute_complete"
    assert deferred.timeout == timedelta(seconds=7200)
    assert len(api.queries) == 1


def test_deferrable_execute_returns_without_deferring_when_enough_files_match(api: FakeListing) -> None:
    files = api.add(2)
    assert make_sensor(deferrable=True).execute(context={"ti": MagicMock()}) == files


def test_execute_complete_returns_the_file_ids() -> None:
    event = {"status": "success", "file_ids": ["65a100000000000000000201"]}
    assert make_sensor().execute_complete(CONTEXT, event) == ["65a100000000000000000201"]  # type: ignore[arg-type]
