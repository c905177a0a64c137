"""Listings against a server that lies about its pages: every one ends, each id comes once, the error says why.

A strict scripted server on 127.0.0.1 (:mod:`tests.reliability.scripted_api`) answers each case and logs every
request; it refuses every request after its budget, so a client that would loop forever fails here on the error text
and request count instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any
from unittest.mock import MagicMock
from urllib.parse import urlencode

import pytest

from genomics_provider.exceptions import GenomicsApiError, InvalidInputError
from genomics_provider.hooks.onecodex import OneCodexHook, id_from_link
from genomics_provider.hooks.sevenbridges import SevenBridgesHook
from genomics_provider.operators.sevenbridges import TagFilesOperator
from genomics_provider.sensors.sevenbridges import SevenBridgesFilesSensor
from genomics_provider.sevenbridges.query import check_query
from genomics_provider.triggers.sevenbridges import SevenBridgesFilesTrigger, collect_matching_ids
from tests.reliability.scripted_api import Reply, ScriptedApi, Seen, scripted_api

OC_KEY = "oc-paging-key-3c5e7a9b1d2f4e6a80"
SB_TOKEN = "sb-paging-token-8e6c4a2f0d1b3c5e7a"
PROJECT = "rfranklin/demo"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedApi]:
    """Start the scripted server with both connections pointing at it; stop it after the test.

    :param monkeypatch: pytest's monkeypatch.
    :return: The server (set ``script`` before the first request).
    """
    with scripted_api() as api:
        extra = {"rate_limit": 0, "max_read_age": 2.0, "write_timeout": 1.0}
        for name, conn_type, host, secret in (
            ("ONECODEX_DEFAULT", "onecodex", api.url, OC_KEY),
            ("SEVENBRIDGES_DEFAULT", "sevenbridges", f"{api.url}/v2", SB_TOKEN),
        ):
            conn = {"conn_type": conn_type, "host": host, "password": secret, "extra": extra}
            monkeypatch.setenv(f"AIRFLOW_CONN_{name}", json.dumps(conn))
        yield api


# -- One Codex -------------------------------------------------------------------------------------------------


def sample_id(number: int) -> str:
    return f"{number:016x}"


def samples(numbers: Any) -> list[dict[str, Any]]:
    return [{"$uri": f"/api/v1/samples/{sample_id(n)}", "visibility": "private"} for n in numbers]


def page_number(seen: Seen) -> int:
    return int(seen.arg("page") or 1)


def stopped(path: str, problem: str) -> str:
    """Build the exact text of a listing's loop error: ``GET <path> failed: <problem>; stopping instead of looping``."""
    return f"GET {path} failed: {problem}; stopping instead of looping"


SAMPLES = "/api/v1/samples"
CYCLE = {None: ("c1", range(3)), "c1": ("c2", range(3, 6)), "c2": ("c1", range(6, 9))}
TAGS = {n: [{"$uri": f"/api/v1/tags/00000000000000a{n}", "name": "dup"}] for n in (1, 2)}
LINK = {"Link": '</api/v1/samples?page=2&per_page=10>; rel="next"'}
SHARED_TAG = (
    "tags: the name 'dup' matches 2 One Codex tags (00000000000000a1, 00000000000000a2); "
    "tag names must be unique for this operator"
)


def cycle(seen: Seen) -> Reply:
    next_cursor, numbers = CYCLE[seen.arg("cursor")]
    return 200, {"X-Next-Cursor": next_cursor}, samples(numbers)


def drifting(seen: Seen) -> Reply:
    # Each page starts one item later: one new item per page, so the total of 30 is never reached.
    return 200, {"X-Total-Count": "30"}, samples(range(page_number(seen) - 1, page_number(seen) + 9))


def untotalled(seen: Seen) -> Reply:
    return 200, LINK, samples(range((page_number(seen) - 1) * 10, min(25, page_number(seen) * 10)))


