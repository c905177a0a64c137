"""BaseGenomicsSensor with a scripted vendor: parse-time checks, the hook from the connection id, what a poke does
with the vendor's verdict, poke fails fast."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from airflow.sdk import PokeReturnValue

import genomics_provider.sensors as sensors_package
from genomics_provider._compat import AirflowFailException
from genomics_provider.curation.waiting import WaitVerdict
from genomics_provider.exceptions import (
    AccessRejectedError,
    CredentialRejectedError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    UnauthorizedError,
)
from genomics_provider.hooks.base import GenomicsRestHook
from genomics_provider.sensors import base
from genomics_provider.sensors.base import BaseGenomicsSensor
from tests.triggers.conftest import logged


class LabHook(GenomicsRestHook):
    """A hook that is never asked to send anything."""

    conn_name_attr = "lab_conn_id"

    def __init__(self, lab_conn_id: str) -> None:
        super().__init__(lab_conn_id)


class LabSensor(BaseGenomicsSensor[LabHook, int]):
    """Done once ``count`` reaches 3; ``answer`` is the verdict instead, and ``raises`` makes each check raise."""

    template_fields = ("count", "lab_conn_id")
    hook_class = LabHook

    def __init__(
        self,
        *,
        count: Any,
        lab_conn_id: str = "lab_default",
        raises: Exception | None = None,
        answer: WaitVerdict | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.count = count
        self.lab_conn_id = lab_conn_id
        self.raises = raises
        self.answer = answer
        self.checked: list[int] = []
        self.check_literal_args(count)

    def checked_args(self) -> int:
        if not isinstance(self.count, int):
            raise InvalidInputError(f"count: {self.count!r} is not allowed; use a whole number")
        return self.count

    def verdict(self, args: int) -> WaitVerdict:
        self.checked.append(args)
        if self.raises is not None:
            raise self.raises
        if self.answer is not None:
            return self.answer
        if args >= 3:
            return WaitVerdict("done", f"{args} of 3", ids=["a"])
        return WaitVerdict("waiting", f"{args} of 3")


def poke(sensor: LabSensor) -> PokeReturnValue:
    """Poke once, as Airflow does in poke mode (the context is not read).

    :param sensor: The sensor.
    :return: What the poke returned.
    """
    return sensor.poke({})  # type: ignore[arg-type]


def test_the_base_stays_importable_from_the_sensors_package() -> None:
    assert sensors_package.BaseGenomicsSensor is base.BaseGenomicsSensor


def test_literal_arguments_are_checked_when_the_dag_is_parsed() -> None:
    with pytest.raises(InvalidInputError, match="count: 'three'"):
        LabSensor(task_id="wait", count="three")


def test_templated_arguments_are_not_checked_at_parse_time_but_at_poke() -> None:
    sensor = LabSensor(task_id="wait", count="{{ params.count }}")
    with pytest.raises(InvalidInputError, match=re.escape("count: '{{ params.count }}'")):
        sensor.poke({})  # type: ignore[arg-type]
    assert sensor.checked == [], "an invalid argument must stop before the check"


def test_poke_checks_with_the_validated_arguments() -> None:
    assert LabSensor(task_id="wait", count=2).poke({}).is_done is False  # type: ignore[arg-type]
    done = LabSensor(task_id="wait", count=3).poke({})  # type: ignore[arg-type]
    assert (done.is_done, done.xcom_value) == (True, ["a"])


def test_a_done_verdict_returns_its_ids_as_xcom_and_logs_its_message(
    caplog: pytest.LogCaptureFixture, read_logs: Callable[[], str]
) -> None:
    result = poke(LabSensor(task_id="wait", count=1, answer=WaitVerdict("done", "all 2 there", ids=["x", "y"])))
    assert (result.is_done, result.xcom_value) == (True, ["x", "y"])
    assert logged(caplog, logging.INFO) == ["all 2 there"]


def test_a_waiting_verdict_is_not_done_and_logs_what_is_awaited(
    caplog: pytest.LogCaptureFixture, read_logs: Callable[[], str]
) -> None:
    result = poke(LabSensor(task_id="wait", count=1, answer=WaitVerdict("waiting", "1 of 2 there", ids=["x"])))
    assert (result.is_done, result.xcom_value) == (False, None)
    assert logged(caplog, logging.INFO) == ["1 of 2 there"]


def test_a_failed_verdict_raises_its_message_without_retries_and_logs_nothing_else(
    caplog: pytest.LogCaptureFixture, read_logs: Callable[[], str]
) -> None:
    answer = WaitVerdict("failed", "x will never be there", failed={"x": "gone"})
    with pytest.raises(AirflowFailException) as caught:
        poke(LabSensor(task_id="wait", count=1, answer=answer))
    assert str(caught.value) == "x will never be there"
    assert logged(caplog, logging.INFO) == []


@pytest.mark.parametrize("state", ["done", "waiting", "failed"])
def test_a_verdicts_warnings_are_logged_as_warnings_whatever_it_decided(
    state: Any, caplog: pytest.LogCaptureFixture, read_logs: Callable[[], str]
) -> None:
    answer = WaitVerdict(state, "said", warnings=("odd one", "odd two"))
    with pytest.raises(AirflowFailException) if state == "failed" else contextlib.nullcontext():
        poke(LabSensor(task_id="wait", count=1, answer=answer))
    assert logged(caplog, logging.WARNING) == ["odd one", "odd two"]


def test_the_hook_uses_the_connection_id_the_hook_class_names_and_is_built_once() -> None:
    sensor = LabSensor(task_id="wait", count=3, lab_conn_id="lab_eu")
    assert isinstance(sensor.hook, LabHook)
    assert sensor.hook.conn_id == "lab_eu"
    assert sensor.hook is sensor.hook


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (UnauthorizedError("bad key", status=401), CredentialRejectedError),
        (ForbiddenError("not yours", status=403), AccessRejectedError),
        (NotFoundError("gone", status=404), NotFoundError),
    ],
    ids=["401-fails-at-once", "403-fails-at-once", "404-stays-as-raised"],
)
def test_poke_raises_a_rejected_credential_as_its_non_retryable_twin(
    raised: Exception, expected: type[Exception]
) -> None:
    with pytest.raises(expected) as caught:
        LabSensor(task_id="wait", count=1, raises=raised).poke({})  # type: ignore[arg-type]
    assert type(caught.value) is expected


def test_poll_interval_and_poke_interval_together_are_refused() -> None:
    with pytest.raises(ValueError, match="not both"):
        LabSensor(task_id="wait", count=1, poll_interval=7, poke_interval=8)
    assert LabSensor(task_id="wait", count=1, poll_interval=7).poke_interval == 7
