"""The staleness bound in the transport: a write planned from an old read is not sent; the bounds' settings."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import responses

from genomics_provider.exceptions import InvalidInputError, StaleReadError
from genomics_provider.hooks import base
from genomics_provider.hooks.onecodex import OneCodexHook

SAMPLE_ID = "7428cca4a3a04a8e"
SAMPLE_URL = f"https://app.onecodex.com/api/v1/samples/{SAMPLE_ID}"
SAMPLE = {"$uri": f"/api/v1/samples/{SAMPLE_ID}", "visibility": "public", "tags": []}


class FakeClock:
    """A monotonic clock that moves only when the transport sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(base, "_now", lambda: fake.now)
    monkeypatch.setattr(base, "_sleep", fake.sleep)
    return fake


def test_a_write_whose_deadline_has_passed_is_not_sent_and_the_error_says_why(
    hook: OneCodexHook, api: responses.RequestsMock, clock: FakeClock
) -> None:
    with pytest.raises(StaleReadError) as caught:
        hook.update_sample(SAMPLE_ID, {"visibility": "public"}, send_by=clock.now - 0.1)

    assert len(api.calls) == 0
    assert str(caught.value) == (
        f"PATCH /api/v1/samples/{SAMPLE_ID} failed: not sent: its body was planned from a read more than 2 s old "
        "(max_read_age); read again first"
    )
    assert caught.value.status is None


def test_a_pacing_wait_that_would_push_a_write_past_its_deadline_takes_no_slot_and_sends_nothing(
    set_connection: Callable[..., None], api: responses.RequestsMock, clock: FakeClock
) -> None:
    set_connection(rate_limit=1)
    api.get(SAMPLE_URL, json=SAMPLE)
    oc_hook = OneCodexHook()
    read_at = oc_hook.clock()
    oc_hook.get_sample(SAMPLE_ID)

    with pytest.raises(StaleReadError):
        oc_hook.update_sample(SAMPLE_ID, {"visibility": "shared"}, send_by=read_at + 0.5)

    assert [call.request.method for call in api.calls] == ["GET"]
    assert clock.slept == []  # refused at once: waiting would not have helped
    oc_hook.get_sample(SAMPLE_ID)  # the slot the refused write did not take is the next request's
    assert len(clock.slept) == 1
    assert 0.5 < clock.slept[0] <= 1.25


def test_a_429_whose_retry_would_go_out_past_the_deadline_is_not_re_sent(
    hook: OneCodexHook, api: responses.RequestsMock, clock: FakeClock
) -> None:
    api.patch(SAMPLE_URL, status=429, json={"msg": "Rate limited.", "status": 429}, headers={"Retry-After": "3"})

    with pytest.raises(StaleReadError):
        hook.update_sample(SAMPLE_ID, {"visibility": "shared"}, send_by=clock.now + 2.0)

    assert [call.request.method for call in api.calls] == ["PATCH"]
    assert clock.slept == [3.0]


def test_a_write_within_its_deadline_is_sent(hook: OneCodexHook, api: responses.RequestsMock, clock: FakeClock) -> None:
    api.patch(SAMPLE_URL, json=SAMPLE)

    assert hook.update_sample(SAMPLE_ID, {"visibility": "public"}, send_by=clock.now + 2.0) == SAMPLE
    assert json.loads(api.calls[0].request.body) == {"visibility": "public"}


@pytest.mark.parametrize(
    ("extra", "read_age", "write_timeout", "verify_delay"),
    [
        pytest.param({}, 2.0, (3.0, 7.0), 12.5, id="defaults: S 2 s, T 10 s, V = S + T + 0.5 s"),
        pytest.param(
            {"max_read_age": 1, "write_timeout": 2}, 1.0, (0.6, 1.4), 3.5, id="short bounds for a local server"
        ),
        pytest.param({"timeout": 0.05}, 2.0, (0.05, 0.05), 2.6, id="a short read timeout shortens writes too"),
    ],
)
def test_the_bounds_come_from_the_connection_extras(
    set_connection: Callable[..., None],
    extra: dict[str, float],
    read_age: float,
    write_timeout: tuple[float, float],
    verify_delay: float,
) -> None:
    set_connection(**extra)
    oc_hook = OneCodexHook()

    assert oc_hook.max_read_age == read_age
    assert oc_hook.write_timeout == pytest.approx(write_timeout)
    assert oc_hook.verify_delay == pytest.approx(verify_delay)


def test_writes_use_the_write_timeout_and_reads_the_read_timeout(
    set_connection: Callable[..., None], api: responses.RequestsMock
) -> None:
    set_connection(write_timeout=2)
    api.get(SAMPLE_URL, json=SAMPLE)
    api.patch(SAMPLE_URL, json=SAMPLE)
    oc_hook = OneCodexHook()
    oc_hook.get_sample(SAMPLE_ID)
    oc_hook.update_sample(SAMPLE_ID, {"visibility": "public"})

    assert [call.request.req_kwargs["timeout"] for call in api.calls] == [(10.0, 60.0), pytest.approx((0.6, 1.4))]


@pytest.mark.parametrize(
    ("key", "value"), [("max_read_age", "soon"), ("max_read_age", 0), ("write_timeout", -1), ("write_timeout", True)]
)
def test_a_bad_bound_is_refused_naming_the_extra_before_any_request(
    set_connection: Callable[..., None], api: responses.RequestsMock, key: str, value: object
) -> None:
    set_connection(**{key: value})
    oc_hook = OneCodexHook()

    with pytest.raises(
        InvalidInputError, match=rf"^connection 'onecodex_default': extra '{key}' = .* must be a number"
    ):
        oc_hook.get_sample(SAMPLE_ID)  # refused before the first request, not when the first write is planned
    assert len(api.calls) == 0
