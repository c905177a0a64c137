"""Tag the same 50 generated emulator samples with the tag given as a param (tests/system/test_celery_executor.py).

Two runs of this DAG at once (``max_active_runs=2``), each on its own Celery worker, are two writers on the same
samples sharing one One Codex key: the system test triggers ``qc-passed`` and ``release-7`` together.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param

from genomics_provider.operators.onecodex import TagSamplesOperator

#: The emulator's generated samples (``Emulator(oc_samples=50)``): ids ``ee`` + 14 hex digits.
SAMPLE_IDS = [f"ee{index:014x}" for index in range(50)]

with DAG(
    dag_id="celery_tagging",
    description="Add one tag to 50 One Codex samples (system test of two concurrent writers on Celery)",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=2,
    tags=["genomics", "onecodex", "system-test"],
    params={"tag": Param("qc-passed", type="string", maxLength=30)},
) as dag:
    TagSamplesOperator(task_id="tag_samples", sample_ids=SAMPLE_IDS, tags=["{{ params.tag }}"], retries=0)
