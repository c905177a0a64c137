"""Seven Bridges operators: exact bulk requests, convergence, call budget, failures, dry run, templating, mapping."""

from __future__ import annotations

import copy
import itertools
import json
import re
from typing import Any
from unittest.mock import MagicMock
from urllib.parse import parse_qsl, urlencode, urlsplit

import pendulum
import pytest
import responses
from airflow.sdk import DAG

from genomics_provider._compat import AirflowException
from genomics_provider.exceptions import GenomicsApiError, InvalidInputError
from genomics_provider.links.genomics import SevenBridgesFilesLink
from genomics_provider.operators.sevenbridges import (
    RenameFileOperator,
    TagFilesOperator,
    UpdateFileMetadataOperator,
)

BASE = "https://cgc-api.sbgenomics.com/v2"
WEB = "https://cgc.sbgenomics.com"
TOKEN = "sb-unit-token-8c1f0e2d4b6a9e7f"
PROJECT = "rfranklin/demo"
ROOT = "5e0000000000000000000000"
MISSING = "5a00000000000000000fffff"
LINK_KEY = "sevenbridges_files_url"
CONN = {"conn_type": "sevenbridges", "host": BASE, "password": TOKEN}
START = pendulum.datetime(2025, 1, 1)


class FakeSevenBridges:
    """A stateful fake of the routes the operators use, on ``responses`` callbacks.

    ``writes`` lists ``(path, body)`` of every write. Bulk edit semantics are switchable, because the vendor does not
    document them: ``edit_tags`` replace | merge, ``edit_metadata`` merge | replace.
    """

    def __init__(self, rsps: responses.RequestsMock, *, edit_tags: str = "replace", edit_metadata: str = "merge"):
        self.files: dict[str, dict[str, Any]] = {}
        self.writes: list[tuple[str, Any]] = []
        self.item_errors: dict[str, dict[str, Any]] = {}
        self.batch_failures: list[tuple[int, dict[str, Any]]] = []
        #: Listing calls (1-based) that fail with a 500.
        self.list_failures: set[int] = set()
        self.list_calls = 0
        self.edit_tags, self.edit_metadata = edit_tags, edit_metadata
        self._ids = itertools.count(1)
        files = re.escape(f"{BASE}/files")
        rsps.add_callback(responses.GET, re.compile(rf"{files}(\?.*)?$"), self._list)
        rsps.add_callback(responses.GET, re.compile(rf"{files}/\w+$"), self._get)
        rsps.add_callback(responses.PATCH, re.compile(rf"{files}/\w+$"), self._patch)
        rsps.add_callback(responses.POST, f"{BASE}/bulk/files/get", self._bulk_get)
        for action in ("edit", "update"):
            rsps.add_callback(responses.POST, f"{BASE}/bulk/files/{action}", self._bulk_write(action))

    def add_file(self, *, tags: Any = (), metadata: Any = None, kind: str = "file", **fields: Any) -> str:
        file_id = f"5a{next(self._ids):022x}"
        self.files[file_id] = {
            "href": f"{BASE}/files/{file_id}", "id": file_id, "name": f"{file_id[-4:]}.bam", "type": kind,
            "project": PROJECT, "parent": ROOT, "origin": {}, "tags": list(tags), "metadata": dict(metadata or {}),
            **fields,
        }  # fmt: skip
        return file_id

    def add_files(self, count: int, **fields: Any) -> list[str]:
        return [self.add_file(**fields) for _ in range(count)]

    @staticmethod
    def _reply(payload: Any, status: int = 200) -> tuple[int, dict[str, str], str]:
        return status, {"X-RateLimit-Remaining": "999", "X-RateLimit-Reset": "0"}, json.dumps(payload)

    def _list(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.list_calls += 1
        if self.list_calls in self.list_failures:
            return self._reply({"status": 500, "code": 0, "message": "Internal server error."}, 500)
        pairs = parse_qsl(urlsplit(request.url).query)
        query: dict[str, list[str]] = {}
        for key, value in pairs:
            query.setdefault(key, []).append(value)
        offset, limit = int(query.pop("offset", ["0"])[0]), int(query.pop("limit", ["50"])[0])
        query.pop("fields", None)
        matches = [f for f in self.files.values() if all(self._matches(f, k, v) for k, v in query.items())]
        links = []
        if offset + limit < len(matches):
            rest = [(k, v) for k, v in pairs if k not in ("offset", "limit")]
            href = f"{BASE}/files?{urlencode([*rest, ('offset', offset + limit), ('limit', limit)])}"
            links.append({"href": href, "rel": "next", "method": "GET"})
        items = copy.deepcopy(matches[offset : offset + limit])
        return self._reply({"href": request.url, "items": items, "links": links})

    @staticmethod
    def _matches(file: dict[str, Any], key: str, values: list[str]) -> bool:
        if key == "tag":
            return bool(set(values) & set(file["tags"]))
        if key.startswith("metadata."):
            return file["metadata"].get(key[len("metadata.") :]) in values
        if key.startswith("origin."):
            return file["origin"].get(key[len("origin.") :]) in values
        return file.get(key) in values

    def _get(self, request: Any) -> tuple[int, dict[str, str], str]:
        file = self.files.get(request.url.rsplit("/", 1)[-1])
        if file is None:
            return self._reply({"status": 404, "code": 5002, "message": "Requested file does not exist."}, 404)
        return self._reply(file)

    def _patch(self, request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        self.writes.append((urlsplit(request.url).path, body))
        file = self.files[request.url.rsplit("/", 1)[-1]]
        file.update(body)
        return self._reply(file)

    def _bulk_get(self, request: Any) -> tuple[int, dict[str, str], str]:
        ids = json.loads(request.body)["file_ids"]
        return self._reply({"items": [self._record(file_id, write=False) for file_id in ids]})

    def _record(self, file_id: str, *, write: bool = True) -> dict[str, Any]:
        if write and file_id in self.item_errors:
            return {"error": self.item_errors[file_id]}
        if file_id not in self.files:
            return {"error": {"status": 404, "code": 5002, "message": "Requested file does not exist."}}
        return {"resource": copy.deepcopy(self.files[file_id])}

    def _bulk_write(self, action: str) -> Any:
        def handle(request: Any) -> tuple[int, dict[str, str], str]:
            items = json.loads(request.body)["items"]
            self.writes.append((f"/v2/bulk/files/{action}", items))
            if self.batch_failures:
                status, error = self.batch_failures.pop(0)
                return self._reply(error, status)
            assert len(items) <= 100, "bulk calls take at most 100 items"
            for item in items:
                if item["id"] in self.files and item["id"] not in self.item_errors:
                    self._apply(self.files[item["id"]], item, action)
            return self._reply({"items": [self._record(item["id"]) for item in items]})

        return handle

    def _apply(self, file: dict[str, Any], item: dict[str, Any], action: str) -> None:
        if action == "update":
            file.update(
                name=item.get("name", file["name"]), tags=item.get("tags", []), metadata=item.get("metadata", {})
            )
            return
        if "tags" in item:
            merged = file["tags"] + [t for t in item["tags"] if t not in file["tags"]]
            file["tags"] = merged if self.edit_tags == "merge" else item["tags"]
        if "metadata" in item:
            file["metadata"] = (
                {**file["metadata"], **item["metadata"]} if self.edit_metadata == "merge" else item["metadata"]
            )


@pytest.fixture(autouse=True)
def sb_conn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT", json.dumps(CONN))


@pytest.fixture
def rsps() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def fake(rsps: responses.RequestsMock) -> FakeSevenBridges:
    return FakeSevenBridges(rsps)


def run(operator: Any) -> tuple[dict[str, Any], MagicMock]:
    ti = MagicMock()
    return operator.execute({"ti": ti}), ti


def sent(call: Any) -> Any:
    return json.loads(call.request.body)


# -- tags ----------------------------------------------------------------------------------------------------


def test_tagging_by_query_lists_with_all_fields_and_edits_only_files_that_change(
    fake: FakeSevenBridges, rsps: Any
) -> None:
    a = fake.add_file(tags=["raw"])
    b = fake.add_file(tags=["raw", "qc"])
    fake.add_file(tags=["other"])

    result, _ = run(TagFilesOperator(task_id="t", query={"project": PROJECT, "tag": ["raw"]}, tags=["qc"]))

    assert result == {"changed": [a], "unchanged": [b], "skipped": {}, "failed": {}, "dry_run": False}
    assert [(c.request.method, c.request.url) for c in rsps.calls] == [
        ("GET", f"{BASE}/files?limit=100&fields=_all&project=rfranklin%2Fdemo&tag=raw"),
        ("POST", f"{BASE}/bulk/files/edit"),
        ("POST", f"{BASE}/bulk/files/get"),
    ]
    assert sent(rsps.calls[1]) == {"items": [{"id": a, "tags": ["raw", "qc"]}]}
    assert sent(rsps.calls[2]) == {"file_ids": [a]}  # verify-after-write: only the file written
    assert all(c.request.headers["X-SBG-Auth-Token"] == TOKEN for c in rsps.calls)


def test_250_files_are_listed_and_written_a_page_at_a_time_then_verified(fake: FakeSevenBridges, rsps: Any) -> None:
    files = fake.add_files(250, tags=["raw"])

    result, _ = run(TagFilesOperator(task_id="t", query={"project": PROJECT}, tags=["x"]))

    assert result["changed"] == files
    paths = [urlsplit(c.request.url).path for c in rsps.calls]
    assert paths == ["/v2/files", "/v2/bulk/files/edit"] * 3 + ["/v2/bulk/files/get"] * 3
    lists, edits, gets = rsps.calls[0:6:2], rsps.calls[1:6:2], rsps.calls[6:]
    assert [dict(parse_qsl(urlsplit(c.request.url).query)).get("offset") for c in lists] == [None, "100", "200"]
    assert [len(sent(c)["items"]) for c in edits] == [100, 100, 50]
    assert [item["id"] for c in edits for item in sent(c)["items"]] == files
    assert [file_id for c in gets for file_id in sent(c)["file_ids"]] == files


def _list_offsets(rsps: Any) -> list[str | None]:
    lists = [c for c in rsps.calls if c.request.method == "GET" and urlsplit(c.request.url).path == "/v2/files"]
    return [dict(parse_qsl(urlsplit(c.request.url).query)).get("offset") for c in lists]


def test_removing_the_tag_a_query_selects_on_pages_without_skipping_files(fake: FakeSevenBridges, rsps: Any) -> None:
    # Each written page leaves the listing, so following rel=next (offset 100, 200) would skip 100 of the 250 files.
    files = fake.add_files(250, tags=["raw"])

    result, _ = run(
        TagFilesOperator(task_id="t", query={"project": PROJECT, "tag": ["raw"]}, tags=["raw"], mode="remove")
    )

    assert result["changed"] == files
    assert _list_offsets(rsps) == [None, None, None]
    assert all(file["tags"] == [] for file in fake.files.values())


def test_when_some_files_stay_listed_the_next_offset_skips_exactly_those(fake: FakeSevenBridges, rsps: Any) -> None:
    files = [fake.add_file(tags=["raw"] if n % 2 else ["raw", "keep"]) for n in range(250)]

    result, _ = run(
        TagFilesOperator(task_id="t", query={"project": PROJECT, "tag": ["raw", "keep"]}, tags=["raw"], mode="remove")
    )

    assert sorted(result["changed"]) == sorted(files)
    assert len(result["changed"]) == 250
    assert _list_offsets(rsps) == [None, "50", "100"]
    assert not any("raw" in file["tags"] for file in fake.files.values())


def test_a_refused_file_that_stays_listed_is_seen_again_but_not_planned_twice(
    fake: FakeSevenBridges, rsps: Any
) -> None:
    files = fake.add_files(250, tags=["raw"])
    refused = {"status": 403, "code": 5011, "message": "Modifying file tags is not allowed."}
    fake.item_errors.update(dict.fromkeys(files[:3], refused))

    with pytest.raises(AirflowException, match=r"3 of 250 files failed \(247 changed") as caught:
        run(TagFilesOperator(task_id="t", query={"project": PROJECT, "tag": ["raw"]}, tags=["raw"], mode="remove"))

    assert all(file_id in str(caught.value) for file_id in files[:3])
    assert _list_offsets(rsps) == [None, None, "3"]
    written = [item["id"] for path, items in fake.writes if path.startswith("/v2/bulk") for item in items]
    assert sorted(written) == sorted(files)  # every file written once, the refused ones included
    assert [f for f in fake.files.values() if f["tags"]] == [fake.files[file_id] for file_id in files[:3]]


def test_a_listing_page_failing_midway_reports_the_pages_done_and_fails(fake: FakeSevenBridges, rsps: Any) -> None:
    files = fake.add_files(250)
    fake.list_failures = {2, 3, 4, 5, 6, 7, 8, 9, 10}  # every attempt at page 2 (reads are retried)

    ti = MagicMock()
    with pytest.raises(GenomicsApiError, match="500"):
        TagFilesOperator(task_id="t", query={"project": PROJECT}, tags=["x"]).execute({"ti": ti})

    summary = {"changed": files[:100], "unchanged": [], "skipped": {}, "failed": {}, "dry_run": False}
    ti.xcom_push.assert_called_once_with(key="summary", value=summary)
    assert [f["tags"] for f in fake.files.values()] == [["x"]] * 100 + [[]] * 150


def test_the_run_stops_reading_pages_once_5_writes_in_a_row_failed(fake: FakeSevenBridges, rsps: Any) -> None:
    files = fake.add_files(700)
    fake.batch_failures = [(500, {"status": 500, "code": 0, "message": "Internal server error."})] * 5

    with pytest.raises(AirflowException, match=r"500 of 500 files failed") as caught:
        run(TagFilesOperator(task_id="t", query={"project": PROJECT}, tags=["x"]))

    message = str(caught.value)
    assert "The run stopped after 5 page(s): the service failed 5 writes in a row" in message
    assert f"{files[0]}: still not as asked after 1 write round(s) (not sent again: the service failed 5" in message
    assert f"{files[49]}: " in message  # capped: the first 50 by id (issue 12); the task log has all 500
    assert files[50] not in message
    assert "; and 450 more. The run stopped after 5 page(s)" in message
    assert fake.list_calls == 5
    assert len(fake.writes) == 5  # the pages' first writes; the re-reads found them unwritten, nothing was re-sent
    assert [urlsplit(c.request.url).path for c in rsps.calls].count("/v2/bulk/files/get") == 5


def test_folders_are_skipped_reported_and_never_sent(fake: FakeSevenBridges) -> None:
    a = fake.add_file()
    folder = fake.add_file(kind="folder")

    result, _ = run(TagFilesOperator(task_id="t", query={"project": PROJECT}, tags=["x"]))

    assert result["changed"] == [a]
    assert result["skipped"] == {folder: "folder: the platform does not allow tags or metadata on folders"}
    assert [item["id"] for _, items in fake.writes for item in items] == [a]


def test_removing_a_tag_sends_a_bulk_update_with_complete_name_tags_and_metadata(
    fake: FakeSevenBridges, rsps: Any
) -> None:
    a = fake.add_file(tags=["raw", "keep"], metadata={"sample_id": "S1"})

    run(TagFilesOperator(task_id="t", file_ids=[a], tags=["raw"], mode="remove"))

    assert [c.request.url for c in rsps.calls] == [
        f"{BASE}/bulk/files/get",
        f"{BASE}/bulk/files/update",
        f"{BASE}/bulk/files/get",
    ]
    assert sent(rsps.calls[0]) == {"file_ids": [a]}
    name = fake.files[a]["name"]
    assert sent(rsps.calls[1]) == {
        "items": [{"id": a, "name": name, "tags": ["keep"], "metadata": {"sample_id": "S1"}}]
    }


CONVERGENCE = [
    pytest.param(TagFilesOperator, {"tags": ["qc", "new"]}, ["raw", "b", "qc", "new"], None, id="tags add"),
    pytest.param(TagFilesOperator, {"tags": ["raw"], "mode": "remove"}, ["b"], None, id="tags remove"),
    pytest.param(TagFilesOperator, {"tags": ["b", "z"], "mode": "replace"}, ["b", "z"], None, id="tags replace"),
    pytest.param(UpdateFileMetadataOperator, {"metadata": {"sample_id": "S9", "new": "n"}}, None,
                 {"sample_id": "S9", "old": "x", "new": "n"}, id="metadata merge"),
    pytest.param(UpdateFileMetadataOperator, {"metadata": {"sample_id": "S1", "old": None}}, None,
                 {"sample_id": "S1"}, id="metadata merge removing a key"),
    pytest.param(UpdateFileMetadataOperator, {"metadata": {"only": "this"}, "mode": "replace"}, None,
                 {"only": "this"}, id="metadata replace"),
]  # fmt: skip


@pytest.mark.parametrize(("edit_tags", "edit_metadata"), [("replace", "merge"), ("merge", "replace")])
@pytest.mark.parametrize(("operator", "kwargs", "tags", "metadata"), CONVERGENCE)
def test_the_desired_state_is_reached_whatever_edit_does_and_a_second_run_sends_no_write(
    rsps: Any, edit_tags: str, edit_metadata: str, operator: Any, kwargs: dict[str, Any], tags: Any, metadata: Any
) -> None:
    fake = FakeSevenBridges(rsps, edit_tags=edit_tags, edit_metadata=edit_metadata)
    files = fake.add_files(3, tags=["raw", "b"], metadata={"sample_id": "S1", "old": "x"})

    first, _ = run(operator(task_id="op", query={"project": PROJECT}, **kwargs))
    writes = len(fake.writes)
    second, _ = run(operator(task_id="op", file_ids=files, **kwargs))

    assert first["changed"] == files
    assert second == {"changed": [], "unchanged": files, "skipped": {}, "failed": {}, "dry_run": False}
    assert len(fake.writes) == writes == 1
    for file_id in files:
        assert fake.files[file_id]["tags"] == (tags or ["raw", "b"])
        assert fake.files[file_id]["metadata"] == (metadata or {"sample_id": "S1", "old": "x"})


# -- metadata ------------------------------------------------------------------------------------------------


def test_metadata_merge_edits_with_the_complete_desired_metadata(fake: FakeSevenBridges, rsps: Any) -> None:
    a = fake.add_file(metadata={"case_id": "C1", "sample_id": "S1"})

    run(UpdateFileMetadataOperator(task_id="m", file_ids=a, metadata={"sample_id": "S2"}))

    assert rsps.calls[-2].request.url == f"{BASE}/bulk/files/edit"
    assert sent(rsps.calls[-2]) == {"items": [{"id": a, "metadata": {"case_id": "C1", "sample_id": "S2"}}]}


def test_a_file_over_1000_pairs_after_the_merge_fails_unwritten_while_the_others_are_written(
    fake: FakeSevenBridges,
) -> None:
    full = fake.add_file(metadata={f"k{n}": "v" for n in range(999)})
    small = fake.add_file()
    ti = MagicMock()

    with pytest.raises(AirflowException, match=rf"1 of 2 files failed \(1 changed.*{full}: metadata would have 1001"):
        UpdateFileMetadataOperator(task_id="m", query={"project": PROJECT}, metadata={"a": "1", "b": "2"}).execute(
            {"ti": ti}
        )

    assert fake.writes == [("/v2/bulk/files/edit", [{"id": small, "metadata": {"a": "1", "b": "2"}}])]
    assert len(fake.files[full]["metadata"]) == 999


# -- failures ------------------------------------------------------------------------------------------------


def test_per_item_bulk_errors_are_reported_together_after_the_other_files_were_written(
    fake: FakeSevenBridges,
) -> None:
    a, b, c, d = fake.add_files(4)
    refused = {"status": 403, "code": 5011, "message": "Modifying file tags is not allowed."}
    fake.item_errors.update({b: refused, d: refused})
    ti = MagicMock()

    with pytest.raises(AirflowException) as caught:
        TagFilesOperator(task_id="t", file_ids=[a, b, c, d, MISSING], tags=["x"]).execute({"ti": ti})

    assert str(caught.value) == (
        f"3 of 5 files failed (2 changed, 0 already as asked): "
        f"{MISSING}: HTTP 404, code 5002: Requested file does not exist.; "
        f"{b}: not written: HTTP 403, code 5011: Modifying file tags is not allowed.; "
        f"{d}: not written: HTTP 403, code 5011: Modifying file tags is not allowed."
    )
    assert fake.files[a]["tags"] == fake.files[c]["tags"] == ["x"]
    assert fake.files[b]["tags"] == fake.files[d]["tags"] == []
    summary = next(call.kwargs["value"] for call in ti.xcom_push.call_args_list if call.kwargs["key"] == "summary")
    assert summary["changed"] == [a, c]
    assert list(summary["failed"]) == [MISSING, b, d]


def test_a_rejected_batch_fails_its_files_and_the_next_batches_still_go_out(fake: FakeSevenBridges) -> None:
    files = fake.add_files(150)
    fake.batch_failures.append((400, {"status": 400, "code": 5033, "message": "Invalid request"}))

    with pytest.raises(AirflowException, match=r"100 of 150 files failed \(50 changed"):
        run(TagFilesOperator(task_id="t", query={"project": PROJECT}, tags=["x"]))

    assert [len(items) for _, items in fake.writes] == [100, 50]
    assert all(fake.files[file_id]["tags"] == ["x"] for file_id in files[100:])
    assert fake.files[files[0]]["tags"] == []


# -- dry run, links, selection -------------------------------------------------------------------------------


def test_dry_run_logs_the_plan_table_and_writes_nothing(fake: FakeSevenBridges, capsys: Any) -> None:
    a = fake.add_file(tags=["raw"])
    name = fake.files[a]["name"]

    result, _ = run(TagFilesOperator(task_id="t", file_ids=[a], tags=["qc"], dry_run="True"))

    assert fake.writes == []
    assert result == {"changed": [a], "unchanged": [], "skipped": {}, "failed": {}, "dry_run": True}
    log = capsys.readouterr().out  # Airflow 3 task loggers write through structlog to stdout
    assert "Tag plan for 1 Seven Bridges files" in log
    assert f"{a} {name}  tags   raw     → raw, qc" in log


def test_one_file_links_to_its_page_and_several_link_to_the_project_files(fake: FakeSevenBridges) -> None:
    a, b = fake.add_files(2)

    _, one = run(TagFilesOperator(task_id="t", file_ids=a, tags=["x"]))
    _, several = run(TagFilesOperator(task_id="t", file_ids=json.dumps([a, b]), tags=["x"]))

    one.xcom_push.assert_called_once_with(key=LINK_KEY, value=f"{WEB}/u/rfranklin/demo/files/{a}/")
    several.xcom_push.assert_called_once_with(key=LINK_KEY, value=f"{WEB}/u/rfranklin/demo/files/")
    assert isinstance(TagFilesOperator.operator_extra_links[0], SevenBridgesFilesLink)


def test_listed_files_that_do_not_match_the_query_are_skipped(fake: FakeSevenBridges, rsps: Any) -> None:
    a = fake.add_file(metadata={"sample_id": "S1"})
    stray = fake.add_file(metadata={"sample_id": "S2"})
    # A server that ignores the metadata filter returns every file of the project.
    rsps.replace(responses.GET, re.compile(rf"{re.escape(BASE)}/files(\?.*)?$"), json={
        "items": [fake.files[a], fake.files[stray]], "links": []})  # fmt: skip

    result, _ = run(TagFilesOperator(task_id="t", query={"project": PROJECT, "metadata.sample_id": "S1"}, tags=["x"]))

    assert result["changed"] == [a]
    assert result["skipped"] == {stray: "does not match query metadata.sample_id; the listing returned it anyway"}


# -- rename --------------------------------------------------------------------------------------------------


def test_rename_reads_the_file_and_patches_only_the_name(fake: FakeSevenBridges, rsps: Any) -> None:
    a = fake.add_file(tags=["t"])

    result, ti = run(RenameFileOperator(task_id="r", file_id=a, name="renamed.bam"))

    assert [(c.request.method, c.request.url) for c in rsps.calls] == [
        ("GET", f"{BASE}/files/{a}"),
        ("PATCH", f"{BASE}/files/{a}"),
    ]
    assert sent(rsps.calls[1]) == {"name": "renamed.bam"}
    assert result == {"changed": [a], "unchanged": [], "skipped": {}, "failed": {}, "dry_run": False}
    ti.xcom_push.assert_called_once_with(key=LINK_KEY, value=f"{WEB}/u/rfranklin/demo/files/{a}/")


def test_rename_to_the_current_name_or_in_dry_run_sends_no_patch(fake: FakeSevenBridges) -> None:
    a = fake.add_file()

    same, _ = run(RenameFileOperator(task_id="r", file_id=[a], name=fake.files[a]["name"]))
    dry, _ = run(RenameFileOperator(task_id="r", file_id=a, name="other.bam", dry_run=True))

    assert same["unchanged"] == [a]
    assert dry["changed"] == [a]
    assert fake.writes == []


def test_a_refused_rename_fails_the_task_naming_the_file_after_pushing_link_and_summary(
    fake: FakeSevenBridges, rsps: Any
) -> None:
    a = fake.add_file()
    refused = {"status": 409, "code": 5003, "message": "A file with that name already exists."}
    rsps.replace(responses.PATCH, re.compile(rf"{re.escape(BASE)}/files/\w+$"), status=409, json=refused)
    ti = MagicMock()

    refused_rename = rf"1 of 1 files failed .*{a}: not written: PATCH /v2/files/{a} failed, HTTP 409"
    with pytest.raises(AirflowException, match=refused_rename):
        RenameFileOperator(task_id="r", file_id=a, name="taken.bam").execute({"ti": ti})

    keys = [call.kwargs["key"] for call in ti.xcom_push.call_args_list]
    assert keys == [LINK_KEY, "summary"]


def test_renaming_a_folder_is_refused(fake: FakeSevenBridges) -> None:
    folder = fake.add_file(kind="folder", name="inputs")
    with pytest.raises(InvalidInputError, match=rf"file_id: {folder} \('inputs'\) is a folder; RenameFileOperator"):
        run(RenameFileOperator(task_id="r", file_id=folder, name="x"))
    assert fake.writes == []


# -- input checks, templating, mapping -----------------------------------------------------------------------

GOOD = "5a0000000000000000000001"
BAD_INPUT = [
    pytest.param(TagFilesOperator, {"tags": ["x"]}, r"give file_ids \(a list of ids\) or query", id="no selection"),
    pytest.param(TagFilesOperator, {"file_ids": [GOOD], "query": {"project": PROJECT}, "tags": ["x"]},
                 r"give either file_ids or query, not both", id="both selections"),
    pytest.param(TagFilesOperator, {"file_ids": ["5A00"], "tags": ["x"]},
                 r"file_ids: '5A00' is not a valid id; each id must be 24 lowercase hex characters", id="bad id"),
    pytest.param(TagFilesOperator, {"file_ids": [GOOD], "tags": ["x"], "mode": "merge"},
                 r"mode: 'merge' is not allowed; use one of 'add', 'remove', 'replace'", id="bad tag mode"),
    pytest.param(TagFilesOperator, {"file_ids": [GOOD], "tags": ["x", "x"]},
                 r"tags: 'x' appears more than once", id="duplicate tags"),
    pytest.param(TagFilesOperator, {"query": {"project": PROJECT, "parent": ROOT}, "tags": ["x"]},
                 r"query: give exactly one of 'project'", id="project and parent"),
    pytest.param(TagFilesOperator, {"query": {"project": PROJECT, "tags": "x"}, "tags": ["x"]},
                 r"query: unknown key\(s\) 'tags'", id="unknown query key"),
    pytest.param(UpdateFileMetadataOperator, {"file_ids": [GOOD], "metadata": {"k" * 101: "v"}},
                 r"metadata: key 'k+' is 101 bytes in UTF-8; keys may have at most 100 bytes", id="long key"),
    pytest.param(UpdateFileMetadataOperator, {"file_ids": [GOOD], "metadata": {"k": 1}, "mode": "replace"},
                 r"metadata: value of 'k' is int; values must be strings", id="number value"),
    pytest.param(UpdateFileMetadataOperator, {"file_ids": [GOOD], "metadata": {"k": "v"}, "mode": "add"},
                 r"mode: 'add' is not allowed; use one of 'merge', 'replace'", id="bad metadata mode"),
    pytest.param(RenameFileOperator, {"file_id": [GOOD, MISSING], "name": "x"},
                 r"file_id: 2 ids given; this operator renames one file", id="two ids to rename"),
    pytest.param(RenameFileOperator, {"file_id": GOOD, "name": ""}, r"name: '' is not allowed", id="empty name"),
]  # fmt: skip


@pytest.mark.parametrize(("operator", "kwargs", "message"), BAD_INPUT)
def test_bad_input_is_refused_at_construction_naming_the_argument_and_rule(
    operator: Any, kwargs: dict[str, Any], message: str, rsps: Any
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        operator(task_id="bad", **kwargs)
    assert len(rsps.calls) == 0


def test_bad_input_that_only_appears_after_rendering_fails_before_any_request(rsps: Any) -> None:
    with DAG("d", schedule=None, start_date=START):
        op = TagFilesOperator(task_id="t", file_ids="{{ params.ids }}", tags=["x"], dry_run="{{ params.dry }}")
    op.render_template_fields(context={"params": {"ids": "[1, 2]", "dry": "maybe"}})  # type: ignore[arg-type]

    with pytest.raises(InvalidInputError, match=r"file_ids: 1, 2 is not a valid id"):
        run(op)
    assert len(rsps.calls) == 0


def test_every_argument_is_templated_and_rendered_values_run(fake: FakeSevenBridges) -> None:
    a = fake.add_file(metadata={"sample_id": "S1"})
    with DAG("d", schedule=None, start_date=START):
        op = UpdateFileMetadataOperator(
            task_id="m",
            query={"project": "{{ params.project }}", "metadata.sample_id": "S1"},
            metadata={"batch": "{{ params.batch }}"},
            mode="{{ params.mode }}",
            sevenbridges_conn_id="{{ params.conn }}",
            dry_run="{{ params.dry }}",
        )
    params = {"project": PROJECT, "batch": "B7", "mode": "merge", "conn": "sevenbridges_default", "dry": False}
    op.render_template_fields(context={"params": params})  # type: ignore[arg-type]

    result, _ = run(op)

    assert result["changed"] == [a]
    assert fake.files[a]["metadata"] == {"sample_id": "S1", "batch": "B7"}
    assert set(UpdateFileMetadataOperator.template_fields) == {
        "file_ids", "query", "metadata", "mode", "sevenbridges_conn_id", "is_dry_run"}  # fmt: skip
    assert set(TagFilesOperator.template_fields) >= {"file_ids", "query", "tags", "mode", "is_dry_run"}
    assert UpdateFileMetadataOperator.template_fields_renderers["metadata"] == "json"


def test_operators_construct_under_partial_expand_without_creating_a_hook(rsps: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_SEVENBRIDGES_DEFAULT")
    with DAG("mapped", schedule=None, start_date=START) as dag:
        tag = TagFilesOperator.partial(task_id="tag", tags=["x"]).expand(file_ids=[[GOOD], [MISSING]])
        meta = UpdateFileMetadataOperator.partial(task_id="meta", metadata={"k": "v"}).expand(
            query=[{"project": PROJECT}]
        )
        rename = RenameFileOperator.partial(task_id="rename").expand_kwargs([{"file_id": GOOD, "name": "a.bam"}])
        plain = TagFilesOperator(task_id="plain", file_ids=[GOOD], tags=["x"])

    assert [dag.task_dict[task_id] for task_id in ("tag", "meta", "rename")] == [tag, meta, rename]
    assert tag.expand_input.value == {"file_ids": [[GOOD], [MISSING]]}
    assert "hook" not in plain.__dict__
    assert len(rsps.calls) == 0
