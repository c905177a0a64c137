"""A throwaway ``redis-server`` on 127.0.0.1, for tests and benchmarks of the shared rate limit.

Started on a free port in a temporary directory, with no persistence, and stopped when done; reached by the
provider through an Airflow Redis connection (:meth:`RedisServer.conn_json`) named by the connection extra
``"coordination": {"redis_conn_id": ...}``. Needs Debian's ``redis-server`` (``apt-get install redis-server``) and
the ``redis`` extra.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_START_TIMEOUT_S = 10.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One ``redis-server`` process without persistence.

    :param directory: Its working directory (and log file).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        """Start the server and wait until it answers ``PING``.

        :return: ``self``.
        :raises RuntimeError: When it does not answer within 10 s.
        """
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: apt-get install redis-server")
        log = (self.directory / "redis.log").open("ab")
        command = [binary, "--port", str(self.port), "--bind", self.host, "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
            [*command, "--dir", str(self.directory)], stdout=log, stderr=log
        )
        deadline = time.monotonic() + _START_TIMEOUT_S
        while True:
            try:
                if self.client().ping():
                    return self
            except Exception:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"redis-server did not start: {self.log_text()}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def client(self) -> Any:
        """Open a plain redis-py client to it (for the tests' own checks).

        :return: A ``redis.Redis``.
        """
        import redis

        return redis.Redis(host=self.host, port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def conn_json(self) -> str:
        """Describe it as an Airflow Redis connection, for an ``AIRFLOW_CONN_*`` variable.

        :return: JSON.
        """
        return json.dumps({"conn_type": "redis", "host": self.host, "port": self.port})

    def log_text(self) -> str:
        """Read the server's log.

        :return: The log, or ``""``.
        """
        path = self.directory / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """Run a fresh ``redis-server`` for the duration of the block.

    :return: A context manager yielding the running server.
    :raises RuntimeError: When it is not installed or does not start.
    """
    with tempfile.TemporaryDirectory(prefix="genomics-redis-") as directory:
        server = RedisServer(Path(directory)).start()
        try:
            yield server
        finally:
            server.stop()
