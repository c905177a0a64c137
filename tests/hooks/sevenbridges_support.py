"""Constants and helpers of the Seven Bridges hook tests (the fixtures ``sb_conn`` and ``rsps`` are in conftest)."""

from __future__ import annotations

import json
from typing import Any

BASE = "https://cgc-api.sbgenomics.com/v2"
TOKEN = "sb-unit-token-8c1f0e2d4b6a9e7f"
PROJECT = "rfranklin/demo"
FILE_A = "5a0000000000000000000001"
FILE_B = "5a0000000000000000000002"
FOLDER = "5f0000000000000000000001"
MORE_INFO = "https://docs.sevenbridges.com/docs/api-status-codes"


def conn(**overrides: Any) -> str:
    """Build a ``sevenbridges`` connection as its ``AIRFLOW_CONN_*`` JSON.

    :param overrides: Connection fields to change; ``extra`` is the extra dict.
    :return: The JSON.
    """
    extra = overrides.pop("extra", {})
    return json.dumps({"conn_type": "sevenbridges", "host": BASE, "password": TOKEN, "extra": extra, **overrides})


def sb_error(status: int, code: int, message: str) -> dict[str, Any]:
    """Build a Seven Bridges error body.

    :param status: HTTP status.
    :param code: The vendor's code.
    :param message: The message.
    :return: The body.
    """
    return {"status": status, "code": code, "message": message, "more_info": MORE_INFO}


def file_json(file_id: str, **fields: Any) -> dict[str, Any]:
    """Build a file object as the API returns it.

    :param file_id: Its id.
    :param fields: More fields.
    :return: The file.
    """
    return {"href": f"{BASE}/files/{file_id}", "id": file_id, "name": f"{file_id}.bam", "type": "file", **fields}


def ids(count: int) -> list[str]:
    """Make distinct 24-hex file ids.

    :param count: How many.
    :return: The ids.
    """
    return [f"{n:024x}" for n in range(1, count + 1)]


def body(call: Any) -> Any:
    """Read a recorded call's JSON body.

    :param call: A ``responses`` call.
    :return: The parsed body.
    """
    return json.loads(call.request.body)
