"""What a Seven Bridges connection says: the platform (its API base URL), how to authenticate, where the web UI is.

Pure functions over the connection's extra and URLs; :class:`~genomics_provider.hooks.sevenbridges.SevenBridgesHook`
reads its connection and calls them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks._connection import is_loopback_host

__all__ = ["AUTH_SCHEMES", "DEFAULT_PLATFORM", "PLATFORM_BASE_URLS", "WEB_HOSTS", "auth_headers", "platform_base_url",
           "web_origin", "web_page"]  # fmt: skip

#: API base URL of each platform, by the key the vendor's R client uses.
PLATFORM_BASE_URLS: dict[str, str] = {
    "cgc": "https://cgc-api.sbgenomics.com/v2",
    "aws-us": "https://api.sbgenomics.com/v2",
    "aws-eu": "https://eu-api.sbgenomics.com/v2",
    "ali-cn": "https://api.sevenbridges.cn/v2",
    "cavatica": "https://cavatica-api.sbgenomics.com/v2",
    "f4c": "https://api.sb.biodatacatalyst.nhlbi.nih.gov/v2",
}
DEFAULT_PLATFORM = "cgc"
AUTH_SCHEMES: tuple[str, ...] = ("token", "bearer")
#: Web UI host of each API host.
WEB_HOSTS: dict[str, str] = {
    "cgc-api.sbgenomics.com": "cgc.sbgenomics.com",
    "api.sbgenomics.com": "igor.sbgenomics.com",
    "eu-api.sbgenomics.com": "eu.sbgenomics.com",
    "cavatica-api.sbgenomics.com": "cavatica.sbgenomics.com",
    "api.sb.biodatacatalyst.nhlbi.nih.gov": "platform.sb.biodatacatalyst.nhlbi.nih.gov",
    "api.sevenbridges.cn": "platform.sevenbridges.cn",
    "gcp-api.sbgenomics.com": "gcp.sbgenomics.com",
}


def platform_base_url(platform: object, *, conn_id: str) -> str:
    """Pick the API base URL of a platform named by the connection's extra ``platform``.

    :param platform: The extra's value; empty or ``None`` means ``cgc``.
    :param conn_id: The connection id, for the error.
    :return: The platform's API base URL.
    :raises InvalidInputError: On an unknown platform.
    """
    name = str(platform or DEFAULT_PLATFORM).strip().lower()
    if name not in PLATFORM_BASE_URLS:
        raise InvalidInputError(
            f"connection {conn_id!r}: extra 'platform' = {name!r} is not known; use one of "
            f"{', '.join(PLATFORM_BASE_URLS)}, or set the host to the API base URL"
        )
    return PLATFORM_BASE_URLS[name]


def auth_headers(extra: Mapping[str, Any], token: str, *, conn_id: str) -> dict[str, str]:
    """Build the auth headers for extra ``auth_scheme`` and ``advance_access``.

    :param extra: The connection's extra.
    :param token: The authentication token.
    :param conn_id: The connection id, for errors.
    :return: Header name to value.
    :raises InvalidInputError: On an unknown scheme or a non-boolean ``advance_access``.
    """
    scheme = str(extra.get("auth_scheme") or "token").strip().lower()
    if scheme not in AUTH_SCHEMES:
        raise InvalidInputError(
            f"connection {conn_id!r}: extra 'auth_scheme' = {scheme!r} is not one of {', '.join(AUTH_SCHEMES)}"
        )
    headers = {"X-SBG-Auth-Token": token} if scheme == "token" else {"Authorization": f"Bearer {token}"}
    if _advance_access(extra.get("advance_access"), conn_id):
        headers["X-SBG-Advance-Access"] = "advance"
    return headers


def _advance_access(value: Any, conn_id: str) -> bool:
    """Read extra ``advance_access`` as a boolean (``true``/``1``/``yes`` or ``false``/``0``/``no``/empty).

    :param value: The extra's value.
    :param conn_id: The connection id, for the error.
    :return: Whether to ask for advance access features.
    :raises InvalidInputError: On anything else.
    """
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "false", "0", "no", ""):
        return text in ("true", "1", "yes")
    raise InvalidInputError(f"connection {conn_id!r}: extra 'advance_access' = {value!r} is not a boolean")


def web_origin(base_url: str) -> str:
    """Derive the platform's web UI origin from its API base URL.

    Known API hosts map through :data:`WEB_HOSTS` (``cgc-api.sbgenomics.com`` → ``cgc.sbgenomics.com``,
    ``api.sbgenomics.com`` → ``igor.sbgenomics.com``, ``eu-api.`` → ``eu.``, ``cavatica-api.`` → ``cavatica.``,
    ``api.sb.biodatacatalyst.nhlbi.nih.gov`` and ``api.sevenbridges.cn`` → ``platform.`` of the same domain).
    Other hosts: ``<name>-api.<domain>`` becomes ``<name>.<domain>``, ``api.<domain>`` becomes
    ``platform.<domain>``. A loopback host (the emulator) keeps its scheme, port and path, minus ``/v2``.

    :param base_url: The API base URL, already checked.
    :return: The web UI origin, without a trailing slash.
    """
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if is_loopback_host(host):
        path = parts.path[: -len("/v2")] if parts.path.endswith("/v2") else parts.path
        return f"{parts.scheme}://{parts.netloc}{path}".rstrip("/")
    web_host = WEB_HOSTS.get(host)
    if web_host is None:
        first, _, rest = host.partition(".")
        if first.endswith("-api") and rest:
            web_host = f"{first[: -len('-api')]}.{rest}"
        else:
            web_host = f"platform.{rest}" if first == "api" and rest else host
    return f"https://{web_host}"


def web_page(origin: str, project: str | None = None, file_id: str | None = None) -> str:
    """Build a web UI URL: the project's files page, one file's page, or the platform's home page.

    :param origin: The web UI origin (see :func:`web_origin`).
    :param project: Optional. ``owner/project``; without it the platform's home page is returned.
    :param file_id: Optional. A file id; with ``project``, the file's page.
    :return: ``{web}/u/{owner}/{project}/files/`` or ``{web}/u/{owner}/{project}/files/{file_id}/``.
    """
    if not project:
        return origin + "/"
    owner, _, short = project.partition("/")
    url = f"{origin}/u/{quote(owner, safe='')}/{quote(short, safe='')}/files/"
    return f"{url}{quote(file_id, safe='')}/" if file_id else url
