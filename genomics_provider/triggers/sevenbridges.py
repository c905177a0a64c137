"""Wait for a Seven Bridges file listing to match enough files, on the triggerer.

The trigger only polls and emits: the query and its rules, and what counts as a match, live in
:mod:`genomics_provider.sevenbridges.query` and :mod:`genomics_provider.sevenbridges.status`, shared with
:class:`~genomics_provider.sensors.sevenbridges.SevenBridgesFilesSensor`, so poke mode and deferrable mode count
alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.sevenbridges.query import query_to_dict, validate_query
from genomics_provider.sevenbridges.status import (
    FileMatches,
    check_min_count,
    collect_matching_ids,
    find_matching_files,
)
from genomics_provider.triggers import error_event, failing_fast

# The status checks and query_to_dict lived here before genomics_provider.sevenbridges; their import path stays.
__all__ = [
    "FileMatches",
    "SevenBridgesFilesTrigger",
    "check_min_count",
    "collect_matching_ids",
    "find_matching_files",
    "query_to_dict",
]


class SevenBridgesFilesTrigger(BaseTrigger):
    """Poll a Seven Bridges file listing until at least ``min_count`` files match, then fire one event.

    Events: ``{"status": "success", "file_ids": [...]}`` with every matching file id (all pages; folders never
    count); ``{"status": "error", "message"}`` when a request fails after the hook's retries, or an argument is
    invalid. Only GET requests are sent.

    :param query: The listing filter, as :class:`~genomics_provider.operators.sevenbridges.TagFilesOperator` takes
        it: ``project`` xor ``parent``, plus ``name``, ``tag``, ``metadata.<key>``, ``origin.task``,
        ``origin.dataset``.
    :param min_count: Optional. How many files must match (default 1).
    :param sevenbridges_conn_id: Optional. Airflow connection id (default ``sevenbridges_default``).
    :param poll_interval: Optional. Seconds between polls (default 60).
    """

    def __init__(
        self,
        *,
        query: dict[str, Any],
        min_count: int = 1,
        sevenbridges_conn_id: str = SevenBridgesHook.default_conn_name,
        poll_interval: float = 60.0,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # airflow-core's BaseTrigger is untyped
        self.query = query
        self.min_count = min_count
        self.sevenbridges_conn_id = sevenbridges_conn_id
        self.poll_interval = float(poll_interval)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and JSON-safe keyword arguments that rebuild this trigger.

        :return: ``(classpath, kwargs)``.
        """
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "query": dict(self.query),
                "min_count": self.min_count,
                "sevenbridges_conn_id": self.sevenbridges_conn_id,
                "poll_interval": self.poll_interval,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until enough files match or a request fails; yield one event.

        :return: An async iterator yielding exactly one event.
        """
        yield TriggerEvent(await self._wait())  # type: ignore[no-untyped-call]

    async def _wait(self) -> dict[str, Any]:
        hook = SevenBridgesHook(sevenbridges_conn_id=self.sevenbridges_conn_id)
        try:
            with failing_fast():
                query, min_count = validate_query(self.query), check_min_count(self.min_count)
                await hook.aprepare()
                while True:
                    # The sync hook runs in a thread: its retries, backoff and rate-limit pacing apply unchanged.
                    matches = await asyncio.to_thread(find_matching_files, hook, query)
                    if len(matches.ids) >= min_count:
                        self.log.info("Done: %s", matches.describe(min_count))
                        return {"status": "success", "file_ids": matches.ids}
                    self.log.info("%s; next poll in %g s", matches.describe(min_count), self.poll_interval)
                    await asyncio.sleep(self.poll_interval)
        except Exception as exc:
            event = error_event(exc, "polling Seven Bridges files failed")
            self.log.warning("%s", event["message"])
            return event
        finally:
            hook.close()
