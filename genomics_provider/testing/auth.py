"""Credentials: who is calling, per API, and which secrets the recorder must never keep."""

from __future__ import annotations

import base64
import binascii

from genomics_provider.testing.context import Context


def presented_secrets(headers: dict[str, str]) -> list[str]:
    """Collect every credential string a request carried (valid or not), to scrub from the log.

    :param headers: Lower-cased request headers.
    :return: Raw secrets (API keys, tokens, decoded Basic usernames and passwords).
    """
    found = [headers.get("x-api-key", ""), headers.get("x-sbg-auth-token", "")]
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if value:
        found.append(value.strip())
    if scheme.lower() == "basic":
        user, _, password = _decode_basic(value).partition(":")
        found += [user, password]
    return [secret for secret in found if secret]


def _decode_basic(value: str) -> str:
    try:
        return base64.b64decode(value.strip(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def onecodex_principal(ctx: Context, headers: dict[str, str]) -> tuple[bool, str | None]:
    """Authenticate a One Codex request (``X-API-Key``, Basic ``key:``, ``Bearer <jwt>``).

    Every credential presented must be valid: a wrong ``X-API-Key`` beside a valid Basic header is refused, and a
    bearer token must be the JWT (an API key sent as ``Bearer`` is refused, as the service does).

    :param ctx: Context (configured key and JWT, state's caller).
    :param headers: Lower-cased request headers.
    :return: ``(credentials_presented, user_id or None)``.
    """
    config = ctx.config
    verdicts = []
    if "x-api-key" in headers:
        verdicts.append(headers["x-api-key"].strip() == config.onecodex_api_key)
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        verdicts.append(_decode_basic(value).partition(":")[0] == config.onecodex_api_key)
    elif scheme.lower() == "bearer":
        verdicts.append(value.strip() == config.onecodex_bearer_token)
    elif scheme:
        verdicts.append(False)
    if verdicts and all(verdicts):
        return True, ctx.onecodex.caller
    return bool(verdicts), None


def sevenbridges_principal(ctx: Context, headers: dict[str, str]) -> str | None:
    """Authenticate a Seven Bridges request (``X-SBG-Auth-Token`` or ``Authorization: Bearer``).

    :param ctx: Context (configured token, state's caller).
    :param headers: Lower-cased request headers.
    :return: The username, or ``None``.
    """
    token = headers.get("x-sbg-auth-token", "").strip()
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if not token and scheme.lower() == "bearer":
        token = value.strip()
    if token and token == ctx.config.sevenbridges_token:
        return ctx.sevenbridges.caller
    return None
