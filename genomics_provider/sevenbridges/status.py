"""The file-count checks of the Seven Bridges sensor and trigger: which listed items count, and how many are enough.

:class:`~genomics_provider.sensors.sevenbridges.SevenBridgesFilesSensor` (poke mode) and
:class:`~genomics_provider.triggers.sevenbridges.SevenBridgesFilesTrigger` (deferrable mode) both call
:func:`find_matching_files` and :func:`decide_files`, so the two modes count, warn and finish alike. The query is
the one :class:`~genomics_provider.operators.sevenbridges.TagFilesOperator` takes
(:func:`~genomics_provider.sevenbridges.query.check_query`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from genomics_provider.curation.waiting import WaitVerdict
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.sevenbridges.plan import is_folder
from genomics_provider.sevenbridges.query import FileQuery
from genomics_provider.sevenbridges.types import SbFile


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
    return collect_matching_ids(hook.iter_files(query=query), query)


def decide_files(matches: FileMatches, min_count: int) -> WaitVerdict:
    """Decide one poll: done once at least ``min_count`` files match, else waiting (a listing never fails for good).

    :param matches: What the listing found (:func:`find_matching_files`).
    :param min_count: How many files must match.
    :return: The verdict, with :meth:`FileMatches.describe` as its message, every matching id when done, and a
        warning when the listing returned files that do not match the query.
    """
    warnings: tuple[str, ...] = ()
    if matches.unexpected:
        warnings = (f"The listing returned {matches.unexpected} files that do not match the query; not counted",)
    if len(matches.ids) < min_count:
        return WaitVerdict("waiting", matches.describe(min_count), warnings=warnings)
    return WaitVerdict("done", matches.describe(min_count), ids=list(matches.ids), warnings=warnings)


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
