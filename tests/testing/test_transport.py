"""Dropping connections (transport): the registry of open transports and the uvicorn protocol that fills it."""

from __future__ import annotations

import socket
import struct
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from genomics_provider.testing.transport import TransportRegistry, make_protocol_class


class FakeTransport:
    """Just enough of an asyncio transport: a peer name, an optional socket, and ``abort``."""

    def __init__(self, peer: Any, sock: socket.socket | None = None) -> None:
        self.extra = {"peername": peer, "socket": sock}
        self.aborted = 0

    def get_extra_info(self, name: str) -> Any:
        return self.extra.get(name)

    def abort(self) -> None:
        self.aborted += 1


def test_abort_resets_the_registered_connection_of_that_client() -> None:
    registry = TransportRegistry()
    mine, other = FakeTransport(("127.0.0.1", 5001)), FakeTransport(("127.0.0.1", 5002))
    registry.add(mine)  # type: ignore[arg-type]
    registry.add(other)  # type: ignore[arg-type]
    assert registry.abort(["127.0.0.1", "5001"]) is True  # the ASGI client value, whatever its types
    assert (mine.aborted, other.aborted) == (1, 0)


def test_abort_without_a_known_connection_is_false() -> None:
    registry = TransportRegistry()
    assert registry.abort(None) is False
    assert registry.abort(("127.0.0.1", 5001)) is False


def test_abort_sets_a_zero_linger_so_the_peer_sees_a_reset() -> None:
    with socket.socket() as sock:
        transport = FakeTransport(("127.0.0.1", 5003), sock)
        registry = TransportRegistry()
        registry.add(transport)  # type: ignore[arg-type]
        assert registry.abort(("127.0.0.1", 5003))
        linger = sock.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.calcsize("ii"))
        assert struct.unpack("ii", linger) == (1, 0)
        assert transport.aborted == 1


def test_remove_forgets_only_that_transport() -> None:
    registry = TransportRegistry()
    old, new = FakeTransport(("127.0.0.1", 5004)), FakeTransport(("127.0.0.1", 5004))
    registry.add(old)  # type: ignore[arg-type]
    registry.add(new)  # type: ignore[arg-type]  # the port was reused by a new connection
    registry.remove(old)  # type: ignore[arg-type]
    assert registry.abort(("127.0.0.1", 5004))
    assert (old.aborted, new.aborted) == (0, 1)
    registry.remove(new)  # type: ignore[arg-type]
    registry.remove(None)
    assert registry.abort(("127.0.0.1", 5004)) is False


def test_a_transport_without_a_peer_address_is_not_registered() -> None:
    registry = TransportRegistry()
    unix = FakeTransport("/tmp/socket")
    registry.add(unix)  # type: ignore[arg-type]
    assert registry.abort(("/tmp/socket", 0)) is False
    assert unix.aborted == 0


def test_the_protocol_class_is_uvicorns_h11_one_bound_to_its_registry() -> None:
    first, second = make_protocol_class(TransportRegistry()), make_protocol_class(TransportRegistry())
    assert issubclass(first, H11Protocol)
    assert first is not second
    assert first.__name__ == "AbortableH11Protocol"
