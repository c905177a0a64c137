"""The shared REST transport (``GenomicsRestHook``), exercised through ``OneCodexHook``.

Covers building a hook from its owner's connection id, the pooled session, the rate limiter's place in it, error
mapping, the connection test, and that an error keeps how the transport ended. The connection's settings are in
``test_settings.py``, retries in ``test_retrying.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
import requests
import responses

from genomics_provider.exceptions import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    GenomicsApiError,
    NotFoundError,
    ServerError,
    UnauthorizedError,
)
from genomics_provider.hooks.base import GenomicsRestHook
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.hooks.sevenbridges import SevenBridgesHook

KEY = "oc-test-key-7f3a9c1e5b2d4f60a8"
BASE = "https://app.onecodex.com"
SAMPLE_ID = "7428cca4a3a04a8e"
SAMPLE_PATH = f"/api/v1/samples/{SAMPLE_ID}"
SAMPLE_URL = f"{BASE}{SAMPLE_PATH}"
ACCOUNT_URL = f"{BASE}/api/v1/account"
SAMPLE = {"$uri": SAMPLE_PATH, "visibility": "private", "tags": [], "project": None}
HTML_502 = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)


# -- the hook of an owner ------------------------------------------------------------------------------------


def test_for_owner_builds_each_vendor_hook_on_the_connection_id_its_conn_name_attr_names() -> None:
    owner = SimpleNamespace(onecodex_conn_id="oc_lab", sevenbridges_conn_id="sb_lab")
    onecodex, sevenbridges = OneCodexHook.for_owner(owner), SevenBridgesHook.for_owner(owner)
    assert (type(onecodex), onecodex.conn_id, onecodex.onecodex_conn_id) == (OneCodexHook, "oc_lab", "oc_lab")
    assert (type(sevenbridges), sevenbridges.conn_id) == (SevenBridgesHook, "sb_lab")
    assert OneCodexHook.for_owner(owner) is not onecodex, "a new hook each time: the owner caches it"


def test_for_owner_names_the_attribute_an_owner_lacks() -> None:
    with pytest.raises(AttributeError, match="onecodex_conn_id"):
        OneCodexHook.for_owner(SimpleNamespace(sevenbridges_conn_id="sb_lab"))


def test_the_base_hook_has_no_conn_name_attr_so_airflow_never_lists_it_as_a_connection_type() -> None:
    # Airflow's hook discovery skips a class without the attribute (hasattr); the base only declares its type.
    assert not hasattr(GenomicsRestHook, "conn_name_attr")
    with pytest.raises(AttributeError):
        GenomicsRestHook.for_owner(SimpleNamespace(conn_id="x"))


# -- session and timeouts -----------------------------------------------------------------------------------


def test_requests_carry_json_and_user_agent_headers(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLE_URL, json=SAMPLE)
    hook.get_sample(SAMPLE_ID)
    headers = api.calls[0].request.headers
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"] == "airflow-provider-genomics/0.1.0"
    assert "Content-Type" not in headers


def test_one_session_serves_every_request_of_a_hook(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLE_URL, json=SAMPLE)
    session = hook.session
    with mock.patch.object(session, "request", wraps=session.request) as spy:
        hook.get_sample(SAMPLE_ID)
        hook.get_sample(SAMPLE_ID)
    assert hook.session is session
    assert spy.call_count == 2
    assert hook.request_count == 2


# -- rate limiting -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "rate"),
    [
        pytest.param({"rate_limit": None}, 10.0, id="ten-per-second-by-default"),
        pytest.param({"rate_limit": 2.5}, 2.5, id="from-the-extra"),
        pytest.param({"rate_limit": 0}, None, id="zero-disables-it"),
    ],
)
def test_the_rate_limit_comes_from_the_connection(
    set_connection: Callable[..., None], extra: dict[str, Any], rate: float | None
) -> None:
    set_connection(**extra)
    limiter = OneCodexHook().limiter
    assert limiter.rate == rate
    assert limiter.burst == 1.0  # even pacing: consecutive tasks sharing the key never exceed the vendor's rate


def test_the_rate_limiter_waits_through_the_transport_sleep(
    set_connection: Callable[..., None], api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    set_connection(rate_limit=1)
    api.get(SAMPLE_URL, json=SAMPLE)
    oc_hook = OneCodexHook()
    oc_hook.get_sample(SAMPLE_ID)
    oc_hook.get_sample(SAMPLE_ID)
    assert len(no_real_sleep) == 1
    assert 0.5 < no_real_sleep[0] <= 1.25  # one interval, spread by the pacing jitter (± 25 %)


def test_a_spent_server_window_holds_back_the_next_request(
    set_connection: Callable[..., None], api: responses.RequestsMock, no_real_sleep: list[float]
) -> None:
    set_connection(rate_limit=0)
    reset = int(time.time()) + 30
    api.get(SAMPLE_URL, json=SAMPLE, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    oc_hook = OneCodexHook()
    oc_hook.get_sample(SAMPLE_ID)
    assert no_real_sleep == []
    oc_hook.get_sample(SAMPLE_ID)
    assert len(no_real_sleep) == 1
    assert 28.0 < no_real_sleep[0] <= 30.0


# -- error mapping ---------------------------------------------------------------------------------------------

WERKZEUG_401 = (
    "The server could not verify that you are authorized to access the URL requested. You either supplied the "
    "wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials "
    "required."
)
WERKZEUG_404 = (
    "The requested URL was not found on the server. If you entered the URL manually please check your spelling "
    "and try again."
)

ERROR_CASES = [
    pytest.param(
        400,
        BadRequestError,
        "The browser (or proxy) sent a request that this server could not understand.",
        "The browser (or proxy) sent a request that this server could not understand.",
        id="400-bad-request",
    ),
    pytest.param(
        401,
        UnauthorizedError,
        WERKZEUG_401,
        f"{WERKZEUG_401} (check the API key in connection 'onecodex_default')",
        id="401-unauthorized",
    ),
    pytest.param(
        403,
        ForbiddenError,
        "You don't have the permission to access the requested resource.",
        "You don't have the permission to access the requested resource. "
        "(the API key's account may not make this change)",
        id="403-forbidden",
    ),
    pytest.param(
        404,
        NotFoundError,
        WERKZEUG_404,
        f"{WERKZEUG_404} (it does not exist, or is not visible to this API key)",
        id="404-not-found",
    ),
    pytest.param(409, ConflictError, "Conflict.", "Conflict.", id="409-conflict"),
    pytest.param(500, ServerError, "Internal error.", "Internal error.", id="500-server-error"),
]


@pytest.mark.parametrize(("status", "error_class", "body_message", "message"), ERROR_CASES)
def test_error_statuses_map_to_typed_errors_keeping_every_field(
    set_connection: Callable[..., None],
    api: responses.RequestsMock,
    status: int,
    error_class: type[GenomicsApiError],
    body_message: str,
    message: str,
) -> None:
    api.get(
        SAMPLE_URL,
        status=status,
        json={"message": body_message, "status": status},
        headers={"X-Request-Id": f"req-{status}"},
    )
    with pytest.raises(error_class) as excinfo:
        OneCodexHook(max_attempts=1).get_sample(SAMPLE_ID, expand=True)
    err = excinfo.value
    assert type(err) is error_class
    assert err.status == status
    assert err.message == message
    assert err.request_id == f"req-{status}"
    assert err.method == "GET"
    assert err.path == SAMPLE_PATH
    assert err.code is None
    assert str(err) == f"GET {SAMPLE_PATH} failed, HTTP {status}: {message} (request id req-{status})"
    assert KEY not in str(err)
    assert KEY not in repr(err)


def test_a_404_says_the_object_may_not_be_visible_to_the_key(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLE_URL, status=404, json={"message": WERKZEUG_404, "status": 404})
    with pytest.raises(NotFoundError, match="not visible to this API key"):
        hook.get_sample(SAMPLE_ID)
    assert len(api.calls) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        pytest.param("", "text/plain", "Method Not Allowed; the server sent an empty body", id="empty-body"),
        pytest.param("oops", "text/plain", "Method Not Allowed; the server sent a non-JSON body (oops)", id="text"),
        pytest.param('["a", 1]', "application/json", 'Method Not Allowed; the server sent ["a", 1]', id="json-list"),
        pytest.param('{"status": 405}', "application/json", "Method Not Allowed", id="json-without-message"),
    ],
)
def test_error_bodies_without_a_message_are_summarised(
    hook: OneCodexHook, api: responses.RequestsMock, body: str, content_type: str, message: str
) -> None:
    api.get(SAMPLE_URL, status=405, body=body, content_type=content_type)
    with pytest.raises(GenomicsApiError) as excinfo:
        hook.get_sample(SAMPLE_ID)
    assert type(excinfo.value) is GenomicsApiError
    assert excinfo.value.status == 405
    assert excinfo.value.message == message


def test_error_path_leaves_out_the_query_string(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLE_URL, status=400, json={"message": "Bad where.", "status": 400})
    with pytest.raises(BadRequestError) as excinfo:
        hook.request("GET", SAMPLE_PATH, params={"where": '{"name":"x"}'})
    assert excinfo.value.path == SAMPLE_PATH


def test_a_2xx_body_that_is_not_json_is_an_error(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(SAMPLE_URL, status=200, body=HTML_502, content_type="text/html")
    with pytest.raises(GenomicsApiError) as excinfo:
        hook.get_sample(SAMPLE_ID)
    assert excinfo.value.status == 200
    assert excinfo.value.message == "expected a JSON body, got an HTML page (502 Bad Gateway)"
    assert excinfo.value.path == SAMPLE_PATH


def test_an_empty_2xx_body_reads_as_none(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.delete(SAMPLE_URL, status=204)
    assert hook.request_json("DELETE", SAMPLE_PATH) is None


# -- test_connection ---------------------------------------------------------------------------------------------


def test_connection_test_succeeds_with_the_account_email(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(ACCOUNT_URL, json={"email": "ada@example.org", "user": {"$ref": "/api/v1/users/4ada56103d9a48b8"}})
    assert hook.test_connection() == (True, "Connected to One Codex at https://app.onecodex.com as ada@example.org")
    assert api.calls[0].request.headers["X-API-Key"] == KEY


def test_connection_test_reports_a_rejected_key(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(ACCOUNT_URL, status=401, json={"message": WERKZEUG_401, "status": 401})
    ok, message = hook.test_connection()
    assert ok is False
    assert message.startswith("One Codex rejected the API key (HTTP 401): ")
    assert WERKZEUG_401 in message
    assert KEY not in message
    assert len(api.calls) == 1


def test_connection_test_reports_a_connection_error_without_raising(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    api.get(ACCOUNT_URL, body=requests.ConnectionError("connection refused"))
    assert hook.test_connection() == (
        False,
        "GET /api/v1/account failed: no response from One Codex: ConnectionError (gave up after 5 attempts)",
    )


def test_connection_test_reports_a_refusal_without_raising(hook: OneCodexHook, api: responses.RequestsMock) -> None:
    api.get(ACCOUNT_URL, status=403, json={"message": "Forbidden.", "status": 403})
    ok, message = hook.test_connection()
    assert ok is False
    assert (
        message == "GET /api/v1/account failed, HTTP 403: Forbidden. (the API key's account may not make this change)"
    )


@pytest.mark.parametrize(
    ("conn", "prefix"),
    [
        pytest.param({"host": "http://example.com"}, "InsecureTransportError: ", id="insecure-host"),
        pytest.param({"password": ""}, "InvalidInputError: ", id="empty-key"),
        pytest.param({"auth_scheme": "digest"}, "InvalidInputError: ", id="unknown-auth-scheme"),
    ],
)
def test_connection_test_reports_a_bad_connection_without_raising(
    set_connection: Callable[..., None], api: responses.RequestsMock, conn: dict[str, str], prefix: str
) -> None:
    set_connection(**conn)
    ok, message = OneCodexHook().test_connection()
    assert ok is False
    assert message.startswith(prefix)
    assert len(api.calls) == 0


def test_a_redirect_is_reported_as_an_error_and_not_followed(
    set_connection: Callable[..., None], api: responses.RequestsMock
) -> None:
    set_connection()
    api.get(ACCOUNT_URL, status=301, headers={"Location": "https://elsewhere.example.com/api/v1/account"})
    with pytest.raises(
        GenomicsApiError, match=r"redirected to elsewhere\.example\.com; redirects are not followed"
    ) as exc:
        OneCodexHook().get_account()
    assert exc.value.status == 301
    assert len(api.calls) == 1


def test_an_error_keeps_how_the_transport_ended_through_a_pickle_round_trip(
    hook: OneCodexHook, api: responses.RequestsMock
) -> None:
    import pickle

    api.patch(SAMPLE_URL, body=requests.ConnectionError("reset"))
    with pytest.raises(GenomicsApiError) as excinfo:
        hook.update_sample(SAMPLE_ID, {"visibility": "private"})

    clone = pickle.loads(pickle.dumps(excinfo.value))  # noqa: S301 - our own bytes
    assert clone.note == excinfo.value.note == "not re-sent: the server may have applied it"
    assert clone.outcome_unknown
    assert str(clone) == str(excinfo.value)
