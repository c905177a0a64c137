"""A real ``redis-server`` for tests (:mod:`genomics_provider.testing.redis_server`), or a skip that names it.

Locally, a machine without ``redis-server`` (or without the ``redis`` extra) skips the test with what to install;
under ``CI=true`` that is a failure, because CI installs both (``.ci/run``, ``pip install -e '.[test]'``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from genomics_provider.testing.redis_server import RedisServer, redis_server

__all__ = ["RedisServer", "missing", "running_redis"]


def missing(what: str) -> None:
    """Skip the test naming what to install, or fail it under ``CI=true``.

    :param what: The install command or package.
    """
    message = f"needs {what}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI must provide it)")
    pytest.skip(message)


@contextmanager
def running_redis() -> Iterator[RedisServer]:
    """Run a fresh ``redis-server`` for the duration of the block (skip or fail when it cannot run).

    :return: A context manager yielding the running server.
    """
    if shutil.which("redis-server") is None:
        missing("redis-server: apt-get install redis-server")
    try:
        import airflow.providers.redis.hooks.redis  # noqa: F401
    except ImportError:
        missing("the Redis provider: pip install -e '.[test]' (or 'airflow-provider-genomics[redis]')")
    with redis_server() as server:
        yield server
