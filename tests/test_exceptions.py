"""Typed errors: the status-to-class map, the rendered text, and surviving a pickle round trip."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest

from genomics_provider._compat import AirflowException, AirflowFailException
from genomics_provider.exceptions import (
    AccessRejectedError,
    ApiConnectionError,
    BadRequestError,
    ConflictError,
    CredentialRejectedError,
    ForbiddenError,
    GenomicsApiError,
    InsecureTransportError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    StaleReadError,
    UnauthorizedError,
    WaitBudgetExceededError,
    error_class_for_status,
    fail_fast_while_waiting,
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
        (501, ServerError),
        (505, ServerError),
        (405, GenomicsApiError),
        (412, GenomicsApiError),
        (418, GenomicsApiError),
        (422, GenomicsApiError),
        (402, GenomicsApiError),
        (408, GenomicsApiError),
        (499, GenomicsApiError),
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


# -- the transport's own errors and the waiting twins -------------------------------------------------------------

TRANSPORT_ERRORS = [StaleReadError, WaitBudgetExceededError]
WAIT_TWINS = [(CredentialRejectedError, UnauthorizedError), (AccessRejectedError, ForbiddenError)]
EVERY_API_ERROR = [*API_ERRORS, *TRANSPORT_ERRORS, *(twin for twin, _ in WAIT_TWINS)]
FULL_FIELDS: dict[str, Any] = {
    "status": 401,
    "code": 9001,
    "request_id": "req-3",
    "method": "PATCH",
    "path": PATH,
    "note": "not re-sent: the server may have applied it",
    "outcome_unknown": True,
    "more_info": "https://docs.sevenbridges.com/reference#api-status-codes",
}


@pytest.mark.parametrize("error_class", TRANSPORT_ERRORS)
def test_stale_reads_and_exhausted_wait_budgets_stay_retryable(error_class: type[GenomicsApiError]) -> None:
    assert issubclass(error_class, GenomicsApiError)
    assert not issubclass(error_class, AirflowFailException)


@pytest.mark.parametrize(("twin", "parent"), WAIT_TWINS)
def test_the_waiting_twins_are_their_status_class_and_fail_without_retries(
    twin: type[GenomicsApiError], parent: type[GenomicsApiError]
) -> None:
    assert issubclass(twin, parent)
    assert issubclass(twin, AirflowFailException)


@pytest.mark.parametrize("error_class", EVERY_API_ERROR)
def test_every_api_error_survives_pickling_with_all_its_fields(error_class: type[GenomicsApiError]) -> None:
    err = error_class("Unauthorized.", **FULL_FIELDS)
    clone = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own bytes
    assert type(clone) is error_class
    assert clone.message == "Unauthorized."
    assert clone.fields() == FULL_FIELDS
    assert (str(clone), clone.args) == (str(err), err.args)


def test_fields_are_json_safe_and_rebuild_the_same_error() -> None:
    err = ConflictError("Tag exists.", **{**FULL_FIELDS, "status": 409})
    fields = json.loads(json.dumps(err.fields()))
    assert fields == {**FULL_FIELDS, "status": 409}
    assert str(ConflictError(err.message, **fields)) == str(err)


def test_an_api_error_defaults_every_optional_field() -> None:
    assert GenomicsApiError("boom").fields() == {
        "status": None,
        "code": None,
        "request_id": None,
        "method": "",
        "path": "",
        "note": "",
        "outcome_unknown": False,
        "more_info": None,
    }


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        pytest.param({}, "request failed: boom", id="nothing known"),
        pytest.param({"path": PATH}, f"{PATH} failed: boom", id="a path without a method"),
        pytest.param({"method": "GET"}, "GET failed: boom", id="a method without a path"),
        pytest.param({"status": 503}, "request failed, HTTP 503: boom", id="a status without a request line"),
        pytest.param({"code": "E1"}, "request failed, code E1: boom", id="a vendor code without a status"),
        pytest.param({"code": 0}, "request failed, code 0: boom", id="a zero code is still shown"),
        pytest.param({"request_id": ""}, "request failed: boom", id="an empty request id is left out"),
        pytest.param({"more_info": "https://docs.example.org"}, "request failed: boom", id="more_info is not rendered"),
        pytest.param({"outcome_unknown": True}, "request failed: boom", id="outcome_unknown is not rendered"),
        pytest.param(
            {"method": "POST", "path": "/v2/bulk/files/edit", "status": 504, "note": "gave up after 5 attempts",
             "request_id": "req-2"},
            "POST /v2/bulk/files/edit failed, HTTP 504: boom (gave up after 5 attempts) (request id req-2)",
            id="the note comes before the request id",
        ),
    ],
)  # fmt: skip
def test_an_api_error_renders_what_it_knows_in_a_fixed_order(fields: dict[str, Any], text: str) -> None:
    err = GenomicsApiError("boom", **fields)
    assert str(err) == text
    assert err.args == (text,)


@pytest.mark.parametrize(("error_class", "twin"), [(UnauthorizedError, CredentialRejectedError),
                                                   (ForbiddenError, AccessRejectedError)])  # fmt: skip
def test_a_401_or_403_while_waiting_becomes_its_non_retryable_twin_with_every_field(
    error_class: type[GenomicsApiError], twin: type[GenomicsApiError]
) -> None:
    cause = ValueError("the HTTP error")
    original = error_class("Invalid token.", **FULL_FIELDS)
    original.__cause__ = cause
    rejected = fail_fast_while_waiting(original)
    assert type(rejected) is twin
    assert isinstance(rejected, GenomicsApiError)
    assert (rejected.message, rejected.fields(), str(rejected)) == ("Invalid token.", FULL_FIELDS, str(original))
    assert rejected.__cause__ is cause


@pytest.mark.parametrize(
    "exc",
    [
        pytest.param(NotFoundError("gone", status=404), id="a 404 stays as it is"),
        pytest.param(ServerError("down", status=503), id="a 5xx stays retryable"),
        pytest.param(RateLimitedError("slow down", status=429), id="a 429 stays retryable"),
        pytest.param(CredentialRejectedError("bad", status=401), id="an already rejected credential is kept"),
        pytest.param(ValueError("not an API error"), id="anything that is not an API error"),
    ],
)
def test_anything_else_met_while_waiting_is_returned_unchanged(exc: BaseException) -> None:
    assert fail_fast_while_waiting(exc) is exc
