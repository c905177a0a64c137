"""The REST transport shared by every hook of this provider.

Everything about talking HTTP lives here, once: the connection and its credential, the base URL and the refusal to
send a credential over plain http, one pooled ``requests.Session`` per hook, timeouts, the tenacity retry loop around
the pure policy in :mod:`genomics_provider.hooks._retry`, the client-side rate limiter, error mapping into
:mod:`genomics_provider.exceptions`, and secret masking. Vendor hooks subclass :class:`GenomicsRestHook` and add
endpoints.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin, urlsplit

from airflow.sdk import BaseHook, Connection
from airflow.sdk.log import mask_secret

from genomics_provider import __version__
from genomics_provider.exceptions import (
    ApiConnectionError,
    GenomicsApiError,
    InsecureTransportError,
    InvalidInputError,
    StaleReadError,
    WaitBudgetExceededError,
    error_class_for_status,
)
from genomics_provider.hooks._connection import check_url, is_loopback_host, redacted
from genomics_provider.hooks._errors import (
    Ending,
    attempts_note,
    describe_failure,
    parse_error_body,
    parse_error_detail,
    strip_secrets,
    summarise_body,
)
from genomics_provider.hooks._ratelimit import RateLimiter, TooLate
from genomics_provider.hooks._retry import (
    BackoffPolicy,
    WaitBudget,
    attempts_stop,
    is_retryable,
    retry_wait,
    seconds_text,
)
from genomics_provider.validation import SETTING_RANGES, check_credential, check_number

if TYPE_CHECKING:
    # requests and tenacity are imported where a request is sent, not at module import: a DAG file that imports an
    # operator (every DAG-parse) then does not pay for them (issue 6, scenario 6).
    import requests
    import tenacity

__all__ = ["DEFAULT_MAX_ATTEMPTS", "DEFAULT_MAX_READ_AGE", "DEFAULT_MAX_WAIT", "DEFAULT_TIMEOUT",
           "DEFAULT_WRITE_TIMEOUT", "READ_METHODS", "GenomicsRestHook", "is_loopback_host", "parse_error_body",
           "redacted"]  # fmt: skip

DEFAULT_TIMEOUT = (10.0, 60.0)
#: Bound S (seconds): no write is sent whose body was computed from a read older than this (extra ``max_read_age``).
DEFAULT_MAX_READ_AGE = 2.0
#: Bound T (seconds): the longest a write may take, connect and answer together (extra ``write_timeout``).
DEFAULT_WRITE_TIMEOUT = 10.0
#: Share of ``write_timeout`` a write may spend connecting; the rest waits for the answer.
_WRITE_CONNECT_SHARE = 0.3
#: Added to S + T before a written item is re-read, for scheduling jitter between processes.
VERIFY_MARGIN_S = 0.5
#: Methods that only read: re-sent after any transient failure (see :mod:`genomics_provider.hooks._retry`).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_MAX_ATTEMPTS = 5
#: Seconds all retry waits and rate-limit pauses of one request may add up to (extra ``max_wait``).
DEFAULT_MAX_WAIT = 300.0


def _now() -> float:
    """Read the monotonic clock that dates sends and deadlines; a module function so tests can move it.

    :return: ``time.monotonic()``.
    """
    return time.monotonic()


def _sleep(seconds: float) -> None:
    """Sleep; a module function so tests can patch every wait of every hook in one place.

    :param seconds: How long to sleep.
    """
    time.sleep(seconds)


def _task_deadline() -> float | None:
    """Read when the running task's ``execution_timeout`` ends, on the :func:`_now` clock.

    Measured from the task instance's start (a little before ``execute`` starts, so it errs early).

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
    from datetime import UTC, datetime

    try:
        left = float((started + timeout - datetime.now(UTC)).total_seconds())
    except TypeError:  # a naive start date cannot be compared with the clock
        return None
    return _now() + left


def _secret_forms(secret: str) -> list[str]:
    """List the ways a secret can appear in text a server echoes: raw, URL-encoded, and base64 as in a Basic header.

    :param secret: The secret.
    :return: Its forms, longest first (so a longer form is replaced before a shorter one inside it).
    """
    import base64
    from urllib.parse import quote

    forms = {secret, quote(secret, safe="")}
    for pair in (f"{secret}:", f":{secret}", secret):
        forms.add(base64.b64encode(pair.encode()).decode().rstrip("="))
    return sorted(forms, key=len, reverse=True)


