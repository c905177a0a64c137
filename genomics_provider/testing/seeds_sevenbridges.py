"""The Seven Bridges part of the seeds: fixed 24-hex ids users can rely on (see docs/emulator.md)."""

from __future__ import annotations

import gc
from typing import Any

from genomics_provider.testing.state import SevenBridgesState

CALLER = "rfranklin"
OTHER_USER = "jdoe"

PROJECT_DEMO = "rfranklin/demo-project"
PROJECT_ARCHIVE = "rfranklin/archive"
PROJECT_REFERENCE = "jdoe/reference-data"  # the caller may read but not write
PROJECT_SCALE = "rfranklin/scale-test"  # holds generated files (sb_files=N)

ROOT_DEMO = "65f000000000000000000001"
ROOT_ARCHIVE = "65f000000000000000000002"
ROOT_REFERENCE = "65f000000000000000000003"
ROOT_SCALE = "65f0000000000000000000ff"

FOLDER_FASTQ = "65f100000000000000000001"
FOLDER_LANE2 = "65f100000000000000000002"  # inside FOLDER_FASTQ
FOLDER_RESULTS = "65f100000000000000000003"
FOLDER_2023 = "65f100000000000000000004"  # in the archive project

TASK_RUN_1 = "8f9e2c1a-3b4d-4e5f-a6b7-c8d9e0f1a2b3"  # outputs for sample HCC1143
TASK_RUN_2 = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"  # outputs for sample HCC1954
TASK_ARCHIVED = "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"

FILE_REFERENCE_GENOME = "65a100000000000000000401"  # read-only
FILE_ARCHIVED_BAM = "65a100000000000000000504"  # read-only


def _fid(suffix: str) -> str:
    return f"65a10000000000000000{suffix}"


_USERS = [
    (CALLER, "rfranklin@example.com", "Rosalind", "Franklin"),
    (OTHER_USER, "jdoe@example.com", "Jane", "Doe"),
]

_FULL = {"read": True, "write": True, "copy": True, "execute": True, "admin": True}
_READ = {"read": True, "write": False, "copy": True, "execute": False, "admin": False}

# fmt: off
_PROJECTS = [
    (PROJECT_DEMO, "Demo Project", ROOT_DEMO, _FULL),
    (PROJECT_ARCHIVE, "Archive", ROOT_ARCHIVE, _FULL),
    (PROJECT_REFERENCE, "Reference data", ROOT_REFERENCE, _READ),
]

_FOLDERS = [
    (FOLDER_FASTQ, "fastq", PROJECT_DEMO, ROOT_DEMO),
    (FOLDER_LANE2, "lane2", PROJECT_DEMO, FOLDER_FASTQ),
    (FOLDER_RESULTS, "results", PROJECT_DEMO, ROOT_DEMO),
    (FOLDER_2023, "2023", PROJECT_ARCHIVE, ROOT_ARCHIVE),
]

_RUN_OUTPUTS = [("bam", 63703339, ["bam"]), ("bam.bai", 4521984, []), ("vcf.gz", 9437184, ["vcf"]),
                ("vcf.gz.tbi", 131072, []), ("metrics.txt", 2048, ["qc"])]

