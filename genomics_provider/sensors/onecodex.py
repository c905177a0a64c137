"""Wait until One Codex samples reach a status (``available`` by default)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, ClassVar

from genomics_provider._compat import conf
from genomics_provider.curation.waiting import WaitVerdict
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.onecodex.status import check_sample_args, decide_samples
from genomics_provider.sensors.base import BaseGenomicsSensor
from genomics_provider.triggers.onecodex import OneCodexSampleTrigger

__all__ = ["OneCodexSampleSensor"]


class OneCodexSampleSensor(BaseGenomicsSensor[OneCodexHook, tuple[list[str], str]]):
    """Wait until every sample has ``target_status``; fail at once when one never will.

    Each check reads all samples with one list call per 100 ids (``GET /api/v1/samples?where={"$uri": {"$in":
    [...]}}``), never one GET per sample. The sensor fails immediately, without retries, naming every sample that is
    ``failed_validation`` or ``deleted``, or that the connection's key cannot find. It logs which samples are still
    waiting and their status. On success it returns the sample ids (XCom ``return_value``), so ``sensor.output``
    feeds downstream tasks.

    With ``deferrable=True`` it checks once on the worker and, if not done, waits on the triggerer
    (:class:`~genomics_provider.triggers.onecodex.OneCodexSampleTrigger`, polling every ``poke_interval``) until
    ``timeout``.

    :param sample_ids: Sample ids: a list, a JSON list string, or one id; templated, or an XComArg.
    :param target_status: Optional. The status to wait for: ``available`` (default), ``validating``, ``importing``
        or ``awaiting_data``.
    :param onecodex_conn_id: Optional. Airflow connection id (default ``onecodex_default``).
    :param deferrable: Optional. Wait on the triggerer (default: ``[operators] default_deferrable``).
    :param poll_interval: Optional. Alias of ``poke_interval``.
    :param kwargs: Optional. ``poke_interval``, ``timeout``, ``mode`` (``poke`` | ``reschedule``), ``soft_fail`` and
        the other ``BaseSensorOperator`` arguments.
    :raises InvalidInputError: At parse time, for literal arguments that break a rule.
    """

    template_fields: Sequence[str] = ("sample_ids", "target_status", "onecodex_conn_id")
    template_fields_renderers: ClassVar[dict[str, str]] = {"sample_ids": "json"}
    event_ids_key: ClassVar[str] = "sample_ids"
    hook_class = OneCodexHook
    ui_color = "#eef3fb"

    def __init__(
        self,
        *,
        sample_ids: Any,
        target_status: str = "available",
        onecodex_conn_id: str = OneCodexHook.default_conn_name,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: timedelta | float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(deferrable=deferrable, poll_interval=poll_interval, **kwargs)
        self.sample_ids = sample_ids
        self.target_status = target_status
        self.onecodex_conn_id = onecodex_conn_id
        self.check_literal_args(sample_ids, target_status)

    def checked_args(self) -> tuple[list[str], str]:
        """Validate the sample ids and the target status.

        :return: The ids and the status.
        :raises InvalidInputError: On a malformed id or a status that cannot be waited for.
        """
        return check_sample_args(self.sample_ids, self.target_status)

    def verdict(self, args: tuple[list[str], str]) -> WaitVerdict:
        """Read every sample (one list call per 100 ids) and compare its status with the target.

        :param args: The validated ids and target status.
        :return: The decision of :func:`~genomics_provider.onecodex.status.decide_samples`: done when every sample
            has the target status, failed naming every sample that is failed_validation, deleted or not found.
        """
        ids, target = args
        return decide_samples(ids, self.hook.list_samples_by_id(ids), target, self.onecodex_conn_id)

    def build_trigger(self) -> OneCodexSampleTrigger:
        """Build the trigger for deferrable mode from the rendered arguments.

        :return: The trigger.
        """
        ids, target = self.checked_args()
        return OneCodexSampleTrigger(
            sample_ids=ids,
            target_status=target,
            onecodex_conn_id=self.onecodex_conn_id,
            poll_interval=self.poke_interval,
        )