class GenomicsRestHook(BaseHook):
    """Base hook: one authenticated, rate-limited, retrying JSON client per hook instance.

    :param conn_id: Airflow connection id.
    :param timeout: Optional. ``(connect, read)`` seconds, or one number for both; overrides the connection extra.
    :param max_attempts: Optional. Attempts per request, first try included; overrides the connection extra.
    """

    #: Display name of the service, used in messages.
    service_name: ClassVar[str] = "genomics API"
    #: Base URL used when the connection has no host.
    default_base_url: ClassVar[str] = ""
    #: Requests per second of the token bucket when the connection does not say (None: no bucket).
    default_rate_limit: ClassVar[float | None] = None
    #: What the connection's password holds, as named in messages and the connection form.
    credential_label: ClassVar[str] = "API key"
    #: Extra hints appended to error messages, by HTTP status.
    status_hints: ClassVar[Mapping[int, str]] = {}

    def __init__(
        self,
        conn_id: str,
        *,
        timeout: float | tuple[float, float] | None = None,
        max_attempts: int | None = None,
    ) -> None:
        super().__init__()
        self.conn_id = conn_id
        self._timeout_override = timeout
        self._max_attempts_override = max_attempts
        self.backoff = BackoffPolicy()
        self.request_count = 0
        self._secrets: list[str] = []
        self._connection: Connection | None = None
        self._deadline: float | None = None
        self._deadline_known = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(conn_id={self.conn_id!r})"

    # -- connection ------------------------------------------------------------------------------------------

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
        try:
            safe = check_url(url, what=f"connection {self.conn_id!r}: host")
        except ValueError as exc:
            raise InvalidInputError(str(exc)) from None
        parts = urlsplit(url)
        if parts.query or parts.fragment:  # it would be copied into every request path and web link; never echo it
            raise InvalidInputError(
                f"connection {self.conn_id!r}: host {parts._replace(query='', fragment='').geturl()!r} carries a "
                f"query or fragment; the host is a base URL only (the {self.credential_label} goes in the password "
                "field)"
            )
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

    def _extra_number(self, key: str, default: float | None, *, minimum: float = 0.0) -> float | None:
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
        """``(connect, read)`` timeout in seconds: hook argument, then connection extra, then 10 s / 60 s."""
        override = self._timeout_override
        if override is not None:
            return (float(override), float(override)) if isinstance(override, (int, float)) else override
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

    def clock(self) -> float:
        """Read the transport's monotonic clock: take it just before a read to date that read (conservatively).

        :return: Seconds on the clock that ``send_by`` deadlines are measured against.
        """
        return _now()

    def pause(self, seconds: float) -> None:
        """Wait, through the transport's one sleep function (which tests replace).

        :param seconds: How long; nothing happens for zero or less.
        """
        if seconds > 0:
            _sleep(seconds)

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
            self._deadline, self._deadline_known = _task_deadline(), True
        return self._deadline

    @deadline.setter
    def deadline(self, value: float | None) -> None:
        """Set the deadline of every wait.

        :param value: Seconds on :meth:`clock`, or ``None`` for no deadline.
        """
        self._deadline, self._deadline_known = value, True

    @cached_property
    def limiter(self) -> RateLimiter:
        """The rate limiter of every request of this hook (rate from extra ``rate_limit``).

        It paces evenly with no burst: the vendor's limit is per key, and the tasks of a DAG run each have their own
        hook, so a task starting with a full bucket right after another one would exceed it. Parallel tasks on one
        key adapt to the 429s they meet (:mod:`genomics_provider.hooks._ratelimit`), or share one limit through
        Redis with extra ``coordination`` (:mod:`genomics_provider.hooks._shared_limit`).

        :raises InvalidInputError: When ``coordination`` is malformed or cannot be used.
        """
        from genomics_provider.hooks._shared_limit import make_limiter

        rate = self._extra_number("rate_limit", self.default_rate_limit, minimum=0.0)
        return make_limiter(
            self, rate, sleep=lambda seconds: _sleep(seconds), clock=lambda: _now(), wall_clock=lambda: time.time()
        )

    # -- session ---------------------------------------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        """Build the authentication headers; vendor hooks override this.

        :return: Header name to value.
        """
        raise NotImplementedError

    @cached_property
    def session(self) -> requests.Session:
        """One pooled session per hook instance, with auth and JSON headers set."""
        import requests
        from requests.adapters import HTTPAdapter

        _ = self.verify_delay  # a bad max_read_age or write_timeout fails here, before the first request
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers.update(
            {
                "Accept": "application/json",
                "User-Agent": f"airflow-provider-genomics/{__version__}",
                **self.auth_headers(),
            }
        )
        return session

    def close(self) -> None:
        """Close the pooled session, if one was opened."""
        if "session" in self.__dict__:
            self.session.close()

    # -- requests --------------------------------------------------------------------------------------------

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

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        send_by: float | None = None,
    ) -> requests.Response:
        """Send one request with rate limiting and retries; return the successful response.

        Reads are retried after any transient failure. Writes are retried only when the server certainly did not act
        on them (429, 503, no connection); when a write's outcome is unknown (connection dropped, read timeout, 500,
        502, 504) the error is raised at once, saying so, and the caller re-reads before writing again.

        :param method: HTTP method.
        :param path: Path or absolute URL (see :meth:`url_for`).
        :param params: Optional. Query parameters.
        :param json_body: Optional. JSON-serialisable body.
        :param headers: Optional. Extra headers for this request.
        :param idempotent: Optional. Whether the request only reads, so it may be re-sent whatever happened to it;
            defaults to ``True`` for GET, HEAD and OPTIONS and ``False`` for writes (see
            :mod:`genomics_provider.hooks._retry`). A POST that reads (a bulk get) passes ``True``.
        :param send_by: Optional. ``time.monotonic()`` deadline for putting the request on the wire: when pacing, a
            429 or a retry would send it later, :class:`StaleReadError` is raised instead and nothing is sent (a
            write planned from a read must go out within ``max_read_age`` of that read).
        :return: The 2xx response.
        :raises GenomicsApiError: A typed subclass, once retries are exhausted or the error is not retryable; its
            message ends with how many attempts were made, or that a write was not re-sent.
        :raises StaleReadError: When ``send_by`` passed before the request could be sent.
        :raises WaitBudgetExceededError: When a retry wait or a rate-limit pause would take the request's waits past
            :attr:`max_wait` or past :attr:`deadline`; raised before that wait starts.
        """
        import requests

        method = method.upper()
        url = self.url_for(path)
        safe = idempotent if idempotent is not None else method in READ_METHODS
        display_path = urlsplit(url).path
        budget = WaitBudget(self.max_wait, self.deadline, clock=lambda: _now())
        retrying = self._retrying(method, display_path, safe, budget)
        try:
            return retrying(self._send_once, method, url, params, json_body, headers, safe, send_by, budget)
        except requests.RequestException as exc:
            attempts = int(retrying.statistics.get("attempt_number", 1))
            raise self._final_error(exc, method, display_path, attempts_note(exc, attempts, safe)) from exc

    def _retrying(
        self, method: str, path: str, idempotent: bool, budget: WaitBudget | None = None
    ) -> tenacity.Retrying:
        import tenacity

        return tenacity.Retrying(
            stop=attempts_stop(self.max_attempts),
            wait=lambda state: self._tenacity_wait(state, budget, method, path),
            retry=tenacity.retry_if_exception(lambda exc: is_retryable(exc, idempotent=idempotent)),
            before_sleep=lambda state: self._log_retry(state, method, path),
            sleep=lambda seconds: _sleep(seconds),
            reraise=True,
        )

    def _final_error(
        self, exc: requests.RequestException, method: str, path: str, note: Ending | str
    ) -> GenomicsApiError:
        """Map the last failure to the typed error to raise, and make ``exc`` safe to chain as its cause.

        :param exc: The last failure; stripped in place of its request, response, traceback and secrets.
        :param method: HTTP method.
        :param path: URL path.
        :param note: How the attempts ended (a plain string means the outcome is known).
        :return: The error to raise ``from exc``.
        """
        import requests

        ending = note if isinstance(note, Ending) else Ending(note)
        if isinstance(exc, requests.HTTPError) and exc.response is not None:
            error = self.error_from_response(
                exc.response, method, path, note=ending.note, outcome_unknown=ending.outcome_unknown
            )
        else:
            error = ApiConnectionError(
                f"no response from {self.service_name}: {describe_failure(exc)}",
                method=method,
                path=path,
                note=ending.note,
                outcome_unknown=ending.outcome_unknown,
            )
        strip_secrets(exc, self.scrub)
        return error

    def _send_once(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None,
        json_body: Any,
        headers: Mapping[str, str] | None,
        idempotent: bool = True,
        send_by: float | None = None,
        budget: WaitBudget | None = None,
    ) -> requests.Response:
        self._check_send_by(method, url, send_by)
        self._pace(method, url, send_by, budget)
        self._check_send_by(method, url, send_by)
        self.request_count += 1
        response = self.session.request(
            method,
            url,
            params=params,
            data=None if json_body is None else json.dumps(json_body),
            headers={
                **({"Content-Type": "application/json"} if json_body is not None else {}),
                **(headers or {}),
            },
            timeout=self.timeout if idempotent else self.write_timeout,
            # requests strips only Authorization on a cross-origin redirect; X-API-Key / X-SBG-Auth-Token would leak.
            allow_redirects=False,
        )
        self.limiter.observe(response.headers, response.status_code)
        # raise_for_status stays inside the retried call: the predicate must see the raw HTTPError.
        response.raise_for_status()
        if response.is_redirect:
            raise GenomicsApiError(
                f"the server redirected to {urlsplit(response.headers.get('Location', '')).netloc or 'elsewhere'}; "
                "redirects are not followed, so the credential stays with the configured base URL",
                status=response.status_code,
                method=method,
                path=urlsplit(url).path,
            )
        return response

    def _pace(self, method: str, url: str, send_by: float | None, budget: WaitBudget | None) -> None:
        # The limiter may wait as long as the tighter of send_by and the budget allows; which one refused decides
        # the error. No slot is taken on a refusal, so the next request may have it.
        allowed = None if budget is None else budget.left()
        stale_first = send_by is not None and (allowed is None or send_by - _now() <= allowed)
        if send_by is not None and stale_first:
            allowed = send_by - _now()
        try:
            waited = self.limiter.acquire(allowed)
        except TooLate as late:
            if budget is None or stale_first:
                raise self._stale_error(method, url) from None
            raise WaitBudgetExceededError(
                budget.explain(f"{late.reason} asks to wait {seconds_text(late.wait)} s"),
                method=method,
                path=urlsplit(url).path,
                note="not sent",
            ) from None
        if budget is not None:
            budget.charge(waited)

    def _check_send_by(self, method: str, url: str, send_by: float | None) -> None:
        if send_by is None or _now() <= send_by:
            return
        raise self._stale_error(method, url)

    def _stale_error(self, method: str, url: str) -> StaleReadError:
        return StaleReadError(
            f"not sent: its body was planned from a read more than {self.max_read_age:g} s old (max_read_age); "
            "read again first",
            method=method,
            path=urlsplit(url).path,
        )

    def _tenacity_wait(
        self, state: tenacity.RetryCallState, budget: WaitBudget | None = None, method: str = "", path: str = ""
    ) -> float:
        exc = state.outcome.exception() if state.outcome else None
        seconds, why = retry_wait(exc, state.attempt_number, now=time.time(), policy=self.backoff)
        if budget is None:
            return seconds
        refusal = budget.refusal(seconds, why)
        if refusal is not None:  # fail now: sleeping first would only spend the budget the refusal is about
            raise self._over_budget(exc, refusal, method, path, state.attempt_number)
        budget.charge(seconds)
        return seconds

    def _over_budget(
        self, exc: BaseException | None, refusal: str, method: str, path: str, attempts: int
    ) -> WaitBudgetExceededError:
        import requests

        note = f"gave up after {attempts} attempt{'s' if attempts > 1 else ''}"
        response = getattr(exc, "response", None)
        if not isinstance(response, requests.Response):
            return WaitBudgetExceededError(
                f"{refusal}; no response from {self.service_name}: {describe_failure(exc) if exc else 'no answer'}",
                method=method,
                path=path,
                note=note,
            )
        said = self.error_from_response(response, method, path)
        return WaitBudgetExceededError(
            f"{refusal}; the server said: {said.message}",
            status=said.status,
            code=said.code,
            request_id=said.request_id,
            method=method,
            path=path,
            note=note,
        )

    def _log_retry(self, state: tenacity.RetryCallState, method: str, path: str) -> None:
        exc = state.outcome.exception() if state.outcome else None
        response = getattr(exc, "response", None)
        status = f"HTTP {response.status_code}" if response is not None else type(exc).__name__
        wait = state.next_action.sleep if state.next_action else 0.0
        # A 429 is retried while max_wait lasts, not max_attempts times (see _retry.attempts_stop).
        bound = "within max_wait" if status == "HTTP 429" else f"of {self.max_attempts}"
        self.log.warning(
            "%s %s %s: %s; retrying in %.2f s (attempt %d %s)",
            self.service_name,
            method,
            path,
            status,
            wait,
            state.attempt_number,
            bound,
        )

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request (see :meth:`request`) and return the parsed JSON body (``None`` for an empty body).

        :param method: HTTP method.
        :param path: Path or absolute URL.
        :param kwargs: Passed to :meth:`request`.
        :return: Parsed JSON.
        :raises GenomicsApiError: On failure, or when a 2xx body is not JSON.
        """
        return self.parse_json(self.request(method, path, **kwargs), method)

    def parse_json(self, response: requests.Response, method: str) -> Any:
        """Parse a successful response's JSON body (``None`` for an empty body).

        :param response: A 2xx response.
        :param method: HTTP method, for the error message.
        :return: Parsed JSON.
        :raises GenomicsApiError: When the body is not JSON (e.g. a proxy's HTML page).
        """
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise GenomicsApiError(
                f"expected a JSON body, got {summarise_body(response, self.scrub)}",
                status=response.status_code,
                method=method.upper(),
                path=urlsplit(response.url or "").path,
            ) from None

    # -- errors ----------------------------------------------------------------------------------------------

    def error_from_response(
        self,
        response: requests.Response,
        method: str,
        path: str,
        *,
        note: str = "",
        outcome_unknown: bool = False,
    ) -> GenomicsApiError:
        """Map a failed response to the typed error for its status, with the vendor's message, details and code.

        :param response: The non-2xx response.
        :param method: HTTP method.
        :param path: URL path.
        :param note: Optional. How the transport ended (attempts made, whether a write may have been applied).
        :param outcome_unknown: Optional. Whether the request was a write the server may have applied.
        :return: The error to raise.
        """
        parsed = parse_error_detail(response, self.scrub)
        hint = parsed.hint or self.status_hints.get(response.status_code)
        message = f"{parsed.message} ({hint.format(conn_id=self.conn_id)})" if hint else parsed.message
        return error_class_for_status(response.status_code)(
            message,
            status=response.status_code,
            code=parsed.code,
            request_id=response.headers.get("X-Request-Id"),
            method=method,
            path=path,
            note=note,
            outcome_unknown=outcome_unknown,
            more_info=parsed.more_info,
        )

    def register_secret(self, secret: str) -> None:
        """Register a secret (the credential, or a value derived from it) with the masker and :meth:`scrub`.

        :param secret: The secret text.
        """
        mask_secret(secret)
        for form in _secret_forms(secret):
            if form not in self._secrets:
                self._secrets.append(form)

    def scrub(self, text: str) -> str:
        """Replace every registered secret in a text, e.g. an error message a server echoed, by ``***``.

        Each secret is also looked for URL-encoded and in the base64 forms a Basic header carries (``key:``,
        ``:key``), as a proxy page echoing the request's headers would show it.

        :param text: Text about to go into an exception.
        :return: The text without secrets.
        """
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    # -- connection test ---------------------------------------------------------------------------------------

    def probe(self) -> str:
        """Make one cheap authenticated call; vendor hooks override this.

        :return: A short description of who we are authenticated as.
        """
        raise NotImplementedError

    def test_connection(self) -> tuple[bool, str]:
        """Check the connection with one cheap authenticated GET; never raises.

        :return: ``(True, message)`` on success, ``(False, readable reason)`` otherwise.
        """
        try:
            who = self.probe()
        except GenomicsApiError as exc:
            if exc.status == 401:
                return (
                    False,
                    f"{self.service_name} rejected the {self.credential_label} (HTTP 401): {exc.message}",
                )
            return False, str(exc)
        except Exception as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"Connected to {self.service_name} at {self.base_url} as {who}"