ONE_CODEX_CASES = [
    pytest.param(
        lambda seen: (200, {"X-Next-Cursor": "abc"}, samples(range(3))),
        "iter_samples",
        (GenomicsApiError, stopped(SAMPLES, "the server sent cursor 'abc' twice")),
        [0, 1, 2],
        ["GET /api/v1/samples", "GET /api/v1/samples cursor=abc"],
        id="a repeated X-Next-Cursor fails on the second page",
    ),
    pytest.param(
        cycle,
        "iter_samples",
        (GenomicsApiError, stopped(SAMPLES, "the server sent cursor 'c1' twice")),
        list(range(6)),
        ["GET /api/v1/samples", "GET /api/v1/samples cursor=c1", "GET /api/v1/samples cursor=c2"],
        id="cursors that cycle back fail when the first one returns",
    ),
    pytest.param(
        lambda seen: (200, {"X-Next-Cursor": f"c{seen.arg('cursor') or ''}x"}, samples(range(3))),
        "iter_samples",
        (GenomicsApiError, stopped(SAMPLES, "page 2 lists only items already listed (3 items)")),
        [0, 1, 2],
        ["GET /api/v1/samples", "GET /api/v1/samples cursor=cx"],
        id="new cursors over the same page fail on the second page",
    ),
    pytest.param(
        lambda seen: (200, {"X-Total-Count": "1000"}, samples(range(3))),
        "iter_samples",
        (
            GenomicsApiError,
            stopped(SAMPLES, "page 2 lists only items already listed (3 items): the server seems to ignore page=2"),
        ),
        [0, 1, 2],
        ["GET /api/v1/samples", "GET /api/v1/samples page=2"],
        id="page mode with a lying total over a repeated page fails on the second page",
    ),
    pytest.param(
        drifting,
        "iter_samples_by_10",
        (
            GenomicsApiError,
            stopped(
                SAMPLES,
                "7 pages brought only 16 distinct items of the 30 that X-Total-Count announces "
                "(3 page(s) of 10 should hold them)",
            ),
        ),
        list(range(16)),
        ["GET /api/v1/samples", *(f"GET /api/v1/samples page={n}" for n in range(2, 8))],
        id="page mode whose total is never reached fails after twice the pages it needs plus one",
    ),
    pytest.param(
        untotalled,
        "iter_samples_by_10",
        None,
        list(range(25)),
        ["GET /api/v1/samples", *(f"GET /api/v1/samples page={n}" for n in range(2, 5))],
        id="page mode without a total goes on to an empty page instead of stopping after the first",
    ),
    pytest.param(
        lambda seen: (200, {}, TAGS.get(page_number(seen), [])),
        "find_tag",
        (InvalidInputError, SHARED_TAG),
        None,
        ["GET /api/v1/tags", "GET /api/v1/tags page=2", "GET /api/v1/tags page=3"],
        id="a tag lookup without a total reads every page and finds the second tag of the same name",
    ),
    pytest.param(
        lambda seen: (200, {}, samples([0, 1, 0, 1])),
        "iter_samples",
        None,
        [0, 1],
        ["GET /api/v1/samples"],
        id="a sample listed twice on one page is yielded once",
    ),
    pytest.param(
        lambda seen: (200, {"X-Next-Cursor": OC_KEY}, samples(range(2))),
        "iter_samples",
        (GenomicsApiError, stopped(SAMPLES, "the server sent cursor '***' twice")),
        [0, 1],
        ["GET /api/v1/samples", f"GET /api/v1/samples cursor={OC_KEY}"],
        id="a repeated cursor that echoes the API key is quoted without it",
    ),
]

#: What each case does with the hook, appending what it yields (``list.extend`` keeps what came before an error).
ONE_CODEX_ACTIONS: dict[str, Callable[[OneCodexHook, list[Any]], None]] = {
    "iter_samples": lambda hook, got: got.extend(hook.iter_samples()),
    "iter_samples_by_10": lambda hook, got: got.extend(hook.iter_samples(page_size=10)),
    "find_tag": lambda hook, got: got.append(hook.find_tag("dup")),
}


@pytest.mark.parametrize(("script", "action", "error", "yielded", "sent"), ONE_CODEX_CASES)
def test_one_codex_listing_ends_yields_each_id_once_and_says_what_the_server_did(
    fake: ScriptedApi,
    script: Callable[[Seen], Reply],
    action: str,
    error: tuple[type[Exception], str] | None,
    yielded: list[int] | None,
    sent: list[str],
) -> None:
    fake.script = script
    got: list[Any] = []
    hook = OneCodexHook()
    if error is None:
        ONE_CODEX_ACTIONS[action](hook, got)
    else:
        with pytest.raises(error[0]) as caught:
            ONE_CODEX_ACTIONS[action](hook, got)
        assert str(caught.value) == error[1]
        assert OC_KEY not in str(caught.value)
    hook.close()
    if yielded is not None:
        assert [id_from_link(item) for item in got] == [sample_id(n) for n in yielded]
    assert fake.sent() == sent


# -- Seven Bridges listing -------------------------------------------------------------------------------------


def file_id(number: int) -> str:
    return f"{number:024x}"


def sb_files(numbers: Any) -> list[dict[str, Any]]:
    return [{"id": file_id(n), "name": f"{n}.bam", "type": "file", "project": PROJECT} for n in numbers]


def link_at(seen: Seen, offset: int) -> str:
    rest = [(key, value) for key, value in seen.query if key != "offset"]
    return f"{seen.url.split('?')[0]}?{urlencode([*rest, ('offset', offset)])}"


