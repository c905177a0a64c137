"""What a connection configures: the credential, the base URL, and the numbers that bound every request.

:class:`ConnectionSettings` is the part of :class:`~genomics_provider.hooks.base.GenomicsRestHook` that reads the
Airflow connection (password, host, extra) and the hook's own arguments, checks them, and answers with plain values:
timeouts, attempts, the wait budget, the read-age and write bounds, and the deadline of the running task. Nothing
here sends a request.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin, urlsplit

from genomics_provider.exceptions import InsecureTransportError, InvalidInputError
from genomics_provider.hooks._connection import _without_userinfo, check_url, is_loopback_host, redacted
from genomics_provider.validation import SETTING_RANGES, check_credential, check_number

if TYPE_CHECKING:
    from airflow.sdk import Connection

    from genomics_provider.hooks._ratelimit import RateLimiter

__all__ = ["DEFAULT_MAX_ATTEMPTS", "DEFAULT_MAX_READ_AGE", "DEFAULT_MAX_WAIT", "DEFAULT_TIMEOUT",
           "DEFAULT_WRITE_TIMEOUT", "VERIFY_MARGIN_S", "ConnectionSettings", "checked_timeout",
           "task_deadline"]  # fmt: skip

DEFAULT_TIMEOUT = (10.0, 60.0)
#: Bound S (seconds): no write is sent whose body was computed from a read older than this (extra ``max_read_age``).
DEFAULT_MAX_READ_AGE = 2.0
#: Bound T (seconds): the longest a write may take, connect and answer together (extra ``write_timeout``).
DEFAULT_WRITE_TIMEOUT = 10.0
#: Share of ``write_timeout`` a write may spend connecting; the rest waits for the answer.
_WRITE_CONNECT_SHARE = 0.3
#: Added to S + T before a written item is re-read, for scheduling jitter between processes.
VERIFY_MARGIN_S = 0.5
DEFAULT_MAX_ATTEMPTS = 5
#: Seconds all retry waits and rate-limit pauses of one request may add up to (extra ``max_wait``).
DEFAULT_MAX_WAIT = 300.0


def task_deadline(clock: Callable[[], float]) -> float | None:
    """Read when the running task's ``execution_timeout`` ends, on the transport's clock.

    Measured from the task instance's start (a little before ``execute`` starts, so it errs early).

    :param clock: The transport's monotonic clock.
    :return: The deadline, or ``None`` outside a task or for a task without a timeout.
    """
    try:
        from airflow.sdk import get_current_context

        context = get_current_context()
    except (ImportError, RuntimeError):  # not inside a running task (a trigger, a test, the CLI)
        return None
    timeout = getattr(context.get("task"), "execution_timeout", None)
    started = getattr(context.get("ti"), "start_date", None)
    if timeout is None or started is None:
        return None
    try:
        left = float((started + timeout - datetime.now(UTC)).total_seconds())
    except TypeError:  # a naive start date cannot be compared with the clock
        return None
    return clock() + left


def checked_timeout(value: Any) -> tuple[float, float]:
    """Check the hooks' ``timeout=`` argument, as the connection's extras are checked, before any request.

    One number bounds connecting and reading alike and is from 0.001 to 3600 seconds (the ``timeout`` extra's range,
    :data:`~genomics_provider.validation.SETTING_RANGES`). A ``(connect, read)`` pair takes the ``connect_timeout``
    extra's range (0.001 to 600) for connect and the ``timeout`` extra's for read.

    :param value: The argument: one number, or a ``(connect, read)`` pair.
    :return: ``(connect, read)`` in seconds.
    :raises InvalidInputError: ``timeout = 0 must be a number from 0.001 to 3600``, naming the pair's part that is
        wrong, or when a pair does not have two items.
    """
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise InvalidInputError(f"timeout = {value!r} must be one number or a (connect, read) pair")
        connect = check_number(value[0], label="timeout (connect)", bounds=SETTING_RANGES["connect_timeout"])
        return connect, check_number(value[1], label="timeout (read)", bounds=SETTING_RANGES["timeout"])
    number = check_number(value, label="timeout", bounds=SETTING_RANGES["timeout"])
    return number, number


class ConnectionSettings:
    """The connection's settings as checked values, each read once per hook.

    A mixin of :class:`~genomics_provider.hooks.base.GenomicsRestHook`, which provides the connection, the clock
    and the secret registry.
    """

    #: Display name of the service, used in messages.
    service_name: ClassVar[str] = "genomics API"
    #: Base URL used when the connection has no host.
    default_base_url: ClassVar[str] = ""
    #: What the connection's password holds, as named in messages and the connection form.
    credential_label: ClassVar[str] = "API key"

    conn_id: str
    _timeout_override: float | tuple[float, float] | None
    _max_attempts_override: int | None
    _deadline: float | None
    _deadline_known: bool

    _connection: Connection | None

    if TYPE_CHECKING:

        @classmethod
        def get_connection(cls, conn_id: str) -> Connection: ...

        @classmethod
        async def aget_connection(cls, conn_id: str) -> Connection: ...

        @property
        def limiter(self) -> RateLimiter: ...

        def register_secret(self, secret: str) -> None: ...

        def clock(self) -> float: ...

    @property
    def connection(self) -> Connection:
        """The Airflow connection, fetched once per hook; its ``repr`` shows ``password='***'``."""
        if self._connection is None:
            self._connection = redacted(self.get_connection(self.conn_id))
        return self._connection

    @connection.setter
    def connection(self, value: Connection) -> None:
        """Use a connection fetched elsewhere (e.g. asynchronously by a trigger).

        :param value: The connection.
        """
        self._connection = redacted(value)

    async def aprepare(self) -> None:
        """Fetch the connection asynchronously and resolve, on the calling event-loop thread, what messages Airflow.

        A trigger then runs this sync hook in worker threads (``asyncio.to_thread``). Registering the credential with
        the masker and looking up a shared limit's Redis connection message the Airflow supervisor, and Airflow 3.1's
        trigger comms break when a second thread sends (``Response read out of order``, apache/airflow#64620), so
        both happen here, before any thread starts.

        :raises InvalidInputError: When the credential or the ``coordination`` extra is unusable.
        """
        self.connection = await self.aget_connection(self.conn_id)
        _ = self.credential  # mask_secret() on this thread
        _ = self.limiter  # RedisHook's get_connection() on this thread, when the limit is shared

    @cached_property
    def extra(self) -> dict[str, Any]:
        """The connection's extra as a dict."""
        extra = self.connection.extra_dejson
        return dict(extra) if isinstance(extra, dict) else {}

    @cached_property
    def credential(self) -> str:
        """The API key or token from the connection's password, registered with the secret masker.

        :raises InvalidInputError: When the password is empty, has whitespace inside, or a character no HTTP header
            can carry (the message never quotes it).
        """
        secret = self.connection.password or ""
        if not secret.strip():
            raise InvalidInputError(
                f"connection {self.conn_id!r}: the password field ({self.credential_label}) is empty; "
                f"set it to your {self.service_name} {self.credential_label}"
            )
        if secret != secret.strip() or any(ch.isspace() for ch in secret):
            raise InvalidInputError(
                f"connection {self.conn_id!r}: the {self.credential_label} contains whitespace; "
                "paste it again without spaces or line breaks"
            )
        check_credential(secret, label=f"connection {self.conn_id!r}: the {self.credential_label}")
        self.register_secret(secret)
        return secret

    @cached_property
    def base_url(self) -> str:
        """The API base URL (no trailing slash), checked for a safe scheme.

        :raises InvalidInputError: On an unusable URL.
        :raises InsecureTransportError: On plain http to a host that is not loopback.
        """
        url = (self.connection.host or "").strip() or self.resolve_default_base_url()
        if "://" not in url:
            url = f"https://{url}"
        # Before check_url, whose errors quote the URL: a query or fragment (a key typed there) is never echoed, and
        # would otherwise be copied into every request path and web link.
        bare, query_or_fragment = url.partition("?")[0].partition("#")[0], any(mark in url for mark in "?#")
        if query_or_fragment:
            raise InvalidInputError(
                f"connection {self.conn_id!r}: host {_without_userinfo(bare)!r} carries a query or fragment; the "
                f"host is a base URL only (the {self.credential_label} goes in the password field)"
            )
        try:
            safe = check_url(url, what=f"connection {self.conn_id!r}: host")
        except ValueError as exc:
            raise InvalidInputError(str(exc)) from None
        if safe.scheme == "http" and not is_loopback_host(safe.host):
            raise InsecureTransportError(
                f"connection {self.conn_id!r}: refusing to send the {self.credential_label} over plain http to "
                f"{safe.host!r}; use https, or a loopback host (127.0.0.0/8, ::1, localhost) for the emulator"
            )
        return url.rstrip("/")

    def resolve_default_base_url(self) -> str:
        """Return the base URL to use when the connection has no host.

        :return: The vendor's default base URL.
        """
        return self.default_base_url

    def url_for(self, path: str) -> str:
        """Resolve a path (or an absolute URL returned by the API) against the base URL.

        :param path: ``/api/v1/samples`` style path, a path relative to the base, or an absolute URL.
        :return: The absolute URL.
        :raises InvalidInputError: When an absolute URL points at another origin (the credential would leak).
        """
        if "://" in path:
            try:
                check_url(path, what=f"the {self.service_name} link")
            except ValueError as exc:
                raise InvalidInputError(f"refusing to follow it: {exc}") from None
            target, base = urlsplit(path), urlsplit(self.base_url)
            if (target.scheme, target.netloc) != (base.scheme, base.netloc):
                raise InvalidInputError(
                    f"refusing to follow {target.scheme}://{target.netloc}{target.path}: it is not on "
                    f"{self.service_name}'s base URL, and the {self.credential_label} would be sent there"
                )
            return path
        return urljoin(self.base_url + "/", path.lstrip("/"))

    def _extra_number(self, key: str, default: float | None, *, minimum: float = 0.0) -> float | None:
        """Read a numeric extra: unset or empty gives the default; a documented setting is checked against its range.

        :param key: The extra's name.
        :param default: What an unset extra means.
        :param minimum: Optional. The smallest value allowed for an extra without a documented range.
        :return: The number, or ``default``.
        :raises InvalidInputError: When the value is not a finite number in range (the message names the extra).
        """
        value = self.extra.get(key)
        if value is None or value == "":
            return default
        if key in SETTING_RANGES:  # the documented range (genomics_provider.validation)
            return check_number(value, label=f"connection {self.conn_id!r}: extra {key!r}", bounds=SETTING_RANGES[key])
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = None
        if number is None or not math.isfinite(number) or number < minimum or isinstance(value, bool):
            raise InvalidInputError(
                f"connection {self.conn_id!r}: extra {key!r} = {value!r} must be a number >= {minimum:g}"
            )
        return number

    @cached_property
    def timeout(self) -> tuple[float, float]:
        """``(connect, read)`` timeout in seconds: hook argument, then connection extra, then 10 s / 60 s.

        The argument is checked by :func:`checked_timeout`, the extras against their ranges.

        :raises InvalidInputError: When the argument or an extra is not a finite number in its range.
        """
        override = self._timeout_override
        if override is not None:
            return checked_timeout(override)
        read = self._extra_number("timeout", DEFAULT_TIMEOUT[1], minimum=0.001)
        connect = self._extra_number("connect_timeout", min(DEFAULT_TIMEOUT[0], read or 10.0), minimum=0.001)
        return (connect or DEFAULT_TIMEOUT[0], read or DEFAULT_TIMEOUT[1])

    @cached_property
    def max_read_age(self) -> float:
        """Bound S in seconds: a write planned from a read older than this is not sent (extra ``max_read_age``)."""
        return float(self._extra_number("max_read_age", DEFAULT_MAX_READ_AGE, minimum=0.001) or DEFAULT_MAX_READ_AGE)

    @cached_property
    def write_timeout(self) -> tuple[float, float]:
        """``(connect, read)`` timeout of every write; together at most the extra ``write_timeout`` (default 10 s).

        Never longer than :attr:`timeout`, so a short connection timeout shortens writes too.
        """
        total = float(
            self._extra_number("write_timeout", DEFAULT_WRITE_TIMEOUT, minimum=0.002) or DEFAULT_WRITE_TIMEOUT
        )
        connect = min(self.timeout[0], total * _WRITE_CONNECT_SHARE)
        return connect, min(self.timeout[1], total - connect)

    @cached_property
    def verify_delay(self) -> float:
        """Bound V in seconds: how long after a write's answer the written item may be re-read to verify it.

        V = S + T + a margin: every write of another of our writers whose body was read before ours landed has
        landed by then (see :mod:`genomics_provider.curation.reconcile`).
        """
        return self.max_read_age + sum(self.write_timeout) + VERIFY_MARGIN_S

    @cached_property
    def max_attempts(self) -> int:
        """Attempts per request, first try included (at least 1)."""
        if self._max_attempts_override is not None:
            bounds = SETTING_RANGES["max_attempts"]
            return int(check_number(self._max_attempts_override, label="max_attempts", bounds=bounds))
        return int(self._extra_number("max_attempts", DEFAULT_MAX_ATTEMPTS, minimum=1) or DEFAULT_MAX_ATTEMPTS)

    @cached_property
    def max_wait(self) -> float:
        """Seconds all retry waits and rate-limit pauses of one request may add up to (extra ``max_wait``).

        :raises InvalidInputError: When the extra is not a number from 0 to 86400.
        """
        return float(self._extra_number("max_wait", DEFAULT_MAX_WAIT) or 0.0)

    @property
    def deadline(self) -> float | None:
        """When every wait must be over, on :meth:`clock`: no request starts a wait that would outlast it.

        Unless set, read once from the running task: its start plus its ``execution_timeout`` (``None`` outside a
        task, or without a timeout). An operator that knows better sets it, e.g. ``hook.deadline = hook.clock() +
        remaining_seconds``; ``None`` removes the bound.
        """
        if not self._deadline_known:
            self._deadline, self._deadline_known = task_deadline(self.clock), True
        return self._deadline

    @deadline.setter
    def deadline(self, value: float | None) -> None:
        """Set the deadline of every wait.

        :param value: Seconds on :meth:`clock`, or ``None`` for no deadline.
        """
        self._deadline, self._deadline_known = value, True
