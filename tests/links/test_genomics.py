"""Extra links: each link's name and XCom key, and the URL it reads back for the task instance it is asked about.

Airflow 3 calls ``get_link(operator, ti_key=...)`` in the worker, which reads the XCom through the supervisor. These
tests answer that read with a fake supervisor holding what a fake task instance pushed (serialised as Airflow
serialises XCom), so the real ``XCom.get_value`` path runs. The pushed URLs come from running the operators against
``responses``: a known platform host, a custom host, and nothing pushed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from airflow.sdk.execution_time import task_runner
from airflow.sdk.execution_time.comms import GetXCom, XComResult
from airflow.sdk.execution_time.xcom import XCom

from genomics_provider._compat import TaskInstanceKey
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.links.genomics import OneCodexSamplesLink, SevenBridgesFilesLink
from genomics_provider.operators.onecodex import UpdateSampleVisibilityOperator
from genomics_provider.operators.sevenbridges import RenameFileOperator

OC_KEY = "oc-link-key-9e1c3a5b7d2f4e6a80"
SB_TOKEN = "sb-link-token-2d4f6a8c0e1b3d5f70"
SAMPLE_A, SAMPLE_B = "7428cca4a3a04a8e", "5c1e9e41043e4435"
FILE = "5f1c3e7a9b2d4f6a8c0e1b3d"
PROJECT = "rfranklin/demo"
KEY = TaskInstanceKey(dag_id="curation", task_id="publish", run_id="manual__2026-01-01", try_number=1, map_index=-1)

Slot = tuple[str, str, str, int | None, str]
#: ``get_link`` ignores the operator it is given (the URL comes from XCom).
OPERATOR: Any = None


class FakeSupervisor:
    """Answers the worker's ``GetXCom`` messages from what was pushed, as the supervisor would."""

    def __init__(self) -> None:
        self.xcom: dict[Slot, Any] = {}
        self.asked: list[Slot] = []

    def send(self, msg: Any) -> XComResult:
        assert isinstance(msg, GetXCom), f"the link sent {type(msg).__name__}, not a GetXCom"
        slot = (msg.dag_id, msg.task_id, msg.run_id, msg.map_index, msg.key)
        self.asked.append(slot)
        return XComResult(key=msg.key, value=self.xcom.get(slot))


class FakeTaskInstance:
    """The ``ti`` of a task context: ``xcom_push`` stores the serialised value under this task instance's key."""

    def __init__(self, supervisor: FakeSupervisor, key: TaskInstanceKey = KEY) -> None:
        self.supervisor, self.key = supervisor, key

    def xcom_push(self, key: str, value: Any) -> None:
        slot = (self.key.dag_id, self.key.task_id, self.key.run_id, self.key.map_index, key)
        self.supervisor.xcom[slot] = XCom.serialize_value(value)

    def pushed_keys(self) -> list[str]:
        return [slot[-1] for slot in self.supervisor.xcom]


def context(ti: FakeTaskInstance) -> Any:
    return {"ti": ti}


@pytest.fixture
def supervisor(monkeypatch: pytest.MonkeyPatch) -> FakeSupervisor:
    fake = FakeSupervisor()
    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", fake, raising=False)
    return fake


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def connect(monkeypatch: pytest.MonkeyPatch, conn_type: str, host: str = "", **extra: Any) -> None:
    secret = OC_KEY if conn_type == "onecodex" else SB_TOKEN
    conn = {"conn_type": conn_type, "host": host, "password": secret, "extra": {"rate_limit": 0, **extra}}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_type.upper()}_DEFAULT", json.dumps(conn))


def publish_samples(rsps: responses.RequestsMock, api: str, ids: list[str], ti: FakeTaskInstance) -> None:
    """Run the visibility operator on samples already public: it reads, writes nothing, and pushes its link."""
    samples = [{"$uri": f"/api/v1/samples/{item}", "visibility": "public", "tags": []} for item in ids]
    rsps.get(
        re.compile(rf"{re.escape(api)}/api/v1/samples\?.*"), json=samples, headers={"X-Total-Count": str(len(ids))}
    )
    operator = UpdateSampleVisibilityOperator(task_id="publish", sample_ids=ids, visibility="public")
    assert operator.execute(context(ti)) == {
        "changed": [],
        "unchanged": ids,
        "skipped": {},
        "failed": {},
        "dry_run": False,
    }