def listing(seen: Seen, items: list[dict[str, Any]], next_href: str | None) -> Reply:
    links = [{"href": next_href, "rel": "next", "method": "GET"}] if next_href else []
    return 200, {"X-Total-Matching-Query": "3"}, {"href": seen.url, "items": items, "links": links}


def offset_of(seen: Seen) -> int:
    return int(seen.arg("offset") or 0)


FIRST_URL: list[str] = []  # the cycle case's first page, as the fake saw it


def _cycle(seen: Seen) -> Reply:
    if not seen.arg("offset"):
        FIRST_URL[:] = [seen.url]
        return listing(seen, sb_files(range(3)), link_at(seen, 100))
    return listing(seen, sb_files(range(3, 6)), FIRST_URL[0])


SELF_LINK = stopped("/v2/files", "the next link of page 1 (offset 0) leads back to a page already read")
SEVEN_BRIDGES_CASES = [
    pytest.param(
        lambda seen: listing(seen, sb_files(range(3)), seen.url),
        SELF_LINK,
        [],
        ["GET /v2/files"],
        id="a next link pointing at its own page fails on the first page",
    ),
    pytest.param(
        lambda seen: listing(seen, sb_files(range(3)), link_at(seen, offset_of(seen) + 100)),
        stopped(
            "/v2/files",
            "page 2 lists only files already listed (3 files) at offset 100: the server seems to ignore offset",
        ),
        [0, 1, 2],
        ["GET /v2/files", "GET /v2/files offset=100"],
        id="a listing that ignores offset fails on the second page",
    ),
    pytest.param(
        _cycle,
        stopped("/v2/files", "the next link of page 2 (offset 0) leads back to a page already read"),
        [0, 1, 2],
        ["GET /v2/files", "GET /v2/files offset=100"],
        id="a next link back to the first page fails on the second page",
    ),
    pytest.param(
        lambda seen: listing(seen, sb_files([0, 1, 0]), None),
        None,
        [0, 1],
        ["GET /v2/files"],
        id="a file listed twice on one page is yielded once",
    ),
]


@pytest.mark.parametrize(("script", "error", "yielded", "sent"), SEVEN_BRIDGES_CASES)
def test_seven_bridges_listing_ends_yields_each_id_once_and_says_what_the_server_did(
    fake: ScriptedApi, script: Callable[[Seen], Reply], error: str | None, yielded: list[int], sent: list[str]
) -> None:
    fake.script = script
    got: list[str] = []
    hook = SevenBridgesHook()
    if error is None:
        got.extend(str(item["id"]) for item in hook.iter_files(project=PROJECT))
    else:
        with pytest.raises(GenomicsApiError) as caught:
            got.extend(str(item["id"]) for item in hook.iter_files(project=PROJECT))
        assert str(caught.value) == error
    hook.close()
    assert got == [file_id(n) for n in yielded]
    assert fake.sent() == sent


# -- the files sensor and trigger ------------------------------------------------------------------------------


def _overlapping(seen: Seen) -> Reply:
    # Page 2 lists file 0 again (the listing shifted): it must count once.
    if not seen.arg("offset"):
        return listing(seen, sb_files([0]), link_at(seen, 1))
    return listing(seen, sb_files([0, 1]), None)


@pytest.mark.parametrize(
    ("min_count", "done", "ids"),
    [
        pytest.param(3, False, None, id="a file listed on two pages does not make two of three"),
        pytest.param(2, True, [file_id(0), file_id(1)], id="the ids returned hold the repeated file once"),
    ],
)
def test_the_files_sensor_counts_a_repeated_file_once(
    fake: ScriptedApi, min_count: int, done: bool, ids: list[str] | None
) -> None:
    fake.script = _overlapping
    result = SevenBridgesFilesSensor(task_id="wait", query={"project": PROJECT}, min_count=min_count).poke({})  # type: ignore[arg-type]
    assert (result.is_done, result.xcom_value) == (done, ids)
    assert fake.sent() == ["GET /v2/files", "GET /v2/files offset=1"]


def test_the_files_sensor_fails_on_a_self_pointing_next_link_instead_of_counting_duplicates(fake: ScriptedApi) -> None:
    fake.script = lambda seen: listing(seen, sb_files(range(3)), seen.url)
    sensor = SevenBridgesFilesSensor(task_id="wait", query={"project": PROJECT}, min_count=4)
    with pytest.raises(GenomicsApiError) as caught:
        sensor.poke({})  # type: ignore[arg-type]
    assert str(caught.value) == SELF_LINK
    assert fake.sent() == ["GET /v2/files"]


def test_counting_matches_takes_each_file_id_once_whatever_the_listing_yields() -> None:
    matches = collect_matching_ids(sb_files([0, 1, 0, 0]), check_query({"project": PROJECT}))
    assert (matches.ids, matches.repeated) == ([file_id(0), file_id(1)], 2)
    assert (
        matches.describe(3)
        == "2 Seven Bridges files match, 3 wanted (2 repeated listing(s) of a file already counted ignored)"
    )


