"""Wait for a Seven Bridges file listing to match enough files, on the triggerer.

The trigger only polls and emits: the query and its rules, and what counts as a match, live in
:mod:`genomics_provider.sevenbridges.query` and :mod:`genomics_provider.sevenbridges.status`, shared with
:class:`~genomics_provider.sensors.sevenbridges.SevenBridgesFilesSensor`, so poke mode and deferrable mode count
alike.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from genomics_provider.curation.waiting import WaitVerdict
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.sevenbridges.query import FileQuery, check_query, query_to_dict
from genomics_provider.sevenbridges.status import (
    FileMatches,
    check_min_count,
    collect_matching_ids,
    decide_files,
    find_matching_files,
)
from genomics_provider.triggers.base import GenomicsPollingTrigger

# The status checks and query_to_dict lived here before genomics_provider.sevenbridges; their import path stays.
__all__ = [
    "FileMatches",
    "SevenBridgesFilesTrigger",
    "check_min_count",
    "collect_matching_ids",
    "find_matching_files",
    "query_to_dict",
]


class SevenBridgesFilesTrigger(GenomicsPollingTrigger[SevenBridgesHook, tuple[FileQuery, int]]):
    """Poll a Seven Bridges file listing until at least ``min_count`` files match, then fire one event.

    Events: ``{"status": "success", "file_ids": [...]}`` with every matching file id (all pages; folders never
    count); ``{"status": "error", "message"}`` when a request fails after the hook's retries, or an argument is
    invalid. Only GET requests are sent. Files the listing returns that do not match the query are not counted, with
    the sensor's warning.

    :param query: The listing filter, as :class:`~genomics_provider.operators.sevenbridges.TagFilesOperator` takes
        it: ``project`` xor ``parent``, plus ``name``, ``tag``, ``metadata.<key>``, ``origin.task``,
        ``origin.dataset``.
    :param min_count: Optional. How many files must match (default 1).
    :param sevenbridges_conn_id: Optional. Airflow connection id (default ``sevenbridges_default``).
    :param poll_interval: Optional. Seconds between polls (default 60).
    """

    hook_class = SevenBridgesHook
    event_ids_key: ClassVar[str] = "file_ids"

    def __init__(
        self,
        *,
        query: dict[str, Any],
        min_count: int = 1,
        sevenbridges_conn_id: str = SevenBridgesHook.default_conn_name,
        poll_interval: float = 60.0,
    ) -> None:
        super().__init__(poll_interval=poll_interval)
        self.query = query
        self.min_count = min_count
        self.sevenbridges_conn_id = sevenbridges_conn_id

    def arguments(self) -> dict[str, Any]:
        """Return the query and the count, as given.

        :return: ``{"query": {...}, "min_count": ...}``.
        """
        return {"query": dict(self.query), "min_count": self.min_count}

    def checked_args(self) -> tuple[FileQuery, int]:
        """Validate the query and the count.

        :return: The query and the count.
        :raises InvalidInputError: On a query or count that breaks a rule.
        """
        return check_query(self.query), check_min_count(self.min_count)

    async def verdict(self, hook: SevenBridgesHook, args: tuple[FileQuery, int]) -> WaitVerdict:
        """List every page of the query and count the matching files.

        :param hook: The prepared hook.
        :param args: The validated query and count.
        :return: The decision of :func:`~genomics_provider.sevenbridges.status.decide_files`.
        """
        query, min_count = args
        matches = await asyncio.to_thread(find_matching_files, hook, query)
        return decide_files(matches, min_count)

    def failure_subject(self) -> str:
        """Say what failed, for the ``error`` event.

        :return: ``polling Seven Bridges files failed``.
        """
        return "polling Seven Bridges files failed"
