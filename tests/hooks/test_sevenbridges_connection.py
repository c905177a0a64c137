"""SevenBridgesHook's connection (``_sevenbridges_connection``): auth headers, base URLs per platform, web UI links."""

from __future__ import annotations

from typing import Any

import pytest

from genomics_provider.exceptions import (
    InsecureTransportError,
    InvalidInputError,
)
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from tests.hooks.sevenbridges_support import (
    BASE,
    FILE_A,
    PROJECT,
    TOKEN,
    conn,
    sb_error,
)

pytestmark = pytest.mark.usefixtures("sb_conn")


# -- connection, auth, base URL ------------------------------------------------------------------------------


def test_token_scheme_sends_the_developer_token_header_and_json_accept(rsps: Any) -> None:
    rsps.get(f"{BASE}/user", json={"username": "rfranklin"})

    assert SevenBridgesHook().get_user() == {"username": "rfranklin"}

    headers = rsps.calls[0].request.headers
    assert rsps.calls[0].request.url == f"{BASE}/user"
    assert headers["X-SBG-Auth-Token"] == TOKEN
    assert headers["Accept"] == "application/json"
    assert "Authorization" not in headers
    assert "X-SBG-Advance-Access" not in headers


def test_bearer_scheme_sends_an_authorization_header_instead(rsps: Any, sb_conn: Any) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(extra={"auth_scheme": "bearer"}))
    rsps.get(f"{BASE}/user", json={"username": "rfranklin"})

    SevenBridgesHook().get_user()

    headers = rsps.calls[0].request.headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert "X-SBG-Auth-Token" not in headers


@pytest.mark.parametrize("flag", [True, "true"])
def test_advance_access_extra_adds_the_advance_header(rsps: Any, sb_conn: Any, flag: Any) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(extra={"advance_access": flag}))
    rsps.get(f"{BASE}/user", json={})

    SevenBridgesHook().get_user()

    assert rsps.calls[0].request.headers["X-SBG-Advance-Access"] == "advance"


def test_unknown_auth_scheme_is_refused_naming_the_extra(rsps: Any, sb_conn: Any) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(extra={"auth_scheme": "basic"}))
    with pytest.raises(InvalidInputError, match=r"extra 'auth_scheme' = 'basic' is not one of token, bearer"):
        SevenBridgesHook().get_user()
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        (None, "https://cgc-api.sbgenomics.com/v2/user"),
        ("cgc", "https://cgc-api.sbgenomics.com/v2/user"),
        ("aws-us", "https://api.sbgenomics.com/v2/user"),
        ("aws-eu", "https://eu-api.sbgenomics.com/v2/user"),
        ("ali-cn", "https://api.sevenbridges.cn/v2/user"),
        ("cavatica", "https://cavatica-api.sbgenomics.com/v2/user"),
        ("f4c", "https://api.sb.biodatacatalyst.nhlbi.nih.gov/v2/user"),
    ],
)
def test_empty_host_picks_the_base_url_from_the_platform_extra(
    rsps: Any, sb_conn: Any, platform: str | None, expected: str
) -> None:
    extra = {"platform": platform} if platform else {}
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(host="", extra=extra))
    rsps.get(expected, json={})

    SevenBridgesHook().get_user()

    assert rsps.calls[0].request.url == expected


def test_unknown_platform_is_refused_naming_the_extra_and_the_allowed_values(rsps: Any, sb_conn: Any) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(host="", extra={"platform": "gcp"}))
    with pytest.raises(InvalidInputError, match=r"extra 'platform' = 'gcp' is not known; use one of cgc, aws-us"):
        SevenBridgesHook().get_user()
    assert len(rsps.calls) == 0


def test_plain_http_is_allowed_to_the_loopback_emulator_only(rsps: Any, sb_conn: Any) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(host="http://127.0.0.1:8765/v2"))
    rsps.get("http://127.0.0.1:8765/v2/user", json={})
    SevenBridgesHook().get_user()

    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(host="http://cgc-api.sbgenomics.com/v2"))
    with pytest.raises(InsecureTransportError):
        SevenBridgesHook().get_user()
    assert len(rsps.calls) == 1


def test_constructing_the_hook_reads_no_connection_and_sends_nothing(rsps: Any, sb_conn: Any) -> None:
    sb_conn.delenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT")
    hook = SevenBridgesHook()
    assert hook.sevenbridges_conn_id == "sevenbridges_default"
    assert hook.conn_type == "sevenbridges"
    assert hook.conn_name_attr == "sevenbridges_conn_id"
    assert hook.hook_name == "Seven Bridges"
    assert len(rsps.calls) == 0


def test_no_token_bucket_by_default_but_the_rate_limit_extra_adds_one(sb_conn: Any) -> None:
    assert SevenBridgesHook().limiter.rate is None
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(extra={"rate_limit": 3}))
    assert SevenBridgesHook().limiter.rate == 3.0


def test_connection_test_reads_the_user(rsps: Any) -> None:
    rsps.get(f"{BASE}/user", json={"username": "rfranklin", "email": "r@example.org"})
    assert SevenBridgesHook().test_connection() == (True, f"Connected to Seven Bridges at {BASE} as rfranklin")


def test_connection_test_reports_a_rejected_token_without_raising_or_leaking_it(rsps: Any) -> None:
    rsps.get(f"{BASE}/user", status=401, json=sb_error(401, 401, "Unauthorized"))

    ok, message = SevenBridgesHook().test_connection()

    assert not ok
    assert "rejected the authentication token (HTTP 401)" in message
    assert TOKEN not in message


# -- web UI links --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api", "web"),
    [
        ("https://cgc-api.sbgenomics.com/v2", "https://cgc.sbgenomics.com"),
        ("https://api.sbgenomics.com/v2", "https://igor.sbgenomics.com"),
        ("https://eu-api.sbgenomics.com/v2", "https://eu.sbgenomics.com"),
        ("https://cavatica-api.sbgenomics.com/v2", "https://cavatica.sbgenomics.com"),
        ("https://api.sb.biodatacatalyst.nhlbi.nih.gov/v2", "https://platform.sb.biodatacatalyst.nhlbi.nih.gov"),
        ("https://api.sevenbridges.cn/v2", "https://platform.sevenbridges.cn"),
        ("https://acme-api.example.org/v2", "https://acme.example.org"),
        ("http://127.0.0.1:8765/v2", "http://127.0.0.1:8765"),
        ("http://localhost:9000/sb/v2", "http://localhost:9000/sb"),
    ],
)
def test_web_urls_map_the_api_host_to_the_platform_web_host(sb_conn: Any, api: str, web: str) -> None:
    sb_conn.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", conn(host=api))
    hook = SevenBridgesHook()

    assert hook.web_url_for() == f"{web}/"
    assert hook.web_url_for(PROJECT) == f"{web}/u/rfranklin/demo/files/"
    assert hook.web_url_for(PROJECT, FILE_A) == f"{web}/u/rfranklin/demo/files/{FILE_A}/"
