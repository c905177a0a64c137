"""One write round's bookkeeping: what each recorded fate means, and when the run stops sending."""

from __future__ import annotations

import pytest

from genomics_provider.curation.rounds import MAX_CONSECUTIVE_FAILURES, FailureStreak, RoundResult, is_definitive


@pytest.mark.parametrize(
    ("status", "definitive"),
    [
        pytest.param(400, True, id="a 400 is refused for good"),
        pytest.param(404, True, id="a 404 is refused for good"),
        pytest.param(499, True, id="the last 4xx is refused for good"),
        pytest.param(408, False, id="a 408 timeout may pass when sent again"),
        pytest.param(429, False, id="a 429 may pass when sent again"),
        pytest.param(500, False, id="a 5xx may pass when sent again"),
        pytest.param(None, False, id="no response at all may pass when sent again"),
        pytest.param("400", False, id="a status that is not a number is not judged"),
    ],
)
def test_is_definitive_only_for_a_4xx_other_than_408_and_429(status: object, definitive: bool) -> None:
    assert is_definitive(status) is definitive


def test_a_sent_item_is_re_read_when_verifying_and_trusted_when_not() -> None:
    verified, trusted = RoundResult(), RoundResult(verify=False)

    verified.sent(["a"], {"a": "f1"})
    trusted.sent(["a"])

    assert (verified.recheck, verified.confirmed, verified.stamps) == (["a"], [], {"a": "f1"})
    assert (trusted.recheck, trusted.confirmed, trusted.stamps) == ([], ["a"], {})


def test_a_mismatched_answer_is_re_read_even_unverified_and_keeps_what_it_showed() -> None:
    result = RoundResult(verify=False)

    result.mismatch(["a", "b"], "the rename answered with name 'x'")
    result.mismatch(["c"])

    assert result.recheck == ["a", "b", "c"]
    assert result.errors == dict.fromkeys(["a", "b"], "the rename answered with name 'x'")


def test_a_definitive_failure_is_refused_and_a_transient_one_is_re_read_and_counted() -> None:
    result = RoundResult()

    result.failed(["a"], 404, "PATCH failed, HTTP 404: gone")
    result.failed(["b"], 503, "PATCH failed, HTTP 503: busy")
    result.failed(["c"], 200, "bulk item failed", request_failed=False)

    assert result.refused == {"a": "not written: PATCH failed, HTTP 404: gone"}
    assert result.recheck == ["b", "c"]
    assert result.errors == {"b": "PATCH failed, HTTP 503: busy", "c": "bulk item failed"}
    assert (result.last_error, result.streak.count) == ("bulk item failed", 1)


@pytest.mark.parametrize("record", ["sent", "mismatch", "confirm"])
def test_any_answered_write_resets_the_run_s_failure_streak(record: str) -> None:
    streak = FailureStreak(count=MAX_CONSECUTIVE_FAILURES - 1)
    result = RoundResult(streak=streak)

    getattr(result, record)(["a"])

    assert streak.count == 0


def test_an_item_already_as_asked_is_recorded_without_touching_the_streak() -> None:
    result = RoundResult(streak=FailureStreak(count=2))

    result.as_asked(["a"])

    assert (result.already, result.recheck, result.streak.count) == (["a"], [], 2)


def test_after_too_many_failures_in_a_row_the_round_holds_items_back_across_rounds() -> None:
    streak = FailureStreak()
    first = RoundResult(streak=streak)
    for key in range(MAX_CONSECUTIVE_FAILURES - 1):
        first.failed([str(key)], 500, "boom")
    assert not streak.stopped
    assert first.hold(["x"]) is False

    first.failed(["last"], None, "no answer")
    later = RoundResult(streak=streak)

    assert streak.stopped
    assert later.hold(["y", "z"]) is True
    assert later.not_sent == ["y", "z"]
