"""Rate limits with an injected clock: One Codex token bucket, Seven Bridges fixed window, Retry-After switch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from genomics_provider.testing import Emulator, ManualClock
from genomics_provider.testing.ratelimit import FixedWindow, TokenBucket

START = 1_700_000_000.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def limited(clock: ManualClock) -> Iterator[Emulator]:
    """An emulator with the default limits (on) and a clock that only moves when told to."""
    with Emulator(seed="demo", clock=clock) as emu:
        yield emu


def oc_get(emu: Emulator, key: str | None = None) -> requests.Response:
    return requests.get(
        f"{emu.url}/api/v1/account", headers={"X-API-Key": key or emu.config.onecodex_api_key}, timeout=10
    )


def sb_get(emu: Emulator, path: str = "/user") -> requests.Response:
    return requests.get(
        f"{emu.sevenbridges_url}{path}", headers={"X-SBG-Auth-Token": emu.config.sevenbridges_token}, timeout=10
    )


def test_onecodex_allows_10_per_second_then_429(limited: Emulator, clock: ManualClock) -> None:
    assert [oc_get(limited).status_code for _ in range(10)] == [200] * 10
    refused = oc_get(limited)
    assert refused.status_code == 429
    assert refused.json() == {"msg": "Rate limited.", "status": 429}
    assert refused.headers["Content-Type"] == "application/json"
    assert "Retry-After" not in refused.headers
    clock.advance(0.1)  # one token back
    assert [oc_get(limited).status_code for _ in range(2)] == [200, 429]
    clock.advance(1.0)
    assert [oc_get(limited).status_code for _ in range(11)] == [200] * 10 + [429]


def test_onecodex_retry_after_switch_and_custom_rate(limited: Emulator, clock: ManualClock) -> None:
    limited.config.retry_after = True
    limited.config.onecodex_rate_per_s = 0.5
    limited.config.onecodex_burst = 1
    assert oc_get(limited).status_code == 200
    refused = oc_get(limited)
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "2")
    clock.advance(2)
    assert oc_get(limited).status_code == 200


def test_onecodex_bad_credentials_are_not_rate_limited_first(limited: Emulator) -> None:
    for _ in range(10):
        oc_get(limited)
    assert oc_get(limited, key="wrong").status_code == 401


def test_sevenbridges_fixed_window_headers_and_429(limited: Emulator, clock: ManualClock) -> None:
    limited.config.sevenbridges_limit = 3
    limited.config.sevenbridges_window_s = 60
    reset = str(int(START + 60))
    seen = [sb_get(limited) for _ in range(3)]
    assert [r.headers["X-RateLimit-Remaining"] for r in seen] == ["2", "1", "0"]
    assert {r.headers["X-RateLimit-Limit"] for r in seen} == {"3"}
    assert {r.headers["X-RateLimit-Reset"] for r in seen} == {reset}
    refused = sb_get(limited)
    assert refused.status_code == 429
    assert refused.json()["code"] == 1000
    assert refused.json()["message"] == "Rate limit exceeded! Check response headers."
    assert (refused.headers["X-RateLimit-Remaining"], refused.headers["X-RateLimit-Reset"]) == ("0", reset)
    assert "Retry-After" not in refused.headers
    limited.config.retry_after = True
    clock.advance(20)
    assert sb_get(limited).headers["Retry-After"] == "40"
    clock.advance(40)
    fresh = sb_get(limited)
    assert (fresh.status_code, fresh.headers["X-RateLimit-Remaining"]) == (200, "2")
    assert fresh.headers["X-RateLimit-Reset"] == str(int(START + 120))


def test_rate_limit_endpoint_is_not_counted_but_reports(limited: Emulator) -> None:
    sb_get(limited)
    first = sb_get(limited, "/rate_limit")
    second = sb_get(limited, "/rate_limit")
    assert first.json()["rate"] == {"limit": 1000, "remaining": 999, "reset": int(START + 300)}
    assert second.json()["rate"]["remaining"] == 999
    assert second.headers["X-RateLimit-Remaining"] == "999"
    assert first.json()["instance_limit"] == {"limit": -1, "remaining": 9223372036854775807}


def test_switching_rate_limits_off(limited: Emulator) -> None:
    limited.config.rate_limit_enabled = False
    assert {oc_get(limited).status_code for _ in range(15)} == {200}
    assert sb_get(limited).headers["X-RateLimit-Remaining"] == "1000"


def test_reset_refills_the_limits(limited: Emulator) -> None:
    for _ in range(10):
        oc_get(limited)
    assert oc_get(limited).status_code == 429
    limited.reset()
    assert oc_get(limited).status_code == 200


def test_token_bucket_is_per_key(clock: ManualClock) -> None:
    bucket = TokenBucket(clock)
    assert all(bucket.take("a", 2, None).allowed for _ in range(2))
    assert not bucket.take("a", 2, None).allowed
    assert bucket.take("b", 2, None).allowed


def test_fixed_window_unit(clock: ManualClock) -> None:
    window = FixedWindow(clock)
    assert window.peek("t", 2, 10).remaining == 2
    assert [window.take("t", 2, 10).allowed for _ in range(3)] == [True, True, False]
    assert window.take("t", 2, 10).retry_after == 10
    clock.advance(10)
    assert window.take("t", 2, 10).remaining == 1


def test_reset_limits_refills_buckets_and_windows_but_keeps_state(limited: Emulator) -> None:
    assert [oc_get(limited).status_code for _ in range(11)] == [200] * 10 + [429]
    sb_get(limited)
    assert sb_get(limited).headers["X-RateLimit-Remaining"] == "998"
    limited.onecodex.samples["7428cca4a3a04a8e"]["visibility"] = "public"

    limited.reset_limits()

    assert [oc_get(limited).status_code for _ in range(10)] == [200] * 10
    assert sb_get(limited).headers["X-RateLimit-Remaining"] == "999"  # a fresh window
    assert limited.onecodex.samples["7428cca4a3a04a8e"]["visibility"] == "public"
