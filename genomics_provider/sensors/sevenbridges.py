"""Wait until a Seven Bridges file query matches enough files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import PokeReturnValue

from genomics_provider._compat import conf
from genomics_provider.curation.arguments import is_templated
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.sensors import BaseGenomicsSensor
from genomics_provider.sevenbridges.query import FileQuery, query_to_dict, validate_query
from genomics_provider.sevenbridges.status import check_min_count, find_matching_files
from genomics_provider.triggers import failing_fast
from genomics_provider.triggers.sevenbridges import SevenBridgesFilesTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context

__all__ = ["SevenBridgesFilesSensor"]


class SevenBridgesFilesSensor(BaseGenomicsSensor):
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
        if not is_templated(query) and not is_templated(min_count):
            self._checked()

    @cached_property
    def hook(self) -> SevenBridgesHook:
        """The Seven Bridges hook, created on first use inside ``execute``."""
        return SevenBridgesHook(sevenbridges_conn_id=self.sevenbridges_conn_id)

    def _checked(self) -> tuple[FileQuery, int]:
        return validate_query(self.query), check_min_count(self.min_count)

    def poke(self, context: Context) -> PokeReturnValue:
        """List every page of the query and count the matching files.

        :param context: The Airflow task context.
        :return: Done with all matching file ids as XCom when at least ``min_count`` match; not done otherwise.
        :raises CredentialRejectedError: On HTTP 401, and ``AccessRejectedError`` on 403 (no retry: waiting cannot
            fix a rejected connection).
        :raises InvalidInputError: On an invalid rendered query or ``min_count``, before any request.
        """
        with failing_fast():
            query, min_count = self._checked()
            matches = find_matching_files(self.hook, query)
            if matches.unexpected:
                self.log.warning(
                    "The listing returned %d files that do not match the query; not counted", matches.unexpected
                )
            self.log.info("%s", matches.describe(min_count))
            if len(matches.ids) < min_count:
                return PokeReturnValue(is_done=False)
            return PokeReturnValue(is_done=True, xcom_value=matches.ids)

    def build_trigger(self) -> SevenBridgesFilesTrigger:
        """Build the trigger for deferrable mode from the rendered, validated arguments.

        :return: The trigger (its ``query`` normalised to JSON-safe lists).
        """
        query, min_count = self._checked()
        return SevenBridgesFilesTrigger(
            query=query_to_dict(query),
            min_count=min_count,
            sevenbridges_conn_id=self.sevenbridges_conn_id,
            poll_interval=self.poke_interval,
        )