# suffix, name, project, parent, size, tags, metadata, origin
_PLAIN_FILES: list[tuple[Any, ...]] = [
    ("0101", "HCC1143_R1.fastq.gz", PROJECT_DEMO, FOLDER_FASTQ, 1_200_000_000, ["fastq", "tumor"],
     {"sample_id": "HCC1143", "case_id": "CASE-0001", "paired_end": "1"}, {}),
    ("0102", "HCC1143_R2.fastq.gz", PROJECT_DEMO, FOLDER_FASTQ, 1_180_000_000, ["fastq", "tumor"],
     {"sample_id": "HCC1143", "case_id": "CASE-0001", "paired_end": "2"}, {}),
    ("0103", "HCC1954_R1.fastq.gz", PROJECT_DEMO, FOLDER_FASTQ, 1_050_000_000, ["fastq", "normal"],
     {"sample_id": "HCC1954", "case_id": "CASE-0002", "paired_end": "1"}, {}),
    ("0104", "HCC1954_R2.fastq.gz", PROJECT_DEMO, FOLDER_FASTQ, 1_040_000_000, ["fastq", "normal"],
     {"sample_id": "HCC1954", "case_id": "CASE-0002", "paired_end": "2"}, {}),
    ("0105", "HCC1143_L2_R1.fastq.gz", PROJECT_DEMO, FOLDER_LANE2, 600_000_000, ["fastq"],
     {"sample_id": "HCC1143", "paired_end": "1"}, {}),
    ("0106", "HCC1143_L2_R2.fastq.gz", PROJECT_DEMO, FOLDER_LANE2, 590_000_000, ["fastq"],
     {"sample_id": "HCC1143", "paired_end": "2"}, {}),
    ("0401", "GRCh38.fa", PROJECT_DEMO, ROOT_DEMO, 3_200_000_000, ["reference"],
     {"reference_genome": "GRCh38"}, {"dataset": "reference-genomes"}),
    ("0402", "notes.txt", PROJECT_DEMO, ROOT_DEMO, 512, [], {}, {}),
    ("0403", "summary.html", PROJECT_DEMO, FOLDER_RESULTS, 20480, ["report"], {"sample_id": "HCC1143"}, {}),
    ("0501", "old_run.bam", PROJECT_ARCHIVE, FOLDER_2023, 50_000_000, ["bam"],
     {"sample_id": "HCC1143"}, {"task": TASK_ARCHIVED}),
    ("0502", "old_run.vcf.gz", PROJECT_ARCHIVE, FOLDER_2023, 8_000_000, ["vcf"],
     {"sample_id": "HCC1143"}, {"task": TASK_ARCHIVED}),
    ("0503", "legacy_manifest.csv", PROJECT_ARCHIVE, ROOT_ARCHIVE, 4096, ["manifest"], {}, {}),
    ("0504", "archived.bam", PROJECT_ARCHIVE, ROOT_ARCHIVE, 40_000_000, ["bam", "archived"],
     {"sample_id": "HCC0001"}, {}),
    ("0601", "dbsnp.vcf.gz", PROJECT_REFERENCE, ROOT_REFERENCE, 15_000_000_000, ["reference", "vcf"],
     {"reference_genome": "GRCh38"}, {"dataset": "dbsnp"}),
    ("0602", "dbsnp.vcf.gz.tbi", PROJECT_REFERENCE, ROOT_REFERENCE, 3_000_000, ["reference"],
     {"reference_genome": "GRCh38"}, {"dataset": "dbsnp"}),
    ("0603", "README.txt", PROJECT_REFERENCE, ROOT_REFERENCE, 1024, [], {}, {}),
]
# fmt: on

_READ_ONLY = (FILE_REFERENCE_GENOME, FILE_ARCHIVED_BAM)


def _base(state: SevenBridgesState, seed: str) -> None:
    state.caller = CALLER
    for username, email, first, last in _USERS:
        state.users[username] = {
            "username": username,
            "email": email,
            "first_name": first,
            "last_name": last,
            "affiliation": "Emulator Institute",
            "phone": "",
            "address": "",
            "city": "",
            "state": "",
            "country": "",
            "zip_code": "",
        }
    projects = _PROJECTS if seed == "demo" else [(PROJECT_DEMO, "Demo Project", ROOT_DEMO, _FULL)]
    for pid, name, root, perms in projects:
        _add_project(state, pid, name, root, perms)


def _add_project(state: SevenBridgesState, pid: str, name: str, root: str, perms: dict[str, bool]) -> None:
    state.projects[pid] = {
        "id": pid,
        "name": name,
        "type": "v2",
        "description": "",
        "tags": [],
        "billing_group": "ec1dc1e3-12a3-4b56-789c-e3f2dca0c6f7",
        "category": "PRIVATE",
        "settings": {"locked": False, "controlled": False},
        "permissions": dict(perms),
        "root_folder": root,
        "created_by": pid.split("/")[0],
        "created_on": "2024-01-01T00:00:00Z",
        "modified_on": "2024-01-01T00:00:00Z",
    }
    state.root_folders[root] = pid


