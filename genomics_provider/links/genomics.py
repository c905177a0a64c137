"""Extra links from a task to the vendor's web app.

In Airflow 3 ``get_link`` runs in the worker when the task ends and its result is stored as XCom; operators push the
URL under the link's ``xcom_key`` during ``execute`` and the link reads it back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from airflow.sdk import BaseOperatorLink
from airflow.sdk.execution_time.xcom import XCom

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey


class _XComUrlLink(BaseOperatorLink):
    """A link whose URL the operator pushed to XCom under ``xcom_key``."""

    xcom_key: ClassVar[str] = ""

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        """Return the URL the task pushed, or an empty string before it ran.

        :param operator: The operator the link belongs to.
        :param ti_key: The task instance.
        :return: The URL.
        """
        value = XCom.get_value(ti_key=ti_key, key=self.xcom_key)
        return str(value) if value else ""


class OneCodexSamplesLink(_XComUrlLink):
    """Open the sample (or the samples list, for several) in the One Codex web app."""

    name = "One Codex samples"
    xcom_key = "onecodex_samples_url"


class SevenBridgesFilesLink(_XComUrlLink):
    """Open the file (or its project's files, for several) in the Seven Bridges platform's web UI."""

    name = "Seven Bridges files"
    xcom_key = "sevenbridges_files_url"
