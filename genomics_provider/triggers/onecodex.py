"""Wait for One Codex samples to reach a status, on the triggerer.

The trigger only polls and emits; the check itself lives in :mod:`genomics_provider.onecodex.status`, shared with
:class:`~genomics_provider.sensors.onecodex.OneCodexSampleSensor`, so poke mode and deferrable mode decide alike.
Every poll reads all samples with one list call per 100 ids (``where={"$uri": {"$in": [...]}}``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.onecodex.rules import ID_RULE
from genomics_provider.onecodex.status import (
    FAILED_STATUSES,
    NOT_FOUND,
    TARGET_STATUSES,
    SampleCheck,
    check_sample_args,
    check_samples,
)
from genomics_provider.triggers import error_event, failing_fast

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


class OneCodexSampleTrigger(BaseTrigger):
    """Poll One Codex until every sample has ``target_status``, then fire one event.

    Events: ``{"status": "success", "sample_ids": [...]}``; ``{"status": "failed", "message", "failed": {id:
    status}}`` as soon as a sample is ``failed_validation``, ``deleted`` or not found; ``{"status": "error",
    "message"}`` when a request fails after the hook's retries, or an argument is invalid. Only GET requests are sent.

    :param sample_ids: 16-hex sample ids.
    :param target_status: Optional. The status to wait for (default ``available``).
    :param onecodex_conn_id: Optional. Airflow connection id (default ``onecodex_default``).
    :param poll_interval: Optional. Seconds between polls (default 60).
    """

    def __init__(
        self,
        *,
        sample_ids: list[str],
        target_status: str = "available",
        onecodex_conn_id: str = OneCodexHook.default_conn_name,
        poll_interval: float = 60.0,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # airflow-core's BaseTrigger is untyped
        self.sample_ids = list(sample_ids)
        self.target_status = target_status
        self.onecodex_conn_id = onecodex_conn_id
        self.poll_interval = float(poll_interval)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and JSON-safe keyword arguments that rebuild this trigger.

        :return: ``(classpath, kwargs)``.
        """
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "sample_ids": list(self.sample_ids),
                "target_status": self.target_status,
                "onecodex_conn_id": self.onecodex_conn_id,
                "poll_interval": self.poll_interval,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until the samples are ready, one cannot get there, or a request fails; yield one event.

        :return: An async iterator yielding exactly one event.
        """
        yield TriggerEvent(await self._wait())  # type: ignore[no-untyped-call]

    async def _wait(self) -> dict[str, Any]:
        hook = OneCodexHook(onecodex_conn_id=self.onecodex_conn_id)
        try:
            with failing_fast():
                ids, target = check_sample_args(self.sample_ids, self.target_status)
                await hook.aprepare()
                while True:
                    # The sync hook runs in a thread: its retries, backoff and rate limiter apply unchanged.
                    samples = await asyncio.to_thread(hook.get_samples_by_id, ids)
                    check = check_samples(ids, samples, target)
                    if check.failed:
                        message = check.failure_message(self.onecodex_conn_id)
                        self.log.info("%s", message)
                        return {"status": "failed", "message": message, "failed": dict(check.failed)}
                    if check.done:
                        self.log.info("All %d One Codex samples are %r", len(ids), target)
                        return {"status": "success", "sample_ids": ids}
                    self.log.info("%s; next poll in %g s", check.waiting_message(), self.poll_interval)
                    await asyncio.sleep(self.poll_interval)
        except Exception as exc:
            event = error_event(exc, f"polling {len(self.sample_ids)} One Codex samples failed")
            self.log.warning("%s", event["message"])
            return event
        finally:
            hook.close()
