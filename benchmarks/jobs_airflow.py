"""DAG-parse cost jobs run inside a child: one module's import time, and parsing the example DAGs offline.

"Airflow already imported" means what every DAG file of this provider imports first: ``airflow.sdk`` with
``DAG``, ``BaseOperator``, ``BaseHook`` and ``BaseOperatorLink``. Only the provider module's own import is timed.
"""

from __future__ import annotations

import importlib
import socket
import sys
from collections.abc import Callable
from typing import Any

Run = Callable[[], dict[str, Any]]


def _import_airflow() -> None:
    """Import what a DAG file imports first, so that only the module under test is timed."""
    import airflow.sdk
    from airflow.sdk import DAG, BaseHook, BaseOperator, BaseOperatorLink

    loaded = (airflow.sdk, DAG, BaseHook, BaseOperator, BaseOperatorLink)
    assert all(loaded)


def import_module(params: dict[str, Any]) -> Run:
    """Import Airflow, then time importing one module.

    :param params: ``module``: dotted module name.
    :return: The measured run; it reports the non-stdlib top-level packages the import pulled in (beyond Airflow's).
    """
    _import_airflow()
    before = set(sys.modules)

    def run() -> dict[str, Any]:
        importlib.import_module(params["module"])
        new = set(sys.modules) - before
        top = {name.split(".")[0] for name in new} - {params["module"].split(".")[0]}
        packages = sorted(name for name in top if name not in sys.stdlib_module_names and not name.startswith("_"))
        return {"module": params["module"], "new_modules": len(new), "new_packages": packages}

    return run


class _ConnectGuard:
    """Record and refuse every outgoing socket connection (parsing a DAG must not touch the network)."""

    def __init__(self) -> None:
        """Remember the real ``connect`` methods; record nothing yet."""
        self.attempts: list[str] = []
        self._connect = socket.socket.connect
        self._connect_ex = socket.socket.connect_ex

    def install(self) -> None:
        """Replace ``socket.socket.connect`` and ``connect_ex`` with the recording, refusing versions."""
        guard = self

        def connect(sock: socket.socket, address: Any) -> None:
            return guard.refuse(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            guard.refuse(sock, address)
            return 111

        socket.socket.connect = connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]

    def refuse(self, sock: socket.socket, address: Any) -> None:
        """Record a connection attempt and refuse it (Unix-domain sockets are let through: local IPC).

        :param sock: The socket connecting.
        :param address: Where to.
        :raises ConnectionRefusedError: For every network address.
        """
        if sock.family == getattr(socket, "AF_UNIX", None):
            return self._connect(sock, address)  # local IPC is not a request
        self.attempts.append(repr(address))
        raise ConnectionRefusedError(f"benchmark: DAG parsing tried to connect to {address!r}")

    def uninstall(self) -> None:
        """Put the real ``connect`` methods back."""
        socket.socket.connect = self._connect  # type: ignore[method-assign]
        socket.socket.connect_ex = self._connect_ex  # type: ignore[method-assign]


def parse_dags(params: dict[str, Any]) -> Run:
    """Parse a DAG folder with Airflow's ``DagBag`` while every outgoing connection is recorded and refused.

    :param params: ``folder``: the DAG folder.
    :return: The measured run; it reports the DAG ids, import errors and connection attempts.
    """
    _import_airflow()
    from genomics_provider._compat import DagBag

    guard = _ConnectGuard()

    def run() -> dict[str, Any]:
        guard.install()
        try:
            bag = DagBag(dag_folder=params["folder"], safe_mode=False)
        finally:
            guard.uninstall()
        errors = {str(path): str(error)[:300] for path, error in bag.import_errors.items()}
        return {"dags": sorted(bag.dag_ids), "import_errors": errors, "connect_attempts": guard.attempts}

    return run
