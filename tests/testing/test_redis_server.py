"""The throwaway redis-server (redis_server): its connection JSON, a clean start and stop, a clear refusal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from genomics_provider.testing import redis_server as module
from genomics_provider.testing.redis_server import RedisServer, redis_server


def test_a_new_server_is_bound_to_127_0_0_1_on_a_free_port(tmp_path: Path) -> None:
    server = RedisServer(tmp_path)
    assert server.host == "127.0.0.1"
    assert 0 < server.port < 65536
    assert server.process is None
    assert json.loads(server.conn_json()) == {"conn_type": "redis", "host": "127.0.0.1", "port": server.port}


def test_before_start_there_is_no_log_and_stop_does_nothing(tmp_path: Path) -> None:
    server = RedisServer(tmp_path)
    assert server.log_text() == ""
    server.stop()
    assert server.process is None


def test_a_missing_binary_is_refused_with_the_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install redis-server"):
        RedisServer(tmp_path).start()


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_the_context_manager_runs_a_fresh_server_and_removes_it() -> None:
    with redis_server() as server:
        client = server.client()
        assert client.ping()
        assert client.dbsize() == 0
        settings = {**client.config_get("bind"), **client.config_get("save"), **client.config_get("appendonly")}
        assert settings == {"bind": "127.0.0.1", "save": "", "appendonly": "no"}  # local only, no persistence
        client.set("k", "v")
        assert client.get("k") == b"v"
        process, directory = server.process, server.directory
        assert process is not None
        assert directory.is_dir()
    assert process.poll() is not None
    assert server.process is None
    assert not directory.exists()
