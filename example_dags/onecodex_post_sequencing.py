"""Run after a sequencing pipeline: wait until the uploaded samples are available, then curate them.

A sample uploaded to One Codex is ``importing`` and ``validating`` before it becomes ``available``. The sensor waits
for that *deferred* — the wait runs in the triggerer and holds no worker slot — and fails at once, naming them, if
any sample ends ``failed_validation`` or ``deleted``. Then one PATCH per sample shares it, files it into the project
and tags it, and the metadata is stamped with one mapped task per sample.

The curation tasks run in the ``onecodex_api`` pool so that concurrent DAG runs stay within One Codex's 10 requests
per second per key: ``airflow pools set onecodex_api 2 "One Codex API"``.

The defaults in ``params`` are ids from the emulator's ``demo`` seed (``5e1b7c4d9f6a2ba3`` is still importing).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Param, task

from genomics_provider.operators.onecodex import UpdateSampleMetadataOperator, UpdateSampleOperator
from genomics_provider.sensors.onecodex import OneCodexSampleSensor

ONECODEX_POOL = "onecodex_api"

with DAG(
    dag_id="onecodex_post_sequencing",
    description="Wait for uploaded samples to be available on One Codex, then share, file, tag and annotate them",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["genomics", "onecodex", "example"],
    params={
        "sample_ids": Param(
            ["5e1b7c4d9f6a2ba3", "4d0a6b3c8e5f1a92"],
            type="array",
            items={"type": "string", "pattern": "^[0-9a-f]{16}$"},
            description="The samples the upload step created",
        ),
        "project": Param("soil_2024", type="string"),
        "run_tag": Param("run-2024-11-08", type="string", maxLength=30),
    },
) as dag:

    @task(multiple_outputs=False)
    def uploaded_samples(params: dict[str, object] | None = None) -> list[str]:
        """Stand-in for the upload or pipeline step: return the ids of the samples it created."""
        return list((params or {}).get("sample_ids") or [])  # type: ignore[call-overload]

    # [START howto_sensor_onecodex_samples]
    available = OneCodexSampleSensor(
        task_id="wait_until_available",
        sample_ids=uploaded_samples(),
        deferrable=True,
        poke_interval=5,
        timeout=int(timedelta(hours=6).total_seconds()),
    )
    # [END howto_sensor_onecodex_samples]

    curate = UpdateSampleOperator(
        task_id="share_file_and_tag",
        sample_ids=available.output,
        visibility="shared",
        project="{{ params.project }}",
        tags=["qc-passed", "{{ params.run_tag }}"],
        pool=ONECODEX_POOL,
    )

    annotate = UpdateSampleMetadataOperator.partial(
        task_id="stamp_metadata",
        custom={"sequencing_run": "{{ params.run_tag }}"},
        pool=ONECODEX_POOL,
    ).expand(sample_ids=available.output)

    curate >> annotate


if __name__ == "__main__":
    dag.test()
