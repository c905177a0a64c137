"""Fixtures for the emulator's own tests: one running emulator per module, reset before every test."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator

import pytest
import requests

from genomics_provider.testing import Emulator, EmulatorConfig

# The plugin's fixtures, importable here whether or not the package's pytest11 entry point is installed.
from genomics_provider.testing.pytest_plugin import (  # noqa: F401
    genomics_emulator,
    onecodex_emulator,
    sevenbridges_emulator,
)

OC_KEY = "oc-test-key-distinctive-XYZ-0001"
SB_TOKEN = "sb-test-token-distinctive-QRS-02"
OC = "/api/v1"


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[Emulator]:
    """One running emulator for a test module (rate limits off; tests that need them build their own).

    :return: The emulator.
    """
    with Emulator(seed="demo", onecodex_api_key=OC_KEY, sevenbridges_token=SB_TOKEN) as emu:
        emu.config.rate_limit_enabled = False
        yield emu


@pytest.fixture
def emu(shared_emulator: Emulator) -> Iterator[Emulator]:
    """The module's emulator, reset to the seed, with its switches restored after the test.

    :param shared_emulator: The module's emulator.
    :return: The emulator.
    """
    saved = copy.deepcopy(shared_emulator.config)
    shared_emulator.reset()
    yield shared_emulator
    for field in dataclasses.fields(EmulatorConfig):
        setattr(shared_emulator.config, field.name, getattr(saved, field.name))
    shared_emulator.reset()


@pytest.fixture
def oc(emu: Emulator) -> Iterator[requests.Session]:
    """A session that authenticates to One Codex with ``X-API-Key``.

    :param emu: The emulator.
    :return: The session.
    """
    with requests.Session() as session:
        session.headers["X-API-Key"] = OC_KEY
        yield session


@pytest.fixture
def sb(emu: Emulator) -> Iterator[requests.Session]:
    """A session that authenticates to Seven Bridges with ``X-SBG-Auth-Token``.

    :param emu: The emulator.
    :return: The session.
    """
    with requests.Session() as session:
        session.headers["X-SBG-Auth-Token"] = SB_TOKEN
        yield session
