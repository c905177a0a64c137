"""OneCodexSampleTrigger against the emulator: GET-only polling, one event per outcome, errors as events, no leaks."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest

from genomics_provider._compat import deserialize
from genomics_provider._compat import serialize as serde_serialize
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.testing.emulator import Emulator
from genomics_provider.triggers.onecodex import OneCodexSampleTrigger
from tests.triggers.conftest import OC_KEY, first_event

AVAILABLE = "7428cca4a3a04a8e"
IMPORTING = "5e1b7c4d9f6a2ba3"
FAILED = "6f2c8d5e0a7b3cb4"
HIDDEN = "8b4e0f7a2c9d5ed6"  # the colleague's private sample: 404 for the caller, absent from lists
OTHER = "4d0a6b3c8e5f1a92"
CLASSPATH = "genomics_provider.triggers.onecodex.OneCodexSampleTrigger"
SAMPLES = "/api/v1/samples"


def trigger(*ids: str, **kwargs: Any) -> OneCodexSampleTrigger:
    """Build a trigger that polls fast.

    :param ids: Sample ids.
    :param kwargs: Overrides.
    :return: The trigger.
    """
    return OneCodexSampleTrigger(sample_ids=list(ids), **{"poll_interval": 0.1, **kwargs})


# -- serialisation ---------------------------------------------------------------------------------------------


def test_serialize_round_trips_with_json_safe_kwargs() -> None:
    original = OneCodexSampleTrigger(
        sample_ids=[AVAILABLE, IMPORTING], target_status="validating", onecodex_conn_id="oc_lab", poll_interval=15
    )
    classpath, kwargs = original.serialize()
    assert classpath == CLASSPATH
    assert kwargs == {
        "sample_ids": [AVAILABLE, IMPORTING],
        "target_status": "validating",
        "onecodex_conn_id": "oc_lab",
        "poll_interval": 15.0,
    }
    assert type(original)(**kwargs).serialize() == (classpath, kwargs)
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert deserialize(serde_serialize(kwargs)) == kwargs  # what the task runner does at defer time


def test_serialize_defaults() -> None:
    assert OneCodexSampleTrigger(sample_ids=[AVAILABLE]).serialize()[1] == {
        "sample_ids": [AVAILABLE],
        "target_status": "available",
        "onecodex_conn_id": "onecodex_default",
        "poll_interval": 60.0,
    }


# -- run() against the emulator --------------------------------------------------------------------------------


def test_importing_sample_that_becomes_available_yields_success_with_get_requests_only(emu: Emulator) -> None:
    # 2 s of import leaves the trigger time to fetch its connection and poll once before the sample is ready, even
    # on a loaded machine (0.5 s was not always enough).
    emu.start_import(IMPORTING, delay_s=2.0)
    event = first_event(trigger(IMPORTING, AVAILABLE, poll_interval=0.2))
    assert event.payload == {"status": "success", "sample_ids": [IMPORTING, AVAILABLE]}
    requests = emu.recorder.requests
    assert len(requests) >= 2, "the first poll should have seen the sample still importing"
    assert len(requests) <= 12, "polls must be poll_interval apart (about 10 in 2 s at 0.2 s)"
    assert {(r.method, r.path) for r in requests} == {("GET", SAMPLES)}
    assert emu.recorder.writes() == []
    assert all(json.loads(r.query["where"][0]) == {"$uri": {"$in": [IMPORTING, AVAILABLE]}} for r in requests)


def test_connection_is_resolved_asynchronously(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    def blocking_lookup(cls: Any, conn_id: str) -> Any:
        raise AssertionError("the trigger must use aget_connection, not the blocking get_connection")

    monkeypatch.setattr(OneCodexHook, "get_connection", classmethod(blocking_lookup))
    assert first_event(trigger(AVAILABLE)).payload["status"] == "success"


def test_secrets_are_registered_on_the_event_loop_thread_not_in_a_worker(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Airflow 3.1's trigger comms break when a worker thread messages the supervisor (apache/airflow#64620).
    registered: list[tuple[str, bool]] = []

    def record(secret: Any, name: str | None = None) -> None:
        registered.append((secret, threading.current_thread() is threading.main_thread()))

    monkeypatch.setattr("genomics_provider.hooks.base.mask_secret", record)
    assert first_event(trigger(AVAILABLE)).payload == {"status": "success", "sample_ids": [AVAILABLE]}
    assert registered == [(OC_KEY, True)]


def test_failed_validation_yields_a_failed_event_naming_the_sample(emu: Emulator) -> None:
    event = first_event(trigger(AVAILABLE, FAILED))
    assert event.payload["status"] == "failed"
    assert event.payload["failed"] == {FAILED: "failed_validation"}
    assert f"{FAILED}: failed_validation" in event.payload["message"]
    assert emu.recorder.count("GET", SAMPLES) == 1
    assert emu.recorder.writes() == []


@pytest.mark.parametrize("state", ["deleted", "not visible"])
def test_deleted_or_invisible_sample_yields_a_failed_event(emu: Emulator, state: str) -> None:
    sample_id = HIDDEN
    if state == "deleted":
        sample_id = OTHER
        emu.onecodex.samples[OTHER]["status"] = "deleted"
    event = first_event(trigger(AVAILABLE, sample_id))
    assert event.payload["status"] == "failed"
    assert event.payload["failed"] == {sample_id: "not_found"}
    assert f"{sample_id}: not_found" in event.payload["message"]


def test_exactly_one_event_is_yielded(emu: Emulator) -> None:
    async def all_events() -> list[Any]:
        return [event async for event in trigger(FAILED).run()]

    assert len(asyncio.run(asyncio.wait_for(all_events(), 15))) == 1


def test_http_500_forever_yields_an_error_event_after_the_hooks_retries(
    emu: Emulator, no_real_sleep: list[float]
) -> None:
    emu.faults.server_error(f"GET {SAMPLES}", times=None)
    event = first_event(trigger(AVAILABLE))
    assert event.payload["status"] == "error"
    assert "HTTP 500" in event.payload["message"]
    assert emu.recorder.count("GET", SAMPLES) == 5, "the hook's retry policy (5 attempts) must apply"
    assert len(no_real_sleep) >= 4


def test_connection_reset_forever_yields_an_error_event(emu: Emulator) -> None:
    emu.faults.connection_reset(f"GET {SAMPLES}", times=None)
    event = first_event(trigger(AVAILABLE))
    assert event.payload["status"] == "error"
    assert "ApiConnectionError" in event.payload["message"]


def test_unknown_connection_yields_an_error_event(emu: Emulator) -> None:
    event = first_event(trigger(AVAILABLE, onecodex_conn_id="no_such_conn"))
    assert event.payload["status"] == "error"
    assert "no_such_conn" in event.payload["message"]
    assert len(emu.recorder) == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"sample_ids": ["nope"]}, "sample_ids: 'nope'"), ({"target_status": "deleted"}, "failure state")],
    ids=["bad-id", "bad-target"],
)
def test_invalid_arguments_yield_an_error_event_without_requests(
    emu: Emulator, kwargs: dict[str, Any], match: str
) -> None:
    args = {"sample_ids": [AVAILABLE], "poll_interval": 0.1, **kwargs}
    event = first_event(OneCodexSampleTrigger(**args))
    assert event.payload["status"] == "error"
    assert match in event.payload["message"]
    assert len(emu.recorder) == 0


def test_the_api_key_appears_neither_in_serialize_nor_in_logs(emu: Emulator, read_logs: Callable[[], str]) -> None:
    emu.start_import(IMPORTING, delay_s=1.5)  # the first poll must see it importing, even on a loaded machine
    polling = trigger(IMPORTING)
    assert OC_KEY not in json.dumps(polling.serialize())
    assert first_event(polling).payload["status"] == "success"
    emu.faults.server_error(f"GET {SAMPLES}", times=None)
    assert first_event(trigger(AVAILABLE)).payload["status"] == "error"
    logs = read_logs()
    assert f"{IMPORTING}: importing" in logs, "the check below must look at real log output"
    assert "retrying" in logs
    assert OC_KEY not in logs
