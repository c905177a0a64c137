"""The One Codex sample status checks the sensor (poke mode) and trigger (deferrable mode) share."""

from __future__ import annotations

import pytest

from genomics_provider.curation.waiting import WaitVerdict
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.onecodex.status import check_sample_args, check_samples, decide_samples

AVAILABLE = "7428cca4a3a04a8e"
IMPORTING = "5e1b7c4d9f6a2ba3"
FAILED = "6f2c8d5e0a7b3cb4"
HIDDEN = "8b4e0f7a2c9d5ed6"  # the colleague's private sample: 404 for the caller, absent from lists
OTHER = "4d0a6b3c8e5f1a92"
TARGETS = "'awaiting_data', 'importing', 'validating', 'available'"


# -- check_samples ---------------------------------------------------------------------------------------------


def test_check_samples_sorts_samples_into_done_waiting_and_failed() -> None:
    samples = {
        AVAILABLE: {"status": "available"},
        IMPORTING: {"status": "importing"},
        OTHER: {"status": "some_new_status"},
        FAILED: {"status": "failed_validation", "error_msg": "bad gzip"},
    }
    check = check_samples([AVAILABLE, IMPORTING, OTHER, FAILED, HIDDEN], samples, "available")
    assert check.waiting == {IMPORTING: "importing", OTHER: "some_new_status"}
    assert check.failed == {FAILED: "failed_validation", HIDDEN: "not_found"}
    assert check.errors == {FAILED: "bad gzip"}
    assert not check.done
    assert check_samples([AVAILABLE], samples, "available").done


def test_failure_message_names_each_failed_sample_its_status_and_a_clipped_error() -> None:
    samples = {FAILED: {"status": "failed_validation", "error_msg": "x" * 200}, IMPORTING: {"status": "importing"}}
    check = check_samples([FAILED, IMPORTING, HIDDEN], samples, "available")
    assert check.failure_message("oc_lab") == (
        f"2 of 3 One Codex samples will never be 'available': {FAILED}: failed_validation ({'x' * 119}…); "
        f"{HIDDEN}: not_found (missing, deleted, or not visible to connection 'oc_lab')"
    )


def test_an_error_of_120_characters_is_shown_whole_and_one_of_121_is_cut_to_119_and_an_ellipsis() -> None:
    for error, shown in [("e" * 120, "e" * 120), ("f" * 121, "f" * 119 + "…")]:
        check = check_samples([FAILED], {FAILED: {"status": "failed_validation", "error_msg": error}}, "available")
        assert check.failure_message("c") == (
            f"1 of 1 One Codex samples will never be 'available': {FAILED}: failed_validation ({shown})"
        )


def test_a_deleted_sample_without_an_error_message_is_named_with_its_status_only() -> None:
    check = check_samples([OTHER], {OTHER: {"status": "deleted"}}, "validating")
    assert check.failure_message("onecodex_default") == (
        f"1 of 1 One Codex samples will never be 'validating': {OTHER}: deleted"
    )
    assert check.errors == {}


def test_waiting_message_shows_the_first_twenty_and_counts_the_rest() -> None:
    ids = [f"{n:016x}" for n in range(25)]
    check = check_samples(ids, {sample_id: {"status": "importing"} for sample_id in ids}, "available")
    shown = "; ".join(f"{sample_id}: importing" for sample_id in ids[:20])
    assert check.waiting_message() == (f"Waiting for 25 of 25 One Codex samples to be 'available': {shown}; and 5 more")


# -- decide_samples --------------------------------------------------------------------------------------------


def test_decide_samples_fails_as_soon_as_one_sample_never_will_even_while_others_wait() -> None:
    samples = {IMPORTING: {"status": "importing"}, FAILED: {"status": "deleted"}}
    verdict = decide_samples([IMPORTING, FAILED, HIDDEN], samples, "available", "oc_lab")
    assert verdict == WaitVerdict(
        "failed",
        f"2 of 3 One Codex samples will never be 'available': {FAILED}: deleted; "
        f"{HIDDEN}: not_found (missing, deleted, or not visible to connection 'oc_lab')",
        failed={FAILED: "deleted", HIDDEN: "not_found"},
    )


def test_decide_samples_waits_saying_which_samples_are_not_there_yet() -> None:
    samples = {AVAILABLE: {"status": "available"}, IMPORTING: {"status": "importing"}}
    verdict = decide_samples([AVAILABLE, IMPORTING], samples, "available", "oc_lab")
    assert verdict == WaitVerdict(
        "waiting", f"Waiting for 1 of 2 One Codex samples to be 'available': {IMPORTING}: importing"
    )


def test_decide_samples_is_done_with_every_id_in_order_once_all_have_the_target_status() -> None:
    samples = {AVAILABLE: {"status": "validating"}, OTHER: {"status": "validating"}}
    verdict = decide_samples([OTHER, AVAILABLE], samples, "validating", "oc_lab")
    assert verdict == WaitVerdict("done", "All 2 One Codex samples are 'validating'", ids=[OTHER, AVAILABLE])
    assert verdict.warnings == ()


# -- check_sample_args -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample_ids", "expected"),
    [
        pytest.param(AVAILABLE, [AVAILABLE], id="one id becomes a list of one"),
        pytest.param(f'["{AVAILABLE}", "{IMPORTING}"]', [AVAILABLE, IMPORTING], id="a JSON list string is parsed"),
        pytest.param([IMPORTING, AVAILABLE], [IMPORTING, AVAILABLE], id="a list keeps its order"),
    ],
)
def test_check_sample_args_accepts_ids_in_every_rendered_form(sample_ids: object, expected: list[str]) -> None:
    assert check_sample_args(sample_ids, "importing") == (expected, "importing")


@pytest.mark.parametrize(
    ("sample_ids", "target_status", "message"),
    [
        pytest.param([], "available", "sample_ids: the selection is empty; give at least one id", id="no ids"),
        pytest.param(
            ["XYZ"],
            "available",
            "sample_ids: 'XYZ' is not a valid id; each id must be 16 lowercase hex characters",
            id="an id that is not 16 hex",
        ),
        pytest.param(
            [AVAILABLE, AVAILABLE],
            "available",
            f"sample_ids: {AVAILABLE} appears more than once; ids must be unique",
            id="a repeated id",
        ),
        pytest.param(
            [AVAILABLE],
            "deleted",
            f"target_status: 'deleted' is a failure state; the sensor waits for one of {TARGETS} and fails when a "
            "sample ends in failed_validation or deleted",
            id="a failure state as the target",
        ),
        pytest.param(
            [AVAILABLE],
            "done",
            f"target_status: 'done' is not allowed; use one of {TARGETS}",
            id="an unknown status as the target",
        ),
    ],
)
def test_check_sample_args_refuses_bad_arguments_saying_why(
    sample_ids: object, target_status: str, message: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_sample_args(sample_ids, target_status)
    assert str(caught.value) == message
