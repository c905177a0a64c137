"""The One Codex part of the seeds: fixed, readable ids users can rely on (see docs/emulator.md)."""

from __future__ import annotations

import copy
from typing import Any

from genomics_provider.testing.oc_model import ref, uri
from genomics_provider.testing.state import OneCodexState, oc_timestamp

# Users
USER_ME = "4ada56103d9a48b8"  # the API key's user
USER_COLLEAGUE = "9923090af03c46ce"  # same organisation
USER_EXTERNAL = "b1e6c0a2f4d35e79"  # another organisation

# Tags
TAG_S_AUREUS = "42997b7a62634985"
TAG_NEG_CONTROL = "fb8e3b693c874f9e"
TAG_DATASET_2 = "5c1e9e41043e4435"
TAG_QC_PASSED = "0c7d2a51e3b94f68"
TAG_DUPLICATE_1 = "d1a3f5e7c9b2d4f6"
TAG_DUPLICATE_2 = "d2b4f6a8c0d3e5a7"
TAG_UNUSED = "8e6f4a2c0b9d7e5f"

# Projects
PROJECT_TEST = "4b53797444f846c4"  # owned by the colleague, caller has every permission
PROJECT_SOIL = "7e1a2b3c4d5e6f70"  # owned by the caller
PROJECT_READ_ONLY = "c3d5e7f9a1b2c4d6"  # no can_add_files / can_edit_metadata for the caller

# Samples
SAMPLE_1 = "7428cca4a3a04a8e"
SAMPLE_GUT = "1d5a9c3e7b2f4a60"
SAMPLE_SOIL_A1 = "2b8e4f1a6c3d9e70"
SAMPLE_SOIL_A2 = "3c9f5a2b7d4e0f81"
SAMPLE_MOCK = "4d0a6b3c8e5f1a92"
SAMPLE_IMPORTING = "5e1b7c4d9f6a2ba3"
SAMPLE_FAILED = "6f2c8d5e0a7b3cb4"
SAMPLE_AWAITING = "7a3d9e6f1b8c4dc5"
SAMPLE_COLLEAGUE_PRIVATE = "8b4e0f7a2c9d5ed6"
SAMPLE_COLLEAGUE_SHARED = "9c5f1a8b3d0e6fe7"
SAMPLE_EXTERNAL_PUBLIC = "0d6a2b9c4e1f7af8"

# fmt: off
ALL_PERMISSIONS = ["can_see_files", "can_add_files", "can_edit_metadata", "can_download_files", "can_incur_charges",
                   "can_administer"]

_USERS = [
    (USER_ME, "emulator-user@example.com", "emulator_user", "demo-lab"),
    (USER_COLLEAGUE, "colleague@example.com", None, "demo-lab"),
    (USER_EXTERNAL, "external@example.org", None, "other-institute"),
]

_TAGS = [
    (TAG_S_AUREUS, "S. aureus"), (TAG_NEG_CONTROL, "neg. control"), (TAG_DATASET_2, "Dataset 2"),
    (TAG_QC_PASSED, "qc-passed"), (TAG_DUPLICATE_1, "duplicate"), (TAG_DUPLICATE_2, "duplicate"),
    (TAG_UNUSED, "unused"),
]

_PROJECTS = [
    (PROJECT_TEST, "Test", "testproj", USER_COLLEAGUE, False, ALL_PERMISSIONS),
    (PROJECT_SOIL, "Soil survey 2024", "soil_2024", USER_ME, False, ALL_PERMISSIONS),
    (PROJECT_READ_ONLY, "Read-only collaboration", "ro_collab", USER_EXTERNAL, True,
     ["can_see_files", "can_download_files"]),
]

