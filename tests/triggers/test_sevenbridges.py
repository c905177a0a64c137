"""SevenBridgesFilesTrigger against the emulator: GET-only polling, every match, folders ignored, errors as events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from airflow.triggers.base import TriggerEvent

from genomics_provider._compat import deserialize
from genomics_provider._compat import serialize as serde_serialize
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.testing.emulator import Emulator
from genomics_provider.triggers.sevenbridges import SevenBridgesFilesTrigger
from tests.triggers.conftest import SB_TOKEN, first_event

PROJECT = "rfranklin/demo-project"
FASTQ_FOLDER = "65f100000000000000000001"
RUN_1 = [f"65a10000000000000000020{n}" for n in range(1, 6)]
RUN_2 = [f"65a10000000000000000030{n}" for n in range(1, 6)]
CLASSPATH = "genomics_provider.triggers.sevenbridges.SevenBridgesFilesTrigger"
FILES = "/v2/files"


def trigger(query: dict[str, Any], **kwargs: Any) -> SevenBridgesFilesTrigger:
    """Build a trigger that polls fast.

    :param query: The query.
    :param kwargs: Overrides.
    :return: The trigger.
    """
    return SevenBridgesFilesTrigger(query=query, **{"poll_interval": 0.1, **kwargs})


# -- serialisation --------------------------------------------------------------------------------------------


def test_serialize_round_trips_with_json_safe_kwargs() -> None:
    query = {"parent": FASTQ_FOLDER, "tag": ["fastq"], "metadata.sample_id": ["HCC1143"], "origin.task": "t"}
    original = SevenBridgesFilesTrigger(query=query, min_count=4, sevenbridges_conn_id="sb_lab", poll_interval=20)
    classpath, kwargs = original.serialize()
    assert classpath == CLASSPATH
    assert kwargs == {"query": query, "min_count": 4, "sevenbridges_conn_id": "sb_lab", "poll_interval": 20.0}
    assert type(original)(**kwargs).serialize() == (classpath, kwargs)
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert deserialize(serde_serialize(kwargs)) == kwargs
    assert SB_TOKEN not in json.dumps(kwargs)


# -- run() against the emulator --------------------------------------------------------------------------------


def test_enough_files_yield_success_with_every_matching_file_and_no_folder(emu: Emulator) -> None:
    event = first_event(trigger({"project": PROJECT, "tag": "WGS"}, min_count=10))
    assert event.payload == {"status": "success", "file_ids": RUN_1 + RUN_2}
    assert {(r.method, r.path) for r in emu.recorder} == {("GET", FILES)}


def test_folders_in_the_listing_do_not_count(emu: Emulator) -> None:
    # The fastq folder holds four files and the lane2 folder.
    event = first_event(trigger({"parent": FASTQ_FOLDER}, min_count=4))
    assert event.payload["status"] == "success"
    assert len(event.payload["file_ids"]) == 4
    assert "65f100000000000000000002" not in event.payload["file_ids"]


def test_a_file_that_appears_later_yields_success_with_get_requests_only(emu: Emulator) -> None:
    async def add_file_soon() -> TriggerEvent:
        waiting = asyncio.create_task(asyncio.wait_for(_first(trigger({"project": PROJECT, "tag": "late"})), 15))
        await asyncio.sleep(0.35)
        with emu.lock:
            emu.sevenbridges.add_file(
                {"id": "65a1000000000000000009ff", "name": "late.bam", "type": "file", "project": PROJECT,
                 "tags": ["late"]}
            )  # fmt: skip
        return await waiting

    event = asyncio.run(add_file_soon())
    assert event.payload == {"status": "success", "file_ids": ["65a1000000000000000009ff"]}
    assert 2 <= emu.recorder.count("GET", FILES) <= 8, "polls found nothing at first, and were poll_interval apart"
    assert emu.recorder.writes() == []


async def _first(polling: SevenBridgesFilesTrigger) -> TriggerEvent:
    gen = polling.run()
    try:
        return await gen.__anext__()
    finally:
        await gen.aclose()


def test_connection_is_resolved_asynchronously(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    def blocking_lookup(cls: Any, conn_id: str) -> Any:
        raise AssertionError("the trigger must use aget_connection, not the blocking get_connection")

    monkeypatch.setattr(SevenBridgesHook, "get_connection", classmethod(blocking_lookup))
    assert first_event(trigger({"project": PROJECT})).payload["status"] == "success"


def test_http_500_forever_yields_an_error_event(emu: Emulator) -> None:
    emu.faults.server_error(f"GET {FILES}", times=None)
    event = first_event(trigger({"project": PROJECT}))
    assert event.payload["status"] == "error"
    assert "HTTP 500" in event.payload["message"]
    assert emu.recorder.count("GET", FILES) == 5, "the hook's retry policy (5 attempts) must apply"


def test_missing_project_yields_an_error_event(emu: Emulator) -> None:
    event = first_event(trigger({"project": "rfranklin/nope"}))
    assert event.payload["status"] == "error"
    assert "HTTP 404" in event.payload["message"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"query": {"project": PROJECT, "parent": FASTQ_FOLDER}}, "exactly one of 'project'"),
        ({"min_count": 0}, "min_count: 0"),
    ],
    ids=["project-and-parent", "zero-min-count"],
)
def test_invalid_arguments_yield_an_error_event_without_requests(
    emu: Emulator, kwargs: dict[str, Any], match: str
) -> None:
    event = first_event(SevenBridgesFilesTrigger(**{"query": {"project": PROJECT}, "poll_interval": 0.1, **kwargs}))
    assert event.payload["status"] == "error"
    assert match in event.payload["message"]
    assert len(emu.recorder) == 0


def test_the_token_never_appears_in_logs(emu: Emulator, read_logs: Callable[[], str]) -> None:
    assert first_event(trigger({"project": PROJECT, "tag": "WGS"}, min_count=10)).payload["status"] == "success"
    emu.faults.server_error(f"GET {FILES}", times=None)
    assert first_event(trigger({"project": PROJECT})).payload["status"] == "error"
    logs = read_logs()
    assert "10 Seven Bridges files match" in logs, "the check below must look at real log output"
    assert SB_TOKEN not in logs
