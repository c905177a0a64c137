"""The shared write / re-read / write-again loop, on a stub hook."""

from __future__ import annotations

from unittest.mock import MagicMock

from genomics_provider.operators._common import Outcome
from genomics_provider.operators._reconcile import reconcile
from genomics_provider.operators._sevenbridges_apply import RenameWriter

FILE = "5a0000000000000000000001"


def test_an_unverified_write_whose_response_shows_another_state_is_re_read_not_trusted() -> None:
    hook = MagicMock()
    hook.update_file.return_value = {"id": FILE, "name": "other.bam"}  # the write "succeeded" but did not land
    hook.get_file.return_value = {"id": FILE, "name": "other.bam"}
    outcome = Outcome()

    reconcile(RenameWriter(hook, "new.bam"), [FILE], str, outcome, MagicMock(), verify=False)

    assert outcome.changed == []
    assert outcome.failed == {
        FILE: "still not as asked after 3 write round(s); last: the rename answered with name 'other.bam'"
    }
    assert hook.update_file.call_count == 3
    assert hook.get_file.call_count == 3


def test_an_unverified_write_whose_response_shows_the_asked_state_is_trusted_without_a_read() -> None:
    hook = MagicMock()
    hook.update_file.return_value = {"id": FILE, "name": "new.bam"}
    outcome = Outcome()

    reconcile(RenameWriter(hook, "new.bam"), [FILE], str, outcome, MagicMock(), verify=False)

    assert (outcome.changed, outcome.failed, hook.get_file.call_count) == ([FILE], {}, 0)
