"""Constants and helpers of the One Codex hook tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

KEY = "oc-test-key-7f3a9c1e5b2d4f60a8"
BASIC_AUTH = "Basic b2MtdGVzdC1rZXktN2YzYTljMWU1YjJkNGY2MGE4Og=="  # base64("oc-test-key-7f3a9c1e5b2d4f60a8:")
BASE = "https://app.onecodex.com"
CONN_ENV = "AIRFLOW_CONN_ONECODEX_DEFAULT"

SAMPLE_ID = "7428cca4a3a04a8e"
SAMPLE_PATH = f"/api/v1/samples/{SAMPLE_ID}"
SAMPLE = {
    "$uri": SAMPLE_PATH,
    "filename": "SRR2352185.fastq.gz",
    "metadata": {"$ref": "/api/v1/metadata/a7fc7e430e704e2e"},
    "project": None,
    "tags": [{"$ref": "/api/v1/tags/42997b7a62634985"}],
    "visibility": "private",
    "status": "available",
}
SAMPLES_URL = f"{BASE}/api/v1/samples"
TAGS_URL = f"{BASE}/api/v1/tags"
PROJECTS_URL = f"{BASE}/api/v1/projects"
METADATA_URL = f"{BASE}/api/v1/metadata"

TAG_NAME = "neg. control"
TAG = {"$uri": "/api/v1/tags/42997b7a62634985", "name": TAG_NAME}
TWIN_TAG = {"$uri": "/api/v1/tags/fb8e3b693c874f9e", "name": TAG_NAME}

PROJECT_ID = "4b53797444f846c4"
PROJECT = {"$uri": f"/api/v1/projects/{PROJECT_ID}", "name": "Test", "project_name": "testproj"}
OTHER_PROJECT = {"$uri": "/api/v1/projects/9923090af03c46ce", "name": "Test", "project_name": "testproj2"}

METADATA_ID = "a7fc7e430e704e2e"
METADATA = {
    "$uri": f"/api/v1/metadata/{METADATA_ID}",
    "sample": {"$ref": SAMPLE_PATH},
    "name": "sample 1",
    "platform": "Illumina HiSeq",
    "custom": {"totalige": 112.0},
}

WHERE = {"project": PROJECT_ID, "visibility": {"$in": ["private", "shared"]}}
WHERE_JSON = '{"project":"4b53797444f846c4","visibility":{"$in":["private","shared"]}}'
SORT = {"created_at": True}
SORT_JSON = '{"created_at":true}'
NOT_FOUND = {"message": "The requested URL was not found on the server.", "status": 404}


def sample_ids(count: int, start: int = 0) -> list[str]:
    """Make distinct 16-hex sample ids.

    :param count: How many.
    :param start: Optional. First number.
    :return: The ids.
    """
    return [f"{number:016x}" for number in range(start, start + count)]


def samples(ids: list[str]) -> list[dict[str, Any]]:
    """Make minimal sample objects.

    :param ids: Their ids.
    :return: The samples.
    """
    return [{"$uri": f"/api/v1/samples/{sample_id}", "visibility": "private"} for sample_id in ids]


def query(call: Any) -> list[tuple[str, str]]:
    """Decode the query string of a recorded call, in order.

    :param call: A ``responses`` call.
    :return: ``(name, value)`` pairs.
    """
    return parse_qsl(urlsplit(call.request.url).query, keep_blank_values=True)


def path(call: Any) -> str:
    """Return the URL path of a recorded call.

    :param call: A ``responses`` call.
    :return: The path.
    """
    return urlsplit(call.request.url).path
