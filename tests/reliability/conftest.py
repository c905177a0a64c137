"""Fixtures of the reliability suite: one fast emulator per module, its connections, and a clean slate per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from genomics_provider.testing import Emulator
from tests.reliability.helpers import OC_KEY, SB_TOKEN, SHORT_TIMEOUT_S, connection_env


@pytest.fixture(scope="package", autouse=True)
def no_proxy_lookup_per_call() -> Iterator[None]:
    """Skip ``requests``' per-call scan of proxy variables and ``~/.netrc``: the emulator is on loopback.

    That scan is a fifth of this suite's CPU time over ~10,000 calls, and has nothing to do with what is tested.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(requests.sessions, "get_environ_proxies", lambda url, no_proxy=None: {})
        patch.setattr(requests.sessions, "get_netrc_auth", lambda url, raise_errors=False: None)
        yield


@pytest.fixture(scope="module")
def emu(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """One emulator per module (demo seed plus generated samples and files), without its rate limiters.

    The module's ``GENERATED_ITEMS`` (default 12) sets how many samples and files are generated. Waits are patched
    away (``no_real_sleep``), so the emulator's own limiters would answer 429s the tests did not ask for; rate
    limiting is tested with injected 429 faults instead.

    :param request: The fixture request (for the module's settings).
    :return: The running emulator, with ``AIRFLOW_CONN_*`` pointing at it for the whole module.
    """
    generated = getattr(request.module, "GENERATED_ITEMS", 12)
    with (
        Emulator(
            seed="demo",
            oc_samples=generated,
            sb_files=generated,
            onecodex_api_key=OC_KEY,
            sevenbridges_token=SB_TOKEN,
            rate_limit_enabled=False,
        ) as emulator,
        pytest.MonkeyPatch.context() as patch,
    ):
        for name, value in connection_env(emulator, short_timeout=SHORT_TIMEOUT_S).items():
            patch.setenv(name, value)
        yield emulator


@pytest.fixture
def fresh(emu: Emulator) -> Emulator:
    """The module's emulator, back to its seed (state, recorder, faults) for this test.

    :param emu: The module's emulator.
    :return: The same emulator.
    """
    emu.reset()
    return emu
