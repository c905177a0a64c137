"""The adaptive bucket: halve on a 429, add back slowly, and jitter the spacing so no process takes every token."""

from __future__ import annotations

import random

import pytest
from requests.structures import CaseInsensitiveDict

from genomics_provider.hooks._ratelimit import RateLimiter
from tests.hooks.test_ratelimit import FakeTime, make_limiter

NO_HEADERS: CaseInsensitiveDict[str] = CaseInsensitiveDict()


@pytest.fixture
def fake_time() -> FakeTime:
    """Provide a fresh fake clock.

    :return: The fake clock.
    """
    return FakeTime()


# -- adapting to 429s (multiplicative decrease, additive increase) ----------------------------------------------


def test_a_429_halves_the_rate_and_the_bucket_paces_at_the_new_rate(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 10.0, burst=1.0)
    limiter.acquire()
    limiter.observe(NO_HEADERS, 429)
    assert (limiter.rate, limiter.ceiling, limiter.rate_limited, limiter.decreases) == (5.0, 10.0, 1, 1)
    limiter.acquire()
    limiter.acquire()
    assert fake_time.sleeps == [pytest.approx(0.2), pytest.approx(0.2)]


def test_429s_answered_within_two_requests_spacing_lower_the_rate_once(fake_time: FakeTime) -> None:
    # In-flight requests report the same congestion: after halving to 5/s, 429s within 0.4 s count only as seen.
    limiter = make_limiter(fake_time, 10.0)
    limiter.observe(NO_HEADERS, 429)
    fake_time.advance(0.39)
    limiter.observe(NO_HEADERS, 429)
    assert (limiter.rate, limiter.rate_limited, limiter.decreases) == (5.0, 2, 1)
    fake_time.advance(0.02)
    limiter.observe(NO_HEADERS, 429)
    assert (limiter.rate, limiter.rate_limited, limiter.decreases) == (2.5, 3, 2)


def test_the_hold_between_decreases_is_at_most_a_second(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 1.0)
    limiter.observe(NO_HEADERS, 429)
    fake_time.advance(0.99)
    limiter.observe(NO_HEADERS, 429)
    assert limiter.rate == 0.5
    fake_time.advance(0.02)
    limiter.observe(NO_HEADERS, 429)
    assert limiter.rate == 0.25


def test_the_rate_never_drops_below_two_percent_of_the_configured_rate(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 10.0)
    for _ in range(20):
        limiter.observe(NO_HEADERS, 429)
        fake_time.advance(1.0)
    assert limiter.rate == pytest.approx(0.2)
    assert limiter.decreases == 6  # 5, 2.5, 1.25, 0.625, 0.3125, then the floor


def test_answers_after_a_429_add_back_a_quarter_percent_of_the_rate_per_second(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 10.0)
    limiter.observe(NO_HEADERS, 429)
    for _ in range(100):
        fake_time.advance(0.1)
        limiter.observe(NO_HEADERS, 200)
    assert limiter.rate == pytest.approx(5.0 + 10.0 * 0.0025 * 10.0)


def test_after_thirty_quiet_seconds_the_increase_doubles_every_ten(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 10.0)
    limiter.observe(NO_HEADERS, 429)
    steps = {}
    for second in range(1, 51):
        fake_time.advance(1.0)
        before = limiter.rate
        limiter.observe(NO_HEADERS, 200)
        steps[second] = limiter.rate - before
    assert steps[10] == pytest.approx(0.025)
    assert steps[30] == pytest.approx(0.025)
    assert steps[40] == pytest.approx(0.05)
    assert steps[50] == pytest.approx(0.1)


def test_the_rate_climbs_back_to_the_configured_rate_and_no_further(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 10.0)
    limiter.observe(NO_HEADERS, 429)
    for _ in range(120):
        fake_time.advance(1.0)
        limiter.observe(NO_HEADERS, 200)
    assert limiter.rate == 10.0


def test_idle_time_counts_for_at_most_a_second_of_increase(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 10.0)
    limiter.observe(NO_HEADERS, 429)
    fake_time.advance(20.0)
    limiter.observe(NO_HEADERS, 200)
    assert limiter.rate == pytest.approx(5.025)


def test_a_slow_sender_counts_two_of_its_intervals_per_answer(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 1.0)
    limiter.observe(NO_HEADERS, 429)
    fake_time.advance(10.0)
    limiter.observe(NO_HEADERS, 200)
    assert limiter.rate == pytest.approx(0.5 + 1.0 * 0.0025 * 4.0)  # 2 / 0.5 = 4 s count


@pytest.mark.parametrize(
    ("status", "climbs"),
    [
        pytest.param(200, True, id="a-2xx-climbs"),
        pytest.param(404, True, id="a-4xx-was-not-rate-limited-so-it-climbs"),
        pytest.param(503, False, id="a-5xx-says-nothing-about-the-rate"),
        pytest.param(None, False, id="no-status-says-nothing"),
    ],
)
def test_which_answers_raise_the_rate(fake_time: FakeTime, status: int | None, climbs: bool) -> None:
    limiter = make_limiter(fake_time, 10.0)
    limiter.observe(NO_HEADERS, 429)
    fake_time.advance(1.0)
    limiter.observe(NO_HEADERS, status)
    assert limiter.rate == (pytest.approx(5.025) if climbs else 5.0)


def test_without_a_bucket_429s_are_only_counted(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, None)
    limiter.observe(NO_HEADERS, 429)
    limiter.observe(NO_HEADERS, 200)
    assert (limiter.rate, limiter.rate_limited, limiter.decreases) == (None, 1, 0)
    assert limiter.acquire() == 0.0


def test_a_worker_alone_keeps_the_configured_rate(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 10.0, burst=1.0)
    for _ in range(50):
        limiter.acquire()
        limiter.observe(NO_HEADERS, 200)
    assert limiter.rate == 10.0
    assert fake_time.sleeps == [pytest.approx(0.1)] * 49


# -- jitter -----------------------------------------------------------------------------------------------------


def test_jitter_spreads_each_wait_but_keeps_the_mean_rate(fake_time: FakeTime) -> None:
    limiter = RateLimiter(
        10.0,
        burst=1.0,
        jitter=0.25,
        rng=random.Random(7),
        clock=fake_time.clock,
        wall_clock=fake_time.wall_clock,
        sleep=fake_time.sleep,
    )
    for _ in range(2001):
        limiter.acquire()
    waits = fake_time.sleeps
    assert len(waits) == 2000  # the first request, with a token in the bucket, never waits
    assert min(waits) >= 0.075 - 1e-9
    assert max(waits) <= 0.125 + 1e-9
    assert max(waits) - min(waits) > 0.045
    assert sum(waits) / len(waits) == pytest.approx(0.1, abs=0.002)
