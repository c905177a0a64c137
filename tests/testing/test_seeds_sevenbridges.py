"""The Seven Bridges seed (seeds_sevenbridges): projects, root folders, read-only files, generated scale files."""

from __future__ import annotations

from genomics_provider.testing.seeds_sevenbridges import (
    CALLER,
    FILE_ARCHIVED_BAM,
    FILE_REFERENCE_GENOME,
    PROJECT_ARCHIVE,
    PROJECT_DEMO,
    PROJECT_REFERENCE,
    PROJECT_SCALE,
    ROOT_DEMO,
    ROOT_SCALE,
    build_sevenbridges,
)


def test_demo_projects_roots_and_permissions() -> None:
    state = build_sevenbridges("demo")
    assert state.caller == CALLER == "rfranklin"
    assert list(state.projects) == [PROJECT_DEMO, PROJECT_ARCHIVE, PROJECT_REFERENCE]
    assert {pid: project["root_folder"] for pid, project in state.projects.items()} == {
        pid: root for root, pid in state.root_folders.items()
    }
    assert state.projects[PROJECT_REFERENCE]["permissions"]["write"] is False
    assert state.projects[PROJECT_REFERENCE]["created_by"] == "jdoe"
    assert set(state.users) == {"rfranklin", "jdoe"}


def test_demo_read_only_files_and_the_files_parents() -> None:
    state = build_sevenbridges("demo")
    assert state.read_only == {FILE_REFERENCE_GENOME, FILE_ARCHIVED_BAM}
    for item in state.files.values():
        assert item["parent"] in state.files or item["parent"] in state.root_folders
        assert state.root_folders.get(item["parent"], item["project"]) == item["project"]


def test_empty_seed_keeps_the_demo_project_without_files() -> None:
    state = build_sevenbridges("empty")
    assert list(state.projects) == [PROJECT_DEMO]
    assert state.root_folders == {ROOT_DEMO: PROJECT_DEMO}
    assert (state.files, state.read_only, state.caller) == ({}, set(), CALLER)


def test_generated_files_live_in_the_scale_project_and_are_indexed() -> None:
    state = build_sevenbridges("empty", 5)
    assert state.root_folders[ROOT_SCALE] == PROJECT_SCALE
    generated = [state.files[fid] for fid in state.children(ROOT_SCALE)]
    assert [item["name"] for item in generated] == [
        "file_000000.bam", "file_000001.vcf.gz", "file_000002.fastq.gz", "file_000003.txt", "file_000004.bam"
    ]  # fmt: skip
    assert generated[4]["id"] == f"5ca1e{4:019x}"
    assert generated[4]["metadata"] == {"sample_id": "S00001", "batch": "B4"}
    assert generated[1]["tags"] == ["odd", "vcf.gz"]
    assert PROJECT_SCALE not in build_sevenbridges("demo").projects  # only with generated files
