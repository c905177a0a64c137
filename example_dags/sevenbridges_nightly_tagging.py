"""Nightly curation on Seven Bridges: tag and stamp the files uploaded on the run's logical date.

Each night the DAG selects the day's new files by query — files in the project whose ``upload_date`` metadata equals
the logical date (``{{ ds }}``) — and tags them and stamps curation metadata in bulk, 100 files per call. Catch-up is
off: a missed night is picked up by triggering that date by hand. Idempotent, so a re-run of a night writes nothing.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from genomics_provider.operators.sevenbridges import TagFilesOperator, UpdateFileMetadataOperator

TODAYS_UPLOADS = {"project": "{{ params.project }}", "metadata.upload_date": "{{ ds }}"}

with DAG(
    dag_id="sevenbridges_nightly_tagging",
    description="Tag and stamp the day's new files on Seven Bridges",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["genomics", "sevenbridges", "example"],
    params={"project": Param("rfranklin/demo-project", type="string", pattern="^[^/]+/[^/]+$")},
) as dag:
    # [START howto_nightly_sevenbridges]
    tag_new_files = TagFilesOperator(
        task_id="tag_new_files",
        query=TODAYS_UPLOADS,
        tags=["nightly-{{ ds_nodash }}"],
    )
    stamp_new_files = UpdateFileMetadataOperator(
        task_id="stamp_new_files",
        query=TODAYS_UPLOADS,
        metadata={"curated_on": "{{ ds }}", "curated_by": "airflow"},
    )
    # [END howto_nightly_sevenbridges]

    tag_new_files >> stamp_new_files


if __name__ == "__main__":
    dag.test()
