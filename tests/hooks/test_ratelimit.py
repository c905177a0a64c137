"""The client-side rate limiter: a token bucket plus pacing from the server's rate-limit window.

The bucket's adaptation to 429s and its jitter are in ``test_ratelimit_adaptive.py``.
"""

from __future__ import annotations

import math

import pytest
from requests.structures import CaseInsensitiveDict

from genomics_provider.hooks._ratelimit import RateLimiter

EPOCH = 1_700_000_000.0


class FakeTime:
    """A monotonic clock, a wall clock and a sleep that advances both and records every wait."""

    def __init__(self) -> None:
        self.monotonic = 1000.0
        self.wall = EPOCH
        self.sleeps: list[float] = []

    def clock(self) -> float:
        """Return the fake monotonic time.

        :return: Seconds.
        """
        return self.monotonic

    def wall_clock(self) -> float:
        """Return the fake epoch time.

        :return: Seconds since the epoch.
        """
        return self.wall

    def sleep(self, seconds: float) -> None:
        """Record a wait and let that much time pass.

        :param seconds: The wait.
        """
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Let time pass without anybody sleeping.

        :param seconds: How much time passes.
        """
        self.monotonic += seconds
        self.wall += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    """Provide a fresh fake clock.

    :return: The fake clock.
    """
    return FakeTime()


def make_limiter(fake_time: FakeTime, rate: float | None, **kwargs: float) -> RateLimiter:
    """Build a limiter wired to the fake clock.

    :param fake_time: The fake clock.
    :param rate: Requests per second.
    :param kwargs: Passed to :class:`RateLimiter`.
    :return: The limiter.
    """
    return RateLimiter(rate, clock=fake_time.clock, wall_clock=fake_time.wall_clock, sleep=fake_time.sleep, **kwargs)


def window_headers(remaining: str, reset: str) -> CaseInsensitiveDict[str]:
    """Build rate-limit response headers the way ``requests`` exposes them.

    :param remaining: ``X-RateLimit-Remaining``.
    :param reset: ``X-RateLimit-Reset`` (epoch seconds).
    :return: Case-insensitive headers.
    """
    return CaseInsensitiveDict({"X-RateLimit-Remaining": remaining, "X-RateLimit-Reset": reset})


# -- token bucket ----------------------------------------------------------------------------------------------


def test_ten_per_second_with_burst_ten_lets_ten_go_then_the_eleventh_waits_a_tenth(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 10.0, burst=10.0)
    waits = [limiter.acquire() for _ in range(11)]
    assert waits[:10] == [0.0] * 10
    assert waits[10] == pytest.approx(0.1)
    assert fake_time.sleeps == [pytest.approx(0.1)]
    assert limiter.waited == pytest.approx(0.1)


def test_burst_defaults_to_the_rate(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 10.0)
    assert limiter.burst == 10.0
    for _ in range(10):
        limiter.acquire()
    assert fake_time.sleeps == []
    limiter.acquire()
    assert fake_time.sleeps == [pytest.approx(0.1)]


def test_a_drained_bucket_paces_requests_at_the_rate(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 10.0, burst=10.0)
    for _ in range(15):
        limiter.acquire()
    assert fake_time.sleeps == [pytest.approx(0.1)] * 5


def test_the_bucket_refills_over_time(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 10.0, burst=10.0)
    for _ in range(10):
        limiter.acquire()
    fake_time.advance(0.5)
    waits = [limiter.acquire() for _ in range(6)]
    assert waits[:5] == [0.0] * 5
    assert waits[5] == pytest.approx(0.1)


def test_the_bucket_never_holds_more_than_the_burst(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 10.0, burst=10.0)
    fake_time.advance(3600)
    waits = [limiter.acquire() for _ in range(11)]
    assert waits[:10] == [0.0] * 10
    assert waits[10] == pytest.approx(0.1)


def test_a_burst_smaller_than_the_rate_is_respected(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, 10.0, burst=2.0)
    for _ in range(3):
        limiter.acquire()
    assert fake_time.sleeps == [pytest.approx(0.1)]


@pytest.mark.parametrize("rate", [None, 0.0])
def test_no_rate_never_waits(fake_time: FakeTime, rate: float | None) -> None:
    limiter = make_limiter(fake_time, rate)
    assert limiter.rate is None
    assert [limiter.acquire() for _ in range(1000)] == [0.0] * 1000
    assert fake_time.sleeps == []


def test_a_negative_rate_is_refused() -> None:
    with pytest.raises(ValueError, match=r"rate: -1\.0 must be a positive number"):
        RateLimiter(-1.0)


# -- server window -----------------------------------------------------------------------------------------------


def test_a_spent_window_makes_the_next_request_wait_until_the_reset(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, None)
    limiter.observe(window_headers("0", str(EPOCH + 30)))
    assert limiter.acquire() == 30.0
    assert fake_time.sleeps == [30.0]


def test_the_window_wait_happens_only_once(fake_time: FakeTime) -> None:
    # The reset is far off and the wait capped, so the window has not reset yet when the second request goes.
    limiter = make_limiter(fake_time, None, max_wait=20.0)
    limiter.observe(window_headers("0", str(EPOCH + 600)))
    assert limiter.acquire() == 20.0
    assert limiter.acquire() == 0.0
    assert fake_time.sleeps == [20.0]


def test_the_window_wait_is_capped_by_max_wait(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, None, max_wait=20.0)
    limiter.observe(window_headers("0", str(EPOCH + 30)))
    assert limiter.acquire() == 20.0


def test_the_default_max_wait_is_five_minutes(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, None)
    limiter.observe(window_headers("0", str(EPOCH + 3600)))
    assert limiter.acquire() == 300.0


def test_a_window_reset_in_the_past_means_no_wait(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, None)
    limiter.observe(window_headers("0", str(EPOCH - 10)))
    assert limiter.acquire() == 0.0
    assert fake_time.sleeps == []


def test_the_window_wait_counts_from_when_the_request_is_made(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, None)
    limiter.observe(window_headers("0", str(EPOCH + 30)))
    fake_time.advance(12)
    assert limiter.acquire() == pytest.approx(18.0)


def test_requests_remaining_clear_a_spent_window(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, None)
    limiter.observe(window_headers("0", str(EPOCH + 30)))
    limiter.observe(window_headers("5", str(EPOCH + 30)))
    assert limiter.acquire() == 0.0
    assert fake_time.sleeps == []


def test_lower_case_header_names_are_read(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, None)
    limiter.observe(CaseInsensitiveDict({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(EPOCH + 30)}))
    assert limiter.acquire() == 30.0


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"X-RateLimit-Remaining": "none", "X-RateLimit-Reset": str(EPOCH + 30)}, id="remaining-not-int"),
        pytest.param({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "soon"}, id="reset-not-a-number"),
        pytest.param({"X-RateLimit-Remaining": "0"}, id="reset-missing"),
        pytest.param({"X-RateLimit-Reset": str(EPOCH + 30)}, id="remaining-missing"),
        pytest.param({}, id="no-headers"),
    ],
)
def test_malformed_window_headers_are_ignored(fake_time: FakeTime, headers: dict[str, str]) -> None:
    limiter = make_limiter(fake_time, None)
    limiter.observe(CaseInsensitiveDict(headers))
    assert limiter.acquire() == 0.0
    assert fake_time.sleeps == []


def test_malformed_headers_do_not_clear_a_spent_window(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, None)
    limiter.observe(window_headers("0", str(EPOCH + 30)))
    limiter.observe(window_headers("lots", "later"))
    assert limiter.acquire() == 30.0


def limit_headers(remaining: int, reset: float, limit: int = 1000) -> CaseInsensitiveDict[str]:
    """Build Seven Bridges' three rate-limit headers.

    :param remaining: ``X-RateLimit-Remaining``.
    :param reset: ``X-RateLimit-Reset`` (epoch seconds).
    :param limit: ``X-RateLimit-Limit``.
    :return: Case-insensitive headers.
    """
    return CaseInsensitiveDict(
        {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": str(reset)}
    )


# -- pacing from the server's window ------------------------------------------------------------------------------


def test_far_from_the_limit_a_worker_goes_back_to_back(fake_time: FakeTime) -> None:
    # 1000 left in a fresh window: no crawling at 1000 / 300 s.
    limiter = make_limiter(fake_time, None)
    for remaining in range(1000, 200, -1):
        limiter.acquire()
        limiter.observe(limit_headers(remaining - 1, EPOCH + 300), 200)
    assert fake_time.sleeps == []


def test_near_the_limit_what_remains_is_spread_until_the_reset(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, None)
    limiter.acquire()
    limiter.observe(limit_headers(60, EPOCH + 100), 200)  # budget 60 - 10 (margin) = 50: one every 2 s
    assert limiter.acquire() == pytest.approx(2.0)
    limiter.observe(limit_headers(40, EPOCH + 102), 200)  # others spent 19 meanwhile: 100 s for 30
    assert limiter.acquire() == pytest.approx(100 / 30)


def test_pacing_starts_within_ten_percent_of_the_limit(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, None)
    limiter.acquire()
    limiter.observe(limit_headers(111, EPOCH + 100), 200)
    assert limiter.acquire() == 0.0
    limiter.observe(limit_headers(110, EPOCH + 100), 200)
    assert limiter.acquire() == pytest.approx(1.0)


def test_the_last_one_percent_of_the_window_waits_for_the_reset(fake_time: FakeTime) -> None:
    limiter = make_limiter(fake_time, None)
    limiter.acquire()
    limiter.observe(limit_headers(10, EPOCH + 40), 200)
    assert limiter.acquire() == pytest.approx(40.0)
    assert limiter.acquire() == 0.0  # a new window: nothing known about it yet


def test_requests_sent_since_the_last_answer_count_against_the_budget(fake_time: FakeTime) -> None:
    # Two threads share the hook: the second request goes before the first one's answer.
    limiter = make_limiter(fake_time, None)
    limiter.observe(limit_headers(12, EPOCH + 40), 200)
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == pytest.approx(40.0 / 1)
    assert limiter.acquire() == 0.0


class FixedWindowServer:
    """Seven Bridges' fixed window on the fake clock: ``limit`` requests, then 429 until the window ends."""

    def __init__(self, fake_time: FakeTime, limit: int, window_s: float) -> None:
        self.fake_time, self.limit, self.window_s = fake_time, limit, window_s
        self.start: float | None = None
        self.used = 0
        self.accepted = 0
        self.rejected = 0

    def call(self) -> tuple[int, CaseInsensitiveDict[str]]:
        """Count one request at the current time.

        :return: Status and rate-limit headers.
        """
        now = self.fake_time.wall
        if self.start is None or now >= self.start + self.window_s:
            self.start, self.used = now, 0
        allowed = self.used < self.limit
        self.used += allowed
        self.accepted += allowed
        self.rejected += not allowed
        reset = math.ceil(self.start + self.window_s)
        return (200 if allowed else 429), limit_headers(self.limit - self.used, reset, self.limit)


def test_four_workers_on_one_window_use_it_fully_without_a_429(fake_time: FakeTime) -> None:
    """Four workers, each sending as fast as 50 ms round trips allow, share one window by reading its headers."""
    server = FixedWindowServer(fake_time, limit=1000, window_s=300.0)
    workers = []
    for _ in range(4):
        local = FakeTime()
        workers.append((local, make_limiter(local, None)))
    # Event loop on the shared clock: each worker's own clock is its position in time.
    until = EPOCH + 2 * 300.0
    while True:
        local, limiter = min(workers, key=lambda worker: worker[0].wall)
        if local.wall >= until:
            break
        limiter.acquire()  # sleeps on the worker's own clock
        fake_time.wall = fake_time.monotonic = local.wall
        status, headers = server.call()
        local.advance(0.05)
        limiter.observe(headers, status)
    assert server.rejected == 0
    assert server.accepted >= 0.98 * 2 * 1000
