"""Wait until a Seven Bridges file query matches enough files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, ClassVar

from genomics_provider._compat import conf
from genomics_provider.curation.waiting import WaitVerdict
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.sensors.base import BaseGenomicsSensor
from genomics_provider.sevenbridges.query import FileQuery, check_query, query_to_dict
from genomics_provider.sevenbridges.status import check_min_count, decide_files, find_matching_files
from genomics_provider.triggers.sevenbridges import SevenBridgesFilesTrigger

__all__ = ["SevenBridgesFilesSensor"]


class SevenBridgesFilesSensor(BaseGenomicsSensor[SevenBridgesHook, tuple[FileQuery, int]]):
    """Wait until a file query matches at least ``min_count`` files; return every matching file id.

    The query is exactly what :class:`~genomics_provider.operators.sevenbridges.TagFilesOperator` takes, checked by
    the same rules before any request: ``project`` (``owner/project``) xor ``parent`` (a folder id), plus ``name``,
    ``tag``, ``metadata.<key>``, ``origin.task``, ``origin.dataset`` (repeated values match any of them). Each check
    lists every page (100 items per call, ``GET /files``) and keeps only the ids of matching files; folders never
    count. On success it returns all matching file ids (XCom ``return_value``), so ``sensor.output`` feeds e.g.
    ``TagFilesOperator(file_ids=...)``.

    With ``deferrable=True`` it checks once on the worker and, if not done, waits on the triggerer
    (:class:`~genomics_provider.triggers.sevenbridges.SevenBridgesFilesTrigger`, polling every ``poke_interval``)
    until ``timeout``.

    :param query: The listing filter, e.g. ``{"project": "owner/p", "tag": ["bam"], "origin.task": "<uuid>"}``
        (a JSON object string works too); templated.
    :param min_count: Optional. How many matching files are enough (default 1); templated.
    :param sevenbridges_conn_id: Optional. Airflow connection id (default ``sevenbridges_default``).
    :param deferrable: Optional. Wait on the triggerer (default: ``[operators] default_deferrable``).
    :param poll_interval: Optional. Alias of ``poke_interval``.
    :param kwargs: Optional. ``poke_interval``, ``timeout``, ``mode`` (``poke`` | ``reschedule``), ``soft_fail`` and
        the other ``BaseSensorOperator`` arguments.
    :raises InvalidInputError: At parse time, for literal arguments that break a rule.
    """

    template_fields: Sequence[str] = ("query", "min_count", "sevenbridges_conn_id")
    template_fields_renderers: ClassVar[dict[str, str]] = {"query": "json"}
    event_ids_key: ClassVar[str] = "file_ids"
    hook_class = SevenBridgesHook
    ui_color = "#e7f3ee"

    def __init__(
        self,
        *,
        query: Any,
        min_count: Any = 1,
        sevenbridges_conn_id: str = SevenBridgesHook.default_conn_name,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: timedelta | float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(deferrable=deferrable, poll_interval=poll_interval, **kwargs)
        self.query = query
        self.min_count = min_count
        self.sevenbridges_conn_id = sevenbridges_conn_id
        self.check_literal_args(query, min_count)

    def checked_args(self) -> tuple[FileQuery, int]:
        """Validate the query and the count.

        :return: The query and the count.
        :raises InvalidInputError: On an invalid query or ``min_count``.
        """
        return check_query(self.query), check_min_count(self.min_count)

    def verdict(self, args: tuple[FileQuery, int]) -> WaitVerdict:
        """List every page of the query and count the matching files.

        :param args: The validated query and count.
        :return: The decision of :func:`~genomics_provider.sevenbridges.status.decide_files`: done with all
            matching file ids when at least ``min_count`` match, waiting otherwise.
        """
        query, min_count = args
        return decide_files(find_matching_files(self.hook, query), min_count)

    def build_trigger(self) -> SevenBridgesFilesTrigger:
        """Build the trigger for deferrable mode from the rendered, validated arguments.

        :return: The trigger (its ``query`` normalised to JSON-safe lists).
        """
        query, min_count = self.checked_args()
        return SevenBridgesFilesTrigger(
            query=query_to_dict(query),
            min_count=min_count,
            sevenbridges_conn_id=self.sevenbridges_conn_id,
            poll_interval=self.poke_interval,
        )
