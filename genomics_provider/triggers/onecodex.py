"""Wait for One Codex samples to reach a status, on the triggerer.

The check itself (:func:`check_samples`) is a pure function shared with
:class:`~genomics_provider.sensors.onecodex.OneCodexSampleSensor`, so poke mode and deferrable mode decide alike.
Every poll reads all samples with one list call per 100 ids (``where={"$uri": {"$in": [...]}}``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from genomics_provider.curation.arguments import check_choice, parse_id_list
from genomics_provider.curation.outcome import SHOWN_ITEMS
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.onecodex import ID_PATTERN, OneCodexHook
from genomics_provider.triggers import error_event, failing_fast

#: Statuses a sample never leaves: waiting for another status is pointless.
FAILED_STATUSES: tuple[str, ...] = ("failed_validation", "deleted")
#: Statuses a sensor may wait for (every documented status but the failed ones).
TARGET_STATUSES: tuple[str, ...] = ("awaiting_data", "importing", "validating", "available")
#: What :func:`check_samples` reports for a sample the list call did not return.
NOT_FOUND = "not_found"
ID_RULE = "16 lowercase hex characters"
_SHOWN = 20


@dataclass(frozen=True)
class SampleCheck:
    """The outcome of one poll: which samples are still waiting, and which never will reach the target.

    :param target_status: The status waited for.
    :param total: How many samples were checked.
    :param waiting: ``{id: current status}`` of samples not there yet but able to get there.
    :param failed: ``{id: status}`` of samples that cannot get there (``failed_validation``, ``deleted``,
        ``not_found``).
    :param errors: ``{id: error_msg}`` the API gave for failed samples, when it gave one.
    """

    target_status: str
    total: int
    waiting: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        """Whether every sample has the target status."""
        return not self.waiting and not self.failed

    def failure_message(self, conn_id: str) -> str:
        """Describe the samples that cannot reach the target status, with their status (the first 50).

        :param conn_id: The connection used, named for samples that were not found.
        :return: E.g. ``1 of 3 One Codex samples will never be 'available': 6f2c8d5e0a7b3cb4: failed_validation``.
        """
        parts = []
        for sample_id, status in list(self.failed.items())[:SHOWN_ITEMS]:
            if status == NOT_FOUND:
                text = f"{sample_id}: {NOT_FOUND} (missing, deleted, or not visible to connection {conn_id!r})"
            else:
                error = self.errors.get(sample_id)
                text = f"{sample_id}: {status}" + (f" ({_clip(error)})" if error else "")
            parts.append(text)
        more = f"; and {len(self.failed) - SHOWN_ITEMS} more" if len(self.failed) > SHOWN_ITEMS else ""
        return (
            f"{len(self.failed)} of {self.total} One Codex samples will never be {self.target_status!r}: "
            + "; ".join(parts)
            + more
        )

    def waiting_message(self) -> str:
        """Describe the samples still waiting and their current status (the first 20).

        :return: E.g. ``Waiting for 1 of 3 One Codex samples to be 'available': 5e1b7c4d9f6a2ba3: importing``.
        """
        shown = "; ".join(f"{sample_id}: {status}" for sample_id, status in list(self.waiting.items())[:_SHOWN])
        more = f"; and {len(self.waiting) - _SHOWN} more" if len(self.waiting) > _SHOWN else ""
        return (
            f"Waiting for {len(self.waiting)} of {self.total} One Codex samples to be {self.target_status!r}: "
            f"{shown}{more}"
        )


def check_samples(
    sample_ids: Sequence[str], samples: Mapping[str, Mapping[str, Any]], target_status: str
) -> SampleCheck:
    """Compare samples as read from the API with the status waited for.

    A sample missing from ``samples`` counts as failed (``not_found``): it does not exist, was deleted (deleted
    samples drop out of lists), or the key cannot see it. A status other than the target and the failed ones
    (including an undocumented one) counts as waiting.

    :param sample_ids: The ids waited for, in order.
    :param samples: Samples by id, as :meth:`OneCodexHook.get_samples_by_id` returns them.
    :param target_status: The status every sample must have.
    :return: The check.
    """
    check = SampleCheck(target_status=target_status, total=len(sample_ids))
    for sample_id in sample_ids:
        sample = samples.get(sample_id)
        status = None if sample is None else sample.get("status")
        if sample is None:
            check.failed[sample_id] = NOT_FOUND
        elif status == target_status:
            continue
        elif status in FAILED_STATUSES:
            check.failed[sample_id] = str(status)
            if sample.get("error_msg"):
                check.errors[sample_id] = str(sample["error_msg"])
        else:
            check.waiting[sample_id] = str(status)
    return check


def check_sample_args(sample_ids: Any, target_status: Any) -> tuple[list[str], str]:
    """Validate the rendered ``sample_ids`` and ``target_status`` arguments, before any request.

    :param sample_ids: A list, a JSON list string, or one id (as rendered from a template or an XComArg).
    :param target_status: One of :data:`TARGET_STATUSES`.
    :return: The ids and the status.
    :raises InvalidInputError: On an empty, malformed or duplicated id, or a status that cannot be waited for.
    """
    ids = parse_id_list(sample_ids, argument="sample_ids", pattern=ID_PATTERN, rule=ID_RULE)
    if target_status in FAILED_STATUSES:
        raise InvalidInputError(
            f"target_status: {target_status!r} is a failure state; the sensor waits for one of "
            f"{', '.join(map(repr, TARGET_STATUSES))} and fails when a sample ends in {' or '.join(FAILED_STATUSES)}"
        )
    return ids, check_choice(target_status, argument="target_status", choices=TARGET_STATUSES)


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


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
