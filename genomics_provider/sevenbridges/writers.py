"""How the Seven Bridges operators write and verify: bulk writes, bulk re-reads, and the rename's PATCH.

These are the :class:`~genomics_provider.curation.reconcile.Writer` implementations the operators hand to
:func:`~genomics_provider.curation.reconcile.reconcile`, which writes, re-reads and writes again what still differs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from genomics_provider.curation.conflict import Recheck, conflict, fingerprint
from genomics_provider.curation.rounds import STALE_HINT, RoundResult
from genomics_provider.exceptions import GenomicsApiError, StaleReadError
from genomics_provider.hooks.sevenbridges import BULK_LIMIT, SevenBridgesHook
from genomics_provider.sevenbridges.plan import FileChange, FilePlan, WriteCall
from genomics_provider.sevenbridges.query import FileQuery
from genomics_provider.sevenbridges.results import describe_error, read_records, result_problem
from genomics_provider.sevenbridges.rules import file_metadata, file_tags
from genomics_provider.sevenbridges.types import SbFile

Planner = Callable[[Iterable[SbFile], FileQuery | None], FilePlan]
_CALLS: tuple[WriteCall, ...] = ("edit", "update")
#: Times a batch may be read again because its read turned too old before the write could be sent.
MAX_STALE_READS = 2


#: How each field a plan writes is read from a file, to tell a conflict.
_FIELDS: Mapping[str, Callable[[SbFile], Any]] = {"tags": file_tags, "metadata": file_metadata}


def file_stamp(file: SbFile) -> str:
    """Fingerprint what a bulk write replaces: the file's name, tags and metadata.

    :param file: A file resource as listed, read or answered by a bulk write.
    :return: The fingerprint.
    """
    return fingerprint([file.get("name"), file.get("tags"), file.get("metadata")])


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
        #: The written field before and after each answered write not written again since, to tell a conflict.
        self._wrote: dict[str, tuple[Mapping[str, Any], dict[str, Any]]] = {}

    def write(self, changes: Sequence[FileChange], result: RoundResult, *, read_at: float | None = None) -> None:
        """Send the changes as bulk edits, then bulk updates, 100 per call, within S of the read they came from.

        When the read is older than ``max_read_age`` by the time a call may go out (pacing, a 429, a retry), the
        files are read again with ``POST /bulk/files/get`` and planned afresh before sending.

        :param changes: The changes of this round.
        :param result: Where each file's fate is recorded.
        :param read_at: Optional. The hook's clock just before the read the changes were planned from was sent
            (``None``: read them again first).
        """
        for start in range(0, len(changes), BULK_LIMIT):
            self._write_batch(list(changes[start : start + BULK_LIMIT]), result, read_at)

    def _write_batch(self, batch: list[FileChange], result: RoundResult, read_at: float | None) -> None:
        for _ in range(MAX_STALE_READS + 1):
            if read_at is None:
                read_at = self.hook.clock()
                batch = self._read_again(batch, result)
            send_by = read_at + self.hook.max_read_age
            try:
                for call in _CALLS:
                    selected = [change for change in batch if change.call == call]
                    if selected and not result.hold([change.file_id for change in selected]):
                        self._send(call, selected, result, send_by)
                        batch = [change for change in batch if change.call != call]
                return
            except StaleReadError as exc:
                stale = str(exc)
                read_at = None
        result.failed([change.file_id for change in batch], None, stale + STALE_HINT, request_failed=False)

    def _read_again(self, batch: list[FileChange], result: RoundResult) -> list[FileChange]:
        """Read the batch's files again and plan them afresh; files now as asked are recorded, not re-sent.

        :param batch: The changes planned from a read that turned too old.
        :param result: Where files now as asked, or no longer readable, are recorded.
        :return: The changes to send, planned from the fresh read.
        """
        file_ids = [change.file_id for change in batch]
        try:
            read_at = self.hook.clock()
            files, errors = read_records(file_ids, self.hook.bulk_get_files(file_ids))
        except GenomicsApiError as exc:
            result.failed(file_ids, exc.status, f"not sent: reading it again failed: {exc}")
            return []
        for file_id, error in errors.items():  # its own status: a 503 item is retried, a 404 refused for good
            result.failed([file_id], error.get("status"), f"not sent: reading it again failed: {describe_error(error)}")
        check = self._replan(files, {}, read_at)
        result.as_asked(check.done)
        for file_id, reason in check.failed.items():  # the plan itself refused the file: for good
            result.failed([file_id], 404, reason)
        return check.changes

    def _send(self, call: WriteCall, batch: Sequence[FileChange], result: RoundResult, send_by: float) -> None:
        write = self.hook.bulk_edit_files if call == "edit" else self.hook.bulk_update_files
        try:
            records = write([change.item for change in batch], send_by=send_by)
        except StaleReadError:
            raise
        except GenomicsApiError as exc:
            ids = [change.file_id for change in batch]
            result.failed(ids, exc.status, f"bulk {call} of {len(batch)} files failed: {exc}")
            return
        written: dict[str, str | None] = {}
        for change, record in zip(batch, records, strict=True):
            if "error" in record:
                error = record["error"]
                result.failed([change.file_id], error.get("status"), describe_error(error), request_failed=False)
                continue
            problem = result_problem(change, record)
            if problem:
                result.mismatch([change.file_id], problem)
            else:
                resource = record.get("resource") or {}
                written[change.file_id] = file_stamp(resource)
                # Only the written fields, as the answer shows them: a run over 100,000 files keeps no whole records.
                written_fields = {name: _FIELDS[name](resource) for name in change.before}
                self._wrote[change.file_id] = (change.before, written_fields)
        result.sent(list(written), written)

    def recheck(self, item_ids: Sequence[str]) -> Recheck[FileChange]:
        """Re-read files in bulk and plan them again with the same request.

        :param item_ids: The files to re-read.
        :return: What is done and what still differs.
        :raises GenomicsApiError: When the bulk get itself fails.
        """
        read_at = self.hook.clock()
        files, errors = read_records(item_ids, self.hook.bulk_get_files(item_ids))
        return self._replan(files, errors, read_at)

    def _replan(self, files: list[SbFile], errors: Mapping[str, Any], read_at: float) -> Recheck[FileChange]:
        """Plan files just read again with the same request, telling a conflicting ask from a stale write.

        :param files: The files read.
        :param errors: The error item of each file that could not be read.
        :param read_at: When the read was sent.
        :return: What is done, what still differs, what conflicts, and what failed.
        """
        check: Recheck[FileChange] = Recheck(read_at=read_at)
        for file_id, error in errors.items():
            reason = describe_error(error)
            check.failed[file_id] = f"sent, but re-reading it failed, so its state is unknown: {reason}"
        check.stamps.update({str(file["id"]): file_stamp(file) for file in files})
        plan = self.planner(files, None)
        check.done, check.changes = list(plan.unchanged), list(plan.changes)
        for file_id in check.done:
            self._wrote.pop(file_id, None)  # confirmed: nothing left to tell a conflict from
        by_id = {str(file["id"]): file for file in files}
        for change in plan.changes:
            undone = self._undone(change.file_id, by_id[change.file_id])
            if undone:
                check.conflicts[change.file_id] = undone
        check.failed.update(plan.failed)
        check.failed.update({file_id: f"on re-read: {reason}" for file_id, reason in plan.skipped.items()})
        return check

    def _undone(self, file_id: str, file: SbFile) -> str | None:
        """Tell whether another writer undid our last write to a file on purpose (see ``conflict``).

        :param file_id: The file, found not as asked.
        :param file: Its state in the re-read.
        :return: What the other writer did, or ``None``.
        """
        wrote = self._wrote.pop(file_id, None)
        if wrote is None:
            return None
        before, written = wrote
        for name, value in before.items():
            undone = conflict(value, written[name], _FIELDS[name](file))
            if undone:
                return undone
        return None


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

    def write(self, changes: Sequence[str], result: RoundResult, *, read_at: float | None = None) -> None:
        """PATCH each file's name (a body read from nothing: it cannot be stale).

        :param changes: File ids to rename.
        :param result: Where each file's fate is recorded.
        :param read_at: Ignored.
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
