"""GenomicsPollingTrigger with a scripted hook: validate, prepare on the loop, poll until decided, one event, and
what it logs and fires for each vendor verdict."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest

import genomics_provider.triggers as triggers_package
from genomics_provider.curation.waiting import WaitVerdict
from genomics_provider.exceptions import (
    CredentialRejectedError,
    InvalidInputError,
    ServerError,
    UnauthorizedError,
)
from genomics_provider.hooks.base import GenomicsRestHook
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.triggers import base
from genomics_provider.triggers.base import GenomicsPollingTrigger, conn_id_attribute, failing_fast
from tests.triggers.conftest import first_event, logged

CONN = "lab_conn"


class ScriptedHook(GenomicsRestHook):
    """A hook that records what the trigger does with it and sends nothing."""

    conn_name_attr = "lab_conn_id"
    instances: list[ScriptedHook] = []

    def __init__(self, lab_conn_id: str) -> None:
        super().__init__(lab_conn_id)
        self.calls: list[str] = []
        ScriptedHook.instances.append(self)

    async def aprepare(self) -> None:
        self.calls.append(f"aprepare on {threading.current_thread().name}")

    def read(self, answer: Any) -> Any:
        self.calls.append(f"read on {'loop' if threading.current_thread() is threading.main_thread() else 'worker'}")
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def close(self) -> None:
        self.calls.append("close")


class ScriptedTrigger(GenomicsPollingTrigger[ScriptedHook, list[Any]]):
    """Answers each poll with the next item of ``answers``: a string waits, a dict fires, an exception raises."""

    hook_class = ScriptedHook

    def __init__(self, *, answers: list[Any], lab_conn_id: str = CONN, poll_interval: float = 5) -> None:
        super().__init__(poll_interval=poll_interval)
        self.answers = answers
        self.lab_conn_id = lab_conn_id

    def arguments(self) -> dict[str, Any]:
        return {"answers": list(self.answers)}

    def checked_args(self) -> list[Any]:
        if not self.answers:
            raise InvalidInputError("answers: an empty list is not allowed")
        return list(self.answers)

    async def check(self, hook: ScriptedHook, args: list[Any]) -> dict[str, Any] | str:
        return await asyncio.to_thread(hook.read, args.pop(0))  # type: ignore[no-any-return]

    def failure_subject(self) -> str:
        return "polling the lab failed"


class VerdictTrigger(GenomicsPollingTrigger[ScriptedHook, list[WaitVerdict]]):
    """Answers each poll with the next verdict of ``verdicts``, read through the hook in a worker thread."""

    hook_class = ScriptedHook
    event_ids_key = "lab_ids"

    def __init__(self, *, verdicts: list[WaitVerdict], lab_conn_id: str = CONN, poll_interval: float = 5) -> None:
        super().__init__(poll_interval=poll_interval)
        self.verdicts = verdicts
        self.lab_conn_id = lab_conn_id

    def arguments(self) -> dict[str, Any]:
        return {}

    def checked_args(self) -> list[WaitVerdict]:
        return list(self.verdicts)

    async def verdict(self, hook: ScriptedHook, args: list[WaitVerdict]) -> WaitVerdict:
        return await asyncio.to_thread(hook.read, args.pop(0))  # type: ignore[no-any-return]

    def failure_subject(self) -> str:
        return "polling the lab failed"


@pytest.fixture(autouse=True)
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the trigger's waits between polls instead of sleeping.

    :param monkeypatch: pytest's monkeypatch.
    :return: The waits, in order.
    """
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def record(delay: float) -> None:
        waits.append(delay)
        await real_sleep(0)

    ScriptedHook.instances.clear()
    monkeypatch.setattr(base.asyncio, "sleep", record)
    return waits


def test_serialize_lists_the_arguments_then_the_connection_then_poll_interval() -> None:
    classpath, kwargs = ScriptedTrigger(answers=["x"], poll_interval=7).serialize()
    assert classpath == f"{__name__}.ScriptedTrigger"
    assert list(kwargs.items()) == [("answers", ["x"]), ("lab_conn_id", CONN), ("poll_interval", 7.0)]
    assert isinstance(kwargs["poll_interval"], float)


def test_waiting_polls_every_poll_interval_until_check_returns_an_event(
    slept: list[float], read_logs: Callable[[], str]
) -> None:
    event = first_event(ScriptedTrigger(answers=["1 of 2 ready", "still 1 of 2", {"status": "success", "ids": []}]))
    assert event.payload == {"status": "success", "ids": []}
    assert slept == [5.0, 5.0]
    assert "1 of 2 ready; next poll in 5 s" in read_logs()
    (hook,) = ScriptedHook.instances
    assert hook.conn_id == CONN
    assert hook.calls == ["aprepare on MainThread", "read on worker", "read on worker", "read on worker", "close"]