def rename_file(rsps: responses.RequestsMock, api: str, ti: FakeTaskInstance, project: str | None = PROJECT) -> None:
    """Run the rename operator on a file that already has the name: it reads, writes nothing, and pushes its link."""
    rsps.get(f"{api}/files/{FILE}", json={"id": FILE, "name": "a.bam", "type": "file", "project": project})
    assert RenameFileOperator(task_id="publish", file_id=FILE, name="a.bam").execute(context(ti)) == {
        "changed": [],
        "unchanged": [FILE],
        "skipped": {},
        "failed": {},
        "dry_run": False,
    }


# -- the link classes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("link", "name", "xcom_key"),
    [
        pytest.param(OneCodexSamplesLink(), "One Codex samples", "onecodex_samples_url", id="One Codex samples"),
        pytest.param(
            SevenBridgesFilesLink(), "Seven Bridges files", "sevenbridges_files_url", id="Seven Bridges files"
        ),
    ],
)
def test_each_link_has_its_button_name_and_xcom_key(link: Any, name: str, xcom_key: str) -> None:
    assert (link.name, link.xcom_key) == (name, xcom_key)


@pytest.mark.parametrize("link", [OneCodexSamplesLink(), SevenBridgesFilesLink()], ids=["One Codex", "Seven Bridges"])
def test_a_link_reads_its_own_key_for_the_asked_task_instance(link: Any, supervisor: FakeSupervisor) -> None:
    other_run = TaskInstanceKey(dag_id="curation", task_id="publish", run_id="scheduled__2026-01-02", map_index=-1)
    FakeTaskInstance(supervisor).xcom_push(key=link.xcom_key, value="https://example.org/this-run")
    FakeTaskInstance(supervisor, other_run).xcom_push(key=link.xcom_key, value="https://example.org/other-run")
    FakeTaskInstance(supervisor).xcom_push(key="summary", value="https://example.org/not-a-link")

    assert link.get_link(operator=OPERATOR, ti_key=KEY) == "https://example.org/this-run"
    assert link.get_link(operator=OPERATOR, ti_key=other_run) == "https://example.org/other-run"
    assert supervisor.asked[0] == ("curation", "publish", "manual__2026-01-01", -1, link.xcom_key)


def test_a_mapped_task_instance_reads_its_own_map_index(supervisor: FakeSupervisor) -> None:
    mapped = TaskInstanceKey(dag_id="curation", task_id="publish", run_id="manual__2026-01-01", map_index=3)
    FakeTaskInstance(supervisor, mapped).xcom_push(key="onecodex_samples_url", value="https://app.onecodex.com/s3")
    assert OneCodexSamplesLink().get_link(operator=OPERATOR, ti_key=mapped) == "https://app.onecodex.com/s3"
    assert OneCodexSamplesLink().get_link(operator=OPERATOR, ti_key=KEY) == ""


@pytest.mark.parametrize("link", [OneCodexSamplesLink(), SevenBridgesFilesLink()], ids=["One Codex", "Seven Bridges"])
@pytest.mark.parametrize("value", [None, ""], ids=["nothing pushed", "an empty value pushed"])
def test_a_link_with_nothing_pushed_is_an_empty_string(
    link: Any, value: str | None, supervisor: FakeSupervisor
) -> None:
    if value is not None:
        FakeTaskInstance(supervisor).xcom_push(key=link.xcom_key, value=value)
    assert link.get_link(operator=OPERATOR, ti_key=KEY) == ""


# -- One Codex: the URL the operator pushes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "extra", "api", "web"),
    [
        pytest.param("", {}, "https://app.onecodex.com", "https://app.onecodex.com", id="the default One Codex host"),
        pytest.param(
            "https://onecodex.example.org/", {}, "https://onecodex.example.org", "https://onecodex.example.org",
            id="a custom host, trailing slash dropped",
        ),
        pytest.param(
            "https://api.onecodex.example.org", {"web_url": "https://app.onecodex.example.org/"},
            "https://api.onecodex.example.org", "https://app.onecodex.example.org", id="a custom web_url extra",
        ),
    ],
)  # fmt: skip
def test_one_codex_link_opens_one_sample_or_the_samples_list(
    monkeypatch: pytest.MonkeyPatch,
    rsps: responses.RequestsMock,
    supervisor: FakeSupervisor,
    host: str,
    extra: dict[str, Any],
    api: str,
    web: str,
) -> None:
    connect(monkeypatch, "onecodex", host, **extra)
    link = OneCodexSamplesLink()

    one = FakeTaskInstance(supervisor)
    publish_samples(rsps, api, [SAMPLE_A], one)
    assert link.get_link(operator=OPERATOR, ti_key=KEY) == f"{web}/samples/{SAMPLE_A}"

    several_key = TaskInstanceKey(dag_id="curation", task_id="publish", run_id="manual__2", map_index=-1)
    several = FakeTaskInstance(supervisor, several_key)
    publish_samples(rsps, api, [SAMPLE_A, SAMPLE_B], several)
    assert link.get_link(operator=OPERATOR, ti_key=several_key) == f"{web}/samples"
    assert all(OC_KEY not in str(value) for value in supervisor.xcom.values())
    assert all(call.request.headers["X-API-Key"] == OC_KEY for call in rsps.calls)  # the key was in use


