"""More bad input (issue 12, items 5 and 6): ids in URL paths, control characters, Unicode twins, NaN, out-of-range
settings, unsendable credentials — each refused with its exact message before a single request — and servers that
answer with the wrong JSON shape, each a ``GenomicsApiError`` naming the method and path, never an ``AttributeError``.

None of these inputs is in ``test_bad_input.py``. Hook and operator cases run against a live emulator and assert that
it received nothing and that no request left the process; the shape cases use ``responses``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import responses

from genomics_provider._compat import AirflowException
from genomics_provider.exceptions import GenomicsApiError, InvalidInputError
from genomics_provider.hooks.onecodex import OneCodexHook
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.operators.onecodex import (
    TagSamplesOperator,
    UpdateSampleMetadataOperator,
    UpdateSampleOperator,
    UpdateSampleVisibilityOperator,
)
from genomics_provider.operators.sevenbridges import RenameFileOperator, TagFilesOperator, UpdateFileMetadataOperator
from genomics_provider.testing import Emulator
from tests.reliability.helpers import run
from tests.reliability.test_bad_input import (
    FILE,
    OC,
    PROJECT,
    SAMPLE,
    SB,
    Bad,
    build_and_run,
    oc_conn,
    sb_conn,
)

# The fixture recording every request that leaves the process, to any host.
from tests.reliability.test_bad_input import outgoing as outgoing

ID16 = "each id must be 16 lowercase hex characters"
ID24 = "each id must be 24 lowercase hex characters"
PROJECT_RULE = "use 'owner/project' (two non-empty parts without spaces, control characters, or '.'/'..')"
NUL = "contains a NUL character (U+0000)"
NOT_FINITE = "is not a finite number; NaN and Infinity cannot be sent as JSON"
HEADER = "which an HTTP header cannot carry; paste it again from the service (it is not shown here)"
NFC_TWINS = "are the same name in Unicode NFC form; tags are compared in NFC, give each once"
SLASH = "is not allowed; a file name cannot contain '/' or be '.' or '..' (a rename does not move a file)"
NOT_A_STRING = "give a project id, name or short name as a string (or None to remove the project)"
CAFE_NFC, CAFE_NFD = "caf\u00e9", "cafe\u0301"
ANGSTROM_NFC, ANGSTROM_NFD = "\u00c5ngstr\u00f6m", "A\u030angstro\u0308m"
OC_KEY_SNOWMAN = "oc-key-\u2603-4e1f8a2b9c7d3e5f60"

# -- hook methods: every id checked by the method itself ---------------------------------------------------------


@dataclass(frozen=True)
class HookCall:
    """One hook call with bad input, and the exact refusal.

    :param call: Calls the hook method (``list()`` around generators).
    :param message: The exact error text.
    """

    call: Callable[[OneCodexHook, SevenBridgesHook], Any]
    message: str


HOOK_CASES: dict[str, HookCall] = {
    "oc update_metadata with a path in the id": HookCall(
        lambda oc, sb: oc.update_metadata(f"../samples/{SAMPLE}", {"visibility": "public"}),
        f"metadata id: '../samples/{SAMPLE}' is not valid; {ID16}"),
    "oc get_sample with an uppercase id": HookCall(
        lambda oc, sb: oc.get_sample(SAMPLE.upper()), f"sample id: '{SAMPLE.upper()}' is not valid; {ID16}"),
    "oc update_sample with a trailing slash": HookCall(
        lambda oc, sb: oc.update_sample(f"{SAMPLE}/", {"visibility": "public"}),
        f"sample id: '{SAMPLE}/' is not valid; {ID16}"),
    "oc get_tag with a query in the id": HookCall(
        lambda oc, sb: oc.get_tag("42997b7a62634985?expand=all"),
        f"tag id: '42997b7a62634985?expand=all' is not valid; {ID16}"),
    "oc get_project with a dot segment": HookCall(
        lambda oc, sb: oc.get_project(".."), f"project id: '..' is not valid; {ID16}"),
    "oc get_metadata with a number": HookCall(
        lambda oc, sb: oc.get_metadata(1234), f"metadata id: 1234 is not valid; {ID16}"),
    "oc get_sample with None": HookCall(lambda oc, sb: oc.get_sample(None), f"sample id: None is not valid; {ID16}"),
    "oc create_tag for a path": HookCall(
        lambda oc, sb: oc.create_tag("qc", "../account"), f"sample id: '../account' is not valid; {ID16}"),
    "oc list_samples_by_id with a short id": HookCall(
        lambda oc, sb: oc.list_samples_by_id([SAMPLE, SAMPLE[:15]]),
        f"sample id: '{SAMPLE[:15]}' is not valid; {ID16}"),
    "oc list_metadata_by_id with a newline": HookCall(
        lambda oc, sb: oc.list_metadata_by_id(["a7fc7e430e704e2e\n"]),
        f"metadata id: 'a7fc7e430e704e2e\\n' is not valid; {ID16}"),
    "oc update_metadata with NaN in custom": HookCall(
        lambda oc, sb: oc.update_metadata("a7fc7e430e704e2e", {"custom": {"ratio": float("nan")}}),
        f"body: custom.ratio = nan {NOT_FINITE}"),
    "oc update_sample with Infinity in a list": HookCall(
        lambda oc, sb: oc.update_sample(SAMPLE, {"tags": [1.0, float("inf")]}), f"body: tags[1] = inf {NOT_FINITE}"),
    "sb bulk edit with NaN metadata": HookCall(
        lambda oc, sb: sb.bulk_edit_files([{"id": FILE, "metadata": {"k": float("nan")}}]),  # type: ignore[dict-item]
        f"items[0]: metadata.k = nan {NOT_FINITE}"),
    "oc resolve_project with a number": HookCall(
        lambda oc, sb: oc.resolve_project(123), f"project: 123 is number; {NOT_A_STRING}"),
    "oc find_tag with a NUL": HookCall(
        lambda oc, sb: oc.find_tag("qc\x00"), f"tag name 'qc\\x00' {NUL}; tag names must be printable text"),
    "oc iter_samples with page size 0": HookCall(
        lambda oc, sb: oc.iter_samples(page_size=0), "page_size = 0 must be a number from 1 to 1000 (a whole number)"),
    "oc iter_metadata with a million per page": HookCall(
        lambda oc, sb: oc.iter_metadata(page_size=10**6),
        "page_size = 1000000 must be a number from 1 to 1000 (a whole number)"),
    "sb get_project with a dot-dot owner": HookCall(
        lambda oc, sb: sb.get_project("../user"), f"project: '../user' is not a project id; {PROJECT_RULE}"),
    "sb get_project with a dot-dot project": HookCall(
        lambda oc, sb: sb.get_project("rfranklin/.."), f"project: 'rfranklin/..' is not a project id; {PROJECT_RULE}"),
    "sb get_project with a NUL": HookCall(
        lambda oc, sb: sb.get_project("rfran\x00klin/demo"),
        f"project: 'rfran\\x00klin/demo' is not a project id; {PROJECT_RULE}"),
    "sb iter_files in a dot-dot project": HookCall(
        lambda oc, sb: sb.iter_files(project="../demo"), f"project: '../demo' is not a project id; {PROJECT_RULE}"),
    "sb iter_files in a malformed folder": HookCall(
        lambda oc, sb: sb.iter_files(parent="FOLDER"), f"parent: 'FOLDER' is not valid; {ID24}"),
    "sb list_files_page in a three-part project": HookCall(
        lambda oc, sb: sb.list_files_page(project="a/b/c"), f"project: 'a/b/c' is not a project id; {PROJECT_RULE}"),
    "sb bulk edit of a path": HookCall(
        lambda oc, sb: sb.bulk_edit_files([{"id": "../user", "tags": ["x"]}]),
        f"items[0] id: '../user' is not valid; {ID24}"),
    "sb bulk update of a number": HookCall(
        lambda oc, sb: sb.bulk_update_files([{"id": FILE, "tags": []}, {"id": 5, "tags": []}]),  # type: ignore[list-item,typeddict-item]
        f"items[1] id: 5 is not valid; {ID24}"),
    "sb replace_file_tags with a NUL": HookCall(
        lambda oc, sb: sb.replace_file_tags(FILE, ["ok", "bad\x00"]),
        f"tags[1] 'bad\\x00' {NUL}; tags must be printable text"),
    "sb merge_file_metadata with a NUL key": HookCall(
        lambda oc, sb: sb.merge_file_metadata(FILE, {"k\x00": "v"}),
        f"metadata: key 'k\\x00' {NUL}; metadata keys must be printable text"),
    "sb update_file to a path": HookCall(
        lambda oc, sb: sb.update_file(FILE, name="sub/x.bam"), f"name: 'sub/x.bam' {SLASH}"),
    "sb iter_files filtering on an escape sequence": HookCall(
        lambda oc, sb: sb.iter_files(project=PROJECT, tags=["raw\x1b"]),
        "tags[0] 'raw\\x1b' contains a control character (U+001B); filter values must be printable text"),
}  # fmt: skip


@pytest.mark.parametrize("case", [pytest.param(case, id=name) for name, case in HOOK_CASES.items()])
def test_a_hook_method_refuses_a_bad_id_or_text_itself_before_any_request(
    fresh: Emulator, outgoing: list[str], case: HookCall
) -> None:
    oc_hook, sb_hook = OneCodexHook(), SevenBridgesHook()

    with pytest.raises(InvalidInputError) as caught:
        case.call(oc_hook, sb_hook)

    assert str(caught.value) == case.message
    assert len(fresh.recorder) == 0
    assert outgoing == []


# -- operators and connections ------------------------------------------------------------------------------------


def oc_tags(*tags: str) -> dict[str, Any]:
    return {**OC, "tags": list(tags)}


def sb_tags(*tags: str) -> dict[str, Any]:
    return {**SB, "tags": list(tags)}


def extra(conn: Callable[..., dict[str, Any]], **values: Any) -> dict[str, Any]:
    return conn(extra={"rate_limit": 0, **values})


VISIBLE = {**OC, "visibility": "public"}
TAGGED = {**SB, "tags": ["x"]}
CASES: dict[str, tuple[type, dict[str, Any], str, dict[str, Any] | None]] = {
    # -- One Codex tags
    "oc tag with a NUL": (TagSamplesOperator, oc_tags("qc\x00"),
                          f"tags[0] 'qc\\x00' {NUL}; tags must be printable text", None),
    "oc tag with an ANSI escape": (TagSamplesOperator, oc_tags("ok", "qc\x1b[31m"),
                                   "tags[1] 'qc\\x1b[31m' contains a control character (U+001B); tags must be "
                                   "printable text", None),
    "oc tags equal only in NFC": (TagSamplesOperator, oc_tags(CAFE_NFC, CAFE_NFD),
                                  f"tags: {CAFE_NFC!r} and {CAFE_NFD!r} {NFC_TWINS}", None),
    "oc tag with a C1 control": (TagSamplesOperator, oc_tags("a\x85b"),
                                 "tags[0] 'a\\x85b' contains a control character (U+0085); tags must be printable text",
                                 None),
    "oc tag with a lone surrogate": (TagSamplesOperator, oc_tags("\ud800"),
                                     "tags[0] '\\ud800' contains a lone surrogate (U+D800), which has no UTF-8 form; "
                                     "tags must be printable text", None),
    "oc update tag with DEL": (UpdateSampleOperator, oc_tags("x\x7f"),
                               "tags[0] 'x\\x7f' contains a control character (U+007F); tags must be printable text",
                               None),
    # -- One Codex metadata fields and custom
    "oc name with a NUL": (UpdateSampleMetadataOperator, {**OC, "fields": {"name": "S\x00"}},
                           f"fields: value of 'name' 'S\\x00' {NUL}; metadata values must be printable text", None),
    "oc latitude NaN": (UpdateSampleMetadataOperator, {**OC, "fields": {"location_lat": float("nan")}},
                        f"fields: 'location_lat' = nan {NOT_FINITE}", None),
    "oc longitude Infinity": (UpdateSampleMetadataOperator, {**OC, "fields": {"location_lon": float("inf")}},
                              f"fields: 'location_lon' = inf {NOT_FINITE}", None),
    "oc description with a bell": (UpdateSampleMetadataOperator, {**OC, "fields": {"description": "ok\x07"}},
                                   "fields: value of 'description' 'ok\\x07' contains a control character (U+0007); "
                                   "metadata values must be printable text (tab and line breaks are allowed)", None),
    "oc external id with a newline": (UpdateSampleMetadataOperator, {**OC, "fields": {"external_sample_id": "S1\n"}},
                                      "fields: value of 'external_sample_id' 'S1\\n' contains a control character "
                                      "(U+000A); metadata values must be printable text", None),
    "oc custom NaN": (UpdateSampleMetadataOperator, {**OC, "custom": {"ratio": float("nan")}},
                      f"custom: value of 'ratio' = nan {NOT_FINITE}", None),
    "oc custom minus Infinity": (UpdateSampleMetadataOperator, {**OC, "custom": {"depth": float("-inf")}},
                                 f"custom: value of 'depth' = -inf {NOT_FINITE}", None),
    "oc custom key with a NUL": (UpdateSampleMetadataOperator, {**OC, "custom": {"ke\x00y": "v"}},
                                 f"custom: key 'ke\\x00y' {NUL}; keys must be printable text", None),
    "oc custom value with a NUL": (UpdateSampleMetadataOperator, {**OC, "custom": {"run": "42\x00"}},
                                   f"custom: value of 'run' '42\\x00' {NUL}; values must be printable text "
                                   "(tab and line breaks are allowed)", None),
    "oc custom key that is a unit separator": (UpdateSampleMetadataOperator, {**OC, "custom": {"\x1f": 1}},
                                               "custom: key '\\x1f' contains a control character (U+001F); keys "
                                               "must be printable text", None),
    # -- One Codex project: refused before any GET
    "oc project that is a number": (UpdateSampleOperator, {**OC, "project": 123},
                                    f"project: 123 is number; {NOT_A_STRING}", None),
    "oc project that is a list": (UpdateSampleOperator, {**OC, "project": ["Run 42"]},
                                  f"project: ['Run 42'] is list; {NOT_A_STRING}", None),
    "oc project with a NUL": (UpdateSampleOperator, {**OC, "project": "Run\x0042"},
                              f"project 'Run\\x0042' {NUL}; project names must be printable text", None),
    "oc project that is a boolean": (UpdateSampleOperator, {**OC, "project": True},
                                     f"project: True is boolean; {NOT_A_STRING}", None),
    # -- Seven Bridges tags, query, metadata, rename
    "sb tag with a NUL": (TagFilesOperator, sb_tags("raw\x00"),
                          f"tags[0] 'raw\\x00' {NUL}; tags must be printable text", None),
    "sb tag with DEL": (TagFilesOperator, sb_tags("x", "y\x7f"),
                        "tags[1] 'y\\x7f' contains a control character (U+007F); tags must be printable text", None),
    "sb tags equal only in NFC": (TagFilesOperator, sb_tags(ANGSTROM_NFC, ANGSTROM_NFD),
                                  f"tags: {ANGSTROM_NFC!r} and {ANGSTROM_NFD!r} {NFC_TWINS}", None),
    "sb query in a dot-dot project": (TagFilesOperator, {"query": {"project": "../demo"}, "tags": ["x"]},
                                      f"query: project '../demo' is not a project id; {PROJECT_RULE}", None),
    "sb query in a project with a NUL": (TagFilesOperator, {"query": {"project": "rfranklin/demo\x00"}, "tags": ["x"]},
                                         f"query: project 'rfranklin/demo\\x00' is not a project id; {PROJECT_RULE}",
                                         None),
    "sb query tag with a NUL": (TagFilesOperator, {"query": {"project": PROJECT, "tag": "raw\x00"}, "tags": ["x"]},
                                f"query: tag 'raw\\x00' {NUL}; filter values must be printable text", None),
    "sb query metadata with an escape": (UpdateFileMetadataOperator,
                                         {"query": {"project": PROJECT, "metadata.sample_id": "S1\x1b"},
                                          "metadata": {"k": "v"}},
                                         "query: metadata.sample_id 'S1\\x1b' contains a control character (U+001B); "
                                         "filter values must be printable text", None),
    "sb metadata key with a NUL": (UpdateFileMetadataOperator, {**SB, "metadata": {"ke\x00y": "v"}},
                                   f"metadata: key 'ke\\x00y' {NUL}; keys must be printable text", None),
    "sb metadata value with a NUL": (UpdateFileMetadataOperator, {**SB, "metadata": {"k": "v\x00"}},
                                     f"metadata: value of 'k' 'v\\x00' {NUL}; values must be printable text (tab and "
                                     "line breaks are allowed)", None),
    "sb metadata key with an escape": (UpdateFileMetadataOperator, {**SB, "metadata": {"k\x1b": "v"}},
                                       "metadata: key 'k\\x1b' contains a control character (U+001B); keys must be "
                                       "printable text", None),
    "sb rename into a folder": (RenameFileOperator, {"file_id": FILE, "name": "a/b.bam"}, f"name: 'a/b.bam' {SLASH}",
                                None),
    "sb rename with a NUL": (RenameFileOperator, {"file_id": FILE, "name": "x\x00.bam"},
                             f"name 'x\\x00.bam' {NUL}; file names must be printable text", None),
    "sb rename to dot-dot": (RenameFileOperator, {"file_id": FILE, "name": ".."}, f"name: '..' {SLASH}", None),
    "sb rename with an inner newline": (RenameFileOperator, {"file_id": FILE, "name": "x\n.bam"},
                                        "name 'x\\n.bam' contains a control character (U+000A); file names must be "
                                        "printable text", None),
    # -- credentials no HTTP header can carry (the message never quotes them)
    "oc key with a snowman": (UpdateSampleVisibilityOperator, VISIBLE,
                              f"connection 'bad_conn': the API key has a character outside Latin-1 at position 8, "
                              f"{HEADER}", oc_conn(password=OC_KEY_SNOWMAN)),
    "oc key with DEL": (UpdateSampleVisibilityOperator, VISIBLE,
                        f"connection 'bad_conn': the API key has a control character at position 4, {HEADER}",
                        oc_conn(password="oc-\x7fkey-4e1f8a2b9c7d3e5f60")),
    "oc bearer key with a Polish l": (TagSamplesOperator, oc_tags("a"),
                                      f"connection 'bad_conn': the API key has a character outside Latin-1 at "
                                      f"position 1, {HEADER}",
                                      oc_conn(password="\u0142-jwt-4e1f8a2b9c7d3e5f60",
                                              extra={"auth_scheme": "bearer"})),
    "sb token with a euro sign": (TagFilesOperator, TAGGED,
                                  f"connection 'bad_conn': the authentication token has a character outside Latin-1 at "
                                  f"position 10, {HEADER}", sb_conn(password="sb-token-\u20ac-7a9c2e4b")),
    # -- numeric settings outside their documented range
    "oc a billion attempts": (UpdateSampleVisibilityOperator, VISIBLE,
                              "connection 'bad_conn': extra 'max_attempts' = 1000000000.0 must be a number from 1 "
                              "to 20 (a whole number)", extra(oc_conn, max_attempts=1e9)),
    "oc two and a half attempts": (UpdateSampleVisibilityOperator, VISIBLE,
                                   "connection 'bad_conn': extra 'max_attempts' = 2.5 must be a number from 1 to 20 "
                                   "(a whole number)", extra(oc_conn, max_attempts=2.5)),
    "sb a thousand attempts": (TagFilesOperator, TAGGED,
                               "connection 'bad_conn': extra 'max_attempts' = 1000 must be a number from 1 to 20 "
                               "(a whole number)", extra(sb_conn, max_attempts=1000)),
    "oc a four-month read timeout": (UpdateSampleVisibilityOperator, VISIBLE,
                                     "connection 'bad_conn': extra 'timeout' = 10000000.0 must be a number from 0.001 "
                                     "to 3600", extra(oc_conn, timeout=1e7)),
    "oc a connect timeout as text": (UpdateSampleVisibilityOperator, VISIBLE,
                                     "connection 'bad_conn': extra 'connect_timeout' = '1e9' must be a number from "
                                     "0.001 to 600", extra(oc_conn, connect_timeout="1e9")),
    "oc a day-long write timeout": (UpdateSampleVisibilityOperator, VISIBLE,
                                    "connection 'bad_conn': extra 'write_timeout' = 86400 must be a number from 0.002 "
                                    "to 600", extra(oc_conn, write_timeout=86400)),
    "oc a day-old read allowed": (UpdateSampleVisibilityOperator, VISIBLE,
                                  "connection 'bad_conn': extra 'max_read_age' = 100000.0 must be a number from 0.001 "
                                  "to 300", extra(oc_conn, max_read_age=1e5)),
    "sb a million requests per second": (TagFilesOperator, TAGGED,
                                         "connection 'bad_conn': extra 'rate_limit' = 1000000.0 must be a number from "
                                         "0 to 1000", sb_conn(extra={"rate_limit": 1e6})),
}  # fmt: skip


@pytest.mark.parametrize(
    ("operator", "kwargs", "message", "conn"),
    [pytest.param(*case, id=name) for name, case in CASES.items()],
)
def test_bad_input_is_refused_with_the_exact_message_before_any_request(
    fresh: Emulator,
    outgoing: list[str],
    monkeypatch: pytest.MonkeyPatch,
    operator: type,
    kwargs: dict[str, Any],
    message: str,
    conn: dict[str, Any] | None,
) -> None:
    case = Bad(operator, kwargs, argument="", rule="", conn=conn)

    with pytest.raises(InvalidInputError) as caught:
        build_and_run(case, fresh, monkeypatch)

    assert str(caught.value) == message
    assert len(fresh.recorder) == 0
    assert outgoing == []


def test_a_refused_credential_is_in_neither_the_message_nor_the_exception_args(
    fresh: Emulator, outgoing: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = Bad(UpdateSampleVisibilityOperator, VISIBLE, argument="", rule="", conn=oc_conn(password=OC_KEY_SNOWMAN))

    with pytest.raises(InvalidInputError) as caught:
        build_and_run(case, fresh, monkeypatch)

    assert OC_KEY_SNOWMAN not in repr(caught.value.args)
    assert "\u2603" not in str(caught.value)
    assert outgoing == []


# -- wrong shapes from the server --------------------------------------------------------------------------------

OC_BASE = "https://app.onecodex.com"
SB_BASE = "https://cgc-api.sbgenomics.com/v2"
SAMPLE_PATH = f"/api/v1/samples/{SAMPLE}"
METADATA_ID = "a7fc7e430e704e2e"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Point both default connections at the vendors' hosts and intercept HTTP (unregistered URLs fail).

    :param monkeypatch: Pytest's monkeypatch.
    :return: The ``responses`` mock.
    """
    for name, conn in {
        "AIRFLOW_CONN_ONECODEX_DEFAULT": {"conn_type": "onecodex", "host": OC_BASE, "password": "oc-shape-key-0a1b2c"},
        "AIRFLOW_CONN_SEVENBRIDGES_DEFAULT": {"conn_type": "sevenbridges", "host": SB_BASE, "password": "sb-shape-1"},
    }.items():
        monkeypatch.setenv(name, json.dumps({**conn, "extra": {"rate_limit": 0, "max_attempts": 1}}))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@dataclass(frozen=True)