def test_exactly_one_event_is_yielded() -> None:
    async def all_events() -> list[Any]:
        return [event async for event in ScriptedTrigger(answers=[{"status": "success", "ids": ["a"]}]).run()]

    assert [event.payload for event in asyncio.run(all_events())] == [{"status": "success", "ids": ["a"]}]


def test_invalid_arguments_yield_an_error_event_before_the_connection_is_resolved() -> None:
    event = first_event(ScriptedTrigger(answers=[]))
    assert event.payload["status"] == "error"
    assert event.payload["message"] == (
        "polling the lab failed: InvalidInputError: answers: an empty list is not allowed"
    )
    assert event.payload["error"]["type"] == "InvalidInputError"
    assert ScriptedHook.instances[0].calls == ["close"]


def test_a_failed_request_yields_an_error_event_and_the_hook_is_closed() -> None:
    event = first_event(ScriptedTrigger(answers=["waiting", ServerError("boom", status=503)]))
    assert event.payload["status"] == "error"
    assert event.payload["message"].startswith("polling the lab failed: ServerError: ")
    assert event.payload["error"]["fields"]["status"] == 503
    assert ScriptedHook.instances[0].calls[-1] == "close"


def test_a_401_while_polling_becomes_the_non_retryable_twin() -> None:
    event = first_event(ScriptedTrigger(answers=[UnauthorizedError("bad key", status=401)]))
    assert event.payload["error"]["type"] == "CredentialRejectedError"


def test_conn_id_attribute_is_the_hooks_conn_name_attr() -> None:
    assert conn_id_attribute(OneCodexHook) == "onecodex_conn_id"
    assert conn_id_attribute(SevenBridgesHook) == "sevenbridges_conn_id"
    assert conn_id_attribute(ScriptedHook) == "lab_conn_id"


def test_failing_fast_turns_a_401_into_its_twin_and_passes_anything_else() -> None:
    with pytest.raises(CredentialRejectedError), failing_fast():
        raise UnauthorizedError("bad key", status=401)
    with pytest.raises(ServerError) as caught, failing_fast():
        raise ServerError("boom", status=500)
    assert type(caught.value) is ServerError


def test_the_helpers_stay_importable_from_the_triggers_package() -> None:
    assert triggers_package.failing_fast is base.failing_fast
    assert triggers_package.error_event is base.error_event
    assert triggers_package.error_from_event is base.error_from_event


# -- verdicts --------------------------------------------------------------------------------------------------


def test_a_done_verdict_fires_success_with_the_ids_under_the_triggers_key_and_logs_its_message(
    caplog: pytest.LogCaptureFixture, read_logs: Callable[[], str]
) -> None:
    event = first_event(VerdictTrigger(verdicts=[WaitVerdict("done", "all 2 there", ids=["x", "y"])]))
    assert event.payload == {"status": "success", "lab_ids": ["x", "y"]}
    assert "all 2 there" in logged(caplog, logging.INFO)


def test_a_failed_verdict_fires_failed_with_its_message_and_what_failed(
    caplog: pytest.LogCaptureFixture, read_logs: Callable[[], str]
) -> None:
    answer = WaitVerdict("failed", "x will never be there", failed={"x": "gone"})
    event = first_event(VerdictTrigger(verdicts=[answer]))
    assert list(event.payload.items()) == [
        ("status", "failed"),
        ("message", "x will never be there"),
        ("failed", {"x": "gone"}),
    ]
    assert "x will never be there" in logged(caplog, logging.INFO)


def test_a_waiting_verdict_polls_again_logging_what_is_awaited(
    slept: list[float], caplog: pytest.LogCaptureFixture, read_logs: Callable[[], str]
) -> None:
    verdicts = [WaitVerdict("waiting", "1 of 2 there"), WaitVerdict("done", "2 of 2 there", ids=["x", "y"])]
    assert first_event(VerdictTrigger(verdicts=verdicts)).payload == {"status": "success", "lab_ids": ["x", "y"]}
    assert slept == [5.0]
    info = logged(caplog, logging.INFO)
    assert info.index("1 of 2 there; next poll in 5 s") < info.index("2 of 2 there")


def test_each_polls_warnings_are_logged_as_warnings(
    caplog: pytest.LogCaptureFixture, read_logs: Callable[[], str]
) -> None:
    verdicts = [
        WaitVerdict("waiting", "1 of 2 there", warnings=("odd one",)),
        WaitVerdict("failed", "x will never be there", warnings=("odd two", "odd three")),
    ]
    assert first_event(VerdictTrigger(verdicts=verdicts)).payload["status"] == "failed"
    assert logged(caplog, logging.WARNING) == ["odd one", "odd two", "odd three"]


def test_the_hook_is_built_from_the_connection_id_the_hook_class_names() -> None:
    first_event(VerdictTrigger(verdicts=[WaitVerdict("done", "ok")], lab_conn_id="lab_eu"))
    (hook,) = ScriptedHook.instances
    assert (type(hook), hook.conn_id) == (ScriptedHook, "lab_eu")
