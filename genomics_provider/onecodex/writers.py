"""How the One Codex operators write and verify: one PATCH per sample or metadata record, re-reads 100 per call.

These are the :class:`~genomics_provider.curation.reconcile.Writer` implementations that the page-by-page runs
(:mod:`genomics_provider.onecodex.run`) hand to :class:`~genomics_provider.curation.reconcile.Reconciler`, which
writes, re-reads and writes again what still differs. A writer holds the items of one page only (the page just
read, then what the last re-read returned), so its memory stays flat over any number of pages.

A change that replaces a whole list or dict (``tags``, ``custom``) is always verified by re-reading, because the
response to our own PATCH cannot show a replace another writer makes afterwards. A change of scalar fields only
(``visibility``, ``project``, top-level metadata fields) drops nobody's data, so its PATCH response confirms it.
Replaces are sent from a fresh read (:func:`~genomics_provider.onecodex.fresh.patch_fresh`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from genomics_provider.curation.conflict import Recheck, conflict, fingerprint
from genomics_provider.curation.rounds import RoundResult
from genomics_provider.exceptions import GenomicsApiError, InvalidInputError, StaleReadError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.onecodex.fresh import patch_fresh
from genomics_provider.onecodex.plan import SampleChange, finalise_tags
from genomics_provider.onecodex.types import id_from_link


def tag_ids(sample: Mapping[str, Any]) -> Any:
    """Return a sample's tag list as ids, in order (the field a tags PATCH replaces); anything else as it is.

    :param sample: A sample as read or as a PATCH answered, or a PATCH body.
    :return: The tag ids.
    """
    tags = sample.get("tags")
    return [id_from_link(tag) for tag in tags] if isinstance(tags, list) else tags


def tag_stamp(sample: Mapping[str, Any]) -> str:
    """Fingerprint a sample's tag list (ids, in order), the field a tags PATCH replaces.

    :param sample: A sample as read or as a PATCH answered.
    :return: The fingerprint.
    """
    return fingerprint(tag_ids(sample))


def _replaces_tags(change: SampleChange) -> bool:
    return "tags" in change.body or bool(change.create_tags)


SamplePlanner = Callable[[Mapping[str, Any]], SampleChange]
MetadataPlanner = Callable[[Mapping[str, Any]], tuple[dict[str, Any], list[tuple[str, str, str]]]]


class SampleWriter:
    """PATCH samples (creating missing tags first with ``POST /api/v1/tags``) and verify by re-reading them.

    :param hook: The One Codex hook.
    :param planner: Plans one sample's change for the operator's request (reads ``ids_by_name`` as it grows).
    :param ids_by_name: Tag ids by requested name (``None`` until the tag exists); updated as tags are created.
    :param names_by_id: Tag names by id, for the plan table; updated as tags are created.
    :param samples: The samples as read for the plan, by id (one page; see :meth:`start_page`).
    """

    def __init__(
        self,
        hook: OneCodexHook,
        planner: SamplePlanner,
        ids_by_name: dict[str, str | None],
        names_by_id: dict[str, str],
        samples: dict[str, dict[str, Any]],
    ) -> None:
        self.hook = hook
        self.planner = planner
        self.ids_by_name = ids_by_name
        self.names_by_id = names_by_id
        #: The samples as last read, by id: the current page (and its fresh reads), or the last re-read.
        self.samples = samples
        self.rounds = 0
        self._blocked: set[str] = set()
        #: Tag ids before and after each answered tags PATCH not written again since: tells a conflict.
        self._wrote: dict[str, tuple[Any, Any]] = {}

    def start_page(self, samples: dict[str, dict[str, Any]]) -> None:
        """Hold a newly read page's samples instead of the previous page's.

        :param samples: The page's samples as read for the plan, by id.
        """
        self.samples = samples

    def write(self, changes: Sequence[SampleChange], result: RoundResult, *, read_at: float | None = None) -> None:
        """PATCH each sample that differs; a tag list is written within S of a fresh read of its sample.

        A change of scalar fields only (visibility, project) does not depend on what was read, so it is sent as
        planned. A change of the tag list is planned again from a read of its chunk of 10 samples right before the
        PATCHes. A sample needing a tag whose creation just failed waits for the next round.

        :param changes: The changes of this round.
        :param result: Where each sample's fate is recorded.
        :param read_at: Optional. When the read the changes were planned from was sent (one request); while it is
            fresh, tag lists are planned from it, then from a new read of each chunk.
        """
        self.rounds += 1
        if self.rounds > 1:
            self._look_up_missing_tags(changes)
        self._blocked = set()
        for change in changes:
            if not _replaces_tags(change) and not result.hold([change.sample_id]):
                self._send(change, None, result)
        fresh = [change.sample_id for change in changes if _replaces_tags(change)]
        patch_fresh(self.hook, fresh, self._read, self._patch, result, known=self.samples, read_at=read_at)

    def _read(self, sample_ids: list[str]) -> dict[str, dict[str, Any]]:
        found = self.hook.list_samples_by_id(sample_ids)
        self.samples.update(found)
        return found

    def _patch(self, sample_id: str, sample: Mapping[str, Any], send_by: float, result: RoundResult) -> None:
        change = self.planner(sample)
        if change.is_noop:
            result.as_asked([sample_id])
        else:
            self._send(change, send_by, result)

    def _send(self, change: SampleChange, send_by: float | None, result: RoundResult) -> None:
        sample_id = change.sample_id
        waiting = self._blocked & set(change.create_tags)
        if waiting:
            result.recheck.append(sample_id)
            result.errors[sample_id] = f"not sent: creating tag(s) {sorted(waiting)} failed first"
            return
        before = tag_ids(self.samples.get(sample_id) or {})
        try:
            body = self._create_missing_tags(change)
            response = self.hook.update_sample(sample_id, body, send_by=send_by) if body else None
        except StaleReadError:
            raise
        except GenomicsApiError as exc:
            self._blocked |= {name for name in change.create_tags if self.ids_by_name.get(name) is None}
            result.failed([sample_id], exc.status, str(exc))
            return
        except InvalidInputError as exc:  # e.g. the look-up after a lost POST answer found two tags of that name
            self._blocked |= {name for name in change.create_tags if self.ids_by_name.get(name) is None}
            result.failed([sample_id], 400, str(exc))
            return
        if response is not None and not self.planner(response).is_noop:
            result.mismatch([sample_id], "the PATCH answered with a sample that differs from what was asked")
        elif "tags" in change.body or response is None:
            # A replaced tag list is re-read: another writer may replace it next.
            result.sent([sample_id], {sample_id: tag_stamp(response) if response is not None else None})
            if response is not None:
                self._wrote[sample_id] = (before, tag_ids(response))
        else:
            result.confirm([sample_id])

    def _look_up_missing_tags(self, changes: Sequence[SampleChange]) -> None:
        """Look up again, by name, tags not known to exist (a POST whose answer was lost may have created them).

        :param changes: The changes of this round.
        """
        for name in dict.fromkeys(name for change in changes for name in change.create_tags):
            if self.ids_by_name.get(name) is None:
                try:
                    tag = self.hook.find_tag(name)
                except (GenomicsApiError, InvalidInputError):
                    continue  # the POST path below looks it up again and fails the sample if it cannot tell
                if tag is not None:
                    self._learn(name, tag)

    def _learn(self, name: str, tag: Mapping[str, Any]) -> str:
        tag_id = str(id_from_link(tag))
        self.ids_by_name[name] = tag_id
        self.names_by_id[tag_id] = name
        return tag_id

    def _create_missing_tags(self, change: SampleChange) -> dict[str, Any]:
        """Create this sample's missing tags (``POST /api/v1/tags`` also attaches them), then finish the body.

        :param change: The planned change.
        :return: The PATCH body still needed (empty when the POSTs already did everything).
        """
        attached: list[str] = []
        for name in change.create_tags:
            if self.ids_by_name.get(name) is None:
                attached.append(self._learn(name, self.hook.create_tag(name, change.sample_id)))
        created = {name: str(self.ids_by_name[name]) for name in change.create_tags}
        body = finalise_tags(change.body, created, change.create_tags)
        if attached and "tags" in body:
            sample = self.samples.get(change.sample_id) or {}
            after_post = [str(id_from_link(tag)) for tag in sample.get("tags") or []] + attached
            if [id_from_link(tag) for tag in body["tags"]] == after_post:
                del body["tags"]  # the POSTs attached exactly what the PATCH would have written
                self._wrote[change.sample_id] = (tag_ids(sample), after_post)
        return body

    def recheck(self, item_ids: Sequence[str]) -> Recheck[SampleChange]:
        """Re-read samples (100 per list call) and plan them again with the same request.

        :param item_ids: Sample ids.
        :return: What is done and what still differs.
        :raises GenomicsApiError: When the re-read fails.
        """
        check: Recheck[SampleChange] = Recheck(read_at=self.hook.clock())
        found = self.hook.list_samples_by_id(list(item_ids))
        self.samples = {}  # what this re-read returns replaces the page or re-read held before
        for sample_id in item_ids:
            sample = found.get(sample_id)
            if sample is None:
                check.failed[sample_id] = "sent, but the re-read no longer finds it (deleted, or no longer visible)"
                continue
            self.samples[sample_id] = sample
            check.stamps[sample_id] = tag_stamp(sample)
            change = self.planner(sample)
            if change.is_noop:
                check.done.append(sample_id)
                self._wrote.pop(sample_id, None)  # confirmed: nothing left to tell a conflict from
                continue
            check.changes.append(change)
            wrote = self._wrote.pop(sample_id, None)
            undone = conflict(*wrote, tag_ids(sample)) if wrote else None
            if undone:
                check.conflicts[sample_id] = undone
        return check


@dataclass(frozen=True)
class MetadataChange:
    """One metadata record's PATCH.

    :param sample_id: The sample the record belongs to (how items are reported).
    :param metadata_id: The record.
    :param body: Only the fields that differ (``custom`` whole).
    """

    sample_id: str
    metadata_id: str
    body: dict[str, Any]


class MetadataWriter:
    """PATCH metadata records and verify those whose ``custom`` dict was replaced by re-reading them.

    :param hook: The One Codex hook.
    :param planner: Plans one record's PATCH body for the operator's request.
    :param metadata_ids: Metadata record id by sample id (more are added by :meth:`start_page`).
    :param records: Optional. The records as read for the plan, by sample id (one page).
    """

    def __init__(
        self,
        hook: OneCodexHook,
        planner: MetadataPlanner,
        metadata_ids: Mapping[str, str],
        records: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        self.hook = hook
        self.planner = planner
        #: Metadata record id by sample id, for every sample planned so far (ids only).
        self.metadata_ids: dict[str, str] = dict(metadata_ids)
        #: The records as last read, by sample id: the current page (and its fresh reads), or the last re-read.
        self.records: dict[str, dict[str, Any]] = dict(records or {})
        #: ``custom`` before and after each answered PATCH not written again since: tells a conflict.
        self._wrote: dict[str, tuple[Any, Any]] = {}

    def start_page(self, records: Mapping[str, dict[str, Any]], metadata_ids: Mapping[str, str]) -> None:
        """Hold a newly read page's records instead of the previous page's, and learn their record ids.

        :param records: The page's records as read for the plan, by sample id.
        :param metadata_ids: Their metadata record ids, by sample id.
        """
        self.records = dict(records)
        self.metadata_ids.update(metadata_ids)

    def write(self, changes: Sequence[MetadataChange], result: RoundResult, *, read_at: float | None = None) -> None:
        """Read the records again in chunks of 10 and PATCH each one that still differs, within S of that read.

        A change of top-level fields only is sent as planned: it does not depend on what was read.

        :param changes: The changes of this round (``custom`` changes are re-planned from the fresh read).
        :param result: Where each sample's fate is recorded.
        :param read_at: Optional. When the read the changes were planned from was sent (one request); while it is
            fresh, ``custom`` is planned from it, then from a new read of each chunk.
        """
        for change in changes:
            if "custom" not in change.body and not result.hold([change.sample_id]):
                self._send(change.sample_id, change.body, None, result)
        fresh = [change.sample_id for change in changes if "custom" in change.body]
        patch_fresh(self.hook, fresh, self._read, self._patch, result, known=self.records, read_at=read_at)

    def _read(self, sample_ids: list[str]) -> dict[str, dict[str, Any]]:
        records = self.hook.list_metadata_by_id([self.metadata_ids[sample_id] for sample_id in sample_ids])
        found = {sample_id: records[self.metadata_ids[sample_id]] for sample_id in sample_ids
                 if self.metadata_ids[sample_id] in records}  # fmt: skip
        self.records.update(found)
        return found

    def _patch(self, sample_id: str, record: Mapping[str, Any], send_by: float, result: RoundResult) -> None:
        body, _ = self.planner(record)
        if body:
            self._send(sample_id, body, send_by, result)
        else:
            result.as_asked([sample_id])

    def _send(self, sample_id: str, body: dict[str, Any], send_by: float | None, result: RoundResult) -> None:
        before = (self.records.get(sample_id) or {}).get("custom")
        try:
            response = self.hook.update_metadata(self.metadata_ids[sample_id], body, send_by=send_by)
        except StaleReadError:
            raise
        except GenomicsApiError as exc:
            result.failed([sample_id], exc.status, str(exc))
            return
        if not isinstance(response, dict) or self.planner(response)[0]:
            result.mismatch([sample_id], "the PATCH answered with a record that differs from what was asked")
        elif "custom" in body:
            # custom is replaced whole: re-read in case another writer replaces it.
            result.sent([sample_id], {sample_id: fingerprint(response.get("custom"))})
            self._wrote[sample_id] = (before, response.get("custom"))
        else:
            result.confirm([sample_id])

    def recheck(self, item_ids: Sequence[str]) -> Recheck[MetadataChange]:
        """Re-read the samples' metadata records (100 per list call) and plan them again.

        :param item_ids: Sample ids.
        :return: What is done and what still differs.
        :raises GenomicsApiError: When the re-read fails.
        """
        check: Recheck[MetadataChange] = Recheck(read_at=self.hook.clock())
        records = self.hook.list_metadata_by_id([self.metadata_ids[sample_id] for sample_id in item_ids])
        self.records = {}  # what this re-read returns replaces the page or re-read held before
        for sample_id in item_ids:
            metadata_id = self.metadata_ids[sample_id]
            record = records.get(metadata_id)
            if record is None:
                check.failed[sample_id] = "sent, but the re-read no longer finds its metadata record"
                continue
            self.records[sample_id] = record
            check.stamps[sample_id] = fingerprint(record.get("custom"))
            body, _ = self.planner(record)
            if not body:
                check.done.append(sample_id)
                self._wrote.pop(sample_id, None)
                continue
            check.changes.append(MetadataChange(sample_id, metadata_id, body))
            wrote = self._wrote.pop(sample_id, None)
            undone = conflict(*wrote, record.get("custom")) if wrote else None
            if undone:
                check.conflicts[sample_id] = undone
        return check
