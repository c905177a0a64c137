"""An input error met half-way through a run fails that item, not the run: the summary and a retry still follow."""

from __future__ import annotations

from typing import Any

import pytest

from genomics_provider._compat import AirflowException
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.operators.onecodex import TagSamplesOperator
from genomics_provider.testing import Emulator
from tests.reliability.helpers import onecodex_sample_writes

SAMPLES = [f"ee{index:014x}" for index in range(4)]
TWO_TAGS = "tags: the name 'fresh-tag' matches 2 One Codex tags (a, b); tag names must be unique for this operator"


def test_a_tag_lookup_that_finds_two_tags_mid_run_fails_that_sample_and_the_run_reports_the_rest(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first POST /tags loses its answer and the look-up that follows finds two tags of that name (another
    # writer created one at the same time): the hook raises InvalidInputError after PATCHes went out.
    create = OneCodexHook.create_tag
    calls: list[str] = []

    def create_once_ambiguous(self: OneCodexHook, name: str, sample_id: str) -> dict[str, Any]:
        calls.append(sample_id)
        if len(calls) == 1:
            raise InvalidInputError(TWO_TAGS)
        return create(self, name, sample_id)

    monkeypatch.setattr(OneCodexHook, "create_tag", create_once_ambiguous)
    ti_summary: list[Any] = []
    operator = TagSamplesOperator(task_id="tag", sample_ids=SAMPLES, tags=["fresh-tag"])

    class TI:
        def xcom_push(self, key: str, value: Any) -> None:
            ti_summary.append((key, value))

    with pytest.raises(AirflowException) as raised:
        operator.execute(context={"ti": TI()})

    assert not isinstance(raised.value, InvalidInputError)  # a retryable task failure, not an input error
    first = calls[0]
    assert (
        str(raised.value) == f"1 of 4 samples failed (3 changed, 0 already as asked): {first}: not written: {TWO_TAGS}"
    )
    summaries = [value for key, value in ti_summary if key == "summary"]
    assert summaries[-1]["failed"] == {first: f"not written: {TWO_TAGS}"}
    assert sorted(summaries[-1]["changed"]) == sorted(set(SAMPLES) - {first})
    assert "fresh-tag" not in fresh.onecodex.sample_tag_names(first)
    assert all("fresh-tag" in fresh.onecodex.sample_tag_names(s) for s in SAMPLES if s != first)
    assert sum(onecodex_sample_writes(fresh).values()) == 3
