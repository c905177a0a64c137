"""Absurd and repeated waits against a fake clock: every request ends within its wait budget, the error says why.

Each case scripts the server's answers (``responses``; the last one repeats forever) and runs one or more requests
through the transport on a fake clock: ``_sleep`` advances the monotonic clock and the epoch clock together, so a
wait is charged exactly and nothing really sleeps. Every case asserts the waits slept (their sum is within
``max_wait``), the exact number of requests the server received, and the exact error text.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import responses

from genomics_provider.exceptions import InvalidInputError, WaitBudgetExceededError
from genomics_provider.hooks import base
from genomics_provider.hooks._retry import BackoffPolicy
from genomics_provider.hooks.base import GenomicsRestHook
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.hooks.sevenbridges import SevenBridgesHook

OC_KEY = "oc-budget-key-5d7f9b1c3e2a4f6b80"
SB_TOKEN = "sb-budget-token-2f4e6a8c0b1d3f5e79"
OC_BASE = "https://app.onecodex.com"
SB_BASE = "https://cgc-api.sbgenomics.com/v2"
OC_PATH = "/api/v1/samples/7428cca4a3a04a8e"
SB_PATH = "/v2/user"
OC_429 = {"msg": "Rate limited.", "status": 429}
SB_429 = {"status": 429, "code": 1000, "message": "Rate limit exceeded!"}
DAY = 86400


class FakeClock:
    """The transport's monotonic and epoch clocks, moved only by its sleeps, which are recorded."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.epoch = float(int(time.time()))  # today's date: a limiter reading the real clock sees the same resets
        self.slept: list[float] = []

    def now(self) -> float:
        return self.mono

    def wall(self) -> float:
        return self.epoch + self.mono - 1000.0

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.mono += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(base, "_now", fake.now)
    monkeypatch.setattr(base, "_sleep", fake.sleep)
    monkeypatch.setattr(base, "time", SimpleNamespace(time=fake.wall, monotonic=fake.now, sleep=fake.sleep))
    return fake


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def connect(monkeypatch: pytest.MonkeyPatch, vendor: str, extra: dict[str, Any]) -> GenomicsRestHook:
    """Define the vendor's default connection with these extras and return a fresh hook on it, without jitter."""
    if vendor == "onecodex":
        conn = {"conn_type": "onecodex", "host": OC_BASE, "password": OC_KEY, "extra": {"rate_limit": 0, **extra}}
        monkeypatch.setenv("AIRFLOW_CONN_ONECODEX_DEFAULT", json.dumps(conn))
        hook: GenomicsRestHook = OneCodexHook()
    else:
        conn = {"conn_type": "sevenbridges", "password": SB_TOKEN, "extra": extra}
        monkeypatch.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", json.dumps(conn))
        hook = SevenBridgesHook()
    hook.backoff = BackoffPolicy(jitter=0.0)
    return hook


#: One answer: status, headers built from the fake epoch at the start of the test, and the JSON body.
Answer = tuple[int, Callable[[float], dict[str, str]], Any]


