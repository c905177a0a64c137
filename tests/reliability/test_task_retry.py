"""Exhausted retries fail the task saying what was done and what was not; an Airflow retry redoes only the rest.

Each scenario makes the first attempt die half-way — a fault that never clears on some items, or the worker killed
between two writes — then runs the operator again as Airflow's task retry would, with the fault gone, and checks that
the second attempt writes only the items still differing and ends in the same state as a run without faults.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from genomics_provider._compat import AirflowException, AirflowTaskTimeout
from genomics_provider.curation.reconcile import MAX_CONSECUTIVE_FAILURES, MAX_WRITE_ROUNDS
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.operators.onecodex import (
    TagSamplesOperator,
    UpdateSampleMetadataOperator,
    UpdateSampleVisibilityOperator,
)
from genomics_provider.operators.sevenbridges import RenameFileOperator, TagFilesOperator, UpdateFileMetadataOperator
from genomics_provider.testing import Emulator
from tests.reliability.helpers import (
    onecodex_metadata_writes,
    onecodex_sample_writes,
    onecodex_state,
    run,
    sevenbridges_file_writes,
    sevenbridges_state,
)

#: The transport's attempts per request and its longest wait.
ATTEMPTS = 5
MAX_WAIT_S = 60.0
SAMPLES = [f"ee{index:014x}" for index in range(6)]
FILES = [f"5ca1e{index:019x}" for index in range(12)]
SCALE = "rfranklin/scale-test"


def expected_state(emu: Emulator, build: Callable[[], Any], state: Callable[[Emulator], str]) -> str:
    """Run the operator once without faults and return the state it leaves, then reset.

    :param emu: The emulator.
    :param build: Builds the operator.
    :param state: Snapshots the state.
    :return: The fault-free final state.
    """
    run(build())
    snapshot = state(emu)
    emu.reset()
    return snapshot


def failure_lines(message: str) -> dict[str, str]:
    """Split the task's failure message into ``{item: reason}``.

    :param message: ``"N of M ... failed (...): id: reason; id: reason"``.
    :return: The reasons by item.
    """
    body = message.split("): ", 1)[1]
    return dict(part.split(": ", 1) for part in re.split(r"; (?=[0-9a-f]{16}: |[0-9a-f]{24}: )", body))


# -- a fault that never clears on some items -----------------------------------------------------------------


def test_onecodex_samples_a_persistent_503_on_one_sample_fails_naming_it_and_the_retry_writes_only_it(
    fresh: Emulator, no_real_sleep: list[float]
) -> None:
    build = lambda: TagSamplesOperator(task_id="tag", sample_ids=SAMPLES, tags=["night-run"])  # noqa: E731
    expected = expected_state(fresh, build, onecodex_state)
    stuck = SAMPLES[3:4]  # one: two stuck samples would stop the run after 5 failed writes in a row
    for sample_id in stuck:
        fresh.faults.maintenance(f"PATCH /api/v1/samples/{sample_id}", times=None)

    with pytest.raises(AirflowException) as caught:
        run(build())

    message = str(caught.value)
    assert message.startswith("1 of 6 samples failed (5 changed, 0 already as asked): ")
    reasons = failure_lines(message)
    assert sorted(reasons) == sorted(stuck)
    for sample_id in stuck:
        assert reasons[sample_id].startswith(f"still not as asked after {MAX_WRITE_ROUNDS} write round(s); last: ")
        assert f"PATCH /api/v1/samples/{sample_id} failed, HTTP 503" in reasons[sample_id]
        assert f"(gave up after {ATTEMPTS} attempts)" in reasons[sample_id]
    assert fresh.recorder.count("PATCH", f"/api/v1/samples/{stuck[0]}") == MAX_WRITE_ROUNDS * ATTEMPTS
    assert all(wait <= MAX_WAIT_S for wait in no_real_sleep)

    fresh.faults.clear()
    fresh.recorder.clear()
    retry, _ = run(build())

    assert sorted(retry["changed"]) == sorted(stuck)
    assert sorted(onecodex_sample_writes(fresh)) == sorted(stuck)
    assert onecodex_state(fresh) == expected


def test_onecodex_metadata_a_connection_that_keeps_dropping_fails_saying_the_outcome_was_unknown(
    fresh: Emulator,
) -> None:
    build = lambda: UpdateSampleMetadataOperator(  # noqa: E731
        task_id="m", sample_ids=SAMPLES, custom={"run": "night-7"}
    )
    expected = expected_state(fresh, build, onecodex_state)
    stuck = SAMPLES[0]
    metadata_id = fresh.onecodex.samples[stuck]["metadata"]["$ref"].rsplit("/", 1)[-1]
    fresh.faults.connection_reset(f"PATCH /api/v1/metadata/{metadata_id}", after_write=False, times=None)

    with pytest.raises(AirflowException) as caught:
        run(build())

    reasons = failure_lines(str(caught.value))
    assert list(reasons) == [stuck]
    assert (
        "no response from One Codex: ConnectionError (not re-sent: the server may have applied it)" in (reasons[stuck])
    )
    # One PATCH per round (a write with an unknown outcome is never re-sent blindly), and a re-read after each.
    assert fresh.recorder.count("PATCH", f"/api/v1/metadata/{metadata_id}") == MAX_WRITE_ROUNDS

    fresh.faults.clear()
    fresh.recorder.clear()
    run(build())

    assert list(onecodex_metadata_writes(fresh)) == [metadata_id]
    assert onecodex_state(fresh) == expected


def test_sevenbridges_tags_items_that_keep_failing_inside_bulk_edits_fail_and_the_retry_writes_only_those(
    fresh: Emulator,
) -> None:
    build = lambda: TagFilesOperator(task_id="t", query={"project": SCALE}, tags=["night-run"])  # noqa: E731
    expected = expected_state(fresh, build, sevenbridges_state)
    stuck = [FILES[2], FILES[7]]
    fresh.faults.bulk_item_errors("POST /v2/bulk/files/edit", ids=stuck, code=0, times=None)

    with pytest.raises(AirflowException) as caught:
        run(build())

    message = str(caught.value)
    assert message.startswith("2 of 12 files failed (10 changed, 0 already as asked): ")
    reasons = failure_lines(message)
    assert sorted(reasons) == sorted(stuck)
    assert all("HTTP 503, code 0: Platform is under maintenance." in reason for reason in reasons.values())
    assert fresh.recorder.count("POST", "/v2/bulk/files/edit") == MAX_WRITE_ROUNDS

    fresh.faults.clear()
    fresh.recorder.clear()
    retry, _ = run(build())

    assert sorted(retry["changed"]) == sorted(stuck)
    assert sorted(retry["unchanged"]) == sorted(set(FILES) - set(stuck))
    assert [item["id"] for r in fresh.recorder.filter(path="/v2/bulk/files/edit") for item in r.body["items"]] == stuck
    assert sevenbridges_state(fresh) == expected


def test_sevenbridges_rename_a_persistent_gateway_timeout_fails_and_the_retry_renames(fresh: Emulator) -> None:
    build = lambda: RenameFileOperator(task_id="r", file_id=FILES[0], name="renamed.bam")  # noqa: E731
    expected = expected_state(fresh, build, sevenbridges_state)
    fresh.faults.gateway_error(504, f"PATCH /v2/files/{FILES[0]}", times=None)

    with pytest.raises(AirflowException) as caught:
        run(build())

    assert str(caught.value).startswith("1 of 1 files failed (0 changed, 0 already as asked): ")
    assert "HTTP 504: Gateway Timeout; the server sent an HTML page (504 Gateway Time-out)" in str(caught.value)
    assert fresh.recorder.count("PATCH", f"/v2/files/{FILES[0]}") == MAX_WRITE_ROUNDS

    fresh.faults.clear()
    fresh.recorder.clear()
    run(build())

    assert sevenbridges_file_writes(fresh) == {FILES[0]: 1}
    assert sevenbridges_state(fresh) == expected


# -- the worker dies between two writes ----------------------------------------------------------------------


def test_onecodex_a_task_killed_after_three_patches_is_finished_by_the_retry_without_rewriting(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = lambda: TagSamplesOperator(task_id="tag", sample_ids=SAMPLES, tags=["qc-passed"])  # noqa: E731
    expected = expected_state(fresh, build, onecodex_state)
    # Samples 0 and 3 already carry qc-passed (every third generated sample does); 1, 2, 4 and 5 need it.
    original = OneCodexHook.update_sample
    patched: list[str] = []

    def killed_before_the_fourth(
        self: OneCodexHook, sample_id: str, body: dict[str, Any], **kwargs: Any
    ) -> dict[str, Any]:
        if len(patched) == 3:
            raise AirflowTaskTimeout("the worker was killed")
        patched.append(sample_id)
        return original(self, sample_id, body, **kwargs)

    monkeypatch.setattr(OneCodexHook, "update_sample", killed_before_the_fourth)
    with pytest.raises(AirflowTaskTimeout):
        run(build())
    monkeypatch.setattr(OneCodexHook, "update_sample", original)
    assert sorted(onecodex_sample_writes(fresh)) == [SAMPLES[1], SAMPLES[2], SAMPLES[4]]
    fresh.recorder.clear()

    retry, _ = run(build())

    assert retry["changed"] == [SAMPLES[5]]
    assert onecodex_sample_writes(fresh) == {SAMPLES[5]: 1}
    assert onecodex_state(fresh) == expected


def test_sevenbridges_a_task_killed_after_its_bulk_edit_landed_is_finished_by_the_retry_with_no_write(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = lambda: TagFilesOperator(task_id="t", query={"project": SCALE}, tags=["night-run"])  # noqa: E731
    expected = expected_state(fresh, build, sevenbridges_state)
    original = SevenBridgesHook.bulk_edit_files

    def killed_after_the_write(self: SevenBridgesHook, items: Any, **kwargs: Any) -> Any:
        original(self, items, **kwargs)
        raise AirflowTaskTimeout("the worker was killed before it could verify")

    monkeypatch.setattr(SevenBridgesHook, "bulk_edit_files", killed_after_the_write)
    with pytest.raises(AirflowTaskTimeout):
        run(build())
    monkeypatch.setattr(SevenBridgesHook, "bulk_edit_files", original)
    fresh.recorder.clear()

    retry, _ = run(build())

    assert sorted(retry["unchanged"]) == FILES
    assert sevenbridges_file_writes(fresh) == {}
    assert sevenbridges_state(fresh) == expected


def test_sevenbridges_metadata_every_bulk_update_under_maintenance_fails_them_all_and_the_retry_writes_each_once(
    fresh: Emulator,
) -> None:
    build = lambda: UpdateFileMetadataOperator(  # noqa: E731
        task_id="m", file_ids=FILES, metadata={"release": "r1", "batch": None}
    )
    expected = expected_state(fresh, build, sevenbridges_state)
    fresh.faults.maintenance("POST /v2/bulk/files/update", times=None)

    with pytest.raises(AirflowException, match=r"^12 of 12 files failed \(0 changed, 0 already as asked\)"):
        run(build())

    assert sevenbridges_file_writes(fresh) == {}
    assert fresh.recorder.count("POST", "/v2/bulk/files/update") == MAX_WRITE_ROUNDS * ATTEMPTS
    fresh.faults.clear()
    fresh.recorder.clear()
    run(build())

    assert sevenbridges_file_writes(fresh) == dict.fromkeys(FILES, 1)
    assert sevenbridges_state(fresh) == expected


# -- a dead service: every loop ends, quickly ---------------------------------------------------------------


def test_a_dead_service_stops_the_round_after_five_failed_writes_in_a_row(
    fresh: Emulator, no_real_sleep: list[float]
) -> None:
    samples = [f"ee{index:014x}" for index in range(12)]
    fresh.faults.maintenance("PATCH /api/v1/samples/*", times=None)

    with pytest.raises(AirflowException) as caught:
        run(UpdateSampleVisibilityOperator(task_id="v", sample_ids=samples, visibility="shared"))

    reasons = failure_lines(str(caught.value))
    tried = [s for s, reason in reasons.items() if reason.startswith("still not as asked after 1 write round(s)")]
    not_sent = [s for s, reason in reasons.items() if reason.startswith("not sent: the service failed 5 writes")]
    assert tried == samples[:MAX_CONSECUTIVE_FAILURES]
    assert not_sent == samples[MAX_CONSECUTIVE_FAILURES:]
    assert fresh.recorder.count("PATCH") == MAX_CONSECUTIVE_FAILURES * ATTEMPTS
    assert all(wait <= MAX_WAIT_S for wait in no_real_sleep)


@pytest.mark.parametrize(
    ("install", "asked"),
    [
        pytest.param(lambda emu: emu.faults.rate_limited(None, times=None, retry_after=86_400),
                     r"Retry-After: 86400", id="Retry-After"),
        pytest.param(lambda emu: emu.faults.add("rate_limited", None, times=None, reset_in_s=86_400),
                     r"X-RateLimit-Reset: \d+", id="X-RateLimit-Reset"),
    ],
)  # fmt: skip
def test_a_server_asking_to_wait_a_day_fails_at_once_saying_what_it_asked(
    fresh: Emulator, no_real_sleep: list[float], install: Callable[[Emulator], Any], asked: str
) -> None:
    install(fresh)

    # Waiting would outlast the request's wait budget (max_wait, 300 s): no retry, no pacing, one call.
    expected = (
        rf"HTTP 429, code 1000: the server asked to wait 86\d{{3}}(\.\d)? s \({asked}\) but this request's wait "
        r"budget max_wait=300 s has 300 s left; the server said: .*\(gave up after 1 attempt\)"
    )
    with pytest.raises(AirflowException, match=expected):
        run(TagFilesOperator(task_id="t", file_ids=FILES[:3], tags=["x"]))

    assert fresh.recorder.count() == 1
    assert no_real_sleep == []
