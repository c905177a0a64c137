"""Local emulator of the One Codex v1 and Seven Bridges v2 REST APIs, for tests, demos and development.

Importing this package is cheap: the server (Starlette on uvicorn) is imported when :class:`Emulator` is first used.

Example::

    from genomics_provider.testing import Emulator

    with Emulator(seed="demo") as emu:
        print(emu.url, emu.sevenbridges_url)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from genomics_provider.testing.config import (
    DEFAULT_ONECODEX_API_KEY,
    DEFAULT_ONECODEX_BEARER_TOKEN,
    DEFAULT_SEVENBRIDGES_TOKEN,
    EmulatorConfig,
    ManualClock,
)

if TYPE_CHECKING:
    from genomics_provider.testing.contracts import ContractViolation
    from genomics_provider.testing.emulator import Emulator
    from genomics_provider.testing.faults import Fault, FaultInjector
    from genomics_provider.testing.recorder import RecordedRequest, Recorder

__all__ = [
    "DEFAULT_ONECODEX_API_KEY",
    "DEFAULT_ONECODEX_BEARER_TOKEN",
    "DEFAULT_SEVENBRIDGES_TOKEN",
    "ContractViolation",
    "Emulator",
    "EmulatorConfig",
    "Fault",
    "FaultInjector",
    "ManualClock",
    "RecordedRequest",
    "Recorder",
]

_LAZY = {
    "Emulator": "genomics_provider.testing.emulator",
    "ContractViolation": "genomics_provider.testing.contracts",
    "Fault": "genomics_provider.testing.faults",
    "FaultInjector": "genomics_provider.testing.faults",
    "RecordedRequest": "genomics_provider.testing.recorder",
    "Recorder": "genomics_provider.testing.recorder",
}


def __getattr__(name: str) -> Any:
    """Import heavy members on first use.

    :param name: Attribute name.
    :return: The member.
    :raises AttributeError: For an unknown name.
    """
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)
