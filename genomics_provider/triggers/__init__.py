"""Triggers that wait, on the triggerer, for work already submitted: they only read (GET) and emit one event.

The polling loop, the event shapes and the error round trip live in :mod:`genomics_provider.triggers.base`;
:func:`failing_fast`, :func:`error_event` and :func:`error_from_event` stay importable from here.
"""

from __future__ import annotations

from genomics_provider.triggers.base import error_event, error_from_event, failing_fast

__all__ = ["error_event", "error_from_event", "failing_fast"]
