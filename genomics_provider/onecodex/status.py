"""Sample status checks shared by the One Codex sensor (poke mode) and trigger (deferrable mode).

Both call :func:`check_sample_args` on the rendered arguments and :func:`decide_samples` on each poll's read, so the
two modes decide alike. Pure functions: the caller reads the samples through the hook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from genomics_provider.curation.arguments import check_choice, parse_id_list
from genomics_provider.curation.outcome import SHOWN_ITEMS, SHOWN_REASON_CHARS, clip
from genomics_provider.curation.waiting import WaitVerdict
from genomics_provider.exceptions import InvalidInputError
from genomics_provider.onecodex.rules import ID_RULE
from genomics_provider.onecodex.types import ID_PATTERN

#: Statuses a sample never leaves: waiting for another status is pointless.
FAILED_STATUSES: tuple[str, ...] = ("failed_validation", "deleted")
#: Statuses a sensor may wait for (every documented status but the failed ones).
TARGET_STATUSES: tuple[str, ...] = ("awaiting_data", "importing", "validating", "available")
#: What :func:`check_samples` reports for a sample the list call did not return.
NOT_FOUND = "not_found"
_SHOWN = 20


@dataclass(frozen=True)
class SampleCheck:
    """The outcome of one poll: which samples are still waiting, and which never will reach the target.

    :param target_status: The status waited for.
    :param total: How many samples were checked.
    :param waiting: ``{id: current status}`` of samples not there yet but able to get there.
    :param failed: ``{id: status}`` of samples that cannot get there (``failed_validation``, ``deleted``,
        ``not_found``).
    :param errors: ``{id: error_msg}`` the API gave for failed samples, when it gave one.
    """

    target_status: str
    total: int
    waiting: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        """Whether every sample has the target status."""
        return not self.waiting and not self.failed

    def failure_message(self, conn_id: str) -> str:
        """Describe the samples that cannot reach the target status, with their status and error (the first 50).

        :param conn_id: The connection used, named for samples that were not found.
        :return: E.g. ``1 of 3 One Codex samples will never be 'available': 6f2c8d5e0a7b3cb4: failed_validation``.
        """
        parts = []
        for sample_id, status in list(self.failed.items())[:SHOWN_ITEMS]:
            if status == NOT_FOUND:
                text = f"{sample_id}: {NOT_FOUND} (missing, deleted, or not visible to connection {conn_id!r})"
            else:
                error = self.errors.get(sample_id)
                text = f"{sample_id}: {status}" + (f" ({clip(error, SHOWN_REASON_CHARS)})" if error else "")
            parts.append(text)
        more = f"; and {len(self.failed) - SHOWN_ITEMS} more" if len(self.failed) > SHOWN_ITEMS else ""
        return (
            f"{len(self.failed)} of {self.total} One Codex samples will never be {self.target_status!r}: "
            + "; ".join(parts)
            + more
        )

    def waiting_message(self) -> str:
        """Describe the samples still waiting and their current status (the first 20).

        :return: E.g. ``Waiting for 1 of 3 One Codex samples to be 'available': 5e1b7c4d9f6a2ba3: importing``.
        """
        shown = "; ".join(f"{sample_id}: {status}" for sample_id, status in list(self.waiting.items())[:_SHOWN])
        more = f"; and {len(self.waiting) - _SHOWN} more" if len(self.waiting) > _SHOWN else ""
        return (
            f"Waiting for {len(self.waiting)} of {self.total} One Codex samples to be {self.target_status!r}: "
            f"{shown}{more}"
        )


def check_samples(
    sample_ids: Sequence[str], samples: Mapping[str, Mapping[str, Any]], target_status: str
) -> SampleCheck:
    """Compare samples as read from the API with the status waited for.

    A sample missing from ``samples`` counts as failed (``not_found``): it does not exist, was deleted (deleted
    samples drop out of lists), or the key cannot see it. A status other than the target and the failed ones
    (including an undocumented one) counts as waiting.

    :param sample_ids: The ids waited for, in order.
    :param samples: Samples by id, as :meth:`OneCodexHook.list_samples_by_id` returns them.
    :param target_status: The status every sample must have.
    :return: The check.
    """
    check = SampleCheck(target_status=target_status, total=len(sample_ids))
    for sample_id in sample_ids:
        sample = samples.get(sample_id)
        status = None if sample is None else sample.get("status")
        if sample is None:
            check.failed[sample_id] = NOT_FOUND
        elif status == target_status:
            continue
        elif status in FAILED_STATUSES:
            check.failed[sample_id] = str(status)
            if sample.get("error_msg"):
                check.errors[sample_id] = str(sample["error_msg"])
        else:
            check.waiting[sample_id] = str(status)
    return check


def decide_samples(
    sample_ids: Sequence[str], samples: Mapping[str, Mapping[str, Any]], target_status: str, conn_id: str
) -> WaitVerdict:
    """Decide one poll: failed as soon as one sample can never get there, done once all are there, else waiting.

    :param sample_ids: The ids waited for, in order.
    :param samples: Samples by id, as :meth:`OneCodexHook.list_samples_by_id` returns them.
    :param target_status: The status every sample must have.
    :param conn_id: The connection used, named for samples that were not found.
    :return: The verdict: ``failed`` with :meth:`SampleCheck.failure_message` and ``{id: status}``, ``waiting``
        with :meth:`SampleCheck.waiting_message`, or ``done`` with the ids.
    """
    check = check_samples(sample_ids, samples, target_status)
    if check.failed:
        return WaitVerdict("failed", check.failure_message(conn_id), failed=dict(check.failed))
    if not check.done:
        return WaitVerdict("waiting", check.waiting_message())
    message = f"All {len(sample_ids)} One Codex samples are {target_status!r}"
    return WaitVerdict("done", message, ids=list(sample_ids))


def check_sample_args(sample_ids: Any, target_status: Any) -> tuple[list[str], str]:
    """Validate the rendered ``sample_ids`` and ``target_status`` arguments, before any request.

    :param sample_ids: A list, a JSON list string, or one id (as rendered from a template or an XComArg).
    :param target_status: One of :data:`TARGET_STATUSES`.
    :return: The ids and the status.
    :raises InvalidInputError: On an empty, malformed or duplicated id, or a status that cannot be waited for.
    """
    ids = parse_id_list(sample_ids, argument="sample_ids", pattern=ID_PATTERN, rule=ID_RULE)
    if target_status in FAILED_STATUSES:
        raise InvalidInputError(
            f"target_status: {target_status!r} is a failure state; the sensor waits for one of "
            f"{', '.join(map(repr, TARGET_STATUSES))} and fails when a sample ends in {' or '.join(FAILED_STATUSES)}"
        )
    return ids, check_choice(target_status, argument="target_status", choices=TARGET_STATUSES)
