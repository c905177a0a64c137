"""The tenacity loop around the pure retry policy of :mod:`genomics_provider.hooks._retry`, and the wait budget.

:func:`retrying` wires one request's attempts: the stop rule, the wait (refused before it starts when it would
overrun the wait budget), the retry predicate, the warning logged before each retry, and the transport's one sleep
function. :func:`pace` holds each attempt back for the rate limiter within the same budget and the send deadline.
:func:`final_error` turns the last failure into the typed error the caller sees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from genomics_provider.exceptions import ApiConnectionError, GenomicsApiError, WaitBudgetExceededError
from genomics_provider.hooks._errors import Ending, describe_failure, strip_secrets
from genomics_provider.hooks._ratelimit import TooLate
from genomics_provider.hooks._retry import (
    AttemptCounts,
    WaitBudget,
    attempts_stop,
    is_rate_limited,
    is_retryable,
    retry_wait,
    seconds_text,
)

if TYPE_CHECKING:
    import requests
    import tenacity

    from genomics_provider.hooks._ratelimit import RateLimiter
    from genomics_provider.hooks.base import GenomicsRestHook

__all__ = ["final_error", "pace", "retrying"]


def retrying(
    hook: GenomicsRestHook,
    method: str,
    path: str,
    idempotent: bool,
    budget: WaitBudget | None,
    *,
    sleep: Callable[[float], None],
    wall_clock: Callable[[], float],
) -> tenacity.Retrying:
    """Build the retry loop of one request.

    :param hook: The hook sending it (its attempts, backoff policy, log and error mapping).
    :param method: HTTP method.
    :param path: URL path, for logs and errors.
    :param idempotent: Whether the request may be re-sent whatever happened to it.
    :param budget: Optional. The request's wait budget; ``None`` for no bound on waits.
    :param sleep: The transport's sleep function.
    :param wall_clock: The transport's wall clock (``time.time``), against which a ``Retry-After`` date is read.
    :return: The loop; call it with the function that sends one attempt.
    """
    import tenacity

    counts = AttemptCounts(hook.max_attempts)
    return tenacity.Retrying(
        stop=attempts_stop(counts),
        wait=lambda state: _wait(hook, state, budget, method, path, wall_clock(), counts),
        retry=tenacity.retry_if_exception(lambda exc: is_retryable(exc, idempotent=idempotent)),
        before_sleep=lambda state: _log_retry(hook, state, method, path, counts),
        sleep=sleep,
        reraise=True,
    )


def _wait(
    hook: GenomicsRestHook,
    state: tenacity.RetryCallState,
    budget: WaitBudget | None,
    method: str,
    path: str,
    now: float,
    counts: AttemptCounts,
) -> float:
    """Decide how long to wait before the next attempt, charging it to the budget.

    :param hook: The hook sending the request.
    :param state: tenacity's state of the loop.
    :param budget: The request's wait budget, or ``None``.
    :param method: HTTP method.
    :param path: URL path.
    :param now: The wall clock's time.
    :param counts: The request's attempts so far; the backoff grows with the attempts of the failure's kind.
    :return: Seconds to wait.
    :raises WaitBudgetExceededError: When the wait would overrun the budget; raised before it starts, since sleeping
        first would only spend the budget the refusal is about.
    """
    exc = counts.observe(state)
    seconds, why = retry_wait(exc, counts.of_kind(exc), now=now, policy=hook.backoff)
    if budget is None:
        return seconds
    refusal = budget.refusal(seconds, why)
    if refusal is not None:
        raise _over_budget(hook, exc, refusal, method, path, state.attempt_number)
    budget.charge(seconds)
    return seconds


def _over_budget(
    hook: GenomicsRestHook, exc: BaseException | None, refusal: str, method: str, path: str, attempts: int
) -> WaitBudgetExceededError:
    """Build the error of a request whose next wait the budget refused, keeping what the server said.

    :param hook: The hook sending the request.
    :param exc: The last failure.
    :param refusal: Why the budget refused the wait.
    :param method: HTTP method.
    :param path: URL path.
    :param attempts: Attempts made so far.
    :return: The error to raise.
    """
    import requests

    note = f"gave up after {attempts} attempt{'s' if attempts > 1 else ''}"
    response = getattr(exc, "response", None)
    if not isinstance(response, requests.Response):
        return WaitBudgetExceededError(
            f"{refusal}; no response from {hook.service_name}: {describe_failure(exc) if exc else 'no answer'}",
            method=method,
            path=path,
            note=note,
        )
    said = hook.error_from_response(response, method, path)
    return WaitBudgetExceededError(
        f"{refusal}; the server said: {said.message}",
        status=said.status,
        code=said.code,
        request_id=said.request_id,
        method=method,
        path=path,
        note=note,
    )


def _log_retry(
    hook: GenomicsRestHook, state: tenacity.RetryCallState, method: str, path: str, counts: AttemptCounts
) -> None:
    """Log one retry at warning: method, path, what failed, the wait and the attempt.

    :param hook: The hook sending the request.
    :param state: tenacity's state of the loop.
    :param method: HTTP method.
    :param path: URL path.
    :param counts: The request's attempts so far (see :class:`~genomics_provider.hooks._retry.AttemptCounts`).
    """
    exc = state.outcome.exception() if state.outcome else None
    response = getattr(exc, "response", None)
    status = f"HTTP {response.status_code}" if response is not None else type(exc).__name__
    wait = state.next_action.sleep if state.next_action else 0.0
    # A 429 is retried while max_wait lasts, not max_attempts times (see _retry.AttemptCounts).
    if is_rate_limited(exc):
        bound = f"429 number {counts.rate_limited}, retried while max_wait lasts"
    else:
        bound = f"attempt {counts.other} of {hook.max_attempts}"
    hook.log.warning(
        "%s %s %s: %s; retrying in %.2f s (%s)",
        hook.service_name,
        method,
        path,
        status,
        wait,
        bound,
    )


def final_error(
    hook: GenomicsRestHook, exc: requests.RequestException, method: str, path: str, note: Ending | str
) -> GenomicsApiError:
    """Map the last failure to the typed error to raise, and make ``exc`` safe to chain as its cause.

    :param hook: The hook that sent the request.
    :param exc: The last failure; stripped in place of its request, response, traceback and secrets.
    :param method: HTTP method.
    :param path: URL path.
    :param note: How the attempts ended (a plain string means the outcome is known).
    :return: The error to raise ``from exc``.
    """
    import requests

    ending = note if isinstance(note, Ending) else Ending(note)
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        error = hook.error_from_response(
            exc.response, method, path, note=ending.note, outcome_unknown=ending.outcome_unknown
        )
    else:
        error = ApiConnectionError(
            f"no response from {hook.service_name}: {describe_failure(exc)}",
            method=method,
            path=path,
            note=ending.note,
            outcome_unknown=ending.outcome_unknown,
        )
    strip_secrets(exc, hook.scrub)
    return error


def pace(
    limiter: RateLimiter,
    send_by: float | None,
    budget: WaitBudget | None,
    *,
    now: Callable[[], float],
    stale: Callable[[], Exception],
    method: str,
    path: str,
) -> None:
    """Wait for the rate limiter's slot, as long as the tighter of ``send_by`` and the budget allows.

    Which of the two refused decides the error. No slot is taken on a refusal, so the next request may have it.

    :param limiter: The hook's rate limiter.
    :param send_by: Optional. The deadline for putting the request on the wire, on the ``now`` clock.
    :param budget: Optional. The request's wait budget; the wait is charged to it.
    :param now: The transport's monotonic clock.
    :param stale: Builds the error for a request whose ``send_by`` would pass first.
    :param method: HTTP method.
    :param path: URL path.
    :raises StaleReadError: (built by ``stale``) When ``send_by`` would pass before the slot.
    :raises WaitBudgetExceededError: When the budget would be spent before the slot; nothing is sent.
    """
    allowed = None if budget is None else budget.left()
    stale_first = send_by is not None and (allowed is None or send_by - now() <= allowed)
    if send_by is not None and stale_first:
        allowed = send_by - now()
    try:
        waited = limiter.acquire(allowed)
    except TooLate as late:
        if budget is None or stale_first:
            raise stale() from None
        raise WaitBudgetExceededError(
            budget.explain(f"{late.reason} asks to wait {seconds_text(late.wait)} s"),
            method=method,
            path=path,
            note="not sent",
        ) from None
    if budget is not None:
        budget.charge(waited)
