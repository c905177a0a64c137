"""A throw-away ``redis-server`` on 127.0.0.1 for scenario 7's "with Redis" runs, and whether such a run can happen.

The server is a real OS process started here on a free port, with no persistence, and stopped (by its pid) when the
block ends. The writers reach it through an Airflow connection, ``AIRFLOW_CONN_REDIS_DEFAULT``, named by the
provider's connection extra ``"coordination": {"redis_conn_id": "redis_default"}``.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from genomics_provider.testing.redis_server import RedisServer
from genomics_provider.testing.redis_server import redis_server as running

#: The provider module holding the Redis shared limiter.
SHARED_LIMIT_MODULE = "genomics_provider.hooks._shared_limit"
#: The Airflow connection id the writers are told to coordinate through.
REDIS_CONN_ID = "redis_default"
#: The connection extra that switches the provider's shared limiter on.
COORDINATION_EXTRA: dict[str, Any] = {"coordination": {"redis_conn_id": REDIS_CONN_ID}}


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def unavailable_reason() -> str | None:
    """Tell why a "with Redis" run cannot happen here, if it cannot.

    :return: ``None`` when it can; otherwise what is missing and how to get it.
    """
    if not _has_module(SHARED_LIMIT_MODULE):
        return "the provider has no Redis shared limiter yet (genomics_provider/hooks/_shared_limit.py is missing)"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (apt-get install redis-server)"
    for module, package in (("redis", "redis"), ("airflow.providers.redis", "apache-airflow-providers-redis")):
        if not _has_module(module):
            return f"{package} is not installed (pip install -e '.[redis]')"
    return None


class BenchRedis:
    """A running ``redis-server`` (:class:`genomics_provider.testing.redis_server.RedisServer`) and a client to it.

    :param server: The server.
    """

    def __init__(self, server: RedisServer) -> None:
        self.server = server
        self.port = server.port
        self.client = server.client()

    def connections(self) -> dict[str, str]:
        """Return the Airflow connection the writers need.

        :return: ``{"AIRFLOW_CONN_REDIS_DEFAULT": <JSON>}``.
        """
        return {f"AIRFLOW_CONN_{REDIS_CONN_ID.upper()}": self.server.conn_json()}

    def commands_processed(self) -> int:
        """Count the commands the server has processed so far (``INFO stats``).

        :return: ``total_commands_processed``.
        """
        return int(self.client.info("stats")["total_commands_processed"])

    def flush(self) -> None:
        """Forget every key (between runs: each run starts with no shared state)."""
        self.client.flushall()


@contextmanager
def redis_server() -> Iterator[BenchRedis]:
    """Start a ``redis-server`` on 127.0.0.1 on a free port; stop it when the block ends.

    :return: A context manager yielding the running server.
    :raises RuntimeError: When it does not start.
    """
    with running() as server:
        bench = BenchRedis(server)
        try:
            yield bench
        finally:
            bench.client.close()
