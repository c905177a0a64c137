"""Sensor fixtures: the trigger tests' log capture, so both modes' log lines are read the same way."""

from __future__ import annotations

from tests.triggers.conftest import read_logs

__all__ = ["read_logs"]
