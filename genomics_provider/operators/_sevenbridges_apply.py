"""How the Seven Bridges operators write and verify: bulk writes, bulk re-reads, and the rename's PATCH.

These are the :class:`~genomics_provider.operators._reconcile.Writer` implementations the operators hand to
:func:`~genomics_provider.operators._reconcile.reconcile`, which writes, re-reads and writes again what still differs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from genomics_provider.exceptions import GenomicsApiError
from genomics_provider.hooks.sevenbridges import BULK_LIMIT, SbFile, SevenBridgesHook
from genomics_provider.operators._reconcile import Recheck, RoundResult
from genomics_provider.operators._sevenbridges_plan import (
    FileChange,
    FilePlan,
    WriteCall,
    describe_error,
    result_problem,
)
from genomics_provider.operators._sevenbridges_rules import FileQuery

Planner = Callable[[Iterable[SbFile], FileQuery | None], FilePlan]
_CALLS: tuple[WriteCall, ...] = ("edit", "update")


class BulkFileWriter:
    """Write file changes 100 per bulk call, and verify them by re-reading 100 per ``POST /bulk/files/get``.

    Every written file is re-read, because the platform replaces a tag list (and, in an update, the metadata) whole:
    the response of our own write cannot show a replace another writer makes afterwards.

    :param hook: The Seven Bridges hook.
    :param planner: Plans a change for files (the operator's validated request).
    """

    def __init__(self, hook: SevenBridgesHook, planner: Planner) -> None:
        self.hook = hook
        self.planner = planner

    def write(self, changes: Sequence[FileChange], result: RoundResult) -> None:
        """Send the changes as bulk edits, then bulk updates, 100 per call.

        :param changes: The changes of this round.
        :param result: Where each file's fate is recorded.
        """
        for call in _CALLS:
            selected = [change for change in changes if change.call == call]
            for start in range(0, len(selected), BULK_LIMIT):
                batch = selected[start : start + BULK_LIMIT]
                if not result.hold([change.file_id for change in batch]):
                    self._send(call, batch, result)

    def _send(self, call: WriteCall, batch: Sequence[FileChange], result: RoundResult) -> None:
        write = self.hook.bulk_edit_files if call == "edit" else self.hook.bulk_update_files
        try:
            records = write([change.item for change in batch])
        except GenomicsApiError as exc:
            ids = [change.file_id for change in batch]
            result.failed(ids, exc.status, f"bulk {call} of {len(batch)} files failed: {exc}")
            return
        written: list[str] = []
        for change, record in zip(batch, records, strict=True):
            if "error" in record:
                error = record["error"]
                result.failed([change.file_id], error.get("status"), describe_error(error), request_failed=False)
                continue
            problem = result_problem(change, record)
            if problem:
                result.mismatch([change.file_id], problem)
            else:
                written.append(change.file_id)
        result.sent(written)

    def recheck(self, item_ids: Sequence[str]) -> Recheck[FileChange]:
        """Re-read files in bulk and plan them again with the same request.

        :param item_ids: The files to re-read.
        :return: What is done and what still differs.
        :raises GenomicsApiError: When the bulk get itself fails.
        """
        check: Recheck[FileChange] = Recheck()
        files: list[SbFile] = []
        for file_id, record in zip(item_ids, self.hook.bulk_get_files(item_ids), strict=True):
            if "error" in record:
                reason = describe_error(record["error"])
                check.failed[file_id] = f"sent, but re-reading it failed, so its state is unknown: {reason}"
            else:
                files.append({**record.get("resource", {}), "id": file_id})
        plan = self.planner(files, None)
        check.done, check.changes = list(plan.unchanged), list(plan.changes)
        check.failed.update(plan.failed)
        check.failed.update({file_id: f"on re-read: {reason}" for file_id, reason in plan.skipped.items()})
        return check


class RenameWriter:
    """Rename one file with ``PATCH /files/{id}`` (``name`` only), confirmed by the response.

    A rename replaces no collection, so it drops nobody's data and the PATCH response (the file) confirms it; the
    file is re-read only when the outcome is unknown or the response shows another name.

    :param hook: The Seven Bridges hook.
    :param name: The new name.
    """

    def __init__(self, hook: SevenBridgesHook, name: str) -> None:
        self.hook = hook
        self.name = name

    def write(self, changes: Sequence[str], result: RoundResult) -> None:
        """PATCH each file's name.

        :param changes: File ids to rename.
        :param result: Where each file's fate is recorded.
        """
        for file_id in changes:
            if result.hold([file_id]):
                continue
            try:
                file = self.hook.update_file(file_id, name=self.name)
            except GenomicsApiError as exc:
                result.failed([file_id], exc.status, str(exc))
                continue
            if file.get("name") == self.name:
                result.confirm([file_id])
            else:
                result.mismatch([file_id], f"the rename answered with name {file.get('name')!r}")

    def recheck(self, item_ids: Sequence[str]) -> Recheck[str]:
        """Read each file again and compare its name.

        :param item_ids: File ids.
        :return: Files already named as asked, and those to rename again.
        :raises GenomicsApiError: When the read fails.
        """
        check: Recheck[str] = Recheck()
        for file_id in item_ids:
            if self.hook.get_file(file_id).get("name") == self.name:
                check.done.append(file_id)
            else:
                check.changes.append(file_id)
        return check
