"""Curate a sequencing run from its sample sheet: per-file metadata on Seven Bridges, sharing on One Codex.

A run's sample sheet lands (here ``data/run42_samplesheet.csv`` beside this file, read through Airflow's
``ObjectStoragePath`` as ``file://…``; an ``s3://`` or ``gs://`` URI works the same with that provider installed).
One row per library: the Seven Bridges output file (``name``), the One Codex upload of its reads (``filename``), the
sample's metadata, its tags, and whether to share it. The DAG waits until the run's outputs are on Seven Bridges,
stamps each file with its own row's metadata and tags (one bulk call per 100 files), then tags and shares the One
Codex samples the same sheet lists. Each operator skips the other platform's columns with ``ignore_columns``.

The defaults match the emulator's ``demo`` seed, so ``make demo`` and the end-to-end tests run this file unchanged.
Every task is idempotent: a second run sends no write.
"""

from __future__ import annotations

from pathlib import Path

import pendulum
from airflow.sdk import DAG, Param

from genomics_provider.operators.onecodex import UpdateSamplesFromSheetOperator
from genomics_provider.operators.sevenbridges import UpdateFilesFromManifestOperator
from genomics_provider.sensors.sevenbridges import SevenBridgesFilesSensor

SHEET = f"file://{Path(__file__).parent / 'data' / 'run42_samplesheet.csv'}"
OUTPUTS = ["HCC1143.bam", "HCC1143.vcf.gz", "HCC1954.bam", "HCC1954.vcf.gz"]

with DAG(
    dag_id="sequencing_run_sample_sheet",
    description="Apply a sequencing run's sample sheet to Seven Bridges files and One Codex samples",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["genomics", "sevenbridges", "onecodex", "sample-sheet", "example"],
    params={
        "sheet": Param(SHEET, type="string"),
        "project": Param("rfranklin/demo-project", type="string", pattern="^[^/]+/[^/]+$"),
    },
) as dag:
    wait_for_outputs = SevenBridgesFilesSensor(
        task_id="wait_for_outputs",
        query={"project": "{{ params.project }}", "name": OUTPUTS},
        min_count=len(OUTPUTS),
        poke_interval=5,
        timeout=600,
    )

    # [START howto_operator_sevenbridges_manifest]
    stamp_files = UpdateFilesFromManifestOperator(
        task_id="stamp_files",
        sheet="{{ params.sheet }}",
        project="{{ params.project }}",
        tag_mode="add",
        metadata_mode="merge",
        ignore_columns=["filename", "visibility"],
    )
    # [END howto_operator_sevenbridges_manifest]

    # [START howto_operator_onecodex_sheet]
    share_samples = UpdateSamplesFromSheetOperator(
        task_id="share_samples",
        sheet="{{ params.sheet }}",
        tag_mode="add",
        ignore_columns=["name", "sample_id", "case_id", "sample_type", "library_id"],
    )
    # [END howto_operator_onecodex_sheet]

    wait_for_outputs >> stamp_files >> share_samples


if __name__ == "__main__":
    dag.test()