def _add_runs(state: SevenBridgesState) -> None:
    runs = [("02", TASK_RUN_1, "HCC1143", "tumor"), ("03", TASK_RUN_2, "HCC1954", "normal")]
    for prefix, task, sample, kind in runs:
        for index, (ext, size, extra_tags) in enumerate(_RUN_OUTPUTS, start=1):
            state.add_file(
                {
                    "id": _fid(f"{prefix}{index:02d}"),
                    "name": f"{sample}.{ext}",
                    "project": PROJECT_DEMO,
                    "parent": ROOT_DEMO,
                    "size": size,
                    "tags": ["WGS", kind, *extra_tags],
                    "metadata": {
                        "sample_id": sample,
                        "reference_genome": "GRCh38",
                        "experimental_strategy": "WGS",
                    },
                    "origin": {"task": task},
                    "created_on": "2024-03-02T12:00:00Z",
                }
            )


def _add_plain(state: SevenBridgesState, rows: list[tuple[Any, ...]], created_on: str) -> None:
    for suffix, name, project, parent, size, tags, metadata, origin in rows:
        item = {"id": _fid(suffix), "name": name, "project": project, "parent": parent, "size": size}
        item.update(tags=list(tags), metadata=dict(metadata), origin=dict(origin), created_on=created_on)
        state.add_file(item, read_only=_fid(suffix) in _READ_ONLY)


def build_sevenbridges(seed: str, generated: int = 0) -> SevenBridgesState:
    """Build the Seven Bridges state of a seed.

    :param seed: ``"demo"`` or ``"empty"`` (users and an empty ``rfranklin/demo-project``).
    :param generated: Number of generated files in ``rfranklin/scale-test`` (ids ``5ca1e…``).
    :return: The state.
    """
    state = SevenBridgesState()
    _base(state, seed)
    if seed == "demo":
        for fid, name, project, parent in _FOLDERS:
            folder = {"id": fid, "name": name, "type": "folder", "project": project, "parent": parent}
            state.add_file({**folder, "created_on": "2024-03-01T09:00:00Z"})
        _add_plain(state, _PLAIN_FILES[:9], "2024-03-01T10:00:00Z")
        _add_runs(state)
        _add_plain(state, _PLAIN_FILES[9:], "2023-06-01T10:00:00Z")
    if generated:
        _generate(state, generated)
    return state


def _generate(state: SevenBridgesState, count: int) -> None:
    """Add ``count`` deterministic files to the scale project, fast (no per-file helper calls, no GC passes).

    :param state: The state to fill.
    :param count: Number of files.
    """
    _add_project(state, PROJECT_SCALE, "Scale test", ROOT_SCALE, _FULL)
    kinds = ("bam", "vcf.gz", "fastq.gz", "txt")
    files = state.files
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for index in range(count):
            fid = f"5ca1e{index:019x}"
            day, second = divmod(index, 86400)
            clock = f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
            stamp = f"2024-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T{clock}Z"
            files[fid] = {
                "id": fid,
                "name": f"file_{index:06d}.{kinds[index % 4]}",
                "size": 1000 + index,
                "type": "file",
                "project": PROJECT_SCALE,
                "parent": ROOT_SCALE,
                "created_on": stamp,
                "modified_on": stamp,
                "storage": {"type": "PLATFORM", "hosted_on_locations": ["aws:us-east-1"]},
                "origin": {"task": f"00000000-0000-4000-8000-{index // 100:012x}"},
                "tags": ["even" if index % 2 == 0 else "odd", kinds[index % 4]],
                "metadata": {"sample_id": f"S{index // 4:05d}", "batch": f"B{index % 10}"},
            }
    finally:
        if gc_was_enabled:
            gc.enable()
    state.reindex()
