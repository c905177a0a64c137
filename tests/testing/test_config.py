"""Switches, credentials and the clock (config): ManualClock, EmulatorConfig defaults, the default credentials."""

from __future__ import annotations

import base64
import json
import time

import pytest

from genomics_provider.testing.config import (
    DEFAULT_ONECODEX_API_KEY,
    DEFAULT_ONECODEX_BEARER_TOKEN,
    DEFAULT_SEVENBRIDGES_TOKEN,
    EmulatorConfig,
    ManualClock,
    system_clock,
)


def test_manual_clock_moves_only_when_told_to() -> None:
    clock = ManualClock(100)
    assert clock() == 100.0
    clock.advance(2.5)
    assert clock() == 102.5
    clock.set(50)
    assert clock() == 50.0
    assert ManualClock()() == 1_700_000_000.0


def test_manual_clock_refuses_to_go_backwards() -> None:
    clock = ManualClock(10)
    with pytest.raises(ValueError, match="cannot go backwards"):
        clock.advance(-0.001)
    assert clock() == 10.0


def test_system_clock_is_the_wall_clock() -> None:
    assert abs(system_clock() - time.time()) < 1


def test_defaults_follow_the_vendors_limits_and_the_documented_behaviour() -> None:
    config = EmulatorConfig()
    assert (config.onecodex_rate_per_s, config.onecodex_burst) == (10, None)
    assert (config.sevenbridges_limit, config.sevenbridges_window_s) == (1000, 300)
    assert (config.rate_limit_enabled, config.retry_after, config.hidden_sample_status) == (True, False, 404)
    assert (config.inline_tag_reuse, config.tag_post_reuse, config.anonymous_lists_empty) == (True, True, True)
    assert (config.null_metadata, config.limit_over_max) == ("ignore", "cap")
    assert (config.bulk_edit_metadata, config.bulk_edit_tags) == ("merge", "replace")
    assert (config.import_delay_s, config.fault_seed, config.public_base_url) == (60.0, 0, None)


def test_each_config_has_its_own_forbidden_visibility_set() -> None:
    first = EmulatorConfig()
    first.forbidden_visibility.add("public")
    assert EmulatorConfig().forbidden_visibility == set()


def test_repr_never_shows_a_credential() -> None:
    config = EmulatorConfig(onecodex_api_key="k-1234-visible?", sevenbridges_token="t-5678-visible?")
    text = repr(config)
    for secret in ("k-1234-visible?", "t-5678-visible?", DEFAULT_ONECODEX_BEARER_TOKEN):
        assert secret not in text
    assert "rate_limit_enabled=True" in text


def test_default_credentials_are_distinct_and_the_bearer_is_an_unsigned_jwt() -> None:
    assert len({DEFAULT_ONECODEX_API_KEY, DEFAULT_SEVENBRIDGES_TOKEN, DEFAULT_ONECODEX_BEARER_TOKEN}) == 3
    header, payload, signature = DEFAULT_ONECODEX_BEARER_TOKEN.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "none", "typ": "JWT"}
    assert "sub" in json.loads(base64.urlsafe_b64decode(payload + "=="))
    assert signature == ""
