"""No secret escapes: operators run end to end on the emulator with distinctive credentials, which must appear
nowhere — not in captured stdout/stderr (Airflow 3 task loggers write through structlog to stdout), XCom pushes,
rendered template fields, exception text, the ``repr`` of operators, hooks and the connections they used, or the
emulator's request log. Runs cover success, dry run, exhausted retries, a rejected credential, and One Codex's Basic
scheme, whose base64 header value is a secret too.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from unittest.mock import MagicMock

import pytest
import responses

from genomics_provider.exceptions import GenomicsApiError
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
from tests.reliability.helpers import OC_KEY, SB_TOKEN

SAMPLES = [f"ee{index:014x}" for index in range(3)]
FILES = [f"5ca1e{index:019x}" for index in range(3)]
#: What the Basic scheme sends: base64("<key>:"), a secret derived from the key.
OC_BASIC = base64.b64encode(f"{OC_KEY}:".encode()).decode()
SECRETS = (OC_KEY, SB_TOKEN, OC_BASIC)

OPERATORS: dict[str, Callable[[str], Any]] = {
    "UpdateSampleOperator": lambda conn: UpdateSampleOperator(
        task_id="u", sample_ids=SAMPLES, visibility="shared", tags=["secret-check"], onecodex_conn_id=conn
    ),
    "UpdateSampleVisibilityOperator": lambda conn: UpdateSampleVisibilityOperator(
        task_id="v", sample_ids=SAMPLES, visibility="public", onecodex_conn_id=conn
    ),
    "TagSamplesOperator": lambda conn: TagSamplesOperator(
        task_id="t", sample_ids=SAMPLES, tags=["qc-passed"], mode="remove", onecodex_conn_id=conn
    ),
    "UpdateSampleMetadataOperator": lambda conn: UpdateSampleMetadataOperator(
        task_id="m", sample_ids=SAMPLES, custom={"run": "r7"}, onecodex_conn_id=conn
    ),
    "TagFilesOperator": lambda conn: TagFilesOperator(
        task_id="t", file_ids=FILES, tags=["secret-check"], sevenbridges_conn_id=conn
    ),
    "UpdateFileMetadataOperator": lambda conn: UpdateFileMetadataOperator(
        task_id="m", query={"project": "rfranklin/scale-test"}, metadata={"batch": None}, sevenbridges_conn_id=conn
    ),
    "RenameFileOperator": lambda conn: RenameFileOperator(
        task_id="r", file_id=FILES[0], name="renamed.bam", sevenbridges_conn_id=conn
    ),
}


def connection(emu: Emulator, *, sevenbridges: bool, **changes: Any) -> str:
    """Build a connection to the emulator (optionally with a wrong password or an extra).

    :param emu: The emulator.
    :param sevenbridges: Which API.
    :param changes: Fields to override (``password``, ``extra``).
    :return: The connection as JSON, for an ``AIRFLOW_CONN_*`` variable.
    """
    base = json.loads(emu.sevenbridges_conn_json() if sevenbridges else emu.onecodex_conn_json())
    return json.dumps({**base, **changes})


def assert_no_secret(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a credential leaked into {where}"


def run_and_collect(operator: Any, emu: Emulator) -> list[tuple[str, str]]:
    """Execute an operator, then gather every place a secret could leak into, as ``(where, text)``.

    :param operator: The operator.
    :param emu: The emulator.
    :return: The texts to search.
    """
    ti = MagicMock()
    texts: list[tuple[str, str]] = []
    try:
        texts.append(("return value", repr(operator.execute(context={"ti": ti}))))
    except Exception as exc:
        texts += [("exception str", str(exc)), ("exception repr", repr(exc)), ("exception args", repr(exc.args))]
        cause = exc.__cause__ or exc.__context__
        texts.append(("exception cause", repr(cause)))
    texts.append(("xcom_push calls", repr(ti.xcom_push.call_args_list)))
    texts += [(f"template field {name}", repr(getattr(operator, name))) for name in operator.template_fields]
    texts.append(("operator repr", repr(operator)))
    hook = operator.__dict__.get("hook")
    if hook is not None:
        texts += [("hook repr", repr(hook)), ("hook str", str(hook))]
        texts += [("connection repr", repr(hook.connection)), ("connection str", str(hook.connection))]
    texts.append(("emulator request log", repr(emu.recorder.requests)))
    return texts


SCENARIOS = ["succeeds", "dry run", "retries exhausted", "credential rejected", "basic auth"]


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("name", list(OPERATORS))
def test_no_credential_appears_in_logs_xcom_templates_errors_reprs_or_the_request_log(
    fresh: Emulator, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], name: str, scenario: str
) -> None:
    sevenbridges = name in ("TagFilesOperator", "UpdateFileMetadataOperator", "RenameFileOperator")
    changes: dict[str, Any] = {}
    if scenario == "credential rejected":
        changes["password"] = (SB_TOKEN if sevenbridges else OC_KEY)[::-1]  # distinctive, and wrong
    elif scenario == "basic auth" and not sevenbridges:
        changes["extra"] = {"auth_scheme": "basic"}
    elif scenario == "basic auth":
        changes["extra"] = {"auth_scheme": "bearer"}
    elif scenario == "retries exhausted":
        fresh.faults.maintenance(None, times=None)
    monkeypatch.setenv("AIRFLOW_CONN_SECRETS_CHECK", connection(fresh, sevenbridges=sevenbridges, **changes))
    operator = OPERATORS[name]("secrets_check")
    if scenario == "dry run":
        operator.is_dry_run = True

    texts = run_and_collect(operator, fresh)

    assert len(fresh.recorder) > 0, "the run must have talked to the emulator"
    captured = capfd.readouterr()
    texts += [("stdout", captured.out), ("stderr", captured.err)]
    for where, text in texts:
        assert_no_secret(where, text)
        if scenario == "credential rejected":
            assert changes["password"] not in text, f"the rejected credential leaked into {where}"


@pytest.mark.parametrize(
    ("hook", "url", "header"),
    [
        pytest.param(OneCodexHook, "https://app.onecodex.com/api/v1/samples/7428cca4a3a04a8e", "X-API-Key",
                     id="One Codex"),
        pytest.param(SevenBridgesHook, "https://cgc-api.sbgenomics.com/v2/files/65a100000000000000000201",
                     "X-SBG-Auth-Token", id="Seven Bridges"),
    ],
)  # fmt: skip
def test_a_server_echoing_the_credential_in_an_error_gets_it_scrubbed_from_the_exception(
    monkeypatch: pytest.MonkeyPatch, hook: type, url: str, header: str
) -> None:
    secret = OC_KEY if hook is OneCodexHook else SB_TOKEN
    conn_type = "onecodex" if hook is OneCodexHook else "sevenbridges"
    host = url.split("/api/v1")[0] if hook is OneCodexHook else url.split("/files")[0]
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{conn_type.upper()}_DEFAULT",
        json.dumps({"conn_type": conn_type, "host": host, "password": secret}),
    )
    with responses.RequestsMock() as mock:
        mock.get(url, status=400, json={"message": f"bad request from {header}: {secret}", "status": 400})
        instance = hook()
        with pytest.raises(GenomicsApiError) as caught:
            instance.request_json("GET", url)

    assert secret not in str(caught.value)
    assert f"{header}: ***" in str(caught.value)


def test_the_connection_a_hook_uses_shows_its_password_masked(fresh: Emulator) -> None:
    hook = SevenBridgesHook()

    hook.get_user()

    assert "password='***'" in repr(hook.connection)
    assert SB_TOKEN not in repr(hook.connection) + str(hook.connection)
    assert hook.connection.password == SB_TOKEN  # still usable
    assert repr(hook) == "SevenBridgesHook(conn_id='sevenbridges_default')"


def test_a_connection_assigned_to_the_hook_as_triggers_do_is_masked_too(fresh: Emulator) -> None:
    from airflow.sdk import Connection

    hook = OneCodexHook()
    hook.connection = Connection(conn_id="x", conn_type="onecodex", host=fresh.url, password=OC_KEY)

    assert OC_KEY not in repr(hook.connection)
    assert hook.get_account()["email"]  # and it is the connection used
