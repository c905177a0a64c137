"""Credentials (auth): who is calling each API, what is refused, which secrets are collected."""

from __future__ import annotations

import base64

import pytest
import requests

from genomics_provider.testing import DEFAULT_ONECODEX_API_KEY, DEFAULT_SEVENBRIDGES_TOKEN, Emulator
from genomics_provider.testing.auth import onecodex_principal, presented_secrets, sevenbridges_principal
from genomics_provider.testing.config import DEFAULT_ONECODEX_BEARER_TOKEN
from genomics_provider.testing.context import Context
from genomics_provider.testing.errors import WERKZEUG_MESSAGES
from genomics_provider.testing.seeds_onecodex import SAMPLE_1, USER_ME
from tests.testing.conftest import OC, OC_KEY, SB_TOKEN
from tests.testing.conftest import sb_error_body as error


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": OC_KEY},
        {"Authorization": "Basic " + base64.b64encode(f"{OC_KEY}:".encode()).decode()},
        {"Authorization": f"Bearer {DEFAULT_ONECODEX_BEARER_TOKEN}"},
    ],
    ids=["x-api-key", "basic", "bearer"],
)
def test_every_documented_auth_scheme_is_accepted(emu: Emulator, headers: dict[str, str]) -> None:
    response = requests.get(f"{emu.url}{OC}/account", headers=headers, timeout=10)
    assert response.status_code == 200
    assert response.json()["user"] == {"$ref": f"/api/v1/users/{USER_ME}"}
    assert response.json()["email"] == "emulator-user@example.com"


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}])
def test_missing_or_bad_credentials_get_the_werkzeug_401(emu: Emulator, headers: dict[str, str]) -> None:
    response = requests.get(f"{emu.url}{OC}/samples/{SAMPLE_1}", headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json() == {"message": WERKZEUG_MESSAGES[401], "status": 401}
    assert "could not verify that you are authorized" in response.json()["message"]


@pytest.mark.parametrize("headers", [{"X-SBG-Auth-Token": SB_TOKEN}, {"Authorization": f"Bearer {SB_TOKEN}"}])
def test_user_with_either_header(emu: Emulator, headers: dict[str, str]) -> None:
    response = requests.get(f"{emu.sevenbridges_url}/user", headers=headers, timeout=10)
    assert response.status_code == 200
    assert response.json()["username"] == "rfranklin"
    assert response.json()["href"] == f"{emu.sevenbridges_url}/users/rfranklin"
    assert response.headers["X-RateLimit-Limit"] == "1000"


@pytest.mark.parametrize("headers", [{}, {"X-SBG-Auth-Token": "wrong"}, {"X-API-Key": SB_TOKEN}])
def test_401_body(emu: Emulator, headers: dict[str, str]) -> None:
    response = requests.get(f"{emu.sevenbridges_url}/user", headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json() == error(401, 401, "Unauthorized")
    assert response.headers["X-Request-Id"]


def test_presented_secrets_collects_every_credential_even_a_wrong_one() -> None:
    basic = base64.b64encode(b"user-part:pass-part").decode()
    headers = {"x-api-key": "k1", "x-sbg-auth-token": "t1", "authorization": f"Basic {basic}"}
    assert presented_secrets(headers) == ["k1", "t1", basic, "user-part", "pass-part"]
    assert presented_secrets({"authorization": "Bearer  tok "}) == ["tok"]
    assert presented_secrets({"authorization": "Basic !!not-base64!!"}) == ["!!not-base64!!"]
    assert presented_secrets({"x-api-key": ""}) == []


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, (False, None)),
        ({"x-api-key": f" {DEFAULT_ONECODEX_API_KEY} "}, (True, USER_ME)),
        ({"authorization": "Basic " + base64.b64encode(f"{DEFAULT_ONECODEX_API_KEY}:".encode()).decode()},
         (True, USER_ME)),
        ({"authorization": "basic " + base64.b64encode(f"{DEFAULT_ONECODEX_API_KEY}:x".encode()).decode()},
         (True, USER_ME)),
        ({"authorization": "Basic !!not-base64!!"}, (True, None)),
        ({"authorization": f"Token {DEFAULT_ONECODEX_API_KEY}"}, (True, None)),
        ({"authorization": f"bearer {DEFAULT_ONECODEX_BEARER_TOKEN}"}, (True, USER_ME)),
        ({"x-sbg-auth-token": DEFAULT_SEVENBRIDGES_TOKEN}, (False, None)),
    ],
    ids=["nothing", "x-api-key-padded", "basic", "basic-scheme-any-case-password-ignored", "basic-not-base64",
         "unknown-scheme", "bearer-jwt-any-case", "another-apis-token"],
)  # fmt: skip
def test_onecodex_principal(ctx: Context, headers: dict[str, str], expected: tuple[bool, str | None]) -> None:
    assert onecodex_principal(ctx, headers) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-sbg-auth-token": f" {DEFAULT_SEVENBRIDGES_TOKEN} "}, "rfranklin"),
        ({"authorization": f"Bearer {DEFAULT_SEVENBRIDGES_TOKEN}"}, "rfranklin"),
        ({"x-sbg-auth-token": "wrong", "authorization": f"Bearer {DEFAULT_SEVENBRIDGES_TOKEN}"}, None),
        ({"authorization": f"Basic {DEFAULT_SEVENBRIDGES_TOKEN}"}, None),
        ({"x-api-key": DEFAULT_SEVENBRIDGES_TOKEN}, None),
        ({}, None),
    ],
    ids=["x-sbg-auth-token-padded", "bearer", "the-sbg-header-wins", "basic-is-not-a-scheme", "x-api-key", "nothing"],
)
def test_sevenbridges_principal(ctx: Context, headers: dict[str, str], expected: str | None) -> None:
    assert sevenbridges_principal(ctx, headers) == expected


def test_the_principal_is_the_states_caller(ctx: Context) -> None:
    ctx.onecodex.caller, ctx.sevenbridges.caller = "0123456789abcdef", "someone"
    assert onecodex_principal(ctx, {"x-api-key": DEFAULT_ONECODEX_API_KEY}) == (True, "0123456789abcdef")
    assert sevenbridges_principal(ctx, {"x-sbg-auth-token": DEFAULT_SEVENBRIDGES_TOKEN}) == "someone"
