"""The base of the One Codex operators: sample selection (ids or ``where``), the hook, the link and the summary."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator

from genomics_provider.curation.arguments import as_mapping, check_selection, coerce_bool, is_templated, parse_id_list
from genomics_provider.curation.outcome import Outcome, Summary
from genomics_provider.curation.reconcile import Writer, reconcile
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.links.genomics import OneCodexSamplesLink
from genomics_provider.onecodex.rules import ID_RULE, SAMPLE_WHERE_FIELDS
from genomics_provider.onecodex.types import ID_PATTERN
from genomics_provider.operators._common import raise_for_failures

if TYPE_CHECKING:
    from airflow.sdk import Context


class _OneCodexSampleOperator(BaseOperator):
    """Shared selection, hook, link and summary handling for the One Codex operators.

    :param sample_ids: Optional. Sample ids: a list, a JSON list string, or one id; templated, or an XComArg.
    :param where: Optional. A One Codex ``where`` filter selecting the samples instead of ``sample_ids``.
    :param onecodex_conn_id: Optional. Airflow connection id (default ``onecodex_default``).
    :param dry_run: Optional. Log the plan as a before → after table and write nothing.
    :param verify_writes: Optional. Re-read what was written (100 items per call) and write again what another
        writer's replace dropped (default ``True``); ``False`` saves those reads when nothing else writes the items.
    """

    operator_extra_links = (OneCodexSamplesLink(),)
    template_fields_renderers: ClassVar[dict[str, str]] = {"sample_ids": "json", "where": "json"}
    ui_color = "#e8f1fb"

    def __init__(
        self,
        *,
        sample_ids: Any = None,
        where: Any = None,
        onecodex_conn_id: str = OneCodexHook.default_conn_name,
        dry_run: Any = False,
        verify_writes: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.verify_writes = coerce_bool(verify_writes, argument="verify_writes")
        self.sample_ids = sample_ids
        self.where = where
        self.onecodex_conn_id = onecodex_conn_id
        # BaseOperator already has a dry_run() method; the argument is stored under another name.
        self.is_dry_run = dry_run
        if not is_templated(sample_ids) and not is_templated(where):
            self._checked_selection()

    @cached_property
    def hook(self) -> OneCodexHook:
        """The One Codex hook, created on first use inside ``execute``."""
        return OneCodexHook(onecodex_conn_id=self.onecodex_conn_id)

    def _checked_selection(self) -> tuple[list[str] | None, dict[str, Any] | None]:
        check_selection(self.sample_ids, self.where, ids_arg="sample_ids", query_arg="where")
        if self.sample_ids is not None:
            return parse_id_list(self.sample_ids, argument="sample_ids", pattern=ID_PATTERN, rule=ID_RULE), None
        where = as_mapping(self.where, argument="where")
        unknown = sorted(set(where) - SAMPLE_WHERE_FIELDS)
        if not where or unknown:
            raise InvalidInputError(
                f"where: {', '.join(map(repr, unknown)) or 'an empty filter'} is not allowed; filter on "
                f"{', '.join(sorted(SAMPLE_WHERE_FIELDS))}"
            )
        return None, where

    def _read_samples(
        self, ids: list[str] | None, where: dict[str, Any] | None, outcome: Outcome
    ) -> list[dict[str, Any]]:
        if ids is None:
            samples = list(self.hook.iter_samples(where=where))
            self.log.info("where=%s selected %d samples", where, len(samples))
            return samples
        found = self.hook.get_samples_by_id(ids)
        for sample_id in ids:
            if sample_id not in found:
                outcome.failed[sample_id] = "not found, or not visible to this API key"
        return [found[sample_id] for sample_id in ids if sample_id in found]

    def _reconcile(self, writer: Writer[Any], changes: Sequence[Any], outcome: Outcome, read_at: float) -> None:
        """Write the changes and verify them, with this connection's bounds (see :mod:`~genomics_provider.curation`).

        :param writer: The vendor writer.
        :param changes: The planned changes (each has a ``sample_id``).
        :param outcome: Where the results go.
        :param read_at: The hook's clock just before the read the changes were planned from.
        """
        reconcile(
            writer, changes, lambda change: change.sample_id, outcome, self.log, read_at=read_at,
            verify_delay=self.hook.verify_delay, pause=self.hook.pause, verify=self.verify_writes,
        )  # fmt: skip

    def _finish(self, context: Context, outcome: Outcome, dry_run: bool, sample_ids: Sequence[str]) -> Summary:
        self._push_link(context, sample_ids)
        summary = outcome.summary(dry_run=dry_run)
        self.log.info(
            "%s: %d changed, %d unchanged, %d failed",
            "Dry run" if dry_run else "Done",
            len(outcome.changed),
            len(outcome.unchanged),
            len(outcome.failed),
        )
        if outcome.failed:
            context["ti"].xcom_push(key="summary", value=summary)
        raise_for_failures(outcome, noun="samples")
        return summary

    def _push_link(self, context: Context, sample_ids: Sequence[str]) -> None:
        try:
            url = self.hook.web_url_for_samples(list(sample_ids))
        except InvalidInputError:
            return
        context["ti"].xcom_push(key=OneCodexSamplesLink.xcom_key, value=url)
