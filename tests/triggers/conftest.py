"""Trigger fixtures: one emulator per module (reset for each test), connections at it, event and log helpers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
import structlog

if TYPE_CHECKING:
    from airflow.triggers.base import BaseTrigger, TriggerEvent

    from genomics_provider.testing.emulator import Emulator

OC_KEY = "oc-trigger-key-9e4c2a7f1b3d5e60"
SB_TOKEN = "sb-trigger-token-2f8a6c4e0d1b3a57"
#: Longest a trigger test may wait for its event.
EVENT_TIMEOUT_S = 15.0


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[Emulator]:
    """Start one emulator for the module, with distinctive credentials so leaks are easy to find.

    :return: The running emulator.
    """
    from genomics_provider.testing.emulator import Emulator

    with Emulator(seed="demo", onecodex_api_key=OC_KEY, sevenbridges_token=SB_TOKEN) as emu:
        yield emu


@pytest.fixture
def emu(module_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The module's emulator back at its seed, with both default connections pointing at it.

    :param module_emulator: The running emulator.
    :param monkeypatch: pytest's monkeypatch.
    :return: The emulator.
    """
    module_emulator.reset()
    monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", module_emulator.onecodex_conn_json())
    monkeypatch.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", module_emulator.sevenbridges_conn_json())
    return module_emulator


async def _first_event(trigger: BaseTrigger) -> TriggerEvent:
    gen = trigger.run()
    try:
        return await gen.__anext__()
    finally:
        await gen.aclose()


def first_event(trigger: BaseTrigger) -> TriggerEvent:
    """Run a trigger on a fresh event loop and return its first event (fail after 15 s).

    :param trigger: The trigger.
    :return: The event.
    """
    return asyncio.run(asyncio.wait_for(_first_event(trigger), EVENT_TIMEOUT_S))


@pytest.fixture
def read_logs(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], str]]:
    """Capture every log record at DEBUG (structlog routed through stdlib) plus stdout and stderr.

    Without the structlog routing, Airflow 3 loggers write straight to the console and ``caplog`` stays empty, so a
    "the token is not in the logs" check would pass for nothing.

    :param caplog: pytest's caplog.
    :param capsys: pytest's capsys.
    :return: A function returning all text captured so far.
    """
    saved = structlog.get_config()
    structlog.configure(
        processors=[structlog.stdlib.render_to_log_args_and_kwargs],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    for name in (None, "airflow", "airflow.task"):
        caplog.set_level(logging.DEBUG, logger=name)
    seen: list[str] = []

    def read() -> str:
        captured = capsys.readouterr()
        seen.extend([captured.out, captured.err])
        return caplog.text + "".join(seen)

    try:
        yield read
    finally:
        structlog.configure(**saved)


def logged(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    """Return the messages logged at ``level``, in order (use with :func:`read_logs`, which routes structlog here).

    :param caplog: pytest's caplog.
    :param level: The log level, e.g. ``logging.WARNING``.
    :return: The messages.
    """
    return [record.getMessage() for record in caplog.records if record.levelno == level]
