"""Curate One Codex samples after a sequencing run: share them, tag them, file them into a project, stamp metadata.

An upstream task stands in for the post-sequencing step that knows which samples the run produced (a samplesheet, a
LIMS query, a pipeline's output). The defaults in ``params`` are ids from the emulator's ``demo`` seed, so
``make demo`` and the end-to-end tests run this file unchanged; point the ``onecodex_default`` connection at
https://app.onecodex.com and pass your own ids to curate real samples.

Every task is idempotent: run the DAG twice and the second run sends no PATCH.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param, task

from genomics_provider.operators.onecodex import (
    TagSamplesOperator,
    UpdateSampleMetadataOperator,
    UpdateSampleOperator,
    UpdateSampleVisibilityOperator,
)

with DAG(
    dag_id="onecodex_sample_curation",
    description="Share, tag, file and annotate the samples of a sequencing run on One Codex",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["genomics", "onecodex", "example"],
    params={
        "sample_ids": Param(
            ["7428cca4a3a04a8e", "2b8e4f1a6c3d9e70", "4d0a6b3c8e5f1a92"],
            type="array",
            items={"type": "string", "pattern": "^[0-9a-f]{16}$"},
            description="One Codex sample ids produced by the run",
        ),
        "project": Param("soil_2024", type="string", description="Project id, name or short name"),
        "run_tag": Param("run-2024-11-07", type="string", maxLength=30),
    },
) as dag:

    @task(multiple_outputs=False)
    def samples_from_sequencing_run(params: dict[str, object] | None = None) -> list[str]:
        """Stand-in for the post-sequencing step: return the ids of the samples the run uploaded."""
        return list((params or {}).get("sample_ids") or [])  # type: ignore[call-overload]

    sample_ids = samples_from_sequencing_run()

    # [START howto_operator_onecodex_visibility]
    share = UpdateSampleVisibilityOperator(
        task_id="share_samples",
        sample_ids=sample_ids,
        visibility="shared",
    )
    # [END howto_operator_onecodex_visibility]

    # [START howto_operator_onecodex_tags]
    tag = TagSamplesOperator(
        task_id="tag_samples",
        sample_ids=sample_ids,
        tags=["qc-passed", "{{ params.run_tag }}"],
        mode="add",
    )
    # [END howto_operator_onecodex_tags]

    # [START howto_operator_onecodex_project]
    file_into_project = UpdateSampleOperator(
        task_id="file_into_project",
        sample_ids=sample_ids,
        project="{{ params.project }}",
    )
    # [END howto_operator_onecodex_project]

    # [START howto_operator_onecodex_metadata]
    # One mapped task per sample: each shows its own log and link, and a retry redoes only that sample. Two run at
    # once on the same key: they keep each other's `custom` keys (README: "Many workers, one key") and share the
    # key's rate limit. In production, also give every task on one key a pool (see onecodex_post_sequencing.py), so
    # a burst of mapped tasks waits in the scheduler rather than holding worker slots while it paces.
    annotate = UpdateSampleMetadataOperator.partial(
        task_id="stamp_metadata",
        fields={"platform": "Illumina NovaSeq 6000", "library_type": "WGS"},
        custom={"sequencing_run": "{{ params.run_tag }}", "qc": "pass"},
        max_active_tis_per_dagrun=2,
    ).expand(sample_ids=sample_ids)
    # [END howto_operator_onecodex_metadata]

    # One after another: the four tasks share One Codex's 10 requests/s per key.
    share >> tag >> file_into_project >> annotate


if __name__ == "__main__":
    dag.test()
