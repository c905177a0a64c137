"""Fixtures for the emulator's own tests: one running emulator per module, reset before every test."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

from genomics_provider.testing import Emulator, EmulatorConfig, ManualClock
from genomics_provider.testing.context import Context
from genomics_provider.testing.errors import SB_MORE_INFO
from genomics_provider.testing.faults import FaultInjector
from genomics_provider.testing.http import NO_BODY, Call

# The plugin's fixtures, importable here whether or not the package's pytest11 entry point is installed.
from genomics_provider.testing.pytest_plugin import (  # noqa: F401
    genomics_emulator,
    onecodex_emulator,
    sevenbridges_emulator,
)
from genomics_provider.testing.seeds import build_state

OC_KEY = "oc-test-key-distinctive-XYZ-0001"
SB_TOKEN = "sb-test-token-distinctive-QRS-02"
OC = "/api/v1"
#: The start of a test's :class:`ManualClock`.
START = 1_700_000_000.0

#: The caller's own demo samples, in creation order.
MINE = [
    "7428cca4a3a04a8e", "1d5a9c3e7b2f4a60", "2b8e4f1a6c3d9e70", "3c9f5a2b7d4e0f81", "4d0a6b3c8e5f1a92",
    "5e1b7c4d9f6a2ba3", "6f2c8d5e0a7b3cb4", "7a3d9e6f1b8c4dc5",
]  # fmt: skip
#: What ``/samples`` lists: own samples plus samples of projects the caller can see.
LISTED = [*MINE, "0d6a2b9c4e1f7af8"]


def ids(response: requests.Response) -> list[str]:
    """Read the ids of a One Codex list response.

    :param response: A list response (a bare JSON array of objects with ``$uri``).
    :return: The ids, in order.
    """
    return [item["$uri"].rsplit("/", 1)[1] for item in response.json()]


def listing(oc: requests.Session, emu: Emulator, path: str = "/samples", **params: Any) -> requests.Response:
    """Call a One Codex list route, JSON-encoding ``where`` and ``sort``.

    :param oc: The authenticated session.
    :param emu: The emulator.
    :param path: The list route under ``/api/v1``.
    :param params: Query parameters.
    :return: The response.
    """
    encoded = {k: json.dumps(v) if k in ("where", "sort") else v for k, v in params.items()}
    return oc.get(f"{emu.url}{OC}{path}", params=encoded)


def sb_error_body(status: int, code: int, message: str) -> dict[str, Any]:
    """Build the Seven Bridges error body a test expects.

    :param status: HTTP status.
    :param code: Seven Bridges code.
    :param message: The message.
    :return: ``{"status", "code", "message", "more_info"}``.
    """
    return {"status": status, "code": code, "message": message, "more_info": SB_MORE_INFO}


def sb_files(sb: requests.Session, emu: Emulator, params: Any) -> requests.Response:
    """Call ``GET /v2/files``.

    :param sb: The authenticated session.
    :param emu: The emulator.
    :param params: Query parameters (a dict or a list of pairs).
    :return: The response.
    """
    return sb.get(f"{emu.sevenbridges_url}/files", params=params)


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


@pytest.fixture
def ctx() -> Context:
    """A route context on the demo seed, without a server: default switches and a clock at ``START``.

    :return: The context.
    """
    clock = ManualClock(START)
    oc_state, sb_state = build_state("demo", clock())
    return Context(EmulatorConfig(), clock, FaultInjector(), oc_state, sb_state)


def make_call(path: str = "/", query: str = "", headers: dict[str, str] | None = None, method: str = "GET") -> Call:
    """Build the :class:`Call` a handler would see, without a server.

    :param path: Request path.
    :param query: Raw query string (``a=1&b=2``).
    :param headers: Lower-cased request headers.
    :param method: HTTP method.
    :return: The call (no body; base URL ``http://emu.test``).
    """
    return Call(
        method=method,
        path=path,
        raw_query=query,
        query=parse_qs(query, keep_blank_values=True),
        headers=headers or {},
        body=b"",
        json=NO_BODY,
        request_id="req-test",
        base_url="http://emu.test",
    )
