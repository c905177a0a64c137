"""SevenBridgesHook: exact requests of the single-file endpoints, rate limits and retries.

Connection, auth and web links are in ``test_sevenbridges_connection.py``; listings and bulk calls in
``test_sevenbridges_answers.py``; the deprecated method names in ``test_deprecation.py``.
"""

from __future__ import annotations

import logging
import time
from types import SimpleNamespace
from typing import Any

import pytest

from genomics_provider.exceptions import (
    ForbiddenError,
    GenomicsApiError,
    InvalidInputError,
    NotFoundError,
    ServerError,
    UnauthorizedError,
)
from genomics_provider.hooks import base as base_module
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from tests.hooks.sevenbridges_support import (
    BASE,
    FILE_A,
    MORE_INFO,
    PROJECT,
    TOKEN,
    body,
    conn,
    file_json,
    sb_error,
)

pytestmark = pytest.mark.usefixtures("sb_conn")

NOW = 1_700_000_000.0


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Freeze the clock the retry wait reads, so ``reset - now`` is exact."""
    monkeypatch.setattr(
        base_module, "time", SimpleNamespace(time=lambda: NOW, sleep=time.sleep, monotonic=time.monotonic)
    )


# -- single-file endpoints -----------------------------------------------------------------------------------


def test_get_file_returns_the_parsed_file(rsps: Any) -> None:
    rsps.get(f"{BASE}/files/{FILE_A}", json=file_json(FILE_A, tags=["t"]))
    assert SevenBridgesHook().get_file(FILE_A)["tags"] == ["t"]


def test_update_file_patches_only_the_name(rsps: Any) -> None:
    rsps.patch(f"{BASE}/files/{FILE_A}", json=file_json(FILE_A, name="new.bam"))

    SevenBridgesHook().update_file(FILE_A, name="new.bam")

    call = rsps.calls[0]
    assert (call.request.method, call.request.url) == ("PATCH", f"{BASE}/files/{FILE_A}")
    assert body(call) == {"name": "new.bam"}
    assert call.request.headers["Content-Type"] == "application/json"


def test_merging_metadata_patches_and_replacing_it_puts(rsps: Any) -> None:
    rsps.patch(f"{BASE}/files/{FILE_A}/metadata", json={"a": "1", "b": "2"})
    rsps.put(f"{BASE}/files/{FILE_A}/metadata", json={"a": "1"})
    hook = SevenBridgesHook()

    assert hook.merge_file_metadata(FILE_A, {"b": "2"}) == {"a": "1", "b": "2"}
    assert hook.replace_file_metadata(FILE_A, {"a": "1"}) == {"a": "1"}

    assert [(c.request.method, body(c)) for c in rsps.calls] == [("PATCH", {"b": "2"}), ("PUT", {"a": "1"})]


def test_merging_metadata_refuses_null_values_before_sending(rsps: Any) -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"metadata: gone set to None; null is never sent, use replace_file_metadata to remove keys",
    ):
        SevenBridgesHook().merge_file_metadata(FILE_A, {"gone": None})  # type: ignore[dict-item]
    assert len(rsps.calls) == 0


def test_replacing_tags_puts_a_bare_json_array(rsps: Any) -> None:
    rsps.put(f"{BASE}/files/{FILE_A}/tags", json=["a", "b"])

    assert SevenBridgesHook().replace_file_tags(FILE_A, ["a", "b"]) == ["a", "b"]

    assert body(rsps.calls[0]) == ["a", "b"]


def test_malformed_file_ids_never_reach_a_url(rsps: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"file id: '../user' is not valid; each id must be 24 lowercase hex"):
        SevenBridgesHook().get_file("../user")
    assert len(rsps.calls) == 0


def test_get_project_uses_owner_and_short_name_and_refuses_other_shapes(rsps: Any) -> None:
    rsps.get(f"{BASE}/projects/rfranklin/demo", json={"id": PROJECT})
    hook = SevenBridgesHook()

    assert hook.get_project(PROJECT) == {"id": PROJECT}
    with pytest.raises(InvalidInputError, match=r"project: 'demo' is not a project id; use 'owner/project'"):
        hook.get_project("demo")
    assert len(rsps.calls) == 1


# -- rate limits and retries ---------------------------------------------------------------------------------


def test_a_spent_window_makes_the_next_request_wait_until_the_reset(rsps: Any, no_real_sleep: list[float]) -> None:
    reset = int(time.time()) + 120
    rsps.get(f"{BASE}/user", json={}, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    rsps.get(f"{BASE}/files/{FILE_A}", json=file_json(FILE_A), headers={"X-RateLimit-Remaining": "999"})
    hook = SevenBridgesHook()

    hook.get_user()
    assert no_real_sleep == []
    hook.get_file(FILE_A)

    assert no_real_sleep == [pytest.approx(reset - time.time(), abs=2)]


def test_remaining_calls_in_the_window_mean_no_wait(rsps: Any, no_real_sleep: list[float]) -> None:
    headers = {"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": str(int(time.time()) + 120)}
    rsps.get(f"{BASE}/user", json={}, headers=headers)
    hook = SevenBridgesHook()
    hook.get_user()
    hook.get_user()
    assert no_real_sleep == []


@pytest.mark.usefixtures("frozen_clock")
@pytest.mark.parametrize(("ahead", "wait"), [(30, 30.0), (240, 240.0)], ids=["until reset", "in full, not capped"])
def test_429_code_1000_waits_until_the_reset(rsps: Any, no_real_sleep: list[float], ahead: int, wait: float) -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + ahead)}
    rsps.get(f"{BASE}/user", status=429, json=sb_error(429, 1000, "Rate limit exceeded!"), headers=headers)
    rsps.get(f"{BASE}/user", json={"username": "rfranklin"})

    assert SevenBridgesHook().get_user() == {"username": "rfranklin"}

    assert no_real_sleep == [wait]
    assert len(rsps.calls) == 2


def test_maintenance_503_code_0_is_retried_a_bounded_number_of_times_then_raises(
    rsps: Any, sb_conn: Any, no_real_sleep: list[float]
) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(extra={"max_attempts": 3}))
    rsps.get(f"{BASE}/user", status=503, json=sb_error(503, 0, "Platform is under maintenance."))

    with pytest.raises(ServerError) as caught:
        SevenBridgesHook().get_user()

    assert len(rsps.calls) == 3
    assert len(no_real_sleep) == 2
    assert (caught.value.status, caught.value.code) == (503, 0)
    assert "Platform is under maintenance." in str(caught.value)


def test_an_html_502_gateway_page_gives_a_readable_message(rsps: Any, sb_conn: Any) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(extra={"max_attempts": 1}))
    html = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
    rsps.get(f"{BASE}/user", status=502, body=html, content_type="text/html")

    with pytest.raises(ServerError) as caught:
        SevenBridgesHook().get_user()

    assert caught.value.code is None
    assert (
        str(caught.value)
        == "GET /v2/user failed, HTTP 502: Bad Gateway; the server sent an HTML page (502 Bad Gateway)"
    )


@pytest.mark.parametrize(
    ("status", "code", "message", "error"),
    [
        (404, 5002, "Requested file does not exist.", NotFoundError),
        (403, 5011, "Modifying file tags is not allowed.", ForbiddenError),
        (401, 401, "Unauthorized", UnauthorizedError),
    ],
)
def test_error_bodies_map_to_typed_errors_keeping_the_vendor_code(
    rsps: Any, status: int, code: int, message: str, error: type[GenomicsApiError]
) -> None:
    rsps.get(
        f"{BASE}/files/{FILE_A}", status=status, json=sb_error(status, code, message), headers={"X-Request-Id": "r-1"}
    )

    with pytest.raises(error) as caught:
        SevenBridgesHook().get_file(FILE_A)

    assert (caught.value.status, caught.value.code, caught.value.request_id) == (status, code, "r-1")
    assert str(caught.value).startswith(f"GET /v2/files/{FILE_A} failed, HTTP {status}, code {code}: {message}")
    assert MORE_INFO not in str(caught.value)
    assert len(rsps.calls) == 1


def test_the_token_never_appears_in_repr_errors_or_logs(
    rsps: Any, sb_conn: Any, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(extra={"max_attempts": 2}))
    rsps.get(f"{BASE}/user", status=503, json=sb_error(503, 0, "Platform is under maintenance."))
    rsps.get(f"{BASE}/files/{FILE_A}", status=401, json=sb_error(401, 401, "Unauthorized"))
    hook = SevenBridgesHook()
    caplog.set_level(logging.DEBUG)

    texts = [repr(hook)]
    for action in (hook.get_user, lambda: hook.get_file(FILE_A)):
        with pytest.raises(GenomicsApiError) as caught:
            action()
        texts += [str(caught.value), repr(caught.value)]

    # Airflow 3 task loggers write through structlog to stdout; stdlib records land in caplog.
    logs = caplog.text + capsys.readouterr().out
    assert "Seven Bridges GET /v2/user: HTTP 503; retrying" in logs
    assert all(TOKEN not in text for text in [*texts, logs])
