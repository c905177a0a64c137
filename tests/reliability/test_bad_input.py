"""Bad-input corpus: every operator and both connection types refuse bad input before sending a single request.

Each case runs against a live emulator (the connections point at it) and asserts the error type, that the message
names the argument and the rule, that the emulator received nothing, and that no request left the process at all
(so a credential for a non-loopback ``http://`` host cannot have been sent either). Literal arguments fail when the
operator is built (at DAG parse time); templated ones fail in ``execute`` after rendering, still before any request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pendulum
import pytest
import requests
from airflow.sdk import DAG

from genomics_provider._compat import AirflowException
from genomics_provider.exceptions import InsecureTransportError, InvalidInputError
from genomics_provider.operators.onecodex import (
    TagSamplesOperator,
    UpdateSampleMetadataOperator,
    UpdateSampleOperator,
    UpdateSampleVisibilityOperator,
)
from genomics_provider.operators.sevenbridges import RenameFileOperator, TagFilesOperator, UpdateFileMetadataOperator
from genomics_provider.testing import Emulator
from tests.reliability.helpers import run

SAMPLE = "7428cca4a3a04a8e"
FILE = "65a100000000000000000201"
FOLDER = "65f100000000000000000001"
PROJECT = "rfranklin/demo-project"
EMULATOR = "<emulator>"  # replaced by the emulator's URL in connection cases


@dataclass(frozen=True)
class Bad:
    """One bad input: the operator, its arguments, and what the refusal must say.

    :param operator: The operator class.
    :param kwargs: Its arguments (``{{ params.x }}`` strings are rendered from ``render``).
    :param argument: Text naming the argument (or connection field) in the message.
    :param rule: Text stating the rule in the message.
    :param render: Optional. Template params; the operator is built in a DAG and rendered before ``execute``.
    :param conn: Optional. A connection (``conn_id`` ``bad_conn``) the operator uses instead of the default.
    :param error: The exact error type.
    """

    operator: type
    kwargs: dict[str, Any]
    argument: str
    rule: str
    render: dict[str, Any] | None = None
    conn: dict[str, Any] | None = field(default=None)
    error: type[Exception] = InvalidInputError


OC = {"sample_ids": [SAMPLE]}
SB = {"file_ids": [FILE]}
LONG_NAME = "x" * 31
ONECODEX_CONN = {"conn_type": "onecodex", "host": EMULATOR, "password": "oc-reliability-key-4e1f8a2b9c7d3e5f60"}
SEVENBRIDGES_CONN = {"conn_type": "sevenbridges", "host": EMULATOR + "/v2", "password": "sb-reliability-token-7a9c2e4b"}


def oc_conn(**changes: Any) -> dict[str, Any]:
    return {**ONECODEX_CONN, **changes}


def sb_conn(**changes: Any) -> dict[str, Any]:
    return {**SEVENBRIDGES_CONN, **changes}


CORPUS: dict[str, Bad] = {
    # -- One Codex: ids and selection
    "oc malformed id": Bad(UpdateSampleVisibilityOperator, {"sample_ids": ["ABC"], "visibility": "public"},
                           "sample_ids:", "each id must be 16 lowercase hex characters"),
    "oc uppercase hex id": Bad(UpdateSampleVisibilityOperator, {"sample_ids": [SAMPLE.upper()], "visibility": "public"},
                               "sample_ids:", "16 lowercase hex characters"),
    "oc short id": Bad(UpdateSampleVisibilityOperator, {"sample_ids": ["7428cca4"], "visibility": "public"},
                       "sample_ids:", "16 lowercase hex characters"),
    "oc id that is a number": Bad(UpdateSampleVisibilityOperator, {"sample_ids": [7428], "visibility": "public"},
                                  "sample_ids:", "is not a valid id"),
    "oc empty selection": Bad(UpdateSampleVisibilityOperator, {"sample_ids": [], "visibility": "public"},
                              "sample_ids:", "the selection is empty"),
    "oc duplicate ids": Bad(UpdateSampleVisibilityOperator, {"sample_ids": [SAMPLE, SAMPLE], "visibility": "public"},
                            "sample_ids:", "ids must be unique"),
    "oc ids and where": Bad(UpdateSampleVisibilityOperator, {**OC, "where": {"project": None}, "visibility": "public"},
                            "sample_ids or where", "not both"),
    "oc neither ids nor where": Bad(UpdateSampleVisibilityOperator, {"visibility": "public"},
                                    "give sample_ids (a list of ids) or where", "to select what to update"),
    "oc where unknown field": Bad(UpdateSampleVisibilityOperator, {"where": {"colour": "red"}, "visibility": "public"},
                                  "where:", "is not allowed; filter on"),
    "oc where empty": Bad(UpdateSampleVisibilityOperator, {"where": {}, "visibility": "public"},
                          "where:", "an empty filter is not allowed"),
    # -- One Codex: visibility, project, modes
    "oc visibility secret": Bad(UpdateSampleVisibilityOperator, {**OC, "visibility": "secret"},
                                "visibility:", "use one of 'private', 'shared', 'public'"),
    "oc visibility importing": Bad(UpdateSampleVisibilityOperator, {**OC, "visibility": "importing"},
                                   "visibility:", "use one of 'private', 'shared', 'public'"),
    "oc visibility wrong case": Bad(UpdateSampleVisibilityOperator, {**OC, "visibility": "Public"},
                                    "visibility:", "is not allowed"),
    "oc empty project": Bad(UpdateSampleOperator, {**OC, "project": ""},
                            "project:", "an empty string is not a project"),
    "oc nothing to do": Bad(UpdateSampleOperator, dict(OC), "visibility, project or tags", "nothing to do"),
    "oc unknown tag mode": Bad(TagSamplesOperator, {**OC, "tags": ["a"], "mode": "merge"},
                               "mode:", "use one of 'add', 'remove', 'replace'"),
    # -- One Codex: tags
    "oc empty tag list": Bad(TagSamplesOperator, {**OC, "tags": []}, "tags:", "needs at least one tag"),
    "oc empty tag name": Bad(TagSamplesOperator, {**OC, "tags": [""]}, "tags:", "each tag must be a non-empty string"),
    "oc blank tag name": Bad(TagSamplesOperator, {**OC, "tags": ["   "]}, "tags:", "each tag must be a non-empty"),
    "oc duplicate tags": Bad(TagSamplesOperator, {**OC, "tags": ["a", "a"]}, "tags:", "tags must be unique"),
    "oc over-long tag": Bad(TagSamplesOperator, {**OC, "tags": [LONG_NAME]}, "tags:", "at most 30 characters"),
    "oc tag that is a number": Bad(TagSamplesOperator, {**OC, "tags": [7]}, "tags:", "must be a non-empty string"),
    "oc tags as a JSON object": Bad(TagSamplesOperator, {**OC, "tags": '{"qc": true}'},
                                    "tags:", "expected a list or a JSON list"),
    # -- One Codex: metadata
    "oc read-only field": Bad(UpdateSampleMetadataOperator, {**OC, "fields": {"updated_at": "2024-01-01"}},
                              "fields: 'updated_at'", "is read-only"),
    "oc unknown field": Bad(UpdateSampleMetadataOperator, {**OC, "fields": {"colour": "red"}},
                            "fields: 'colour'", "is not a One Codex metadata field"),
    "oc platform not in the enum": Bad(UpdateSampleMetadataOperator, {**OC, "fields": {"platform": "Nanopore"}},
                                       "fields: 'platform'", "is not one of"),
    "oc latitude out of range": Bad(UpdateSampleMetadataOperator, {**OC, "fields": {"location_lat": 91}},
                                    "fields: 'location_lat'", "is outside -90..90"),
    "oc over-long external id": Bad(UpdateSampleMetadataOperator, {**OC, "fields": {"external_sample_id": "e" * 61}},
                                    "fields: 'external_sample_id'", "the limit is 60"),
    "oc starred null": Bad(UpdateSampleMetadataOperator, {**OC, "fields": {"starred": None}},
                           "fields: 'starred'", "must be true or false, not null"),
    "oc date that is not a date": Bad(UpdateSampleMetadataOperator, {**OC, "fields": {"date_collected": "someday"}},
                                      "fields: 'date_collected'", "is not an RFC 3339 date-time"),
    "oc nested custom value": Bad(UpdateSampleMetadataOperator, {**OC, "custom": {"run": {"id": 7}}},
                                  "custom: value of 'run' is dict", "values must be strings, numbers, booleans or"),
    "oc non-string custom key": Bad(UpdateSampleMetadataOperator, {**OC, "custom": {7: "seven"}},
                                    "custom: key 7", "keys must be non-empty strings"),
    "oc unknown custom mode": Bad(UpdateSampleMetadataOperator, {**OC, "custom": {"a": 1}, "custom_mode": "update"},
                                  "custom_mode:", "use one of 'merge', 'replace'"),
    "oc metadata nothing to do": Bad(UpdateSampleMetadataOperator, dict(OC), "fields, custom", "nothing to do"),
    # -- One Codex: templated values that render badly
    "oc ids render to a JSON object": Bad(UpdateSampleVisibilityOperator,
                                          {"sample_ids": "{{ params.ids }}", "visibility": "public"},
                                          "sample_ids:", "expected a list of ids or a JSON list",
                                          render={"ids": '{"a": 1}'}),
    "oc ids render to a JSON string": Bad(UpdateSampleVisibilityOperator,
                                          {"sample_ids": "{{ params.ids }}", "visibility": "public"},
                                          "sample_ids:", "expected a list of ids or a JSON list",
                                          render={"ids": json.dumps(SAMPLE)}),
    "oc ids render to numbers": Bad(UpdateSampleVisibilityOperator,
                                    {"sample_ids": "{{ params.ids }}", "visibility": "public"},
                                    "sample_ids:", "is not a valid id", render={"ids": "[1, 2]"}),
    "oc ids render to broken JSON": Bad(UpdateSampleVisibilityOperator,
                                        {"sample_ids": "{{ params.ids }}", "visibility": "public"},
                                        "sample_ids:", "looks like JSON but does not parse", render={"ids": "[oops"}),
    "oc visibility renders wrong": Bad(UpdateSampleVisibilityOperator, {**OC, "visibility": "{{ params.v }}"},
                                       "visibility:", "is not allowed", render={"v": "everyone"}),
    "oc tags render to a JSON object": Bad(TagSamplesOperator, {**OC, "tags": "{{ params.tags }}"},
                                           "tags:", "expected a list or a JSON list", render={"tags": '{"qc": 1}'}),
    "oc tags render to an over-long name": Bad(TagSamplesOperator, {**OC, "tags": "{{ params.tags }}"},
                                               "tags:", "at most 30 characters",
                                               render={"tags": json.dumps(["ok", LONG_NAME])}),
    "oc dry_run renders to a word": Bad(UpdateSampleVisibilityOperator,
                                        {**OC, "visibility": "public", "dry_run": "{{ params.dry }}"},
                                        "dry_run:", "is not a boolean", render={"dry": "maybe"}),
    "oc create_missing renders to a word": Bad(TagSamplesOperator,
                                               {**OC, "tags": ["a"], "create_missing": "{{ params.c }}"},
                                               "create_missing:", "is not a boolean", render={"c": "perhaps"}),
    "oc fields render to a JSON list": Bad(UpdateSampleMetadataOperator, {**OC, "fields": "{{ params.f }}"},
                                           "fields:", "expected a mapping, got list", render={"f": "[1, 2]"}),
    "oc custom renders to text": Bad(UpdateSampleMetadataOperator, {**OC, "custom": "{{ params.c }}"},
                                     "custom:", "expected a mapping or a JSON object", render={"c": "run=7"}),
    # -- Seven Bridges: ids and selection
    "sb malformed id": Bad(TagFilesOperator, {"file_ids": ["5A00"], "tags": ["x"]},
                           "file_ids:", "each id must be 24 lowercase hex characters"),
    "sb short id": Bad(TagFilesOperator, {"file_ids": [FILE[:20]], "tags": ["x"]},
                       "file_ids:", "24 lowercase hex characters"),
    "sb empty selection": Bad(TagFilesOperator, {"file_ids": [], "tags": ["x"]}, "file_ids:", "the selection is empty"),
    "sb duplicate ids": Bad(TagFilesOperator, {"file_ids": [FILE, FILE], "tags": ["x"]},
                            "file_ids:", "ids must be unique"),
    "sb ids and query": Bad(TagFilesOperator, {**SB, "query": {"project": PROJECT}, "tags": ["x"]},
                            "file_ids or query", "not both"),
    "sb neither ids nor query": Bad(TagFilesOperator, {"tags": ["x"]}, "give file_ids (a list of ids) or query",
                                    "to select what to update"),
    "sb query with project and parent": Bad(TagFilesOperator, {"query": {"project": PROJECT, "parent": FOLDER},
                                                               "tags": ["x"]},
                                            "query: give exactly one of 'project'", "lists one project root or one"),
    "sb query with neither": Bad(TagFilesOperator, {"query": {"tag": "raw"}, "tags": ["x"]},
                                 "query: give exactly one of 'project'", "lists one project root or one folder"),
    "sb malformed project": Bad(TagFilesOperator, {"query": {"project": "demo"}, "tags": ["x"]},
                                "query: project 'demo'", "use 'owner/project'"),
    "sb malformed parent": Bad(TagFilesOperator, {"query": {"parent": "FOLDER"}, "tags": ["x"]},
                               "query: parent 'FOLDER'", "24 lowercase hex characters"),
    "sb unknown query key": Bad(TagFilesOperator, {"query": {"project": PROJECT, "colour": "red"}, "tags": ["x"]},
                                "query: unknown key(s) 'colour'", "use project, parent, name, tag"),
    "sb empty tag filter": Bad(TagFilesOperator, {"query": {"project": PROJECT, "tag": []}, "tags": ["x"]},
                               "query: tag", "must be a non-empty string or a non-empty list"),
    # -- Seven Bridges: tags
    "sb unknown tag mode": Bad(TagFilesOperator, {**SB, "tags": ["x"], "mode": "merge"},
                               "mode:", "use one of 'add', 'remove', 'replace'"),
    "sb empty tag list": Bad(TagFilesOperator, {**SB, "tags": []}, "tags:", "needs at least one tag"),
    "sb empty tag": Bad(TagFilesOperator, {**SB, "tags": ["x", ""]}, "tags:", "each tag must be a non-empty string"),
    "sb duplicate tags": Bad(TagFilesOperator, {**SB, "tags": ["x", "x"]}, "tags:", "tags must be unique"),
    "sb tag that is a number": Bad(TagFilesOperator, {**SB, "tags": [3]}, "tags:", "must be a non-empty string"),
    "sb tags as a JSON object": Bad(TagFilesOperator, {**SB, "tags": '{"a": 1}'},
                                    "tags:", "expected a list or a JSON list"),
    # -- Seven Bridges: metadata
    "sb over-long key": Bad(UpdateFileMetadataOperator, {**SB, "metadata": {"k" * 101: "v"}},
                            "metadata: key", "keys may have at most 100 bytes"),
    "sb over-long multibyte key": Bad(UpdateFileMetadataOperator, {**SB, "metadata": {"é" * 51: "v"}},
                                      "metadata: key", "102 bytes in UTF-8; keys may have at most 100 bytes"),
    "sb over-long value": Bad(UpdateFileMetadataOperator, {**SB, "metadata": {"k": "v" * 301}},
                              "metadata: value of 'k'", "values may have at most 300 bytes"),
    "sb number value": Bad(UpdateFileMetadataOperator, {**SB, "metadata": {"k": 5}},
                           "metadata: value of 'k'", "values must be strings"),
    "sb list value": Bad(UpdateFileMetadataOperator, {**SB, "metadata": {"k": ["a"]}},
                         "metadata: value of 'k'", "values must be strings"),
    "sb non-string key": Bad(UpdateFileMetadataOperator, {**SB, "metadata": {5: "v"}},
                             "metadata: key 5", "keys must be non-empty strings"),
    "sb empty key": Bad(UpdateFileMetadataOperator, {**SB, "metadata": {"": "v"}},
                        "metadata: key ''", "keys must be non-empty strings"),
    "sb more than 1000 pairs": Bad(UpdateFileMetadataOperator, {**SB, "metadata": {f"k{n}": "v" for n in range(1001)}},
                                   "metadata:", "1001 pairs given; a file may have at most 1000"),
    "sb None in replace mode": Bad(UpdateFileMetadataOperator, {**SB, "metadata": {"k": None}, "mode": "replace"},
                                   "metadata: key 'k'", "None removes a key only in mode='merge'"),
    "sb empty merge": Bad(UpdateFileMetadataOperator, {**SB, "metadata": {}}, "metadata:", "give at least one key"),
    "sb unknown metadata mode": Bad(UpdateFileMetadataOperator, {**SB, "metadata": {"k": "v"}, "mode": "add"},
                                    "mode:", "use one of 'merge', 'replace'"),
    # -- Seven Bridges: rename
    "sb rename two files": Bad(RenameFileOperator, {"file_id": [FILE, FOLDER], "name": "x.bam"},
                               "file_id:", "this operator renames one file"),
    "sb rename to nothing": Bad(RenameFileOperator, {"file_id": FILE, "name": ""},
                                "name:", "use a non-empty name without surrounding spaces"),
    "sb rename with spaces": Bad(RenameFileOperator, {"file_id": FILE, "name": " x.bam "},
                                 "name:", "without surrounding spaces"),
    "sb rename malformed id": Bad(RenameFileOperator, {"file_id": "nope", "name": "x.bam"},
                                  "file_id:", "24 lowercase hex characters"),
    # -- Seven Bridges: templated values that render badly
    "sb ids render to numbers": Bad(TagFilesOperator, {"file_ids": "{{ params.ids }}", "tags": ["x"]},
                                    "file_ids:", "is not a valid id", render={"ids": "[1, 2]"}),
    "sb ids render to a JSON object": Bad(TagFilesOperator, {"file_ids": "{{ params.ids }}", "tags": ["x"]},
                                          "file_ids:", "expected a list of ids or a JSON list",
                                          render={"ids": '{"id": 1}'}),
    "sb tags render to a JSON object": Bad(TagFilesOperator, {**SB, "tags": "{{ params.tags }}"},
                                           "tags:", "expected a list or a JSON list", render={"tags": '{"a": 1}'}),
    "sb mode renders wrong": Bad(TagFilesOperator, {**SB, "tags": ["x"], "mode": "{{ params.mode }}"},
                                 "mode:", "is not allowed", render={"mode": "append"}),
    "sb metadata renders to a JSON list": Bad(UpdateFileMetadataOperator, {**SB, "metadata": "{{ params.m }}"},
                                              "metadata:", "expected a mapping, got list", render={"m": '["a"]'}),
    "sb query renders to text": Bad(TagFilesOperator, {"query": "{{ params.q }}", "tags": ["x"]},
                                    "query:", "expected a mapping or a JSON object", render={"q": "project=x"}),
    "sb dry_run renders to a word": Bad(TagFilesOperator, {**SB, "tags": ["x"], "dry_run": "{{ params.dry }}"},
                                        "dry_run:", "is not a boolean", render={"dry": "maybe"}),
    "sb name renders with spaces": Bad(RenameFileOperator, {"file_id": FILE, "name": "{{ params.n }}"},
                                       "name:", "without surrounding spaces", render={"n": " x.bam"}),
    # -- connections
    "oc connection without a key": Bad(UpdateSampleVisibilityOperator, {**OC, "visibility": "public"},
                                       "connection 'bad_conn': the password field (API key)", "is empty",
                                       conn=oc_conn(password="")),
    "oc key with whitespace": Bad(UpdateSampleVisibilityOperator, {**OC, "visibility": "public"},
                                  "connection 'bad_conn': the API key", "contains whitespace",
                                  conn=oc_conn(password="oc-key with-space-0000000000")),
    "oc key with a trailing newline": Bad(UpdateSampleVisibilityOperator, {**OC, "visibility": "public"},
                                          "connection 'bad_conn': the API key", "contains whitespace",
                                          conn=oc_conn(password="oc-key-000000000000000000\n")),
    "oc plain http to a remote host": Bad(UpdateSampleVisibilityOperator, {**OC, "visibility": "public"},
                                          "connection 'bad_conn'", "refusing to send the API key over plain http",
                                          conn=oc_conn(host="http://genomics.example.org"),
                                          error=InsecureTransportError),
    "oc plain http to a private address": Bad(UpdateSampleVisibilityOperator, {**OC, "visibility": "public"},
                                              "connection 'bad_conn'", "refusing to send the API key over plain http",
                                              conn=oc_conn(host="http://10.0.0.7:8080"), error=InsecureTransportError),
    "oc host that is not http": Bad(UpdateSampleVisibilityOperator, {**OC, "visibility": "public"},
                                    "connection 'bad_conn': host", "is not an http(s) URL",
                                    conn=oc_conn(host="ftp://app.onecodex.com")),
    "oc unknown auth scheme": Bad(TagSamplesOperator, {**OC, "tags": ["a"]},
                                  "connection 'bad_conn': extra 'auth_scheme'", "is not one of api_key, basic, bearer",
                                  conn=oc_conn(extra={"auth_scheme": "digest"})),
    "oc timeout that is not a number": Bad(UpdateSampleVisibilityOperator, {**OC, "visibility": "public"},
                                           "connection 'bad_conn': extra 'timeout'", "must be a number",
                                           conn=oc_conn(extra={"timeout": "soon"})),
    "sb connection without a token": Bad(TagFilesOperator, {**SB, "tags": ["x"]},
                                         "connection 'bad_conn': the password field (authentication token)",
                                         "is empty", conn=sb_conn(password=None)),
    "sb token with whitespace": Bad(TagFilesOperator, {**SB, "tags": ["x"]},
                                    "connection 'bad_conn': the authentication token", "contains whitespace",
                                    conn=sb_conn(password=" sb-token-00000000000000")),
    "sb plain http to a remote host": Bad(TagFilesOperator, {**SB, "tags": ["x"]}, "connection 'bad_conn'",
                                          "refusing to send the authentication token over plain http",
                                          conn=sb_conn(host="http://cgc-api.sbgenomics.com/v2"),
                                          error=InsecureTransportError),
    "sb plain http to a look-alike of localhost": Bad(TagFilesOperator, {**SB, "tags": ["x"]}, "connection 'bad_conn'",
                                                      "refusing to send the authentication token over plain http",
                                                      conn=sb_conn(host="http://localhost.example.com/v2"),
                                                      error=InsecureTransportError),
    "sb unknown platform": Bad(RenameFileOperator, {"file_id": FILE, "name": "x.bam"},
                               "connection 'bad_conn': extra 'platform'", "is not known; use one of cgc",
                               conn=sb_conn(host="", extra={"platform": "mars"})),
    "sb unknown auth scheme": Bad(UpdateFileMetadataOperator, {**SB, "metadata": {"k": "v"}},
                                  "connection 'bad_conn': extra 'auth_scheme'", "is not one of token, bearer",
                                  conn=sb_conn(extra={"auth_scheme": "basic"})),
    "sb advance access that is not a boolean": Bad(TagFilesOperator, {**SB, "tags": ["x"]},
                                                   "connection 'bad_conn': extra 'advance_access'",
                                                   "is not a boolean",
                                                   conn=sb_conn(extra={"advance_access": "sometimes"})),
}  # fmt: skip


@pytest.fixture
def outgoing(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record every request that leaves the process (to any host), still sending it.

    :param monkeypatch: Pytest's monkeypatch.
    :return: The URLs sent, in order.
    """
    sent: list[str] = []
    original = requests.adapters.HTTPAdapter.send

    def send(self: requests.adapters.HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        sent.append(str(request.url))
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    return sent


def build_and_run(case: Bad, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the operator (in a DAG when templated), render it, point it at its connection, and execute it.

    :param case: The case.
    :param emu: The emulator (for connection hosts).
    :param monkeypatch: Pytest's monkeypatch.
    """
    kwargs = dict(case.kwargs)
    if case.conn is not None:
        conn = {key: (value.replace(EMULATOR, emu.url) if isinstance(value, str) else value)
                for key, value in case.conn.items()}  # fmt: skip
        monkeypatch.setenv("AIRFLOW_CONN_BAD_CONN", json.dumps(conn))
        kwargs["onecodex_conn_id" if conn["conn_type"] == "onecodex" else "sevenbridges_conn_id"] = "bad_conn"
    if case.render is None:
        run(case.operator(task_id="bad", **kwargs))
        return
    with DAG("bad_input", schedule=None, start_date=pendulum.datetime(2025, 1, 1)):
        operator = case.operator(task_id="bad", **kwargs)
    operator.render_template_fields(context={"params": case.render})
    run(operator)


@pytest.mark.parametrize("case", [pytest.param(case, id=name) for name, case in CORPUS.items()])
def test_bad_input_is_refused_naming_the_argument_and_the_rule_before_any_request(
    fresh: Emulator, outgoing: list[str], monkeypatch: pytest.MonkeyPatch, case: Bad
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        build_and_run(case, fresh, monkeypatch)

    assert type(caught.value) is case.error
    message = str(caught.value)
    assert case.argument in message
    assert case.rule in message
    assert len(fresh.recorder) == 0
    assert outgoing == []


def test_the_corpus_covers_every_operator_and_both_connection_types() -> None:
    operators = {case.operator for case in CORPUS.values()}
    assert operators == {
        UpdateSampleOperator, UpdateSampleVisibilityOperator, TagSamplesOperator, UpdateSampleMetadataOperator,
        TagFilesOperator, UpdateFileMetadataOperator, RenameFileOperator,
    }  # fmt: skip
    assert {case.conn["conn_type"] for case in CORPUS.values() if case.conn} == {"onecodex", "sevenbridges"}
    assert len(CORPUS) >= 50


def test_over_1000_pairs_after_a_merge_fails_that_file_unwritten_naming_the_rule(fresh: Emulator) -> None:
    """The one rule that needs the file's current metadata: checked after the read, before any write."""
    full, other = FILE, "65a100000000000000000202"
    fresh.sevenbridges.files[full]["metadata"] = {f"k{n}": "v" for n in range(999)}

    with pytest.raises(AirflowException) as caught:
        run(UpdateFileMetadataOperator(task_id="m", file_ids=[full, other], metadata={"new1": "a", "new2": "b"}))

    assert f"{full}: metadata would have 1001 pairs after the merge; the platform allows at most 1000" in str(
        caught.value
    )
    edits = fresh.recorder.filter(method="POST", path="/v2/bulk/files/edit")
    assert [item["id"] for request in edits for item in request.body["items"]] == [other]
    assert len(fresh.sevenbridges.files[full]["metadata"]) == 999
