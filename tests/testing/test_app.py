"""The ASGI app (app): anonymous lists, 404 and 405 bodies per API, trailing slashes, the endpoint gate."""

from __future__ import annotations

import asyncio
import time

import requests

from genomics_provider.testing import Emulator
from genomics_provider.testing.app import EmulatorApp
from genomics_provider.testing.context import Context
from genomics_provider.testing.contracts import ViolationLog
from genomics_provider.testing.errors import WERKZEUG_MESSAGES
from genomics_provider.testing.recorder import Recorder
from genomics_provider.testing.seeds_onecodex import TAG_QC_PASSED
from genomics_provider.testing.transport import TransportRegistry
from tests.testing.conftest import OC, SB_TOKEN
from tests.testing.conftest import sb_error_body as error

BAM = "65a100000000000000000201"
BAI = "65a100000000000000000202"
VCF = "65a100000000000000000203"


def test_anonymous_list_answers_an_empty_page_and_a_bad_key_still_401(emu: Emulator) -> None:
    anonymous = requests.get(f"{emu.url}{OC}/samples", timeout=10)
    assert (anonymous.status_code, anonymous.json(), anonymous.headers["X-Total-Count"]) == (200, [], "0")
    assert requests.get(f"{emu.url}{OC}/samples", headers={"X-API-Key": "nope"}, timeout=10).status_code == 401
    emu.config.anonymous_lists_empty = False
    assert requests.get(f"{emu.url}{OC}/samples", timeout=10).status_code == 401


def test_unknown_path_404_and_wrong_method_405_use_werkzeug_bodies(oc: requests.Session, emu: Emulator) -> None:
    missing = oc.get(f"{emu.url}{OC}/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"message": WERKZEUG_MESSAGES[404], "status": 404}
    wrong = oc.put(f"{emu.url}{OC}/tags/{TAG_QC_PASSED}", json={})
    assert wrong.status_code == 405
    assert wrong.json() == {"message": WERKZEUG_MESSAGES[405], "status": 405}
    assert wrong.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert oc.get(f"{emu.url}/").status_code == 404


def test_unknown_route_and_method(sb: requests.Session, emu: Emulator) -> None:
    assert sb.get(f"{emu.sevenbridges_url}/nothing").json()["code"] == 404
    wrong = sb.delete(f"{emu.sevenbridges_url}/files/{BAM}/tags")
    assert wrong.status_code == 405
    assert wrong.json()["status"] == 405


def test_a_path_outside_both_apis_gets_the_onecodex_404(emu: Emulator) -> None:
    response = requests.get(f"{emu.url}/elsewhere", timeout=10)
    assert (response.status_code, response.json()) == (404, {"message": WERKZEUG_MESSAGES[404], "status": 404})


def test_sevenbridges_404_and_405_bodies(sb: requests.Session, emu: Emulator) -> None:
    missing = sb.get(f"{emu.sevenbridges_url}/nothing")
    assert (missing.status_code, missing.json()) == (404, error(404, 404, "Not found."))
    wrong = sb.delete(f"{emu.sevenbridges_url}/files/{BAM}/tags")
    assert wrong.json() == error(405, 405, "Method not allowed.")
    assert wrong.headers["Allow"] == "OPTIONS, PUT"


def test_sevenbridges_ignores_a_trailing_slash_and_onecodex_does_not(
    oc: requests.Session, sb: requests.Session, emu: Emulator
) -> None:
    assert sb.get(f"{emu.sevenbridges_url}/user/").json()["username"] == "rfranklin"
    assert sb.get(f"{emu.sevenbridges_url}/files/{BAM}/").json()["id"] == BAM
    assert oc.get(f"{emu.url}{OC}/account/").status_code == 404
    assert oc.get(f"{emu.url}{OC}/samples/").status_code == 404


def test_a_route_without_auth_answers_a_stranger_without_rate_headers(emu: Emulator) -> None:
    stranger = requests.get(f"{emu.sevenbridges_url}/", headers={"X-SBG-Auth-Token": "wrong"}, timeout=10)
    assert stranger.status_code == 200
    assert "X-RateLimit-Limit" not in stranger.headers
    known = requests.get(f"{emu.sevenbridges_url}/", headers={"X-SBG-Auth-Token": SB_TOKEN}, timeout=10)
    assert known.headers["X-RateLimit-Remaining"] == "1000"  # peeked, not counted


def test_public_base_url_replaces_the_host_in_hrefs(sb: requests.Session, emu: Emulator) -> None:
    emu.config.public_base_url = "https://api.example.test"
    assert sb.get(f"{emu.sevenbridges_url}/user").json()["href"] == "https://api.example.test/v2/users/rfranklin"


def test_sleep_returns_early_once_the_app_is_stopping(ctx: Context) -> None:
    app = EmulatorApp(ctx, Recorder(), ViolationLog(), TransportRegistry())
    started = time.monotonic()
    asyncio.run(app.sleep(0.1))
    assert time.monotonic() - started >= 0.1
    app.stopping = True
    started = time.monotonic()
    asyncio.run(app.sleep(30))
    assert time.monotonic() - started < 0.5
