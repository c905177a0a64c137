"""Switches, credentials and the clock of the emulator."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal, Protocol

from genomics_provider.onecodex.limits import RATE_PER_S
from genomics_provider.sevenbridges.limits import RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW_S

#: Default One Codex API key accepted by the emulator (not a secret; deliberately not hex-looking).
DEFAULT_ONECODEX_API_KEY = "oc-emulator-key-not-a-secret-000"
#: Default Seven Bridges developer token accepted by the emulator (not a secret).
DEFAULT_SEVENBRIDGES_TOKEN = "sb-emulator-token-not-a-secret-0"  # noqa: S105
#: Default One Codex bearer token (an unsigned JWT; One Codex takes only JWTs as ``Bearer``, never an API key).
DEFAULT_ONECODEX_BEARER_TOKEN = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJlbXVsYXRvci1ub3QtYS1zZWNyZXQifQ."  # noqa: S105

NullMetadata = Literal["ignore", "delete", "reject"]
LimitOverMax = Literal["cap", "reject"]
EditMetadata = Literal["merge", "replace"]
EditTags = Literal["replace", "merge"]


class Clock(Protocol):
    """A source of wall-clock time in epoch seconds."""

    def __call__(self) -> float:
        """Return the current time.

        :return: Seconds since the Unix epoch.
        """
        ...


class ManualClock:
    """A clock that only moves when told to; inject it to test rate limits and delays without sleeping."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        """Create the clock.

        :param start: Initial time in epoch seconds.
        """
        self._now = float(start)

    def __call__(self) -> float:
        """Return the current time.

        :return: Seconds since the Unix epoch.
        """
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward.

        :param seconds: How far to move (must not be negative).
        :raises ValueError: If ``seconds`` is negative.
        """
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds

    def set(self, now: float) -> None:
        """Jump to a given time.

        :param now: New time in epoch seconds.
        """
        self._now = float(now)


@dataclass
class EmulatorConfig:
    """Runtime switches; change attributes on ``emu.config`` at any time (they apply to the next request)."""

    #: One Codex API key accepted in ``X-API-Key`` or Basic ``key:`` (as ``Bearer`` it is refused, as the service does).
    onecodex_api_key: str = field(default=DEFAULT_ONECODEX_API_KEY, repr=False)
    #: One Codex JWT accepted in ``Authorization: Bearer``.
    onecodex_bearer_token: str = field(default=DEFAULT_ONECODEX_BEARER_TOKEN, repr=False)
    #: Seven Bridges token accepted in ``X-SBG-Auth-Token`` or ``Bearer``.
    sevenbridges_token: str = field(default=DEFAULT_SEVENBRIDGES_TOKEN, repr=False)
    #: Public base URL used in Seven Bridges hrefs; ``None`` means the emulator's own ``http://host:port``.
    public_base_url: str | None = None

    #: Master switch for both rate limiters.
    rate_limit_enabled: bool = True
    #: One Codex token bucket: refill rate (requests per second, per key).
    onecodex_rate_per_s: float = RATE_PER_S
    #: One Codex token bucket capacity (burst); ``None`` means equal to the rate.
    onecodex_burst: int | None = None
    #: Seven Bridges fixed window: requests allowed per window, per token.
    sevenbridges_limit: int = RATE_LIMIT_REQUESTS
    #: Seven Bridges fixed window length in seconds.
    sevenbridges_window_s: float = RATE_LIMIT_WINDOW_S
    #: Send ``Retry-After`` on 429 responses (the real services do not document one).
    retry_after: bool = False

    #: One Codex: an inline ``{"name"}`` tag in a sample PATCH reuses an existing same-name tag.
    inline_tag_reuse: bool = True
    #: One Codex: ``POST /tags`` with an existing name reuses that tag instead of creating a duplicate.
    tag_post_reuse: bool = True
    #: One Codex organisation policy: visibility values a sample PATCH may not set (403), e.g. ``{"shared", "public"}``.
    forbidden_visibility: set[str] = field(default_factory=set)
    #: One Codex: status for another user's private sample (404 as documented, or 403).
    hidden_sample_status: int = 404
    #: One Codex: list routes called without any credential answer ``200 []`` (``False``: 401).
    anonymous_lists_empty: bool = True
    #: One Codex: seconds after which an ``importing`` sample becomes ``available`` (counted from construction,
    #: ``reset()`` or ``start_import``; read at each check, so it can be changed at any time).
    import_delay_s: float = 60.0

    #: Seven Bridges: ``{"k": null}`` in metadata is ignored, deletes the key, or is rejected (5006).
    null_metadata: NullMetadata = "ignore"
    #: Seven Bridges: ``limit`` above 100 is capped or rejected (400, code 5033).
    limit_over_max: LimitOverMax = "cap"
    #: Seven Bridges bulk edit: metadata merged per key, or replaced when present.
    bulk_edit_metadata: EditMetadata = "merge"
    #: Seven Bridges bulk edit: tags replaced when present, or merged (union).
    bulk_edit_tags: EditTags = "replace"

    #: Seed of the ``random.Random`` behind probabilistic faults.
    fault_seed: int = 0


def system_clock() -> float:
    """Return the real time.

    :return: Seconds since the Unix epoch.
    """
    return time.time()
