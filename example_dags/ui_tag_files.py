"""Tag Seven Bridges files from the Airflow UI's trigger form.

Pick the project, which files (those carrying a tag, e.g. ``bam``), the tags and the mode. ``dry_run`` is ticked by
default, so the first run only logs the plan and writes nothing; untick it to apply. The form checks the types and
choices; the operator checks the rest (tag rules, project form) before any request.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from genomics_provider.operators.sevenbridges import TagFilesOperator

with DAG(
    dag_id="ui_tag_files",
    description="Add, remove or replace tags on Seven Bridges files, from the trigger form (dry run by default)",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["genomics", "sevenbridges", "example", "ui"],
    render_template_as_native_obj=True,
    params={
        "project": Param("rfranklin/demo-project", type="string", pattern="^[^/]+/[^/]+$", title="Project"),
        "with_tag": Param("bam", type="string", minLength=1, title="Select files tagged"),
        "tags": Param(["reviewed"], type="array", minItems=1, items={"type": "string", "minLength": 1}, title="Tags"),
        "mode": Param("add", type="string", enum=["add", "remove", "replace"], title="Mode"),
        "dry_run": Param(True, type="boolean", title="Dry run (only log the plan)"),
    },
) as dag:
    # [START howto_ui_tag_files]
    tag_files = TagFilesOperator(
        task_id="tag_files",
        query={"project": "{{ params.project }}", "tag": ["{{ params.with_tag }}"]},
        tags="{{ params.tags }}",
        mode="{{ params.mode }}",
        dry_run="{{ params.dry_run }}",
    )
    # [END howto_ui_tag_files]


if __name__ == "__main__":
    dag.test()
