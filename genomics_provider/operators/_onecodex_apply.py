"""How the One Codex operators write and verify: one PATCH per sample or metadata record, re-reads 100 per call.

These are the :class:`~genomics_provider.operators._reconcile.Writer` implementations the operators hand to
:func:`~genomics_provider.operators._reconcile.reconcile`, which writes, re-reads and writes again what still differs.

A change that replaces a whole list or dict (``tags``, ``custom``) is always verified by re-reading, because the
response to our own PATCH cannot show a replace another writer makes afterwards. A change of scalar fields only
(``visibility``, ``project``, top-level metadata fields) drops nobody's data, so its PATCH response confirms it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from genomics_provider.exceptions import GenomicsApiError
from genomics_provider.hooks.onecodex import OneCodexHook, id_from_link
from genomics_provider.operators._onecodex_plan import SampleChange, finalise_tags
from genomics_provider.operators._reconcile import Recheck, RoundResult

SamplePlanner = Callable[[Mapping[str, Any]], SampleChange]
MetadataPlanner = Callable[[Mapping[str, Any]], tuple[dict[str, Any], list[tuple[str, str, str]]]]


class SampleWriter:
    """PATCH samples (creating missing tags first with ``POST /api/v1/tags``) and verify by re-reading them.

    :param hook: The One Codex hook.
    :param planner: Plans one sample's change for the operator's request (reads ``ids_by_name`` as it grows).
    :param ids_by_name: Tag ids by requested name (``None`` until the tag exists); updated as tags are created.
    :param names_by_id: Tag names by id, for the plan table; updated as tags are created.
    :param samples: The samples as last read, by id; updated by every re-read.
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
        self.samples = samples
        self.rounds = 0

    def write(self, changes: Sequence[SampleChange], result: RoundResult) -> None:
        """Send each sample's change; a sample needing a tag whose creation just failed waits for the next round.

        :param changes: The changes of this round.
        :param result: Where each sample's fate is recorded.
        """
        self.rounds += 1
        if self.rounds > 1:
            self._look_up_missing_tags(changes)
        blocked: set[str] = set()
        for change in changes:
            if result.hold([change.sample_id]):
                continue
            waiting = blocked & set(change.create_tags)
            if waiting:
                result.recheck.append(change.sample_id)
                result.errors[change.sample_id] = f"not sent: creating tag(s) {sorted(waiting)} failed first"
                continue
            try:
                body = self._create_missing_tags(change)
                response = self.hook.update_sample(change.sample_id, body) if body else None
            except GenomicsApiError as exc:
                blocked |= {name for name in change.create_tags if self.ids_by_name.get(name) is None}
                result.failed([change.sample_id], exc.status, str(exc))
                continue
            if response is not None and not self.planner(response).is_noop:
                result.mismatch([change.sample_id], "the PATCH answered with a sample that differs from what was asked")
            elif "tags" in change.body or response is None:
                result.sent([change.sample_id])  # a replaced tag list is re-read: another writer may replace it next
            else:
                result.confirm([change.sample_id])

    def _look_up_missing_tags(self, changes: Sequence[SampleChange]) -> None:
        """Look up again, by name, tags not known to exist (a POST whose answer was lost may have created them).

        :param changes: The changes of this round.
        """
        for name in dict.fromkeys(name for change in changes for name in change.create_tags):
            if self.ids_by_name.get(name) is None:
                try:
                    tag = self.hook.find_tag(name)
                except GenomicsApiError:
                    continue  # the POST path below looks it up again if it cannot tell
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
        return body

    def recheck(self, item_ids: Sequence[str]) -> Recheck[SampleChange]:
        """Re-read samples (100 per list call) and plan them again with the same request.

        :param item_ids: Sample ids.
        :return: What is done and what still differs.
        :raises GenomicsApiError: When the re-read fails.
        """
        found = self.hook.get_samples_by_id(list(item_ids))
        check: Recheck[SampleChange] = Recheck()
        for sample_id in item_ids:
            sample = found.get(sample_id)
            if sample is None:
                check.failed[sample_id] = "sent, but the re-read no longer finds it (deleted, or no longer visible)"
                continue
            self.samples[sample_id] = sample
            change = self.planner(sample)
            if change.is_noop:
                check.done.append(sample_id)
            else:
                check.changes.append(change)
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
    :param metadata_ids: Metadata record id by sample id.
    """

    def __init__(self, hook: OneCodexHook, planner: MetadataPlanner, metadata_ids: Mapping[str, str]) -> None:
        self.hook = hook
        self.planner = planner
        self.metadata_ids = metadata_ids

    def write(self, changes: Sequence[MetadataChange], result: RoundResult) -> None:
        """PATCH each record with its changed fields.

        :param changes: The changes of this round.
        :param result: Where each sample's fate is recorded.
        """
        for change in changes:
            if result.hold([change.sample_id]):
                continue
            try:
                response = self.hook.update_metadata(change.metadata_id, change.body)
            except GenomicsApiError as exc:
                result.failed([change.sample_id], exc.status, str(exc))
                continue
            if not isinstance(response, dict) or self.planner(response)[0]:
                result.mismatch([change.sample_id], "the PATCH answered with a record that differs from what was asked")
            elif "custom" in change.body:
                result.sent([change.sample_id])  # custom is replaced whole: re-read in case another writer replaces it
            else:
                result.confirm([change.sample_id])

    def recheck(self, item_ids: Sequence[str]) -> Recheck[MetadataChange]:
        """Re-read the samples' metadata records (100 per list call) and plan them again.

        :param item_ids: Sample ids.
        :return: What is done and what still differs.
        :raises GenomicsApiError: When the re-read fails.
        """
        records = self.hook.get_metadata_by_id([self.metadata_ids[sample_id] for sample_id in item_ids])
        check: Recheck[MetadataChange] = Recheck()
        for sample_id in item_ids:
            metadata_id = self.metadata_ids[sample_id]
            record = records.get(metadata_id)
            if record is None:
                check.failed[sample_id] = "sent, but the re-read no longer finds its metadata record"
                continue
            body, _ = self.planner(record)
            if body:
                check.changes.append(MetadataChange(sample_id, metadata_id, body))
            else:
                check.done.append(sample_id)
        return check