def test_one_codex_link_never_carries_a_key_typed_into_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    connect(monkeypatch, "onecodex", f"https://onecodex.example.org/?api_key={OC_KEY}")
    with pytest.raises(InvalidInputError) as refused:
        OneCodexHook().web_url_for_samples([SAMPLE_A])
    assert str(refused.value) == (
        "connection 'onecodex_default': host 'https://onecodex.example.org/' carries a query or fragment; the host "
        "is a base URL only (the API key goes in the password field)"
    )
    assert OC_KEY not in str(refused.value)


# -- Seven Bridges: the URL the operator pushes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "extra", "api", "web"),
    [
        pytest.param("", {}, "https://cgc-api.sbgenomics.com/v2", "https://cgc.sbgenomics.com",
                     id="the default platform (CGC)"),
        pytest.param("", {"platform": "cavatica"}, "https://cavatica-api.sbgenomics.com/v2",
                     "https://cavatica.sbgenomics.com", id="a known platform by name"),
        pytest.param("https://eu-api.sbgenomics.com/v2", {}, "https://eu-api.sbgenomics.com/v2",
                     "https://eu.sbgenomics.com", id="a known platform's API host"),
        pytest.param("https://acme-api.example.org/v2", {}, "https://acme-api.example.org/v2",
                     "https://acme.example.org", id="a custom name-api host"),
        pytest.param("http://127.0.0.1:8765/v2", {}, "http://127.0.0.1:8765/v2", "http://127.0.0.1:8765",
                     id="the emulator on loopback"),
    ],
)  # fmt: skip
def test_seven_bridges_link_opens_the_files_page_on_the_platforms_web_host(
    monkeypatch: pytest.MonkeyPatch,
    rsps: responses.RequestsMock,
    supervisor: FakeSupervisor,
    host: str,
    extra: dict[str, Any],
    api: str,
    web: str,
) -> None:
    connect(monkeypatch, "sevenbridges", host, **extra)
    rename_file(rsps, api, FakeTaskInstance(supervisor))
    assert SevenBridgesFilesLink().get_link(operator=OPERATOR, ti_key=KEY) == f"{web}/u/rfranklin/demo/files/{FILE}/"
    assert all(SB_TOKEN not in str(value) for value in supervisor.xcom.values())
    assert all(call.request.headers["X-SBG-Auth-Token"] == SB_TOKEN for call in rsps.calls)  # the token was in use


def test_seven_bridges_link_quotes_the_project_path(
    monkeypatch: pytest.MonkeyPatch, rsps: responses.RequestsMock, supervisor: FakeSupervisor
) -> None:
    connect(monkeypatch, "sevenbridges")
    rename_file(rsps, "https://cgc-api.sbgenomics.com/v2", FakeTaskInstance(supervisor), project="r franklin/demo?x")
    assert SevenBridgesFilesLink().get_link(operator=OPERATOR, ti_key=KEY) == (
        f"https://cgc.sbgenomics.com/u/r%20franklin/demo%3Fx/files/{FILE}/"
    )


def test_seven_bridges_file_without_a_project_pushes_no_link(
    monkeypatch: pytest.MonkeyPatch, rsps: responses.RequestsMock, supervisor: FakeSupervisor
) -> None:
    connect(monkeypatch, "sevenbridges")
    ti = FakeTaskInstance(supervisor)
    rename_file(rsps, "https://cgc-api.sbgenomics.com/v2", ti, project=None)
    assert ti.pushed_keys() == []
    assert SevenBridgesFilesLink().get_link(operator=OPERATOR, ti_key=KEY) == ""