def script(api: responses.RequestsMock, method: str, url: str, answers: list[Answer], epoch: float) -> list[int]:
    """Answer requests from ``answers`` in order, repeating the last one; return the list that counts them."""
    seen: list[int] = []

    def reply(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        status, headers, body = answers[min(len(seen), len(answers) - 1)]
        seen.append(status)
        return status, headers(epoch), json.dumps(body)

    api.add_callback(method, url, callback=reply, content_type="application/json")
    return seen


def none(epoch: float) -> dict[str, str]:
    return {}


def retry_after(value: str) -> Callable[[float], dict[str, str]]:
    return lambda epoch: {"Retry-After": value}


def window(remaining: int, ahead: float, limit: int = 1000) -> Callable[[float], dict[str, str]]:
    return lambda epoch: {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(int(epoch + ahead)),
    }


@dataclass
class Case:
    """A misbehaving server, the requests sent to it, and how they must end."""

    vendor: str
    answers: list[Answer]
    slept: list[float]
    requests: int
    error: str  # with {reset} for the epoch of a reset a day ahead, {date} for an HTTP date two hours ahead
    extra: dict[str, Any] = field(default_factory=dict)
    calls: int = 1  # request() calls; all but the last succeed, the last fails
    method: str = "GET"
    status: int | None = 429


def oc(message: str, *, status: str = "HTTP 429", method: str = "GET", said: str = "Rate limited.", tries: int = 1):
    note = f"gave up after {tries} attempt{'s' if tries > 1 else ''}"
    return f"{method} {OC_PATH} failed, {status}: {message}; the server said: {said} ({note})"


def sb(message: str, *, tries: int = 1) -> str:
    note = f"gave up after {tries} attempt{'s' if tries > 1 else ''}"
    return f"GET {SB_PATH} failed, HTTP 429, code 1000: {message}; the server said: Rate limit exceeded! ({note})"


BUDGET_300 = "this request's wait budget max_wait=300 s"
CASES = [
    pytest.param(
        Case(
            "onecodex",
            [(429, retry_after("3600"), OC_429)],
            [],
            1,
            oc(f"the server asked to wait 3600 s (Retry-After: 3600) but {BUDGET_300} has 300 s left"),
        ),
        id="Retry-After 3600 forever fails at once instead of 4 capped waits",
    ),
    pytest.param(
        Case(
            "onecodex",
            [(429, retry_after("100"), OC_429)],
            [100.0, 100.0, 100.0],
            4,
            oc(f"the server asked to wait 100 s (Retry-After: 100) but {BUDGET_300} has 0 s left", tries=4),
        ),
        id="Retry-After 100 forever: three waits in full, then the budget is spent",
    ),
    pytest.param(
        Case(
            "onecodex",
            [(429, retry_after("200"), OC_429), (429, retry_after("3600"), OC_429)],
            [200.0],
            2,
            oc(f"the server asked to wait 3600 s (Retry-After: 3600) but {BUDGET_300} has 100 s left", tries=2),
        ),
        id="a second, absurd Retry-After fails against what is left",
    ),
    pytest.param(
        Case(
            "onecodex",
            [(429, retry_after("31"), OC_429)],
            [],
            1,
            oc(
                "the server asked to wait 31 s (Retry-After: 31) but this request's wait budget max_wait=30 s "
                "has 30 s left"
            ),
            extra={"max_wait": 30},
        ),
        id="max_wait from the connection extra",
    ),
    pytest.param(
        Case(
            "onecodex",
            [(503, none, {"message": "Service Unavailable"})],
            [],
            1,
            oc(
                "the backoff after attempt 1 is 0.5 s but this request's wait budget max_wait=0 s has 0 s left",
                status="HTTP 503",
                said="Service Unavailable",
            ),
            extra={"max_wait": 0},
            status=503,
        ),
        id="max_wait 0: even the backoff is refused, the 503 is not retried",
    ),
    pytest.param(
        Case(
            "onecodex",
            [(503, none, {"message": "Down"}), (503, retry_after("300"), {"message": "Down"})],
            [0.5],
            2,
            oc(
                f"the server asked to wait 300 s (Retry-After: 300) but {BUDGET_300} has 299.5 s left",
                status="HTTP 503",
                said="Down",
                tries=2,
            ),
            status=503,
        ),
        id="the backoff's wait is charged to the same budget",
    ),
    pytest.param(
        Case(
            "onecodex",
            [
                (
                    503,
                    lambda epoch: {"Retry-After": email.utils.formatdate(epoch + 7200, usegmt=True)},
                    {"message": "Maintenance"},
                )
            ],
            [],
            1,
            oc(
                f"the server asked to wait 7200 s (Retry-After: {{date}}) but {BUDGET_300} has 300 s left",
                status="HTTP 503",
                said="Maintenance",
            ),
            status=503,
        ),
        id="Retry-After as an HTTP date two hours ahead",
    ),
    pytest.param(
        Case(
            "onecodex",
            [(429, retry_after("9" * 26), OC_429)],
            [],
            1,
            oc(f"the server asked to wait 1e+26 s (Retry-After: {'9' * 20}...) but {BUDGET_300} has 300 s left"),
        ),
        id="a 26-digit Retry-After",
    ),
    pytest.param(
        Case(
            "onecodex",
            [(429, retry_after("3600"), OC_429)],
            [],
            1,
            oc(f"the server asked to wait 3600 s (Retry-After: 3600) but {BUDGET_300} has 300 s left", method="PATCH"),
            method="PATCH",
        ),
        id="a write is not re-sent 4 times after 429s asking for an hour",
    ),
    pytest.param(
        Case(
            "sevenbridges",
            [(429, window(0, DAY), SB_429)],
            [],
            1,
            sb(f"the server asked to wait 86400 s (X-RateLimit-Reset: {{reset}}) but {BUDGET_300} has 300 s left"),
        ),
        id="Seven Bridges 429 with the reset a day ahead fails at once, not after 60 s plus 300 s",
    ),
    pytest.param(
        Case(
            "sevenbridges",
            [(429, lambda epoch: {"X-RateLimit-Reset": "inf"}, SB_429)],
            [],
            1,
            sb(f"the server asked to wait inf s (X-RateLimit-Reset: inf) but {BUDGET_300} has 300 s left"),
        ),
        id="Seven Bridges reset at infinity",
    ),
    pytest.param(
        Case(
            "sevenbridges",
            [(200, window(0, DAY), {"username": "rfranklin"})],
            [],
            1,
            f"GET {SB_PATH} failed: the server's rate-limit window (X-RateLimit-Limit: 1000, "
            f"X-RateLimit-Remaining: 0, X-RateLimit-Reset: {{reset}}) asks to wait 86400 s but {BUDGET_300} "
            "has 300 s left (not sent)",
            calls=2,
            status=None,
        ),
        id="200s with Remaining 0 and the reset a day ahead: the next request fails fast, unsent",
    ),
    pytest.param(
        Case(
            "sevenbridges",
            [(200, window(0, 200), {"username": "rfranklin"})],
            [],
            1,
            f"GET {SB_PATH} failed: the server's rate-limit window (X-RateLimit-Limit: 1000, "
            "X-RateLimit-Remaining: 0, X-RateLimit-Reset: {reset200}) asks to wait 200 s but this request's wait "
            "budget max_wait=100 s has 100 s left (not sent)",
            extra={"max_wait": 100},
            calls=2,
            status=None,
        ),
        id="window pacing longer than max_wait fails fast instead of sleeping it",
    ),
    pytest.param(
        Case(
            "sevenbridges",
            [(200, window(0, 100), {"username": "rfranklin"}), (429, retry_after("250"), SB_429)],
            [100.0],
            2,
            sb(f"the server asked to wait 250 s (Retry-After: 250) but {BUDGET_300} has 200 s left"),
            calls=2,
        ),
        id="window pacing and the retry wait share one budget",
    ),
]


def expected_text(template: str, clock: FakeClock) -> str:
    return (
        template.replace("{reset}", str(int(clock.epoch + DAY)))
        .replace("{reset200}", str(int(clock.epoch + 200)))
        .replace("{date}", email.utils.formatdate(clock.epoch + 7200, usegmt=True))
    )


@pytest.mark.parametrize("case", CASES)
def test_a_misbehaving_server_costs_at_most_the_wait_budget_and_the_error_says_what_it_asked(
    case: Case, clock: FakeClock, api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = connect(monkeypatch, case.vendor, case.extra)
    base_url, path = (OC_BASE, OC_PATH) if case.vendor == "onecodex" else (SB_BASE, "/user")
    seen = script(api, case.method, base_url + path, case.answers, clock.epoch)

    for _ in range(case.calls - 1):
        hook.request(case.method, path)
    with pytest.raises(WaitBudgetExceededError) as caught:
        hook.request(case.method, path, json_body={"tags": []} if case.method == "PATCH" else None)

    assert str(caught.value) == expected_text(case.error, clock)
    assert caught.value.status == case.status
    assert clock.slept == case.slept
    assert sum(clock.slept) <= hook.max_wait
    assert len(seen) == case.requests
    assert OC_KEY not in str(caught.value)
    assert SB_TOKEN not in str(caught.value)


def test_a_seven_bridges_429_is_paced_once_by_the_retry_not_again_by_the_limiter(
    clock: FakeClock, api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = connect(monkeypatch, "sevenbridges", {})
    seen = script(
        api,
        "GET",
        f"{SB_BASE}/user",
        [(429, window(0, 120), SB_429), (200, none, {"username": "rfranklin"})],
        clock.epoch,
    )

    assert hook.request_json("GET", "/user") == {"username": "rfranklin"}
    hook.request_json("GET", "/user")

    assert clock.slept == [120.0]  # the retry waited until the reset, in full; the limiter added no second pause
    assert seen == [429, 200, 200]


def test_the_hook_deadline_caps_the_budget(
    clock: FakeClock, api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = connect(monkeypatch, "onecodex", {})
    hook.deadline = clock.now() + 50
    seen = script(api, "GET", OC_BASE + OC_PATH, [(429, retry_after("60"), OC_429)], clock.epoch)

    with pytest.raises(WaitBudgetExceededError) as caught:
        hook.request("GET", OC_PATH)

    assert str(caught.value) == oc(
        "the server asked to wait 60 s (Retry-After: 60) but the task's deadline (execution_timeout) is 50 s away"
    )
    assert (clock.slept, len(seen)) == ([], 1)


def test_the_running_tasks_execution_timeout_caps_the_budget(
    clock: FakeClock, api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = {
        "task": SimpleNamespace(execution_timeout=timedelta(seconds=90)),
        "ti": SimpleNamespace(start_date=datetime.now(UTC) - timedelta(seconds=30)),
    }
    monkeypatch.setattr("airflow.sdk.get_current_context", lambda: context)
    hook = connect(monkeypatch, "onecodex", {})
    seen = script(api, "GET", OC_BASE + OC_PATH, [(429, retry_after("100"), OC_429)], clock.epoch)

    with pytest.raises(WaitBudgetExceededError) as caught:
        hook.request("GET", OC_PATH)

    pattern = re.escape(oc("@")).replace(
        "@",
        r"the server asked to wait 100 s \(Retry-After: 100\) but the task's deadline \(execution_timeout\) is "
        r"(?P<left>[0-9.]+) s away",
    )
    match = re.fullmatch(pattern, str(caught.value))
    assert match is not None, str(caught.value)
    assert 59.0 <= float(match["left"]) <= 60.0  # 90 s from a start 30 s ago (less the test's own milliseconds)
    assert (clock.slept, len(seen)) == ([], 1)


@pytest.mark.parametrize("value", [-1, "soon", True, 1e9, "nan"], ids=repr)
def test_a_bad_max_wait_is_refused_before_any_request(
    value: Any, clock: FakeClock, api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook = connect(monkeypatch, "onecodex", {"max_wait": value})
    seen = script(api, "GET", OC_BASE + OC_PATH, [(200, none, {})], clock.epoch)

    with pytest.raises(InvalidInputError) as caught:
        hook.request("GET", OC_PATH)

    assert str(caught.value) == (
        f"connection 'onecodex_default': extra 'max_wait' = {value!r} must be a number from 0 to 86400"
    )
    assert seen == []
