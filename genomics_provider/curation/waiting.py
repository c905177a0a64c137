"""What one check of a wait decided, in the form a sensor's poke and a trigger's poll both act on.

Each vendor decides once, in its ``status`` module (:func:`genomics_provider.onecodex.status.decide_samples`,
:func:`genomics_provider.sevenbridges.status.decide_files`), and returns a :class:`WaitVerdict`.
:class:`~genomics_provider.sensors.base.BaseGenomicsSensor` turns it into a return value, an exception and log lines;
:class:`~genomics_provider.triggers.base.GenomicsPollingTrigger` into its event. So both modes log, fail and finish
alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["WaitState", "WaitVerdict"]

#: ``done``: every condition is met; ``failed``: it can never be met; ``waiting``: not yet.
WaitState = Literal["done", "failed", "waiting"]


@dataclass(frozen=True)
class WaitVerdict:
    """The decision of one check: done with the ids found, failed for good, or still waiting; and what to say.

    :param state: ``done``, ``failed`` or ``waiting``.
    :param message: What to tell the user: logged when done or waiting, the failure's text when failed.
    :param ids: Optional. The ids found, when done (the sensor's XCom, the trigger's success event).
    :param failed: Optional. ``{id: status}`` of the items that can never get there, when failed.
    :param warnings: Optional. Oddities met on the way, logged as warnings in both modes.
    """

    state: WaitState
    message: str
    ids: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
