"""Sensors that wait for genomics-cloud state, in poke, reschedule or deferrable mode.

The shared flow lives in :mod:`genomics_provider.sensors.base`; :class:`BaseGenomicsSensor` stays importable
from here.
"""

from __future__ import annotations

from genomics_provider.sensors.base import BaseGenomicsSensor

__all__ = ["BaseGenomicsSensor"]
