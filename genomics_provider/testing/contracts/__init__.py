"""Contract check: One Codex write bodies validated against a JSON-schema subset of the vendor's OpenAPI document.

``onecodex_requests.json`` beside this module is derived from the OpenAPI document (see its ``$comment`` and
docs/emulator.md). The emulator validates every One Codex write body it receives and appends violations to
``emu.contract_violations``; the request is still processed by the emulator's own rules.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

_OPERATIONS = [
    ("PATCH", re.compile(r"^/api/v1/samples/[^/]+$"), "PATCH /api/v1/samples/{id}"),
    ("PATCH", re.compile(r"^/api/v1/metadata/[^/]+$"), "PATCH /api/v1/metadata/{id}"),
    ("POST", re.compile(r"^/api/v1/tags$"), "POST /api/v1/tags"),
]


@dataclass(frozen=True)
class ContractViolation:
    """One way a request body breaks the vendor contract.

    ``operation`` is e.g. ``"PATCH /api/v1/samples/{id}"``; ``location`` is the JSON path of the offending value
    (``"$"`` for the body itself); ``message`` is the validator's explanation.
    """

    method: str
    path: str
    operation: str
    location: str
    message: str


@cache
def load_contract() -> dict[str, Any]:
    """Load the committed schema subset.

    :return: The parsed ``onecodex_requests.json``.
    """
    text = resources.files(__package__).joinpath("onecodex_requests.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_contract()["$defs"][name])


def operation_for(method: str, path: str) -> str | None:
    """Name the contract operation of a request.

    :param method: HTTP method.
    :param path: Request path.
    :return: The operation key (as in ``x-operations``), or ``None`` when no contract applies.
    """
    for want, regex, operation in _OPERATIONS:
        if method == want and regex.match(path):
            return operation
    return None


def check_body(method: str, path: str, body: Any, *, has_body: bool = True) -> list[ContractViolation]:
    """Validate one request body against the contract.

    :param method: HTTP method.
    :param path: Request path.
    :param body: The parsed JSON body (ignored when ``has_body`` is false).
    :param has_body: ``False`` when the body was missing or not JSON.
    :return: The violations (empty when the body conforms or no contract applies).
    """
    operation = operation_for(method, path)
    if operation is None:
        return []
    if not has_body:
        return [ContractViolation(method, path, operation, "$", "body is missing or not JSON")]
    name = load_contract()["x-operations"][operation]
    found = []
    for error in sorted(_validator(name).iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
        location = "$" + "".join(f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in error.absolute_path)
        found.append(ContractViolation(method, path, operation, location, error.message))
    return found


def validate_onecodex_request(method: str, path: str, body: Any) -> list[ContractViolation]:
    """Validate a recorded One Codex write (e.g. ``RecordedRequest.method/.path/.body``) against the contract.

    :param method: HTTP method.
    :param path: Request path.
    :param body: Parsed JSON body; ``None`` means the request had no body.
    :return: The violations; empty when the body conforms or the call is not a contracted write.
    """
    return check_body(method.upper(), path, body, has_body=body is not None)


class ViolationLog:
    """Thread-safe list of violations; ``emu.contract_violations`` is its ``items`` list."""

    def __init__(self) -> None:
        """Create an empty log."""
        self._lock = threading.Lock()
        self.items: list[ContractViolation] = []

    def extend(self, found: list[ContractViolation]) -> None:
        """Append violations.

        :param found: Violations to add.
        """
        if found:
            with self._lock:
                self.items.extend(found)

    def clear(self) -> None:
        """Forget every violation (the list object stays the same)."""
        with self._lock:
            self.items.clear()
