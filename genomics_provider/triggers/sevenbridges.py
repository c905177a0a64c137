"""Wait for a Seven Bridges file listing to match enough files, on the triggerer.

The query is the one :class:`~genomics_provider.operators.sevenbridges.TagFilesOperator` takes, validated by the
same :func:`~genomics_provider.operators._sevenbridges_rules.validate_query` and listed with the same
:meth:`FileQuery.hook_kwargs` → :meth:`SevenBridgesHook.iter_files` call. :func:`find_matching_files` is shared with
:class:`~genomics_provider.sensors.sevenbridges.SevenBridgesFilesSensor`, so poke mode and deferrable mode count
alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.sevenbridges import SbFile, SevenBridgesHook
from genomics_provider.operators._sevenbridges_plan import is_folder
from genomics_provider.operators._sevenbridges_rules import FileQuery, validate_query
from genomics_provider.triggers import error_event, failing_fast


@dataclass
class FileMatches:
    """What one listing found: the matching file ids, and what was left out.

    :param ids: Ids of the files that match the query, in listing order (folders never count).
    :param folders: How many folders the listing returned.
    :param unexpected: How many files the listing returned that do not match the query after all.
    :param repeated: How many times the listing returned a matching file it had already returned (counted once).
    """

    ids: list[str] = field(default_factory=list)
    folders: int = 0
    unexpected: int = 0
    repeated: int = 0

    def describe(self, min_count: int) -> str:
        """Summarise the listing for the log.

        :param min_count: How many files must match.
        :return: E.g. ``2 Seven Bridges files match, 3 wanted (1 folder ignored)``.
        """
        ignored = [f"{self.folders} folder{'s' * (self.folders != 1)}"] if self.folders else []
        if self.unexpected:
            ignored.append(f"{self.unexpected} listed file(s) that do not match the query")
        if self.repeated:
            ignored.append(f"{self.repeated} repeated listing(s) of a file already counted")
        note = f" ({', '.join(ignored)} ignored)" if ignored else ""
        return f"{len(self.ids)} Seven Bridges files match, {min_count} wanted{note}"


def collect_matching_ids(files: Iterable[SbFile], query: FileQuery) -> FileMatches:
    """Keep the ids of the listed items that are files matching the query, each once; hold nothing else.

    :param files: The listing, consumed item by item (one page in memory at a time).
    :param query: The validated query, re-checked on every item as the operators do.
    :return: The matches.
    """
    matches = FileMatches()
    counted: set[str] = set()
    for item in files:
        if is_folder(item):
            matches.folders += 1
        elif query.mismatch(item) is not None or not item.get("id"):
            matches.unexpected += 1
        elif (file_id := str(item["id"])) in counted:
            matches.repeated += 1  # a repeat must not count towards min_count
        else:
            counted.add(file_id)
            matches.ids.append(file_id)
    return matches


def find_matching_files(hook: SevenBridgesHook, query: FileQuery) -> FileMatches:
    """List every page of the query and collect the matching file ids (blocking; GET requests only).

    :param hook: The Seven Bridges hook.
    :param query: The validated query.
    :return: The matches across all pages.
    """
    return collect_matching_ids(hook.iter_files(**query.hook_kwargs()), query)


def query_to_dict(query: FileQuery) -> dict[str, Any]:
    """Turn a validated query back into the JSON-safe ``query`` argument it came from.

    ``validate_query(query_to_dict(q)) == q`` for every validated ``q``.

    :param query: The validated query.
    :return: E.g. ``{"project": "owner/p", "tag": ["raw"], "metadata.sample_id": ["S1"]}``.
    """
    result: dict[str, Any] = {"project": query.project} if query.project is not None else {"parent": query.parent}
    if query.names:
        result["name"] = list(query.names)
    if query.tags:
        result["tag"] = list(query.tags)
    result.update({f"metadata.{key}": list(values) for key, values in query.metadata.items()})
    result.update({f"origin.{key}": value for key, value in query.origin.items()})
    return result


def check_min_count(value: Any) -> int:
    """Validate the rendered ``min_count`` argument: a whole number of at least 1 (a digit string works too).

    :param value: The argument.
    :return: The count.
    :raises InvalidInputError: On anything else.
    """
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"min_count: {value!r} is not allowed; use a whole number of files, at least 1")
    return value


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