class Shape:
    """One wrong-shaped answer: the route, the body, the call, and the exact error.

    :param method: HTTP method of the route.
    :param url: Full URL of the route.
    :param body: The JSON body the server answers with (status 200).
    :param call: Calls the hook method.
    :param message: The exact error text.
    """

    method: str
    url: str
    body: Any
    call: Callable[[OneCodexHook, SevenBridgesHook], Any]
    message: str


OBJECT = "expected a JSON object"
LISTED = "expected a JSON list of objects with string ids"
SHAPES: dict[str, Shape] = {
    "oc PATCH sample answered with a list": Shape(
        "PATCH", OC_BASE + SAMPLE_PATH, [], lambda oc, sb: oc.update_sample(SAMPLE, {"visibility": "public"}),
        f"PATCH {SAMPLE_PATH} failed: {OBJECT}, got list"),
    "oc PATCH metadata answered with a string": Shape(
        "PATCH", f"{OC_BASE}/api/v1/metadata/{METADATA_ID}", "ok",
        lambda oc, sb: oc.update_metadata(METADATA_ID, {"name": "x"}),
        f"PATCH /api/v1/metadata/{METADATA_ID} failed: {OBJECT}, got string"),
    "oc GET sample answered with null": Shape(
        "GET", OC_BASE + SAMPLE_PATH, None, lambda oc, sb: oc.get_sample(SAMPLE),
        f"GET {SAMPLE_PATH} failed: {OBJECT}, got null"),
    "oc POST tag answered without a $uri": Shape(
        "POST", f"{OC_BASE}/api/v1/tags", {"name": "qc"}, lambda oc, sb: oc.create_tag("qc", SAMPLE),
        f"POST /api/v1/tags failed: {OBJECT} with a string id ('$uri'), got one without"),
    "oc sample list of strings": Shape(
        "GET", f"{OC_BASE}/api/v1/samples", [SAMPLE], lambda oc, sb: list(oc.iter_samples()),
        f"GET /api/v1/samples failed: {LISTED} ('$uri'); item 0 is string"),
    "oc tag list item without a $uri": Shape(
        "GET", f"{OC_BASE}/api/v1/tags", [{"name": "qc"}], lambda oc, sb: oc.find_tag("qc"),
        f"GET /api/v1/tags failed: {LISTED} ('$uri'); item 0 has none"),
    "oc samples by id with a numeric $uri": Shape(
        "GET", f"{OC_BASE}/api/v1/samples", [{"$uri": SAMPLE_PATH}, {"$uri": 7}],
        lambda oc, sb: oc.list_samples_by_id([SAMPLE]),
        f"GET /api/v1/samples failed: {LISTED} ('$uri'); item 1 has none"),
    "sb PATCH file answered without an id": Shape(
        "PATCH", f"{SB_BASE}/files/{FILE}", {"name": "x.bam"}, lambda oc, sb: sb.update_file(FILE, name="x.bam"),
        f"PATCH /files/{FILE} failed: {OBJECT} with a string id ('id'), got one without"),
    "sb listing page item without an id": Shape(
        "GET", f"{SB_BASE}/files", {"items": [{"id": FILE}, {"name": "x.bam"}], "links": []},
        lambda oc, sb: sb.list_files_page(project=PROJECT), f"GET /files failed: {LISTED} ('id'); item 1 has none"),
    "sb listing page of strings": Shape(
        "GET", f"{SB_BASE}/files", {"items": [FILE], "links": []}, lambda oc, sb: list(sb.iter_files(project=PROJECT)),
        f"GET /files failed: {LISTED} ('id'); item 0 is string"),
}  # fmt: skip


