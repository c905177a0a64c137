"""Tag, annotate and rename the outputs of a pipeline run on a Seven Bridges platform (CGC, CAVATICA, ...).

The run's outputs are selected by a query — the project, the sample's ``metadata.sample_id`` and the run's
``origin.task`` — so the DAG never needs file ids. Both bulk tasks read the files in pages of 100 and write with the
bulk API, 100 files per call, then re-read what they wrote (100 per call): tagging 1,000 files costs 30 calls of the
1,000 the platform allows per 5 minutes (20 with ``verify_writes=False``).
Then the run's report is renamed.

The defaults in ``params`` match the emulator's ``demo`` seed (the report is the seed's ``results/summary.html``), so
``make demo`` and the end-to-end tests run this file unchanged; point the ``sevenbridges_default`` connection at your
platform and pass your own project, run and report. Every task is idempotent: a second run sends no write.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from genomics_provider.operators.sevenbridges import (
    RenameFileOperator,
    TagFilesOperator,
    UpdateFileMetadataOperator,
)

RUN_OUTPUTS = {
    "project": "{{ params.project }}",
    "metadata.sample_id": "{{ params.sample_id }}",
    "origin.task": "{{ params.pipeline_run }}",
}

with DAG(
    dag_id="sevenbridges_tag_outputs",
    description="Tag and annotate a pipeline run's outputs on Seven Bridges, in bulk",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["genomics", "sevenbridges", "example"],
    params={
        "project": Param("rfranklin/demo-project", type="string", pattern="^[^/]+/[^/]+$"),
        "sample_id": Param("HCC1143", type="string"),
        "pipeline_run": Param("8f9e2c1a-3b4d-4e5f-a6b7-c8d9e0f1a2b3", type="string"),
        "release": Param("release-2024-11", type="string"),
        "report_file": Param("65a100000000000000000403", type="string", pattern="^[0-9a-f]{24}$"),
    },
) as dag:
    # [START howto_operator_sevenbridges_tags]
    tag_outputs = TagFilesOperator(
        task_id="tag_run_outputs",
        query=RUN_OUTPUTS,
        tags=["reviewed", "{{ params.release }}"],
        mode="add",
    )
    # [END howto_operator_sevenbridges_tags]

    # [START howto_operator_sevenbridges_metadata]
    stamp_metadata = UpdateFileMetadataOperator(
        task_id="stamp_run_metadata",
        query=RUN_OUTPUTS,
        metadata={"review_status": "approved", "release": "{{ params.release }}"},
        mode="merge",
    )
    # [END howto_operator_sevenbridges_metadata]

    # [START howto_operator_sevenbridges_rename]
    rename_report = RenameFileOperator(
        task_id="rename_report",
        file_id="{{ params.report_file }}",
        name="{{ params.sample_id }}_{{ params.release }}_summary.html",
    )
    # [END howto_operator_sevenbridges_rename]

    tag_outputs >> stamp_metadata >> rename_report


if __name__ == "__main__":
    dag.test()
