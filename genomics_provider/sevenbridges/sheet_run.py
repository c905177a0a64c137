"""How a Seven Bridges manifest is applied: names resolved once, then 100 rows at a time through the bulk endpoints.

The rows are read and checked by :mod:`genomics_provider.sevenbridges.sheet` (every problem before any request);
this module does the requests.

**Names → ids** (:func:`resolve_names`). Rows keyed by name are looked up folder by folder, each folder once, with
``fields=id,name,type``: the project root, then each folder on the way to a name with a path
(``alignments/HCC1143_T.bam`` looks in the root for ``alignments``, then in ``alignments``). Per folder, the cheaper
of two ways: when every name wanted there fits one call's name filters (at most 100 names, their ``name=``
parameters within :data:`NAME_FILTER_CHARS`), one filtered call (``?name=a&name=b…``) answers them all, which no
listing can beat; otherwise the folder is listed whole, 100 items per call. So a short sheet costs one call per
folder, and 10,000 names in a flat project of 10,000 files cost ⌈10,000/100⌉ = 100 calls: never more than
⌈items in the folders named / 100⌉. Only the items the sheet names are kept. A name that matches no file, or a
folder, is reported in ``failed`` under ``row N``.

**Writes** (:class:`ManifestRun`): 100 rows at a time, the files are read with ``POST /bulk/files/get``, planned per
file from their rows (:func:`~genomics_provider.sevenbridges.plan.plan_requests`), logged, and written with one bulk
call per kind, exactly as the other Seven Bridges operators do (:class:`~genomics_provider.sevenbridges.run.FileRun`):
within ``max_read_age`` of the read, re-read at the end, and written again where another writer's replace dropped
our change. Cost for N files that all change: three calls per 100 files (read, write, re-read) plus the names.

**Memory.** Across batches the run keeps ids, row numbers, reasons and, until the final re-read, the request of each
file it wrote (as tuples): what verification re-plans against. Rows left unchanged are dropped with their batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from genomics_provider.curation.outcome import Outcome
from genomics_provider.hooks.sevenbridges import BULK_LIMIT, SevenBridgesHook
from genomics_provider.sevenbridges.plan import FilePlan, FileRequest, is_folder, plan_requests
from genomics_provider.sevenbridges.query import FileQuery
from genomics_provider.sevenbridges.rules import MetadataMode, TagMode
from genomics_provider.sevenbridges.run import FileRun
from genomics_provider.sevenbridges.sheet import FileRow
from genomics_provider.sevenbridges.types import SbFile

__all__ = ["LISTING_FIELDS", "NAME_FILTER_CHARS", "ManifestRun", "Resolution", "resolve_names"]

#: The fields a name look-up asks for.
LISTING_FIELDS = "id,name,type"
#: Characters of ``name=`` parameters one listing call may carry: the official client refuses URLs over 6,000
#: characters, and the host, path and other parameters need the rest.
NAME_FILTER_CHARS = 4000


@dataclass
class Resolution:
    """What the names of a sheet resolved to.

    :param ids: The file id of each name found.
    :param missing: Why each other name was not found.
    :param calls: Listing pages read.
    """

    ids: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    calls: int = 0


def resolve_names(hook: SevenBridgesHook, project: str, names: Iterable[str]) -> Resolution:
    """Find the files named by paths inside a project, listing each folder on the way once.

    :param hook: The Seven Bridges hook.
    :param project: ``owner/project``.
    :param names: Paths inside the project (``a.bam``, ``alignments/b.bam``).
    :return: The ids found, and why the others were not.
    :raises GenomicsApiError: When a listing fails.
    """
    result = Resolution()
    paths = {name: tuple(name.split("/")) for name in names}
    wanted: dict[tuple[str, ...], set[str]] = {}
    for parts in paths.values():
        for depth in range(len(parts)):
            wanted.setdefault(parts[:depth], set()).add(parts[depth])
    folders: dict[tuple[str, ...], str | None] = {(): None}
    files: dict[tuple[str, ...], str] = {}
    for path in sorted(wanted, key=len):
        if path not in folders:
            continue  # a folder on the way was not found: its names are reported below
        for child, item in _children(hook, project, folders[path], wanted[path], result).items():
            target = folders if is_folder(item) else files
            target[(*path, child)] = str(item["id"])
    for name, parts in paths.items():
        if parts in files:
            result.ids[name] = files[parts]
        else:
            result.missing[name] = _why_missing(parts, folders, project)
    return result


def _children(
    hook: SevenBridgesHook, project: str, parent: str | None, wanted: set[str], result: Resolution
) -> dict[str, SbFile]:
    names = tuple(sorted(wanted)) if _fits_one_call(wanted) else ()
    query = FileQuery(project=project, names=names) if parent is None else FileQuery(parent=parent, names=names)
    found: dict[str, SbFile] = {}
    for index, item in enumerate(hook.iter_files(query=query, fields=LISTING_FIELDS)):
        if index % BULK_LIMIT == 0:
            result.calls += 1
        if item.get("name") in wanted and "id" in item:
            found.setdefault(str(item["name"]), item)
    return found


def _fits_one_call(names: set[str]) -> bool:
    """Tell whether one name-filtered listing call can ask for all these names (then it is the cheapest way).

    :param names: The names wanted in one folder.
    :return: ``True`` when they are at most 100 and their ``name=`` parameters fit :data:`NAME_FILTER_CHARS`.
    """
    if len(names) > BULK_LIMIT:
        return False
    return sum(len("&name=") + len(quote(name, safe="")) for name in names) <= NAME_FILTER_CHARS


def _why_missing(parts: tuple[str, ...], folders: Mapping[tuple[str, ...], str | None], project: str) -> str:
    for depth in range(1, len(parts)):
        if parts[:depth] not in folders:
            return f"no folder {'/'.join(parts[:depth])!r} in project {project}"
    if parts in folders:
        return f"{'/'.join(parts)!r} is a folder in project {project}; only files take tags and metadata"
    where = f"folder {'/'.join(parts[:-1])!r} of project" if len(parts) > 1 else "project"
    return f"no file named {parts[-1]!r} in {where} {project}"


class ManifestRun:
    """Apply checked manifest rows 100 at a time, collecting the outcome by file id and by row.

    :param hook: The Seven Bridges hook.
    :param log: The task logger.
    :param tag_mode: The tag mode for every row.
    :param metadata_mode: The metadata mode for every row.
    :param dry_run: Log the plans and write nothing.
    :param verify: Re-read written files to verify them.
    """

    def __init__(
        self,
        hook: SevenBridgesHook,
        log: Any,
        *,
        tag_mode: TagMode,
        metadata_mode: MetadataMode,
        dry_run: bool,
        verify: bool,
    ) -> None:
        self.requests: dict[str, FileRequest] = {}
        self.rows: dict[str, int] = {}
        self.run = FileRun(hook, self._plan, log, title="Manifest plan", dry_run=dry_run, verify=verify)
        self.tag_mode = tag_mode
        self.metadata_mode = metadata_mode

    @property
    def outcome(self) -> Outcome:
        """The results so far."""
        return self.run.outcome

    def _plan(self, files: Iterable[SbFile], query: FileQuery | None) -> FilePlan:
        return plan_requests(files, self.requests, self.tag_mode, self.metadata_mode)

    def apply(self, rows: Iterator[FileRow], resolution: Resolution) -> None:
        """Write every row's file, 100 rows at a time.

        :param rows: The checked rows, in sheet order.
        :param resolution: Ids by name, for rows keyed by name.
        :raises GenomicsApiError: When a bulk get fails (the batches before it are done).
        """
        batch: list[str] = []
        for row in rows:
            file_id = row.file_id or resolution.ids.get(str(row.name))
            if file_id is None:
                self.outcome.failed[f"row {row.number}"] = resolution.missing.get(str(row.name), "not found")
                continue
            self.rows[file_id] = row.number
            self.requests[file_id] = _request(row)
            batch.append(file_id)
            if len(batch) == BULK_LIMIT:
                self._batch(batch)
                batch = []
        if batch:
            self._batch(batch)

    def _batch(self, batch: list[str]) -> None:
        outcome = self.outcome
        before = len(outcome.unchanged)
        self.run.by_ids(batch)
        settled = set(outcome.unchanged[before:]) | (set(batch) & (outcome.failed.keys() | outcome.skipped.keys()))
        for file_id in batch if self.run.dry_run else settled:
            self.requests.pop(file_id, None)  # a dry run verifies nothing, so it keeps no request

    def finish(self) -> None:
        """Re-read what was written, then name each failed file's row in its reason."""
        self.run.finish()
        failed = self.outcome.failed
        for file_id, number in self.rows.items():
            if file_id in failed:
                failed[file_id] = f"row {number}: {failed[file_id]}"


def _request(row: FileRow) -> FileRequest:
    tags = None if row.tags is None else tuple(row.tags)
    metadata = None if row.metadata is None else tuple(row.metadata.items())
    return FileRequest(tags, metadata)