def first_event(trigger: SevenBridgesFilesTrigger) -> dict[str, Any]:
    async def first() -> dict[str, Any]:
        async for event in trigger.run():
            return dict(event.payload)
        raise AssertionError("the trigger yielded no event")

    return asyncio.run(asyncio.wait_for(first(), 15))


def test_the_files_trigger_counts_a_repeated_file_once(fake: ScriptedApi) -> None:
    fake.script = _overlapping
    event = first_event(SevenBridgesFilesTrigger(query={"project": PROJECT}, min_count=2, poll_interval=0.01))
    assert event == {"status": "success", "file_ids": [file_id(0), file_id(1)]}
    assert fake.sent() == ["GET /v2/files", "GET /v2/files offset=1"]


def test_the_files_trigger_reports_a_self_pointing_next_link_instead_of_counting_duplicates(fake: ScriptedApi) -> None:
    fake.script = lambda seen: listing(seen, sb_files(range(3)), seen.url)
    event = first_event(SevenBridgesFilesTrigger(query={"project": PROJECT}, min_count=4, poll_interval=0.01))
    assert event["status"] != "success"
    assert SELF_LINK in event["message"]
    assert fake.sent() == ["GET /v2/files"]


# -- an operator selecting by query ----------------------------------------------------------------------------


class IgnoresOffset:
    """A Seven Bridges server that lists every file whatever ``offset`` asks for, and applies bulk writes.

    :param refused: Files whose writes it refuses (403, per item), so they stay as they were.
    """

    def __init__(self, count: int, tags: list[str], refused: bool = False) -> None:
        self.files = {f["id"]: {**f, "tags": list(tags), "metadata": {}} for f in sb_files(range(count))}
        self.refused = refused

    def __call__(self, seen: Seen) -> Reply:
        if seen.method == "GET":
            return listing(seen, list(self.files.values()), link_at(seen, offset_of(seen) + len(self.files)))
        if seen.path == "/v2/bulk/files/get":
            return 200, {}, {"items": [{"resource": self.files[i]} for i in seen.body["file_ids"]]}
        records = []
        for item in seen.body["items"]:
            if self.refused:
                records.append({"error": {"status": 403, "code": 5011, "message": "Not allowed."}})
            else:
                self.files[item["id"]]["tags"] = item["tags"]
                records.append({"resource": self.files[item["id"]]})
        return 200, {}, {"items": records}


def ignored_offset(page: int, offset: int) -> str:
    problem = f"page {page} lists only files already listed (3 files) at offset {offset}"
    return stopped("/v2/files", f"{problem}: the server seems to ignore offset")


@pytest.mark.parametrize(
    ("refused", "arguments", "error", "sent"),
    [
        pytest.param(
            False,
            {"tags": ["x"], "dry_run": True},
            ignored_offset(2, 3),
            ["GET /v2/files", "GET /v2/files offset=3"],
            id="a dry run fails on the second page instead of listing until killed",
        ),
        pytest.param(
            False,
            {"tags": ["x"]},
            ignored_offset(2, 3),
            ["GET /v2/files", "POST /v2/bulk/files/edit", "GET /v2/files offset=3", "POST /v2/bulk/files/get"],
            id="a tagging run writes the first page once then fails on the second",
        ),
        pytest.param(
            True,
            {"tags": ["raw"], "mode": "remove", "query": {"project": PROJECT, "tag": ["raw"]}},
            ignored_offset(3, 3),
            ["GET /v2/files", "POST /v2/bulk/files/update", "GET /v2/files", "GET /v2/files offset=3"],
            id="refused writes may be listed again once but the third repeat of the page fails",
        ),
    ],
)
def test_an_operator_selecting_by_query_stops_when_the_server_ignores_offset(
    fake: ScriptedApi, refused: bool, arguments: dict[str, Any], error: str, sent: list[str]
) -> None:
    fake.script = server = IgnoresOffset(3, ["raw"], refused=refused)
    ti = MagicMock()
    with pytest.raises(GenomicsApiError) as caught:
        TagFilesOperator(task_id="tag", **{"query": {"project": PROJECT}, **arguments}).execute({"ti": ti})
    assert str(caught.value) == error
    assert fake.sent() == sent
    writes = [seen.body["items"] for seen in fake.requests if seen.path.endswith(("/edit", "/update"))]
    written = sorted(item["id"] for items in writes for item in items)
    assert written == ([] if arguments.get("dry_run") else sorted(server.files))  # each file once, never twice
    summary = next(call.kwargs["value"] for call in ti.xcom_push.call_args_list if call.kwargs["key"] == "summary")
    assert len(summary["changed"]) + len(summary["failed"]) == 3  # the first page, once
