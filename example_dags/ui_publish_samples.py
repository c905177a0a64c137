"""Publish One Codex samples from the Airflow UI's trigger form.

Trigger it with "Trigger DAG w/ config": pick the samples, the visibility and the tags. ``dry_run`` is ticked by
default, so the first run only logs the plan — a before → after table in the task log — and writes nothing; untick
it to apply. The form refuses malformed ids, unknown visibilities and over-long tags; anything it cannot check fails
the task with a message naming the field and the rule, before any request.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from genomics_provider.operators.onecodex import UpdateSampleOperator

with DAG(
    dag_id="ui_publish_samples",
    description="Set visibility and tags on One Codex samples, from the trigger form (dry run by default)",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["genomics", "onecodex", "example", "ui"],
    # Params render as native values: a list stays a list, a checkbox stays a boolean.
    render_template_as_native_obj=True,
    params={
        "sample_ids": Param(
            ["7428cca4a3a04a8e"],
            type="array",
            minItems=1,
            items={"type": "string", "pattern": "^[0-9a-f]{16}$"},
            title="Sample ids",
            description="One Codex sample ids (16 lowercase hex characters), one per line",
        ),
        "visibility": Param("shared", type="string", enum=["private", "shared", "public"], title="Visibility"),
        "tags": Param(
            ["published"],
            type="array",
            minItems=1,
            items={"type": "string", "minLength": 1, "maxLength": 30},
            title="Tags",
        ),
        "tag_mode": Param("add", type="string", enum=["add", "remove", "replace"], title="Tag mode"),
        "dry_run": Param(True, type="boolean", title="Dry run (only log the plan)"),
    },
) as dag:
    # [START howto_ui_publish_samples]
    publish = UpdateSampleOperator(
        task_id="publish_samples",
        sample_ids="{{ params.sample_ids }}",
        visibility="{{ params.visibility }}",
        tags="{{ params.tags }}",
        tag_mode="{{ params.tag_mode }}",
        dry_run="{{ params.dry_run }}",
    )
    # [END howto_ui_publish_samples]


if __name__ == "__main__":
    dag.test()