@pytest.mark.parametrize("case", [pytest.param(case, id=name) for name, case in SHAPES.items()])
def test_a_wrong_shaped_answer_is_an_api_error_naming_method_and_path(api: Any, case: Shape) -> None:
    api.add(case.method, case.url, json=case.body)
    if case.body is None:  # responses sends no body for json=None
        api.replace(case.method, case.url, body="null", content_type="application/json")

    with pytest.raises(GenomicsApiError) as caught:
        case.call(OneCodexHook(), SevenBridgesHook())

    assert str(caught.value) == case.message
    assert len(api.calls) == 1


def test_a_bulk_result_whose_resource_has_no_id_is_an_error_record_not_a_success(api: Any) -> None:
    api.post(f"{SB_BASE}/bulk/files/get", json={"items": [{"resource": {"name": "x.bam"}}]})

    records = SevenBridgesHook().bulk_get_files([FILE])

    assert records == [{"error": {"message": "unrecognised bulk result " + repr("{'resource': {'name': 'x.bam'}}")}}]


def test_a_patch_answered_with_a_list_fails_the_sample_by_name_not_with_an_attribute_error(api: Any) -> None:
    sample = {"$uri": SAMPLE_PATH, "visibility": "private", "tags": [], "project": None}
    api.get(f"{OC_BASE}/api/v1/samples", json=[sample])
    api.patch(OC_BASE + SAMPLE_PATH, json=[])

    with pytest.raises(AirflowException) as caught:
        run(UpdateSampleVisibilityOperator(task_id="v", sample_ids=[SAMPLE], visibility="public"))

    assert not isinstance(caught.value, AttributeError)
    assert f"{SAMPLE}: " in str(caught.value)
    assert f"PATCH {SAMPLE_PATH} failed: {OBJECT}, got list" in str(caught.value)
    patches = [call.request for call in api.calls if call.request.method == "PATCH"]
    assert patches
    assert all(json.loads(request.body) == {"visibility": "public"} for request in patches)


def test_the_case_tables_hold_the_counts_the_readme_states() -> None:
    assert (len(HOOK_CASES), len(CASES), len(SHAPES)) == (29, 46, 10)
