"""Seeds: the declarative starting data of the emulator (``"demo"`` and ``"empty"``), plus generated scale data.

The fixed ids live in :mod:`genomics_provider.testing.seeds_onecodex` and
:mod:`genomics_provider.testing.seeds_sevenbridges`, and are listed in docs/emulator.md.
"""

from __future__ import annotations

from genomics_provider.testing import seeds_onecodex as onecodex
from genomics_provider.testing import seeds_sevenbridges as sevenbridges
from genomics_provider.testing.state import OneCodexState, SevenBridgesState

#: Seed names the emulator accepts.
SEEDS = ("demo", "empty")

__all__ = ["SEEDS", "build_state", "onecodex", "sevenbridges"]


def build_state(
    seed: str, now: float, sb_files: int = 0, oc_samples: int = 0
) -> tuple[OneCodexState, SevenBridgesState]:
    """Build fresh state for both services.

    :param seed: ``"demo"`` or ``"empty"``.
    :param now: Current epoch seconds (seeded imports start then).
    :param sb_files: Generated Seven Bridges files in ``rfranklin/scale-test``.
    :param oc_samples: Generated One Codex samples (ids ``ee`` + 14 hex digits).
    :return: ``(onecodex_state, sevenbridges_state)``.
    :raises ValueError: For an unknown seed or a negative count.
    """
    if seed not in SEEDS:
        raise ValueError(f"unknown seed {seed!r}; choose one of {', '.join(SEEDS)}")
    if sb_files < 0 or oc_samples < 0:
        raise ValueError("generated counts must not be negative")
    oc_state = onecodex.build_onecodex(seed, now, oc_samples)
    sb_state = sevenbridges.build_sevenbridges(seed, sb_files)
    return oc_state, sb_state
