"""The responses that injected faults produce, in each API's own format."""

from __future__ import annotations

import math

from genomics_provider.testing.config import EmulatorConfig
from genomics_provider.testing.errors import ONECODEX_RATE_LIMITED, oc_body, sb_body
from genomics_provider.testing.faults import GATEWAY_HTML, MAINTENANCE, RATE_LIMITED, SERVER_ERROR, Fault
from genomics_provider.testing.http import Reply

_GATEWAY_TITLES = {502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable", 504: "504 Gateway Time-out"}


def gateway_page(status: int) -> bytes:
    """Render an nginx-style gateway error page.

    :param status: 502, 503 or 504.
    :return: The HTML bytes.
    """
    title = _GATEWAY_TITLES[status]
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


def fault_reply(fault: Fault, api: str, config: EmulatorConfig, now: float) -> Reply:
    """Build the response of a response-replacing fault.

    :param fault: A fault whose kind is in ``BEFORE_KINDS``.
    :param api: ``"onecodex"``, ``"sevenbridges"`` or ``"unknown"`` (One Codex format).
    :param config: Switches (Seven Bridges limit for the headers).
    :param now: Current epoch seconds.
    :return: The reply.
    :raises ValueError: For a fault kind that does not replace the response.
    """
    sb = api == "sevenbridges"
    if fault.kind == GATEWAY_HTML:
        status = int(fault.params["status"])
        return Reply(status, raw=gateway_page(status), content_type="text/html")
    if fault.kind == MAINTENANCE:
        return Reply(503, sb_body(0) if sb else oc_body(503))
    if fault.kind == SERVER_ERROR:
        return Reply(500, sb_body(500) if sb else oc_body(500))
    if fault.kind != RATE_LIMITED:
        raise ValueError(f"fault {fault.kind!r} does not replace the response")
    headers: dict[str, str] = {}
    if fault.params.get("retry_after") is not None:
        headers["Retry-After"] = str(fault.params["retry_after"])
    if not sb:
        return Reply(429, dict(ONECODEX_RATE_LIMITED), headers)
    headers["X-RateLimit-Limit"] = str(config.sevenbridges_limit)
    headers["X-RateLimit-Remaining"] = "0"
    if fault.params.get("reset_header", True):
        headers["X-RateLimit-Reset"] = str(math.ceil(now + float(fault.params.get("reset_in_s", 1.0))))
    return Reply(429, sb_body(1000), headers)
