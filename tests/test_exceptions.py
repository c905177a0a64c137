"""Typed errors: the status-to-class map, the rendered text, and surviving a pickle round trip."""

from __future__ import annotations

import copy
import pickle

import pytest

from genomics_provider._compat import AirflowException, AirflowFailException
from genomics_provider.exceptions import (
    ApiConnectionError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    GenomicsApiError,
    InsecureTransportError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    error_class_for_status,
)

PATH = "/api/v1/samples/7428cca4a3a04a8e"
API_ERRORS = [
    ApiConnectionError,
    BadRequestError,
    UnauthorizedError,
    ForbiddenError,
    NotFoundError,
    ConflictError,
    RateLimitedError,
    ServerError,
    GenomicsApiError,
]


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (401, UnauthorizedError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitedError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
        (599, ServerError),
        (405, GenomicsApiError),
        (412, GenomicsApiError),
        (418, GenomicsApiError),
        (422, GenomicsApiError),
    ],
)
def test_status_maps_to_the_most_specific_error_class(status: int, error_class: type[GenomicsApiError]) -> None:
    assert error_class_for_status(status) is error_class


@pytest.mark.parametrize("error_class", API_ERRORS)
def test_every_api_error_is_an_airflow_exception_that_tasks_may_retry(error_class: type[GenomicsApiError]) -> None:
    assert issubclass(error_class, GenomicsApiError)
    assert issubclass(error_class, AirflowException)
    assert not issubclass(error_class, AirflowFailException)


def test_invalid_input_fails_the_task_without_retries() -> None:
    assert issubclass(InvalidInputError, AirflowFailException)
    assert issubclass(InvalidInputError, ValueError)
    assert issubclass(InsecureTransportError, InvalidInputError)


def test_an_api_error_renders_every_field() -> None:
    err = NotFoundError(
        "not visible to this API key", status=404, code=1234, request_id="req-9", method="GET", path=PATH
    )
    assert str(err) == f"GET {PATH} failed, HTTP 404, code 1234: not visible to this API key (request id req-9)"
    assert err.args == (str(err),)


def test_an_api_error_without_a_response_renders_only_what_it_knows() -> None:
    assert str(ApiConnectionError("no response from One Codex: ConnectionError")) == (
        "request failed: no response from One Codex: ConnectionError"
    )
    assert str(ApiConnectionError("timed out", method="POST", path="/api/v1/tags")) == (
        "POST /api/v1/tags failed: timed out"
    )


@pytest.mark.parametrize("error_class", API_ERRORS)
def test_api_errors_survive_pickling_with_every_field(error_class: type[GenomicsApiError]) -> None:
    err = error_class("Rate limited.", status=429, code="E42", request_id="req-1", method="PATCH", path=PATH)
    clone = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own bytes
    assert type(clone) is error_class
    assert (clone.message, clone.status, clone.code, clone.request_id, clone.method, clone.path) == (
        "Rate limited.",
        429,
        "E42",
        "req-1",
        "PATCH",
        PATH,
    )
    assert str(clone) == str(err)
    assert clone.args == err.args


def test_api_errors_survive_copying() -> None:
    err = ServerError("Bad Gateway", status=502, method="GET", path=PATH)
    assert copy.deepcopy(err).status == 502
    assert str(copy.copy(err)) == str(err)


def test_api_errors_with_no_optional_fields_survive_pickling() -> None:
    clone = pickle.loads(pickle.dumps(ApiConnectionError("no response")))  # noqa: S301 - our own bytes
    assert (clone.status, clone.code, clone.request_id, clone.method, clone.path) == (None, None, None, "", "")
    assert str(clone) == "request failed: no response"


@pytest.mark.parametrize("error_class", [InvalidInputError, InsecureTransportError])
def test_input_errors_survive_pickling(error_class: type[InvalidInputError]) -> None:
    err = error_class("visibility: 'secret' is not allowed; use one of 'private', 'shared', 'public'")
    clone = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own bytes
    assert type(clone) is error_class
    assert str(clone) == str(err)
