"""Shared values of the Seven Bridges domain tests: ids and a file as the API lists it."""

from __future__ import annotations

from typing import Any

from genomics_provider.sevenbridges.types import SbFile

PROJECT = "rfranklin/demo"
A, B, C = "5a0000000000000000000001", "5a0000000000000000000002", "5a0000000000000000000003"
FOLDER = "5f0000000000000000000001"
TASK = "123a1a1a-12a1-1234-a123-1234567a1a12"


def sb_file(file_id: str = A, **fields: Any) -> SbFile:
    """Build a file as the listing returns it: a ``.bam`` in :data:`PROJECT`, no tags, no metadata.

    :param file_id: Optional. Its id (default :data:`A`).
    :param fields: Optional. Fields to set or override.
    :return: The file.
    """
    file: dict[str, Any] = {"id": file_id, "name": f"{file_id[-1]}.bam", "type": "file", "project": PROJECT}
    file.update({"tags": [], "metadata": {}, **fields})
    return file  # type: ignore[return-value]
