"""Property test of UpdateFilesFromManifestOperator: a random manifest applied on the emulator leaves every file as
a model computed from its start state and its row says, touches no other file, and a second run writes nothing.

The model (:func:`expected_tags`, :func:`expected_metadata`) is written from the documented sheet rules (README,
"Curate from a sample sheet"; :mod:`genomics_provider.sevenbridges.sheet`), not from the provider's plan code: tags
``add`` keeps the file's tags and appends new ones in row order, ``remove`` drops the row's, ``replace`` keeps the
file's tags that the row names, in their order, then appends the rest; ``<delete>`` in ``tags`` (``replace`` only)
clears them. Metadata ``merge`` sets each given key and removes each ``<delete>`` one; ``replace`` makes the given
values the whole metadata; an empty cell leaves its key alone, and a row whose metadata cells are all empty leaves
the metadata alone in either mode.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

from hypothesis import given, settings
from hypothesis import strategies as st

from genomics_provider.operators.sevenbridges import UpdateFilesFromManifestOperator
from genomics_provider.testing import Emulator

GENERATED_ITEMS = 0  # the demo seed alone (tests/reliability/conftest.py)

PROJECT = "rfranklin/demo-project"
DELETE = "<delete>"
#: Tags and metadata drawn from a small alphabet that overlaps what the demo files already carry.
TAGS = ["qc-passed", "batch-3", "fastq", "tumor", "WGS", "bam"]
KEYS = ["sample_id", "case_id", "paired_end", "sample_type"]
VALUES = ["", "", DELETE, "HCC1143", "C-17", "1", "Tumor"]
FORMATS = ["rows", "csv", "tsv", "json", "jsonl"]
SEPARATORS = [";", "|", ","]


def demo_files(emu: Emulator) -> dict[str, str]:
    """The demo project's writable files, by id, with their paths inside the project (what a sheet names).

    :param emu: The emulator, at its seed.
    :return: Path by file id.
    """
    state = emu.sevenbridges
    paths: dict[str, str] = {}
    for file_id, item in state.files.items():
        if item.get("project") != PROJECT or item.get("type") == "folder" or file_id in state.read_only:
            continue
        parts, parent = [item["name"]], item.get("parent")
        while parent in state.files:
            parts.insert(0, state.files[parent]["name"])
            parent = state.files[parent].get("parent")
        paths[file_id] = "/".join(parts)
    return paths


@st.composite
def manifests(draw: st.DrawFn, files: dict[str, str]) -> dict[str, Any]:
    """Draw a manifest: which files, keyed how, each row's tags and metadata cells, the modes and the format.

    :param draw: Hypothesis' draw.
    :param files: Path by file id of the files a row may name.
    :return: ``rows`` (file id, tags cell, metadata cells), ``key``, ``tag_mode``, ``metadata_mode``, ``format``,
        ``separator``, and ``tag_lists`` (JSON and rows in memory give tags as a list rather than one string).
    """
    tag_mode = draw(st.sampled_from(["add", "remove", "replace"]))
    ids = draw(st.lists(st.sampled_from(sorted(files)), min_size=1, max_size=len(files), unique=True))
    keys = draw(st.lists(st.sampled_from(KEYS), max_size=len(KEYS), unique=True))
    tag_cells = st.none() | st.lists(st.sampled_from(TAGS), min_size=1, max_size=4, unique=True)
    if tag_mode == "replace":
        tag_cells = tag_cells | st.just(DELETE)
    rows = [(file_id, draw(tag_cells), {key: draw(st.sampled_from(VALUES)) for key in keys}) for file_id in ids]
    return {
        "rows": rows,
        "key": draw(st.sampled_from(["id", "name"])),
        "tag_mode": tag_mode,
        "metadata_mode": draw(st.sampled_from(["merge", "replace"])),
        "format": draw(st.sampled_from(FORMATS)),
        "separator": draw(st.sampled_from(SEPARATORS)),
        "tag_lists": draw(st.booleans()),
    }


def expected_tags(start: list[str], cell: list[str] | str | None, mode: str) -> list[str]:
    """The model of a file's tags after its row.

    :param start: The file's tags before the run.
    :param cell: The row's tags (``None``: empty cell; :data:`DELETE`: clear).
    :param mode: The tag mode.
    :return: The tags the file must end with.
    """
    if cell is None:
        return start
    if cell == DELETE:
        return []
    if mode == "remove":
        return [tag for tag in start if tag not in cell]
    kept = start if mode == "add" else [tag for tag in start if tag in cell]
    return kept + [tag for tag in cell if tag not in kept]


def expected_metadata(start: dict[str, str], cells: dict[str, str], mode: str) -> dict[str, str]:
    """The model of a file's metadata after its row.

    :param start: The file's metadata before the run.
    :param cells: The row's metadata cells (``""``: empty; :data:`DELETE`: remove the key).
    :param mode: The metadata mode.
    :return: The metadata the file must end with.
    """
    given = {key: value for key, value in cells.items() if value != ""}
    if not given:
        return start
    if mode == "replace":
        return {key: value for key, value in given.items() if value != DELETE}
    result = {key: value for key, value in start.items() if given.get(key) != DELETE}
    result.update({key: value for key, value in given.items() if value != DELETE})
    return result


def sheet_argument(manifest: dict[str, Any], files: dict[str, str], directory: Path) -> Any:
    """Write the manifest in its format: rows in memory, or a file in ``directory``.

    :param manifest: A drawn manifest.
    :param files: Path by file id.
    :param directory: Where a file goes.
    :return: The ``sheet`` argument.
    """
    key, separator, fmt = manifest["key"], manifest["separator"], manifest["format"]
    records: list[dict[str, Any]] = []
    for file_id, tags, cells in manifest["rows"]:
        record: dict[str, Any] = {key: file_id if key == "id" else files[file_id]}
        if tags is not None or fmt in ("csv", "tsv"):
            record["tags"] = "" if tags is None else tags if isinstance(tags, str) else separator.join(tags)
            if isinstance(tags, list) and manifest["tag_lists"] and fmt not in ("csv", "tsv"):
                record["tags"] = tags
        record.update({f"metadata.{name}": value for name, value in cells.items()})
        records.append(record)
    if fmt == "rows":
        return records
    path = directory / f"manifest.{fmt}"
    if fmt in ("json", "jsonl"):
        text = json.dumps(records) if fmt == "json" else "".join(json.dumps(r) + "\n" for r in records)
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(records[0]), delimiter="," if fmt == "csv" else "\t")
        writer.writeheader()
        writer.writerows(records)
        text = out.getvalue()
    path.write_text(text, encoding="utf-8")
    return f"file://{path}"


def state(emu: Emulator) -> dict[str, tuple[list[str], dict[str, Any]]]:
    return {
        fid: (list(item.get("tags", [])), dict(item.get("metadata", {})))
        for fid, item in emu.sevenbridges.files.items()
    }


def run(manifest: dict[str, Any], sheet: Any) -> dict[str, Any]:
    operator = UpdateFilesFromManifestOperator(
        task_id="stamp", sheet=sheet, project=PROJECT if manifest["key"] == "name" else None,
        tag_separator=manifest["separator"], tag_mode=manifest["tag_mode"],
        metadata_mode=manifest["metadata_mode"], verify_writes=True,
    )  # fmt: skip
    return dict(operator.execute(context={"ti": MagicMock()}))


def writes(emu: Emulator) -> list[Any]:
    return [r for r in emu.recorder.writes(api="sevenbridges") if not r.path.endswith("/bulk/files/get")]


# One emulator for the module (rate limits off, tests/reliability/conftest.py), back to its seed in each example.
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_a_random_manifest_converges_to_the_model_and_a_second_run_writes_nothing(emu: Emulator, data: Any) -> None:
    emu.reset()
    files = demo_files(emu)
    manifest = data.draw(manifests(files))
    before = state(emu)
    expected = dict(before)
    for file_id, tags, cells in manifest["rows"]:
        start_tags, start_metadata = before[file_id]
        expected[file_id] = (
            expected_tags(start_tags, tags, manifest["tag_mode"]),
            expected_metadata(start_metadata, cells, manifest["metadata_mode"]),
        )
    changed = {file_id for file_id in expected if expected[file_id] != before[file_id]}

    with tempfile.TemporaryDirectory() as directory:
        sheet = sheet_argument(manifest, files, Path(directory))
        first = run(manifest, sheet)
        assert state(emu) == expected
        assert (set(first["changed"]), first["failed"], first["skipped"]) == (changed, {}, {})
        assert set(first["unchanged"]) == {row[0] for row in manifest["rows"]} - changed

        emu.recorder.clear()
        second = run(manifest, sheet)

    assert second["changed"] == []
    assert writes(emu) == []
    assert state(emu) == expected
