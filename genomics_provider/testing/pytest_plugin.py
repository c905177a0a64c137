"""Pytest fixtures for the emulator (entry point ``pytest11: genomics_emulator``).

``onecodex_emulator`` and ``sevenbridges_emulator`` each start an :class:`~genomics_provider.testing.Emulator`
seeded ``"demo"``, point ``AIRFLOW_CONN_ONECODEX_DEFAULT`` / ``AIRFLOW_CONN_SEVENBRIDGES_DEFAULT`` at it, yield it
and stop it. A test asking for both gets one shared emulator. Importing this module is cheap: the server stack is
imported inside the fixtures.

Strict by default: a test using these fixtures FAILS when it sent a One Codex write body that breaks the vendor
contract (``emu.contract_violations`` is not empty), because the real service would have refused it. A test that
sends such a body on purpose opts out with ``@pytest.mark.genomics_emulator(strict=False)``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from genomics_provider.testing.emulator import Emulator


MARKER = "genomics_emulator"


def pytest_configure(config: pytest.Config) -> None:
    """Register the plugin's marker.

    :param config: Pytest's configuration.
    """
    config.addinivalue_line(
        "markers", f"{MARKER}(strict=True): strict=False lets a test pass although it sent contract-breaking bodies"
    )


def _strict(item: pytest.Item) -> bool:
    marker = item.get_closest_marker(MARKER)
    return bool(marker.kwargs.get("strict", True)) if marker is not None else True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Fail a passing test whose emulator logged contract violations, unless the test opted out.

    :param item: The test.
    :param call: The phase that ran.
    :return: The hook wrapper's generator.
    """
    outcome = yield
    report = outcome.get_result()
    emu = getattr(item, "funcargs", {}).get("genomics_emulator")
    if call.when != "call" or not report.passed or emu is None or not _strict(item):
        return
    violations = list(emu.contract_violations)
    if violations:
        lines = [f"  {v.operation} at {v.location}: {v.message}" for v in violations]
        report.outcome = "failed"
        report.longrepr = (
            f"the test sent {len(violations)} request bod{'y' if len(violations) == 1 else 'ies'} the real service "
            "would refuse (mark the test @pytest.mark.genomics_emulator(strict=False) if that is intended):\n"
            + "\n".join(lines)
        )


@pytest.fixture
def genomics_emulator() -> Iterator[Emulator]:
    """Start one emulator (seed ``"demo"``) for the test, without setting any connection.

    :return: The running emulator (stopped after the test).
    """
    from genomics_provider.testing.emulator import Emulator

    with Emulator(seed="demo") as emu:
        yield emu


@pytest.fixture
def onecodex_emulator(genomics_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The emulator, with ``AIRFLOW_CONN_ONECODEX_DEFAULT`` pointing at it.

    :param genomics_emulator: The shared emulator.
    :param monkeypatch: Pytest's monkeypatch (restores the environment).
    :return: The running emulator.
    """
    monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", genomics_emulator.onecodex_conn_json())
    return genomics_emulator


@pytest.fixture
def sevenbridges_emulator(genomics_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The emulator, with ``AIRFLOW_CONN_SEVENBRIDGES_DEFAULT`` pointing at it.

    :param genomics_emulator: The shared emulator.
    :param monkeypatch: Pytest's monkeypatch (restores the environment).
    :return: The running emulator.
    """
    monkeypatch.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", genomics_emulator.sevenbridges_conn_json())
    return genomics_emulator
