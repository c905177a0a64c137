"""The connection as the hooks use it: where a credential may be sent, and a ``repr`` that never shows it."""

from __future__ import annotations

import ipaddress
import re
import sys
from typing import NamedTuple
from urllib.parse import urlsplit

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


#: Characters no base URL may hold: control characters, white space and the backslash, which parsers read apart.
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


class SafeUrl(NamedTuple):
    """A URL that the HTTP stack and :mod:`urllib.parse` both read the same way.

    :param url: The URL, as given.
    :param scheme: ``http`` or ``https``.
    :param host: The host the connection pool will dial (lower case, brackets stripped for IPv6).
    """

    url: str
    scheme: str
    host: str


def check_url(url: str, *, what: str) -> SafeUrl:
    """Apply the one URL rule before a credential may go to a URL: one reading of the host, no userinfo.

    ``urlsplit`` and urllib3 (which ``requests`` dials with) disagree on URLs with a backslash or userinfo
    (``http://evil.example\\@127.0.0.1`` is 127.0.0.1 to one and evil.example to the other), so such URLs are
    refused, as are control characters, white space, ``user:password@`` and schemes other than http(s). The error
    never repeats what stood before an ``@``.

    :param url: The URL to check.
    :param what: What the URL is, for the error (e.g. ``connection 'onecodex_default': host``).
    :return: The URL with the host it really points at.
    :raises ValueError: When the URL breaks the rule; the message names ``what`` and the rule.
    """
    from urllib3.util import parse_url

    shown = _without_userinfo(url)
    if _UNSAFE_URL_CHARS.search(url):
        raise ValueError(f"{what} {shown!r} contains a backslash, white space or a control character")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} {shown!r} is not an http(s) URL with a host name")
    if "@" in parts.netloc:
        raise ValueError(f"{what} {shown!r} carries a user name or password; put the credential in the password field")
    try:
        dialled = parse_url(url)
    except ValueError:
        raise ValueError(f"{what} {shown!r} is not a URL the HTTP client can use") from None
    host = (dialled.host or "").strip("[]").lower()
    if host != parts.hostname.lower() or dialled.port != parts.port or dialled.auth:
        raise ValueError(f"{what} {shown!r} is read differently by different URL parsers; write it plainly")
    return SafeUrl(url, parts.scheme, host)


def _without_userinfo(url: str) -> str:
    """Cut whatever stands between ``://`` and the last ``@`` of the authority, so an error cannot show a password.

    :param url: A URL, perhaps malformed.
    :return: The URL with that part replaced by ``***``.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    authority, slash, tail = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rsplit("@", 1)[1]
    return f"{scheme}{sep}{authority}{slash}{tail}"


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
    if isinstance(connection, _RedactedConnection):
        return connection
    if attrs.has(type(connection)):
        return _RedactedConnection(**attrs.asdict(connection, recurse=False))
    # Outside a task, Airflow 3.1's get_connection returns the database model, whose repr is only the id.
    db_model = sys.modules.get("airflow.models.connection")
    if db_model is not None and isinstance(connection, db_model.Connection):
        fields = {field.name: getattr(connection, field.name) for field in attrs.fields(Connection)}
        return _RedactedConnection(**fields)
    return connection
