"""The connection as the hooks use it: where a credential may be sent, and a ``repr`` that never shows it."""

from __future__ import annotations

import ipaddress

import attrs
from airflow.sdk import Connection

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback_host(host: str | None) -> bool:
    """Tell whether a host name or address is on this machine (127.0.0.0/8, ::1, localhost).

    :param host: Host part of a URL.
    :return: ``True`` for loopback hosts.
    """
    if not host:
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _RedactedConnection(Connection):
    """An Airflow connection whose ``repr`` (and so ``str``) never shows the password."""

    def __repr__(self) -> str:
        password = "'***'" if self.password else "None"
        return (
            f"Connection(conn_id={self.conn_id!r}, conn_type={self.conn_type!r}, host={self.host!r}, "
            f"login={self.login!r}, password={password})"
        )


def redacted(connection: Connection) -> Connection:
    """Return the connection as one whose ``repr`` hides the password (other objects are returned as they are).

    :param connection: A connection from ``get_connection`` or ``aget_connection``.
    :return: The same fields in a :class:`Connection` subclass with a safe ``repr``.
    """
    if isinstance(connection, _RedactedConnection) or not attrs.has(type(connection)):
        return connection
    return _RedactedConnection(**attrs.asdict(connection, recurse=False))
