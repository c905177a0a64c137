"""The REST transport shared by every hook of this provider: :class:`GenomicsRestHook`.

Everything about talking HTTP lives here or in this package's ``_``-modules, once: the connection's settings
(``_settings``), one pooled ``requests.Session`` per hook, the retry loop and wait budget (``_retrying`` around the
pure policy in ``_retry``), the rate limiters, the send deadline, error mapping (``_errors``) and secret masking.
Vendor hooks subclass :class:`GenomicsRestHook` and add endpoints.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import urlsplit

from airflow.sdk import BaseHook, Connection
from airflow.sdk.log import mask_secret

from genomics_provider import __version__
from genomics_provider.exceptions import GenomicsApiError, StaleReadError
from genomics_provider.hooks._connection import is_loopback_host, redacted
from genomics_provider.hooks._errors import (
    attempts_note,
    error_for_response,
    parse_error_body,
    secret_forms,
    summarise_body,
)
from genomics_provider.hooks._ratelimit import RateLimiter
from genomics_provider.hooks._retry import BackoffPolicy, WaitBudget
from genomics_provider.hooks._retrying import final_error, pace, retrying
from genomics_provider.hooks._settings import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_MAX_READ_AGE,
    DEFAULT_MAX_WAIT,
    DEFAULT_TIMEOUT,
    DEFAULT_WRITE_TIMEOUT,
    VERIFY_MARGIN_S,
    ConnectionSettings,
)

if TYPE_CHECKING:
    # requests is imported where a request is sent, not at module import: a DAG file that imports an operator
    # (every DAG-parse) then does not pay for it (issue 6, scenario 6).
    import requests

__all__ = ["DEFAULT_MAX_ATTEMPTS", "DEFAULT_MAX_READ_AGE", "DEFAULT_MAX_WAIT", "DEFAULT_TIMEOUT",
           "DEFAULT_WRITE_TIMEOUT", "READ_METHODS", "VERIFY_MARGIN_S", "GenomicsRestHook", "is_loopback_host",
           "parse_error_body", "redacted"]  # fmt: skip

#: Methods that only read: re-sent after any transient failure (see :mod:`genomics_provider.hooks._retry`).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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


class GenomicsRestHook(ConnectionSettings, BaseHook):
    """Base hook: one authenticated, rate-limited, retrying JSON client per hook instance.

    :param conn_id: Airflow connection id.
    :param timeout: Optional. ``(connect, read)`` seconds, or one number for both; overrides the connection extra.
    :param max_attempts: Optional. Attempts per request, first try included; overrides the connection extra.
    """

    #: The argument and attribute holding the connection id, in the hook and in each operator, sensor and trigger
    #: using it (e.g. ``onecodex_conn_id``); every vendor hook sets it, as Airflow's hook discovery requires.
    conn_name_attr: ClassVar[str]
    #: Requests per second of the token bucket when the connection does not say (None: no bucket).
    default_rate_limit: ClassVar[float | None] = None
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

    @classmethod
    def for_owner(cls, owner: object) -> Self:
        """Build the hook on the connection id its owner (an operator, sensor or trigger) keeps in ``conn_name_attr``.

        :param owner: The object holding the connection id, e.g. a sensor with ``onecodex_conn_id``.
        :return: A new hook on that connection.
        :raises AttributeError: When the owner has no such attribute.
        """
        return cls(getattr(owner, cls.conn_name_attr))

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
        # Looked up at each call, so tests that replace this module's sleep or clock replace them here too.
        sleep, wall_clock = (lambda seconds: _sleep(seconds)), (lambda: time.time())
        loop = retrying(self, method, display_path, safe, budget, sleep=sleep, wall_clock=wall_clock)
        try:
            return loop(self._send_once, method, url, params, json_body, headers, safe, send_by, budget)
        except requests.RequestException as exc:
            attempts = int(loop.statistics.get("attempt_number", 1))
            raise final_error(self, exc, method, display_path, attempts_note(exc, attempts, safe)) from exc

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
        stale = partial(self._stale_error, method, url)
        pace(self.limiter, send_by, budget, now=lambda: _now(), stale=stale, method=method, path=urlsplit(url).path)
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
        """Map a failed response to its typed error: :func:`~genomics_provider.hooks._errors.error_for_response`."""
        return error_for_response(
            response,
            method,
            path,
            scrub=self.scrub,
            hint=self.status_hints.get(response.status_code),
            conn_id=self.conn_id,
            note=note,
            outcome_unknown=outcome_unknown,
        )

    def register_secret(self, secret: str) -> None:
        """Register a secret (the credential, or a value derived from it) with the masker and :meth:`scrub`.

        :param secret: The secret text.
        """
        mask_secret(secret)
        for form in secret_forms(secret):
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
