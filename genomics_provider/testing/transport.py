"""Dropping connections for real: a uvicorn HTTP protocol that lets the app abort its TCP connection."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


class TransportRegistry:
    """Open transports keyed by the client's ``(host, port)``, as found in the ASGI scope's ``client``."""

    def __init__(self) -> None:
        """Create an empty registry."""
        self._lock = threading.Lock()
        self._by_peer: dict[tuple[str, int], asyncio.Transport] = {}

    @staticmethod
    def _key(transport: asyncio.BaseTransport) -> tuple[str, int] | None:
        peer = transport.get_extra_info("peername")
        if not isinstance(peer, tuple) or len(peer) < 2:
            return None
        return str(peer[0]), int(peer[1])

    def add(self, transport: asyncio.Transport) -> None:
        """Remember a new connection.

        :param transport: The connection's transport.
        """
        key = self._key(transport)
        if key is not None:
            with self._lock:
                self._by_peer[key] = transport

    def remove(self, transport: asyncio.BaseTransport | None) -> None:
        """Forget a closed connection.

        :param transport: The connection's transport.
        """
        key = self._key(transport) if transport is not None else None
        if key is not None:
            with self._lock:
                if self._by_peer.get(key) is transport:
                    del self._by_peer[key]

    def abort(self, client: Any) -> bool:
        """Reset a client's connection (RST, no HTTP response).

        :param client: The ASGI scope's ``client`` value.
        :return: ``True`` when a connection was found and aborted.
        """
        if not client:
            return False
        with self._lock:
            transport = self._by_peer.get((str(client[0]), int(client[1])))
        if transport is None:
            return False
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        return True


def make_protocol_class(registry: TransportRegistry) -> type[H11Protocol]:
    """Build an h11-based uvicorn protocol class that registers its transports.

    :param registry: Where connections are registered.
    :return: The protocol class to pass as ``uvicorn.Config(http=...)``.
    """

    class AbortableH11Protocol(H11Protocol):
        """uvicorn's h11 protocol, registering each connection so the app can drop it."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            """Register the new connection.

            :param transport: The connection's transport.
            """
            sock = transport.get_extra_info("socket")
            if sock is not None:
                # uvicorn writes a response's head and body separately: without TCP_NODELAY the body waits for the
                # client's delayed ACK, ~40 ms per call on Linux.
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().connection_made(transport)
            registry.add(transport)

        def connection_lost(self, exc: Exception | None) -> None:
            """Forget the closed connection.

            :param exc: The error that closed it, if any.
            """
            registry.remove(self.transport)
            super().connection_lost(exc)

    return AbortableH11Protocol