# id, metadata id, owner, filename, size, visibility, status, project, tags, classification, created_at
_SAMPLES: list[tuple[Any, ...]] = [
    (SAMPLE_1, "a7fc7e430e704e2e", USER_ME, "SRR2352185.fastq.gz", 181687821, "private", "available", None,
     [TAG_S_AUREUS, TAG_NEG_CONTROL], "464a7ebcf9f84050", "2015-09-25T17:27:19.596555-07:00"),
    (SAMPLE_GUT, "2e4a6c8e0a1c3e5a", USER_ME, "gut_sample_02.fastq.gz", 52428800, "shared", "available",
     PROJECT_TEST, [TAG_DATASET_2], "5a7c9e1b3d5f7a9c", "2023-05-02T09:15:00+00:00"),
    (SAMPLE_SOIL_A1, "3f5b7d9f1b2d4f6b", USER_ME, "soil_A1_R1.fastq.gz", 73400320, "private", "available",
     PROJECT_SOIL, [TAG_QC_PASSED], "6b8d0f2c4e6a8b0d", "2024-02-10T08:00:00+00:00"),
    (SAMPLE_SOIL_A2, "4a6c8e0a2c3e5a7c", USER_ME, "soil_A2_R1.fastq.gz", 70254592, "public", "available",
     PROJECT_SOIL, [TAG_QC_PASSED, TAG_DUPLICATE_1], "7c9e1a3d5f7b9c1e", "2024-02-10T08:05:00+00:00"),
    (SAMPLE_MOCK, "5b7d9f1b3d4f6b8d", USER_ME, "mock_community.fasta", 1048576, "private", "available", None,
     [], "8d0f2b4e6a8c0d2f", "2024-03-01T12:00:00+00:00"),
    (SAMPLE_IMPORTING, "6c8e0a2c4e5a7c9e", USER_ME, "incoming_run_17.fastq.gz", None, "importing", "importing",
     None, [], None, "2024-03-05T07:30:00+00:00"),
    (SAMPLE_FAILED, "7d9f1b3d5f6b8d0f", USER_ME, "corrupt_upload.fastq", 4096, "private", "failed_validation",
     None, [], None, "2024-03-06T11:11:11+00:00"),
    (SAMPLE_AWAITING, "8e0a2c4e6a7c9e1a", USER_ME, "pending_upload.fastq.gz", None, "awaiting data",
     "awaiting_data", None, [], None, "2024-03-07T16:45:00+00:00"),
    (SAMPLE_COLLEAGUE_PRIVATE, "9f1b3d5f7b8d0f2b", USER_COLLEAGUE, "colleague_private.fastq.gz", 2097152,
     "private", "available", None, [], "9e1a3c5f7b9d1e3a", "2023-11-20T10:00:00+00:00"),
    (SAMPLE_COLLEAGUE_SHARED, "0a2c4e6a8c9e1a3c", USER_COLLEAGUE, "colleague_shared.fastq.gz", 3145728,
     "shared", "available", None, [TAG_DATASET_2], "0f2b4d6a8c0e2f4b", "2023-11-21T10:00:00+00:00"),
    (SAMPLE_EXTERNAL_PUBLIC, "1b3d5f7b9d0f2b4d", USER_EXTERNAL, "public_reference.fastq.gz", 10485760,
     "public", "available", PROJECT_READ_ONLY, [TAG_NEG_CONTROL], "1a3c5e7b9d1f3a5c", "2022-01-15T00:00:00Z"),
]

_METADATA_EXTRA: dict[str, dict[str, Any]] = {
    SAMPLE_1: {"name": "sample 1", "external_sample_id": "SRR4408292", "platform": "Illumina HiSeq",
               "library_type": "WGS", "sample_type": "Metagenomic", "custom": {"totalige": 112.0}},
    SAMPLE_GUT: {"name": "gut 02", "platform": "Illumina NovaSeq 6000", "custom": {"subject": "P-17"}},
    SAMPLE_SOIL_A1: {"name": "soil A1", "location_lat": 52.52, "location_lon": 13.405, "location_string": "Berlin",
                     "date_collected": "2024-02-01T09:00:00+00:00", "custom": {"depth_cm": 10, "site": "A"}},
    SAMPLE_SOIL_A2: {"name": "soil A2", "starred": True, "custom": {"depth_cm": 20, "site": "A"}},
    SAMPLE_MOCK: {"name": "ZymoBIOMICS mock", "sample_type": "Other", "platform": "Oxford Nanopore MinION"},
}

