"""The mutable context shared by the emulator's routes: state, switches, clock and faults."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from genomics_provider.testing.config import Clock, EmulatorConfig
from genomics_provider.testing.faults import FaultInjector
from genomics_provider.testing.state import OneCodexState, SevenBridgesState


@dataclass
class Context:
    """Everything a route handler may read or change; ``Emulator.reset`` swaps the state objects."""

    config: EmulatorConfig
    clock: Clock
    faults: FaultInjector
    onecodex: OneCodexState
    sevenbridges: SevenBridgesState
    lock: threading.RLock = field(default_factory=threading.RLock)

    def now(self) -> float:
        """Read the clock.

        :return: Epoch seconds.
        """
        return self.clock()
