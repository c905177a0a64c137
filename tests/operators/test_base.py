"""The operator base: failing the task after a run, and what both vendors' operators share through it.

Failing: which exception, its exact message, and the full list in the log when capped. The 100,000-item message and
its logging are proven in ``tests/reliability/test_error_detail.py``; these are the small cases, the conflict rule,
notes, and the edges of the cap. Sharing: the hook built from the connection argument its hook names, and the end of
a run (summary, counts, link), with the same summary keys (``skipped`` included) for both vendors.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any
from unittest.mock import MagicMock

import pytest

from genomics_provider._compat import AirflowException, AirflowFailException
from genomics_provider.curation.outcome import SHOWN_ITEMS, Outcome
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.operators.base import CONFLICT_NOTE, GenomicsCurationOperator, raise_for_failures
from genomics_provider.operators.onecodex import TagSamplesOperator, UpdateSampleVisibilityOperator
from genomics_provider.operators.sevenbridges import TagFilesOperator

A, B, C, D, E = (f"{n:016x}" for n in (0xA, 0xB, 0xC, 0xD, 0xE))
LOGGER = "tests.operators.test_base"
SB_FILE = "a" * 24


def raised(
    outcome: Outcome,
    *,
    noun: str = "samples",
    note: str = "",
    log: logging.Logger | logging.LoggerAdapter[Any] | None = None,
) -> BaseException:
    """Call :func:`raise_for_failures` and return what it raised (it must raise)."""
    with pytest.raises(AirflowException) as caught:
        raise_for_failures(outcome, noun=noun, note=note, log=log)
    return caught.value


def hex_ids(count: int) -> list[str]:
    """``count`` 16-character ids, largest first, so anything that sorts them shows it."""
    return [f"{n:016x}" for n in range(count - 1, -1, -1)]


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> logging.Logger:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    return logging.getLogger(LOGGER)


@pytest.mark.parametrize(
    "outcome",
    [
        pytest.param(Outcome(), id="an empty outcome"),
        pytest.param(Outcome(changed=[A], unchanged=[B], skipped={C: "a folder"}), id="changes and skips only"),
        pytest.param(Outcome(changed=[A], conflicted=[A]), id="a conflict without a failure"),
    ],
)
def test_no_failure_raises_nothing_and_logs_nothing(
    outcome: Outcome, log: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    raise_for_failures(outcome, noun="samples", note="The run stopped", log=log)
    assert caplog.records == []


def test_a_small_failure_list_names_every_item_in_the_order_it_failed(
    log: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    outcome = Outcome(changed=[A], unchanged=[B], skipped={C: "a folder"}, failed={E: "HTTP 500: boom", D: "HTTP 409"})
    error = raised(outcome, noun="files", log=log)
    assert type(error) is AirflowException
    assert str(error) == f"2 of 5 files failed (1 changed, 1 already as asked): {E}: HTTP 500: boom; {D}: HTTP 409"
    assert caplog.records == []


def test_a_small_failure_message_cuts_each_reason_to_500_characters() -> None:
    error = raised(Outcome(failed={A: "r" * 501, B: "q" * 500}))
    assert str(error) == f"2 of 2 samples failed (0 changed, 0 already as asked): {A}: {'r' * 499}…; {B}: {'q' * 500}"


def test_a_note_is_appended_as_a_sentence() -> None:
    error = raised(Outcome(failed={A: "HTTP 503"}), note="Stopped after 3 failed rounds in a row.")
    assert type(error) is AirflowException
    assert str(error) == (
        f"1 of 1 samples failed (0 changed, 0 already as asked): {A}: HTTP 503. Stopped after 3 failed rounds in a row."
    )


def test_a_conflict_fails_without_retries_and_says_why() -> None:
    outcome = Outcome(changed=[A], failed={B: "another writer removed tag qc", C: "HTTP 500"}, conflicted=[B])
    error = raised(outcome, noun="files")
    assert type(error) is AirflowFailException
    assert str(error) == (
        f"2 of 3 files failed (1 changed, 0 already as asked): {B}: another writer removed tag qc; {C}: HTTP 500. "
        "1 files met a conflicting ask, so this task is not retried: a retry would overwrite the other writer's "
        "change without telling anyone"
    )


def test_the_conflict_note_follows_the_callers_note() -> None:
    outcome = Outcome(failed={A: "undone", B: "undone"}, conflicted=[A, B])
    error = raised(outcome, note="The run stopped after 2 page(s)")  # callers' notes carry no final period
    conflict = CONFLICT_NOTE.format(count=2, noun="samples")
    assert conflict.startswith("2 samples met a conflicting ask, so this task is not retried")
    assert str(error) == (
        f"2 of 2 samples failed (0 changed, 0 already as asked): {A}: undone; {B}: undone. "
        f"The run stopped after 2 page(s). {conflict}"
    )


# -- over the budget ---------------------------------------------------------------------------------------------


def test_an_over_budget_list_names_the_first_by_id_and_logs_all_of_them(
    log: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    failed = {item: f"HTTP 400 on {item}: " + "x" * 500 for item in hex_ids(60)}  # 60 * 524 > 16,000
    error = raised(Outcome(changed=[A], unchanged=[B, C], failed=failed), log=log)
    assert type(error) is AirflowException
    shown = "; ".join(f"{n:016x}: HTTP 400 on {n:016x}: {'x' * 89}…" for n in range(SHOWN_ITEMS))
    assert str(error) == (
        "60 of 63 samples failed (1 changed, 2 already as asked; the first 50 by id are shown, every one is in the "
        f"task log): {shown}; and 10 more"
    )
    assert [(record.name, record.levelno) for record in caplog.records] == [(LOGGER, logging.ERROR)] * 2
    assert caplog.records[0].getMessage() == "60 samples failed; every one of them, by id:"
    assert caplog.records[1].getMessage() == "failed samples:\n" + "\n".join(
        f"{n:016x}: HTTP 400 on {n:016x}: {'x' * 500}" for n in range(60)
    )


def test_an_over_budget_conflict_still_fails_without_retries_with_the_note_after_the_count() -> None:
    failed = {item: "y" * 500 for item in hex_ids(51)}
    error = raised(Outcome(failed=failed, conflicted=hex_ids(51)[:3]), note="The run stopped")
    assert type(error) is AirflowFailException
    assert str(error).endswith(
        "; and 1 more. The run stopped. 3 samples met a conflicting ask, so this task is not retried: a retry would "
        "overwrite the other writer's change without telling anyone"
    )


def test_1001_failures_are_logged_in_three_records_of_500_500_and_1_items(
    log: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    failed = {item: "HTTP 500" for item in hex_ids(1001)}  # 1001 * 32 > 16,000
    raised(Outcome(failed=failed), noun="files", log=logging.LoggerAdapter(log, {}))
    messages = [record.getMessage() for record in caplog.records]
    assert messages[0] == "1001 files failed; every one of them, by id:"
    chunks = [message.split("\n") for message in messages[1:]]
    assert [chunk[0] for chunk in chunks] == ["failed files:"] * 3
    assert [len(chunk) - 1 for chunk in chunks] == [500, 500, 1]
    assert [line for chunk in chunks for line in chunk[1:]] == [f"{n:016x}: HTTP 500" for n in range(1001)]


def test_a_list_just_within_the_budget_is_not_capped_and_not_logged(
    log: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    failed = {item: "z" * 476 for item in hex_ids(32)}  # 32 * (16 + 476 + 8) = 16,000: exactly the budget
    error = raised(Outcome(failed=failed), log=log)
    assert str(error).startswith(f"32 of 32 samples failed (0 changed, 0 already as asked): {31:016x}: {'z' * 476}; ")
    assert "the first 50" not in str(error)
    assert caplog.records == []
    failed[f"{99:016x}"] = "z"  # one more item: over the budget
    assert str(raised(Outcome(failed=failed), log=log)).startswith(
        "33 of 33 samples failed (0 changed, 0 already as asked; their reasons are cut, every one is whole in the "
        "task log): "
    )


def test_an_over_budget_list_shorter_than_shown_items_does_not_claim_a_negative_remainder() -> None:
    failed = {item: "w" * 500 for item in hex_ids(31)}  # 31 * 524 = 16,244: capped, though only 31 items
    message = str(raised(Outcome(failed=failed)))
    assert re.search(r"and -\d+ more", message) is None
    assert "the first 50 by id" not in message
    assert message.startswith(
        "31 of 31 samples failed (0 changed, 0 already as asked; their reasons are cut, every one is whole in the "
        "task log): "
    )
    assert [line.split(": ")[0] for line in message.split("task log): ")[1].split("; ")] == sorted(failed)


# The base both vendors' operators share.


class NoLinkVisibility(UpdateSampleVisibilityOperator):
    """A One Codex operator whose link cannot be built (as when the connection has no usable host)."""

    def _link_url(self, target: Any) -> str:
        raise InvalidInputError("no web URL for this connection")


class NoLinkTags(TagFilesOperator):
    """A Seven Bridges operator whose link cannot be built."""

    def _link_url(self, target: Any) -> str:
        raise InvalidInputError("no web URL for this connection")


def test_the_hook_is_built_on_first_use_from_the_connection_argument_its_hook_names() -> None:
    samples = UpdateSampleVisibilityOperator(task_id="v", sample_ids=[A], visibility="public", onecodex_conn_id="oc2")
    files = TagFilesOperator(task_id="t", file_ids=[SB_FILE], tags=["qc"], sevenbridges_conn_id="sb2")

    assert "hook" not in vars(samples)  # nothing is built while the DAG is parsed
    assert "hook" not in vars(files)
    assert type(samples.hook) is OneCodexHook
    assert samples.hook.conn_id == "oc2"
    assert type(files.hook) is SevenBridgesHook
    assert files.hook.conn_id == "sb2"
    assert samples.hook is samples.hook


@pytest.mark.parametrize(
    ("build", "counts", "summary_keys"),
    [
        pytest.param(
            lambda: NoLinkVisibility(task_id="v", sample_ids=[A], visibility="public"),
            "1 changed, 0 unchanged, 1 skipped, 1 failed",
            {"changed", "unchanged", "skipped", "failed", "dry_run"},
            id="one-codex-reports-skipped-too",
        ),
        pytest.param(
            lambda: NoLinkTags(task_id="t", file_ids=[SB_FILE], tags=["qc"]),
            "1 changed, 0 unchanged, 1 skipped, 1 failed",
            {"changed", "unchanged", "skipped", "failed", "dry_run"},
            id="seven-bridges-reports-skipped",
        ),
    ],
)
def test_finish_logs_the_counts_pushes_the_summary_and_no_link_when_none_can_be_built(
    build: Callable[[], GenomicsCurationOperator[Any, Any]],
    counts: str,
    summary_keys: set[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    operator = build()
    outcome = Outcome(changed=[A], failed={B: "HTTP 400: refused"}, skipped={C: "a folder"})
    ti = MagicMock()

    with pytest.raises(AirflowException, match=f"^1 of 3 {operator.noun} failed "):
        operator._finish({"ti": ti}, outcome, False, [A])

    assert [call.kwargs["key"] for call in ti.xcom_push.call_args_list] == ["summary"]
    assert set(ti.xcom_push.call_args.kwargs["value"]) == summary_keys
    assert f"Done: {counts}" in capsys.readouterr().out


def test_finish_without_failures_returns_the_summary_and_pushes_only_the_link() -> None:
    operator = UpdateSampleVisibilityOperator(task_id="v", sample_ids=[A], visibility="public")
    operator._link_url = lambda target: f"https://app.example/samples/{target[0]}"
    ti = MagicMock()

    summary = operator._finish({"ti": ti}, Outcome(unchanged=[A]), True, [A])

    assert summary == {"changed": [], "unchanged": [A], "skipped": {}, "failed": {}, "dry_run": True}
    ti.xcom_push.assert_called_once_with(key="onecodex_samples_url", value=f"https://app.example/samples/{A}")


def tag_refusal(operator: Any, **kwargs: Any) -> str:
    """Build a tagging operator that must refuse its tags, and return the message.

    :param operator: The operator class.
    :param kwargs: ``tags`` and ``mode``.
    :return: The error message.
    """
    with pytest.raises(InvalidInputError) as caught:
        operator(task_id="t", **kwargs)
    return str(caught.value)


@pytest.mark.parametrize(
    ("tags", "mode", "message"),
    [
        pytest.param(["a", ""], "add", "tags: '' is not allowed; each tag must be a non-empty string", id="blank"),
        pytest.param(["a", 3], "add", "tags: 3 is not allowed; each tag must be a non-empty string", id="a number"),
        pytest.param(["a", "b", "a"], "add", "tags: 'a' appears more than once; tags must be unique", id="repeated"),
        pytest.param(
            ["a\x00"],
            "add",
            "tags[0] 'a\\x00' contains a NUL character (U+0000); tags must be printable text",
            id="a NUL",
        ),
        pytest.param(
            ["Cafe\u0301", "Caf\u00e9"],
            "add",
            "tags: 'Cafe\u0301' and 'Caf\u00e9' are the same name in Unicode NFC form; tags are compared in NFC, "
            "give each once",
            id="equal in NFC",
        ),
        pytest.param(
            [],
            "add",
            "tags: the list is empty; mode='add' needs at least one tag (mode='replace' with [] removes every tag)",
            id="empty to add",
        ),
        pytest.param(
            [],
            "remove",
            "tags: the list is empty; mode='remove' needs at least one tag (mode='replace' with [] removes every tag)",
            id="empty to remove",
        ),
        pytest.param(
            ["a"], "merge", "mode: 'merge' is not allowed; use one of 'add', 'remove', 'replace'", id="a bad mode"
        ),
    ],
)
def test_both_vendors_refuse_the_same_tag_lists_with_the_same_message(tags: Any, mode: str, message: str) -> None:
    samples = tag_refusal(TagSamplesOperator, sample_ids=[A], tags=tags, mode=mode)
    files = tag_refusal(TagFilesOperator, file_ids=[SB_FILE], tags=tags, mode=mode)

    assert samples == files == message


def test_both_vendors_accept_no_tags_with_replace_meaning_remove_every_tag() -> None:
    samples = TagSamplesOperator(task_id="t", sample_ids=[A], tags=[], mode="replace")
    files = TagFilesOperator(task_id="t", file_ids=[SB_FILE], tags=[], mode="replace")

    assert samples._checked_request()[1].names == ()  # end to end on the emulator: tests/e2e/test_onecodex_curation.py
    plan = files._checked_request()(
        [{"id": SB_FILE, "type": "file", "name": "a.bam", "tags": ["raw", "qc"], "metadata": {}}], None
    )
    assert [(change.file_id, change.call, change.item["tags"]) for change in plan.changes] == [(SB_FILE, "update", [])]
