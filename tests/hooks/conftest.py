"""Fixtures shared by the hook tests: the One Codex and Seven Bridges connections, hook logs routed to ``caplog``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
import structlog

from genomics_provider.hooks.onecodex import OneCodexHook
from tests.hooks.sevenbridges_support import conn

KEY = "oc-test-key-7f3a9c1e5b2d4f60a8"
BASE = "https://app.onecodex.com"
CONN_ENV = "AIRFLOW_CONN_ONECODEX_DEFAULT"


@pytest.fixture
def set_connection(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Define ``onecodex_default`` through its environment variable; call again to redefine it.

    :param monkeypatch: pytest's monkeypatch.
    :return: ``set_connection(host=..., password=..., **extra)``.
    """

    def _set(host: str = BASE, password: str | None = KEY, **extra: Any) -> None:
        # The client-side rate limiter would add its pacing to the recorded waits; tests of it set rate_limit.
        extra.setdefault("rate_limit", 0)
        conn: dict[str, Any] = {"conn_type": "onecodex", "host": host, "extra": extra}
        if password is not None:
            conn["password"] = password
        monkeypatch.setenv(CONN_ENV, json.dumps(conn))

    _set()
    return _set


@pytest.fixture
def hook_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Send the hook's structlog output through stdlib logging, at DEBUG, so ``caplog`` sees it.

    Airflow 3's task SDK logs through structlog straight to the console, bypassing stdlib handlers; without this,
    ``caplog.text`` would stay empty and a "the key is not in the logs" check would pass for nothing.

    :param caplog: pytest's caplog.
    :return: caplog, capturing everything from DEBUG up.
    """
    saved = structlog.get_config()
    structlog.configure(
        processors=[structlog.stdlib.render_to_log_args_and_kwargs],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    # Airflow's logging config sets "airflow" and "airflow.task" (the hooks' parent loggers) to INFO.
    for name in (None, "airflow", "airflow.task"):
        caplog.set_level(logging.DEBUG, logger=name)
    try:
        yield caplog
    finally:
        structlog.configure(**saved)


@pytest.fixture
def hook(set_connection: Callable[..., None]) -> Iterator[OneCodexHook]:
    """Provide a hook on the default connection (tests may redefine the connection before the first call).

    :param set_connection: The connection fixture.
    :return: The hook.
    """
    oc_hook = OneCodexHook()
    yield oc_hook
    oc_hook.close()


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """Intercept HTTP; every registered response must be used, and unregistered URLs fail.

    :return: The mock.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock_api:
        yield mock_api


@pytest.fixture
def sb_conn(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Define ``sevenbridges_default`` (the CGC base URL and a test token) through its environment variable.

    :param monkeypatch: pytest's monkeypatch.
    :return: The monkeypatch, to redefine the connection with ``setenv``.
    """
    monkeypatch.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn())
    return monkeypatch


@pytest.fixture
def rsps(api: responses.RequestsMock) -> responses.RequestsMock:
    """Name :func:`api` as the Seven Bridges tests call it (over a hundred of them).

    :param api: The mock.
    :return: The same mock.
    """
    return api
