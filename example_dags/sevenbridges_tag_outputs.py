"""Tag and annotate the outputs of a pipeline run on a Seven Bridges platform (CGC, CAVATICA, BioData Catalyst, ...).

The files are selected by a query — the project, the sample's ``metadata.sample_id`` and the run's ``origin.task`` —
so the DAG never needs file ids. Both tasks read the files in pages of 100 and write with the bulk API, 100 files per
call: tagging 1,000 files costs about 20 calls of the 1,000 the platform allows per 5 minutes.

The defaults in ``params`` match the emulator's ``demo`` seed, so ``make demo`` and the end-to-end tests run this file
unchanged; point the ``sevenbridges_default`` connection at your platform and pass your own project and run.
Every task is idempotent: run the DAG twice and the second run sends no write.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from genomics_provider.operators.sevenbridges import TagFilesOperator, UpdateFileMetadataOperator

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

    tag_outputs >> stamp_metadata


if __name__ == "__main__":
    dag.test()
