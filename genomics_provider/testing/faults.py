"""Fault injection: programmable failures per route or globally, for N calls or with a seeded probability."""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field
from typing import Any

LATENCY = "latency"
RATE_LIMITED = "rate_limited"
MAINTENANCE = "maintenance"
GATEWAY_HTML = "gateway_html"
SERVER_ERROR = "server_error"
CONNECTION_RESET = "connection_reset"
SLOW_RESPONSE = "slow_response"
BULK_ITEM_ERRORS = "bulk_item_errors"

#: Faults that replace the response before the request reaches the API logic (nothing is applied).
BEFORE_KINDS = frozenset({RATE_LIMITED, MAINTENANCE, GATEWAY_HTML, SERVER_ERROR})


@dataclass
class Fault:
    """One programmed fault.

    ``route`` is ``"METHOD /path/glob"``, ``"/path/glob"`` (any method) or ``None`` (every request).
    ``times`` is how many more calls it fires on (``None``: unlimited); ``probability`` makes each matching
    call fire only when the injector's seeded random draw is below it. ``fired`` counts the calls it shaped.
    """

    kind: str
    route: str | None = None
    times: int | None = 1
    probability: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Tell whether a request is targeted by this fault.

        :param method: HTTP method.
        :param path: Request path.
        :return: ``True`` when method and path match the route.
        """
        if self.route is None:
            return True
        want_method, _, want_path = self.route.strip().rpartition(" ")
        want_method = want_method.strip().upper()
        if want_method and want_method not in ("*", method.upper()):
            return False
        return fnmatch.fnmatchcase(path, want_path or "*")

    @property
    def exhausted(self) -> bool:
        """``True`` once the fault has fired ``times`` times."""
        return self.times is not None and self.times <= 0


@dataclass
class FaultPlan:
    """What to do to one request: added latency, and at most one response-shaping fault."""

    latency_s: float = 0.0
    fault: Fault | None = None


class FaultInjector:
    """Holds the programmed faults; ``emu.faults``."""

    def __init__(self, seed: int = 0) -> None:
        """Create an injector without faults.

        :param seed: Seed of the random draws behind ``probability`` and ``fraction``.
        """
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._seed = seed
        self._rng = random.Random(seed)  # noqa: S311 - deterministic test randomness, not security

    @property
    def faults(self) -> list[Fault]:
        """A snapshot of the programmed faults (exhausted ones included)."""
        with self._lock:
            return list(self._faults)

    def clear(self, seed: int | None = None) -> None:
        """Remove every fault and restart the random sequence.

        :param seed: New seed, or ``None`` to keep the current one.
        """
        with self._lock:
            self._faults.clear()
            if seed is not None:
                self._seed = seed
            self._rng = random.Random(self._seed)  # noqa: S311

    def add(
        self,
        kind: str,
        route: str | None = None,
        *,
        times: int | None = 1,
        probability: float | None = None,
        **params: Any,
    ) -> Fault:
        """Program a fault (the typed helpers below are easier).

        :param kind: One of the kind constants of this module.
        :param route: ``"METHOD /path/glob"``, ``"/path/glob"`` or ``None`` for every request.
        :param times: Number of calls to fire on; ``None`` for unlimited.
        :param probability: Chance (0..1) of firing on each matching call; ``None`` means always.
        :param params: Kind-specific parameters.
        :return: The fault, whose ``fired`` counter tests can read.
        """
        fault = Fault(kind, route, times, probability, dict(params))
        with self._lock:
            self._faults.append(fault)
        return fault

    def latency(
        self,
        ms: float,
        route: str | None = None,
        *,
        times: int | None = None,
        probability: float | None = None,
    ) -> Fault:
        """Delay responses (default: every matching call, until cleared).

        :param ms: Added latency in milliseconds.
        :param route: Route pattern or ``None``.
        :param times: Number of calls, ``None`` for unlimited.
        :param probability: Chance per call, or ``None``.
        :return: The fault.
        """
        return self.add(LATENCY, route, times=times, probability=probability, ms=float(ms))

    def rate_limited(
        self,
        route: str | None = None,
        *,
        times: int | None = 1,
        probability: float | None = None,
        retry_after: int | None = None,
        reset_header: bool = True,
        reset_in_s: float = 1.0,
    ) -> Fault:
        """Answer 429 (One Codex ``{"msg"}`` body; Seven Bridges code 1000 with X-RateLimit headers).

        :param route: Route pattern or ``None``.
        :param times: Number of calls (a burst), ``None`` for unlimited.
        :param probability: Chance per call, or ``None``.
        :param retry_after: Send ``Retry-After: <n>`` when given.
        :param reset_header: Seven Bridges only: include ``X-RateLimit-Reset``.
        :param reset_in_s: Seven Bridges only: seconds from now that ``X-RateLimit-Reset`` names.
        :return: The fault.
        """
        return self.add(
            RATE_LIMITED,
            route,
            times=times,
            probability=probability,
            retry_after=retry_after,
            reset_header=reset_header,
            reset_in_s=reset_in_s,
        )

    def maintenance(
        self, route: str | None = None, *, times: int | None = 1, probability: float | None = None
    ) -> Fault:
        """Answer 503 JSON (Seven Bridges code 0; One Codex werkzeug 503 body).

        :param route: Route pattern or ``None``.
        :param times: Number of calls, ``None`` for unlimited.
        :param probability: Chance per call, or ``None``.
        :return: The fault.
        """
        return self.add(MAINTENANCE, route, times=times, probability=probability)

    def gateway_error(
        self,
        status: int = 502,
        route: str | None = None,
        *,
        times: int | None = 1,
        probability: float | None = None,
    ) -> Fault:
        """Answer an HTML gateway page (``Content-Type: text/html``).

        :param status: 502, 503 or 504.
        :param route: Route pattern or ``None``.
        :param times: Number of calls, ``None`` for unlimited.
        :param probability: Chance per call, or ``None``.
        :return: The fault.
        :raises ValueError: For another status.
        """
        if status not in (502, 503, 504):
            raise ValueError("gateway pages exist for 502, 503 and 504")
        return self.add(GATEWAY_HTML, route, times=times, probability=probability, status=status)

    def server_error(
        self, route: str | None = None, *, times: int | None = 1, probability: float | None = None
    ) -> Fault:
        """Answer a JSON 500 in the API's error format.

        :param route: Route pattern or ``None``.
        :param times: Number of calls, ``None`` for unlimited.
        :param probability: Chance per call, or ``None``.
        :return: The fault.
        """
        return self.add(SERVER_ERROR, route, times=times, probability=probability)

    def connection_reset(
        self,
        route: str | None = None,
        *,
        after_write: bool = False,
        times: int | None = 1,
        probability: float | None = None,
    ) -> Fault:
        """Drop the TCP connection (RST) without any HTTP response.

        :param route: Route pattern or ``None``.
        :param after_write: ``False``: drop before the request is handled (nothing applied); ``True``: handle the
            request (a write is applied) and then drop instead of responding.
        :param times: Number of calls, ``None`` for unlimited.
        :param probability: Chance per call, or ``None``.
        :return: The fault.
        """
        return self.add(CONNECTION_RESET, route, times=times, probability=probability, after_write=after_write)

    def slow_response(
        self,
        delay_s: float,
        route: str | None = None,
        *,
        times: int | None = 1,
        probability: float | None = None,
    ) -> Fault:
        """Handle the request (a write is applied), then wait before sending the response.

        :param delay_s: Seconds to wait before responding (exceed the client's read timeout to trigger it).
        :param route: Route pattern or ``None``.
        :param times: Number of calls, ``None`` for unlimited.
        :param probability: Chance per call, or ``None``.
        :return: The fault.
        """
        return self.add(SLOW_RESPONSE, route, times=times, probability=probability, delay_s=float(delay_s))

    def bulk_item_errors(
        self,
        route: str = "POST /v2/bulk/files/*",
        *,
        ids: list[str] | None = None,
        fraction: float | None = None,
        code: int = 500,
        message: str | None = None,
        times: int | None = 1,
        probability: float | None = None,
    ) -> Fault:
        """Fail selected items inside Seven Bridges bulk responses (those items are not applied).

        :param route: Route pattern (bulk routes).
        :param ids: File ids whose items fail.
        :param fraction: Chance (0..1) for each other item to fail, drawn from the seeded random sequence.
        :param code: Seven Bridges code of the item error (its HTTP status and message follow the code table).
        :param message: Optional message overriding the default for the code.
        :param times: Number of bulk calls, ``None`` for unlimited.
        :param probability: Chance per call, or ``None``.
        :return: The fault.
        """
        return self.add(
            BULK_ITEM_ERRORS,
            route,
            times=times,
            probability=probability,
            ids=list(ids or []),
            fraction=fraction,
            code=code,
            message=message,
        )

    def _fires(self, fault: Fault) -> bool:
        if fault.exhausted:
            return False
        if fault.probability is not None and self._rng.random() >= fault.probability:
            return False
        fault.fired += 1
        if fault.times is not None:
            fault.times -= 1
        return True

    def plan(self, method: str, path: str) -> FaultPlan:
        """Decide, and consume, the faults for one request (bulk item faults excluded).

        :param method: HTTP method.
        :param path: Request path.
        :return: The plan.
        """
        plan = FaultPlan()
        with self._lock:
            for fault in self._faults:
                if fault.kind == BULK_ITEM_ERRORS or not fault.matches(method, path):
                    continue
                if fault.kind == LATENCY:
                    if self._fires(fault):
                        plan.latency_s += fault.params["ms"] / 1000.0
                elif plan.fault is None and self._fires(fault):
                    plan.fault = fault
        return plan

    def item_failures(self, method: str, path: str, item_ids: list[str | None]) -> dict[int, Fault]:
        """Decide, and consume, the per-item failures of one bulk request.

        :param method: HTTP method.
        :param path: Request path.
        :param item_ids: The file id of each item, in request order.
        :return: ``{item index: fault}`` for the items that must fail.
        """
        failures: dict[int, Fault] = {}
        with self._lock:
            for fault in self._faults:
                if fault.kind != BULK_ITEM_ERRORS or not fault.matches(method, path) or not self._fires(fault):
                    continue
                ids = set(fault.params.get("ids") or [])
                fraction = fault.params.get("fraction")
                for index, item_id in enumerate(item_ids):
                    hit = item_id in ids or (fraction is not None and self._rng.random() < fraction)
                    if hit and index not in failures:
                        failures[index] = fault
        return failures