_EMPTY_METADATA: dict[str, Any] = {
    "name": None, "description": None, "external_sample_id": None, "platform": None, "library_type": None,
    "sample_type": None, "date_collected": None, "date_sequenced": None, "location_lat": None,
    "location_lon": None, "location_string": None, "starred": False, "updated_at": None, "custom": {},
}
# fmt: on


def _add_sample(state: OneCodexState, row: tuple[Any, ...], extra: dict[str, Any] | None = None) -> None:
    sid, mid, owner, filename, size, visibility, status, project, tags, classification, created = row
    failed = status == "failed_validation"
    state.samples[sid] = {
        "$uri": uri("samples", sid),
        "created_at": created,
        "updated_at": created,  # the service always sets it; the official client's model crashes on null
        "error_msg": "File failed validation: truncated gzip stream" if failed else None,
        "filename": filename,
        "size": size,
        "metadata": ref("metadata", mid),
        "owner": ref("users", owner),
        "primary_classification": ref("classifications", classification),
        "project": ref("projects", project),
        "tags": [ref("tags", tag) for tag in tags],
        "visibility": visibility,
        "status": status,
    }
    record = {"$uri": uri("metadata", mid), "sample": ref("samples", sid), **_EMPTY_METADATA, "custom": {}}
    record.update(copy.deepcopy(extra or {}))
    state.metadata[mid] = record


def _base(state: OneCodexState) -> None:
    state.caller = USER_ME
    for uid, email, username, org in _USERS:
        state.users[uid] = {"$uri": uri("users", uid), "email": email, "username": username}
        state.organizations[uid] = org
    state.accounts[USER_ME] = {
        "email": "emulator-user@example.com",
        "username": "emulator_user",
        "user": ref("users", USER_ME),
        "created_at": "2015-01-01T00:00:00+00:00",
        "confirmed_at": "2015-01-01T00:05:00+00:00",
        "coupons": [],
        "credits": 0,
    }


def build_onecodex(seed: str, now: float, generated: int = 0) -> OneCodexState:
    """Build the One Codex state of a seed.

    :param seed: ``"demo"`` or ``"empty"`` (users and account only).
    :param now: Current epoch seconds (the seeded import starts then; its delay is ``config.import_delay_s``).
    :param generated: Number of extra generated samples (ids ``ee`` + 14 hex, metadata ``ed`` + 14 hex).
    :return: The state.
    """
    state = OneCodexState()
    _base(state)
    if seed == "demo":
        for tid, name in _TAGS:
            state.tags[tid] = {"$uri": uri("tags", tid), "name": name}
        for pid, name, handle, owner, public, perms in _PROJECTS:
            state.projects[pid] = {
                "$uri": uri("projects", pid),
                "name": name,
                "description": None,
                "external_id": None,
                "project_name": handle,
                "public": public,
                "owner": ref("users", owner),
                "permissions": list(perms),
            }
        for row in _SAMPLES:
            _add_sample(state, row, _METADATA_EXTRA.get(row[0]))
        state.imports[SAMPLE_IMPORTING] = (now, None)
    for index in range(generated):
        _add_generated(state, index)
    return state


def _add_generated(state: OneCodexState, index: int) -> None:
    project = PROJECT_SOIL if index % 2 and PROJECT_SOIL in state.projects else None
    tags = [TAG_QC_PASSED] if index % 3 == 0 and TAG_QC_PASSED in state.tags else []
    created = oc_timestamp(1_704_067_200 + index * 60)
    sid, mid, classification = f"ee{index:014x}", f"ed{index:014x}", f"ec{index:014x}"
    filename = f"generated_{index:05d}.fastq.gz"
    row = (sid, mid, USER_ME, filename, 1000 + index, "private", "available", project, tags, classification, created)
    _add_sample(state, row, {"name": f"generated {index}"})
