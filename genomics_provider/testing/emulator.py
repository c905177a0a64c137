"""The :class:`Emulator` handle: state, switches, faults and a uvicorn server in a background thread."""

from __future__ import annotations

import json
import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from genomics_provider.testing.app import EmulatorApp
from genomics_provider.testing.config import Clock, EmulatorConfig, system_clock
from genomics_provider.testing.context import Context
from genomics_provider.testing.contracts import ContractViolation, ViolationLog
from genomics_provider.testing.faults import FaultInjector
from genomics_provider.testing.recorder import Recorder
from genomics_provider.testing.seeds import build_state
from genomics_provider.testing.state import OneCodexState, SevenBridgesState
from genomics_provider.testing.transport import TransportRegistry, make_protocol_class

_START_TIMEOUT_S = 10.0


#: The concurrency bounds of connections to the emulator: it answers on loopback in milliseconds, so a write lands
#: well within 1 s, and a writing task waits V = 3.5 s instead of 12.5 s before its last re-read (see
#: :mod:`genomics_provider.curation.reconcile`).
LOCAL_BOUNDS: dict[str, float] = {"max_read_age": 2.0, "write_timeout": 1.0}


class Emulator:
    """A local One Codex v1 + Seven Bridges v2 server with inspectable, resettable in-memory state.

    Use it as a context manager (``with Emulator(seed="demo") as emu: ...``) or call :meth:`start`/:meth:`stop`.
    """

    def __init__(
        self,
        seed: str = "demo",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        sb_files: int = 0,
        oc_samples: int = 0,
        onecodex_api_key: str | None = None,
        sevenbridges_token: str | None = None,
        config: EmulatorConfig | None = None,
        clock: Clock | None = None,
        **switches: Any,
    ) -> None:
        """Build the state (the server starts with :meth:`start` or ``with``).

        :param seed: ``"demo"`` or ``"empty"``.
        :param host: Address to bind; keep the loopback default.
        :param port: Port to bind; 0 picks a free one.
        :param sb_files: Generated Seven Bridges files in ``rfranklin/scale-test``.
        :param oc_samples: Generated One Codex samples.
        :param onecodex_api_key: API key to accept instead of the default.
        :param sevenbridges_token: Token to accept instead of the default.
        :param config: Switches; a fresh :class:`EmulatorConfig` by default.
        :param clock: Time source (e.g. :class:`~genomics_provider.testing.config.ManualClock`).
        :param switches: Any :class:`EmulatorConfig` attribute, e.g. ``rate_limit_enabled=False``.
        :raises TypeError: For an unknown switch.
        :raises ValueError: For an unknown seed.
        """
        self.config = config or EmulatorConfig()
        if onecodex_api_key is not None:
            self.config.onecodex_api_key = onecodex_api_key
        if sevenbridges_token is not None:
            self.config.sevenbridges_token = sevenbridges_token
        for name, value in switches.items():
            if not hasattr(self.config, name):
                raise TypeError(f"unknown emulator switch {name!r}")
            setattr(self.config, name, value)
        self.seed, self.sb_files, self.oc_samples = seed, sb_files, oc_samples
        self.clock: Clock = clock or system_clock
        self.recorder = Recorder()
        self.faults = FaultInjector(self.config.fault_seed)
        self._violations = ViolationLog()
        oc_state, sb_state = self._build()
        self._ctx = Context(self.config, self.clock, self.faults, oc_state, sb_state)
        self._registry = TransportRegistry()
        self._app = EmulatorApp(self._ctx, self.recorder, self._violations, self._registry)
        self._host, self._port = host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    def _build(self) -> tuple[OneCodexState, SevenBridgesState]:
        return build_state(self.seed, self.clock(), self.sb_files, self.oc_samples)

    @property
    def onecodex(self) -> OneCodexState:
        """One Codex state (``samples``, ``tags``, ``projects``, ``metadata``, ``users``, ``accounts``)."""
        return self._ctx.onecodex

    @property
    def sevenbridges(self) -> SevenBridgesState:
        """Seven Bridges state (``files``, ``projects``, ``users``, ``read_only``)."""
        return self._ctx.sevenbridges

    @property
    def contract_violations(self) -> list[ContractViolation]:
        """One Codex write bodies that broke the vendor contract, oldest first (a live list)."""
        return self._violations.items

    @property
    def lock(self) -> threading.RLock:
        """The lock the server holds while handling a request; hold it to change state atomically."""
        return self._ctx.lock

    @property
    def host(self) -> str:
        """The bound address."""
        return self._host

    @property
    def port(self) -> int:
        """The bound port (known once started, or when given explicitly).

        :raises RuntimeError: If the port is not known yet.
        """
        if not self._port:
            raise RuntimeError("the emulator has not been started; its port is not known yet")
        return self._port

    @property
    def url(self) -> str:
        """One Codex base URL and the server's root, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://{self._host}:{self.port}"

    @property
    def sevenbridges_url(self) -> str:
        """Seven Bridges API base URL, e.g. ``http://127.0.0.1:PORT/v2``."""
        return f"{self.url}/v2"

    @property
    def running(self) -> bool:
        """Whether the server thread is serving."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Emulator:
        """Bind the socket and serve in a background thread.

        :return: ``self``.
        :raises RuntimeError: If the server does not come up within 10 s.
        :raises OSError: If the address cannot be bound.
        """
        if self.running:
            return self
        sock = socket.socket(socket.AF_INET6 if ":" in self._host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._socket, self._port = sock, sock.getsockname()[1]
        self._app.base_url = self.url
        self._app.stopping = False
        config = uvicorn.Config(
            self._app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            loop="asyncio",
            http=make_protocol_class(self._registry),
            timeout_graceful_shutdown=2,
            timeout_keep_alive=5,
            server_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"genomics-emulator-{self._port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator's server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving: wake delayed responses, let uvicorn shut down, join the thread, free the port."""
        server, thread, sock = self._server, self._thread, self._socket
        self._app.stopping = True
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=5.0)
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(timeout=5.0)
        if sock is not None:
            sock.close()
        self._server = self._thread = self._socket = None

    def reset(self) -> None:
        """Return to the seed: fresh state, empty recorder, no faults, no contract violations, full rate limits.

        Switches on ``emu.config`` are kept.
        """
        with self._ctx.lock:
            self._ctx.onecodex, self._ctx.sevenbridges = self._build()
        self.recorder.clear()
        self.faults.clear(seed=self.config.fault_seed)
        self._violations.clear()
        self.reset_limits()

    def reset_limits(self) -> None:
        """Refill every rate limit (One Codex token buckets, Seven Bridges windows) and keep the state.

        Use it between a run and a later re-run that should not share the first run's rate-limit window.
        """
        with self._ctx.lock:
            self._app.reset_limits()

    def start_import(self, sample_id: str, delay_s: float | None = None) -> None:
        """Put a One Codex sample into ``importing``; it becomes ``available`` after the delay.

        :param sample_id: Sample id.
        :param delay_s: Seconds until available; ``None`` follows ``config.import_delay_s`` (read at each check).
        """
        with self._ctx.lock:
            self.onecodex.start_import(sample_id, self.clock(), delay_s)

    def onecodex_conn_json(self, extra: dict[str, Any] | None = None) -> str:
        """Build the value for ``AIRFLOW_CONN_ONECODEX_DEFAULT``.

        :param extra: Optional connection extra, over :data:`LOCAL_BOUNDS`.
        :return: ``{"conn_type": "onecodex", "host": <url>, "password": <key>, "extra": {...}}`` as JSON.
        """
        conn: dict[str, Any] = {"conn_type": "onecodex", "host": self.url, "password": self.config.onecodex_api_key}
        conn["extra"] = {**LOCAL_BOUNDS, **(extra or {})}
        return json.dumps(conn)

    def sevenbridges_conn_json(self, extra: dict[str, Any] | None = None) -> str:
        """Build the value for ``AIRFLOW_CONN_SEVENBRIDGES_DEFAULT``.

        :param extra: Optional connection extra, over :data:`LOCAL_BOUNDS`.
        :return: ``{"conn_type": "sevenbridges", "host": <url>/v2, "password": <token>, "extra": {...}}`` as JSON.
        """
        conn: dict[str, Any] = {
            "conn_type": "sevenbridges",
            "host": self.sevenbridges_url,
            "password": self.config.sevenbridges_token,
            "extra": {**LOCAL_BOUNDS, **(extra or {})},
        }
        return json.dumps(conn)

    def __enter__(self) -> Emulator:
        """Start the server.

        :return: ``self``.
        """
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the server.

        :param exc_type: Exception type, if any.
        :param exc: Exception, if any.
        :param tb: Traceback, if any.
        """
        self.stop()

    def __repr__(self) -> str:
        """Describe the emulator without credentials.

        :return: E.g. ``<Emulator seed='demo' url=http://127.0.0.1:PORT running>``.
        """
        where = self.url if self._port else "unbound"
        return f"<Emulator seed={self.seed!r} url={where} {'running' if self.running else 'stopped'}>"
