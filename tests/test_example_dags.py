"""Every example DAG imports cleanly, makes no network call at parse time, and uses only Airflow 3 imports."""

from __future__ import annotations

import socket
import warnings
from typing import Any

import pytest

from tests.conftest import EXAMPLE_DAGS_DIR

EXPECTED_DAGS = {
    "onecodex_sample_curation",
    "onecodex_post_sequencing",
    "sevenbridges_tag_outputs",
    "sevenbridges_nightly_tagging",
    "ui_publish_samples",
    "ui_tag_files",
    "sequencing_run_sample_sheet",
}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError(f"network access at DAG parse time: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def test_example_dags_import_without_errors_or_network(no_network: list[Any]) -> None:
    from genomics_provider._compat import DagBag

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        bag = DagBag(dag_folder=str(EXAMPLE_DAGS_DIR))

    assert bag.import_errors == {}
    assert set(bag.dag_ids) >= EXPECTED_DAGS
    assert no_network == []


def test_every_example_dag_file_is_expected() -> None:
    files = {path.stem for path in EXAMPLE_DAGS_DIR.glob("*.py") if not path.name.startswith("_")}
    assert files == EXPECTED_DAGS
