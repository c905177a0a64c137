"""Wait for One Codex samples to reach a status, on the triggerer.

The trigger only polls and emits; the check itself lives in :mod:`genomics_provider.onecodex.status`, shared with
:class:`~genomics_provider.sensors.onecodex.OneCodexSampleSensor`, so poke mode and deferrable mode decide alike.
Every poll reads all samples with one list call per 100 ids (``where={"$uri": {"$in": [...]}}``).
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from genomics_provider.curation.waiting import WaitVerdict
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.onecodex.rules import ID_RULE
from genomics_provider.onecodex.status import (
    FAILED_STATUSES,
    NOT_FOUND,
    TARGET_STATUSES,
    SampleCheck,
    check_sample_args,
    check_samples,
    decide_samples,
)
from genomics_provider.triggers.base import GenomicsPollingTrigger

# The checks and their constants live in genomics_provider.onecodex.status; they stay importable from here.
__all__ = [
    "FAILED_STATUSES",
    "ID_RULE",
    "NOT_FOUND",
    "TARGET_STATUSES",
    "OneCodexSampleTrigger",
    "SampleCheck",
    "check_sample_args",
    "check_samples",
]


class OneCodexSampleTrigger(GenomicsPollingTrigger[OneCodexHook, tuple[list[str], str]]):
    """Poll One Codex until every sample has ``target_status``, then fire one event.

    Events: ``{"status": "success", "sample_ids": [...]}``; ``{"status": "failed", "message", "failed": {id:
    status}}`` as soon as a sample is ``failed_validation``, ``deleted`` or not found; ``{"status": "error",
    "message"}`` when a request fails after the hook's retries, or an argument is invalid. Only GET requests are sent.

    :param sample_ids: 16-hex sample ids.
    :param target_status: Optional. The status to wait for (default ``available``).
    :param onecodex_conn_id: Optional. Airflow connection id (default ``onecodex_default``).
    :param poll_interval: Optional. Seconds between polls (default 60).
    """

    hook_class = OneCodexHook
    event_ids_key: ClassVar[str] = "sample_ids"

    def __init__(
        self,
        *,
        sample_ids: list[str],
        target_status: str = "available",
        onecodex_conn_id: str = OneCodexHook.default_conn_name,
        poll_interval: float = 60.0,
    ) -> None:
        super().__init__(poll_interval=poll_interval)
        self.sample_ids = list(sample_ids)
        self.target_status = target_status
        self.onecodex_conn_id = onecodex_conn_id

    def arguments(self) -> dict[str, Any]:
        """Return the sample ids and the target status, as given.

        :return: ``{"sample_ids": [...], "target_status": ...}``.
        """
        return {"sample_ids": list(self.sample_ids), "target_status": self.target_status}

    def checked_args(self) -> tuple[list[str], str]:
        """Validate the sample ids and the target status.

        :return: The ids and the status.
        :raises InvalidInputError: On a malformed id or a status that cannot be waited for.
        """
        return check_sample_args(self.sample_ids, self.target_status)

    async def verdict(self, hook: OneCodexHook, args: tuple[list[str], str]) -> WaitVerdict:
        """Read every sample (one list call per 100 ids) and compare its status with the target.

        :param hook: The prepared hook.
        :param args: The validated ids and target status.
        :return: The decision of :func:`~genomics_provider.onecodex.status.decide_samples`.
        """
        ids, target = args
        samples = await asyncio.to_thread(hook.list_samples_by_id, ids)
        return decide_samples(ids, samples, target, self.onecodex_conn_id)

    def failure_subject(self) -> str:
        """Say what failed, for the ``error`` event.

        :return: E.g. ``polling 3 One Codex samples failed``.
        """
        return f"polling {len(self.sample_ids)} One Codex samples failed"
