"""Pytest fixtures for the emulator (entry point ``pytest11: genomics_emulator``).

``onecodex_emulator`` and ``sevenbridges_emulator`` each start an :class:`~genomics_provider.testing.Emulator`
seeded ``"demo"``, point ``AIRFLOW_CONN_ONECODEX_DEFAULT`` / ``AIRFLOW_CONN_SEVENBRIDGES_DEFAULT`` at it, yield it
and stop it. A test asking for both gets one shared emulator. Importing this module is cheap: the server stack is
imported inside the fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from genomics_provider.testing.emulator import Emulator


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
