"""Scenario 7's tables, targets and notes, from the measured rows (see :mod:`benchmarks.scenario_concurrent`)."""

from __future__ import annotations

from collections.abc import Mapping

from benchmarks.model import Row, ScenarioResult, Target, ceil_div
from benchmarks.scenario_concurrent import (
    MAX_429_SHARE,
    MIN_LIMIT_SHARE,
    ONECODEX,
    SEVENBRIDGES,
    WITH,
    WITHOUT,
    Vendor,
    oc_budget,
    sb_budget,
)
from benchmarks.settings import Settings

Races = Mapping[tuple[str, str], Row | str]
#: The routes that write items.
WRITE_ROUTES = frozenset({"PATCH /api/v1/samples/{id}", "POST /v2/bulk/files/edit", "POST /v2/bulk/files/update"})
SB_WITHOUT_REDIS = (
    " (the shared limiter reserves Redis slots only for a connection with a rate: Seven Bridges has none by default"
    " and paces from the server's window headers, shared by every process already — so this run is paced exactly as"
    " the one without Redis)"
)


def _item_writes(row: Row) -> int:
    """Count the requests that wrote items (not the tag creations, not Seven Bridges' bulk re-reads).

    :param row: A measured row.
    :return: PATCHes of samples, or bulk edits and updates of files.
    """
    return sum(count for route, count in row.calls_by_route.items() if route in WRITE_ROUTES)


def _calls(row: Row) -> str:
    return ", ".join(f"{method} {count:,}" for method, count in row.calls_by_method.items()) or "-"


def _share(part: int, whole: int) -> str:
    return f"{part:,} of {whole:,} ({100 * part / whole:.1f} %)" if whole else f"{part:,}"


def _rate(row: Row) -> str:
    return f"{row.extra['accepted_req_per_s']:.2f} req/s = {row.extra['fraction_of_limit']:.3f} x"


def _race_line(vendor: Vendor, label: str, row: Row | str) -> str:
    if isinstance(row, str):
        return f"| {vendor.name}, {label} | {row} | | | | | | | | |"
    extra = row.extra
    workers = ", ".join("?" if calls is None else f"{calls:,}" for calls in extra["calls_per_worker"])
    return (
        f"| {vendor.name}, {label} | {extra['workers']} x {row.n:,} {vendor.unit} | {row.calls:,} ({_calls(row)}) "
        f"| {_share(row.rate_limited, row.calls)} | {_rate(row)} | {workers} | {extra['lost_updates']:,} "
        f"| {extra['preexisting_dropped']:,} | {'yes' if extra['honest'] else '**no**'} | {row.wall_s or 0:.1f} s |"
    )


def races_table(races: Races) -> str:
    """Render the races as one table.

    :param races: Row (or why it did not run) by ``(vendor short name, run label)``.
    :return: Markdown.
    """
    lines = [
        "| Run | Writers x items | Requests (by method) | 429s answered | Aggregate accepted rate, x limit "
        "| Calls per worker | Lost updates | Pre-existing tags dropped | Every task honest | Wall |",
        "|---|---|---:|---:|---:|---|---:|---:|---|---:|",
    ]
    for vendor in (ONECODEX, SEVENBRIDGES):
        lines += [_race_line(vendor, label, races[vendor.short, label]) for label in (WITHOUT, WITH)]
    return "\n".join(lines)


def budgets_table(budgets: Mapping[str, Row]) -> str:
    """Render the single-writer budget runs as one table.

    :param budgets: Row by vendor short name.
    :return: Markdown.
    """
    oc, sb = budgets[ONECODEX.short], budgets[SEVENBRIDGES.short]
    lines = [
        "| Budget (one writer) | N | Calls (by method) | Bound | Accepted rate, x limit | 429s "
        "| Changed / tagged after | Met |",
        "|---|---:|---:|---|---:|---:|---|---|",
    ]
    for row, vendor, bound, text in ((oc, ONECODEX, oc_budget(oc.n), "⌊1.12 N⌋ + ⌈N/100⌉ + 2"),
                                     (sb, SEVENBRIDGES, sb_budget(sb.n), "3 ⌈N/100⌉ + 2")):  # fmt: skip
        met = row.calls <= bound and (vendor is not ONECODEX or row.extra["fraction_of_limit"] >= MIN_LIMIT_SHARE)
        lines.append(
            f"| {vendor.name}: 1 x {vendor.operator} | {row.n:,} | {row.calls:,} ({_calls(row)}) | {text} = {bound:,} "
            f"| {_rate(row)} | {row.rate_limited:,} | {row.extra['changed']:,} / {row.extra['tagged_after']:,} "
            f"| {'met' if met else '**missed**'} |"
        )
    return "\n".join(lines)


def race_targets(vendor: Vendor, label: str, row: Row | str) -> list[Target]:
    """Check one race against issue 11.

    :param vendor: Which side.
    :param label: :data:`WITHOUT` or :data:`WITH`.
    :param row: The race's row, or why it did not run.
    :return: The targets.
    """
    name = f"{vendor.name} {label}"
    if isinstance(row, str):
        return [Target("7", f"{name}: 0 lost updates, every task honest, 0 x 429, ≥ {MIN_LIMIT_SHARE} x the limit",
                       row, met=False, skipped=True)]  # fmt: skip
    extra, limited = row.extra, row.rate_limited
    targets = [
        Target("7", f"{name}: 0 lost updates", f"{extra['lost_updates']} of {row.n:,} {vendor.unit}",
               extra["lost_updates"] == 0),
        Target("7", f"{name}: every task honest (succeeded, every item changed/unchanged)",
               "yes" if extra["honest"] else "; ".join(extra["dishonest"])[:500], extra["honest"]),
        Target("7", f"(check) {name}: pre-existing tags kept", f"{extra['preexisting_dropped']} items lost one",
               extra["preexisting_dropped"] == 0),
    ]  # fmt: skip
    if label == WITHOUT:
        targets.append(Target("7", f"{name}: ≤ {MAX_429_SHARE:.0%} of requests answered 429",
                              _share(limited, row.calls), limited <= MAX_429_SHARE * row.calls))  # fmt: skip
        return targets
    fraction = extra["fraction_of_limit"]
    targets += [
        Target("7", f"{name}: 0 x 429", str(limited), limited == 0),
        Target("7", f"{name}: ≥ {MIN_LIMIT_SHARE} x the limit together", _rate(row), fraction >= MIN_LIMIT_SHARE),
    ]
    if vendor is ONECODEX:  # Seven Bridges paces from the server's window headers; it has no rate for Redis
        commands = extra.get("redis_commands", 0)
        targets.append(Target("7", f"(check) {name}: the writers used Redis", f"{commands:,} Redis commands",
                              commands > 0))  # fmt: skip
    return targets


def budget_targets(budgets: Mapping[str, Row]) -> list[Target]:
    """Check the single-writer runs against issue 11's budgets.

    :param budgets: Row by vendor short name.
    :return: The targets.
    """
    oc, sb = budgets[ONECODEX.short], budgets[SEVENBRIDGES.short]
    oc_bound, sb_bound = oc_budget(oc.n), sb_budget(sb.n)
    whole = oc.extra["rate_whole_span_req_per_s"]
    targets = [
        Target("7", "One Codex, one writer, N samples all changing: calls ≤ 1.12 N + ⌈N/100⌉ + 2",
               f"{oc.calls:,} (bound {oc_bound:,}, N = {oc.n:,})", oc.calls <= oc_bound),
        Target("7", f"One Codex, one writer: ≥ {MIN_LIMIT_SHARE} x 10 req/s",
               f"{_rate(oc)} ({whole:.2f} req/s over the whole job, {oc.extra['idle_s']:.1f} s idle included)",
               oc.extra["fraction_of_limit"] >= MIN_LIMIT_SHARE),
        Target("7", "Seven Bridges, one writer, N files: calls ≤ 3 x ⌈N/100⌉ + 2",
               f"{sb.calls:,} (bound {sb_bound:,}, N = {sb.n:,})", sb.calls <= sb_bound),
    ]  # fmt: skip
    for row, vendor in ((oc, ONECODEX), (sb, SEVENBRIDGES)):
        done = row.extra["honest"] and row.extra["changed"] == row.n == row.extra["tagged_after"]
        measured = (f"changed {row.extra['changed']:,}, tagged after {row.extra['tagged_after']:,} of {row.n:,}"
                    + ("" if row.extra["honest"] else f"; {'; '.join(row.extra['dishonest'])[:300]}"))  # fmt: skip
        targets.append(Target("7", f"(check) {vendor.name}, one writer: succeeded, every item changed and tagged",
                              measured, done))  # fmt: skip
    return targets


def _notes(settings: Settings, races: Races) -> list[str]:
    notes = [
        f"Each race: {settings.race_workers} writer OS processes, one tag each (race-writer-0 …), on one emulator "
        "and one key, started together after their imports. Calls per worker: requests each writer's hook sent "
        "(retries included). Lost updates: items missing at least one writer's tag at the end.",
        "Rate: One Codex, accepted requests per second while the writers were sending (pauses ≥ 2 s with no "
        "request, the deliberate wait before verifying, left out) against 10 req/s (the server's bucket of 10 lets a "
        "short run show slightly more than 1 x); Seven Bridges, over the whole "
        f"span against the window's average, {settings.sb_limit} / {settings.sb_window_s:g} s: the window allows "
        f"{settings.sb_limit} requests at any pace, so work that fits in one window may show more than 1 x.",
    ]
    for (short, label), row in races.items():
        if isinstance(row, str):
            continue
        summaries = "; ".join(
            f"w{index}: {'FAILED ' if s['error'] else ''}changed {s['changed']}, unchanged {s['unchanged']}, "
            f"failed {s['failed']}, {s['wall_s']:.1f} s"
            for index, s in enumerate(row.extra["writer_summaries"])
        )
        extra = row.extra
        per, units = ("sample", row.n) if short == ONECODEX.short else ("page of 100", ceil_div(row.n, 100))
        writes = _item_writes(row) / (extra["workers"] * units) if units else 0.0
        notes.append(
            f"{short} {label}: {summaries}. Whole span {extra['rate_whole_span_req_per_s']:.2f} req/s over "
            f"{extra['request_span_s']:.1f} s ({extra['idle_s']:.1f} s idle, {extra['stalled_s']:.1f} s in "
            f"stalls of 0.3-2 s); {writes:.2f} write requests per {per} per writer (1.00 without conflicts); "
            f"lost per writer {extra['lost_per_writer']}"
            + (f"; {extra['redis_commands']:,} Redis commands" if "redis_commands" in extra else "")
            + (SB_WITHOUT_REDIS if short == SEVENBRIDGES.short and extra.get("redis_commands") == 0 else "")
            + (f". Dishonest: {'; '.join(extra['dishonest'])[:600]}" if extra["dishonest"] else "")
            + "."
        )
    return notes


def fill(result: ScenarioResult, settings: Settings, races: Races, budgets: Mapping[str, Row]) -> None:
    """Put scenario 7's rows, tables, targets and notes into its result.

    :param result: The scenario's result, filled in place.
    :param settings: Run settings.
    :param races: Row (or why it did not run) by ``(vendor short name, run label)``.
    :param budgets: Budget row by vendor short name.
    """
    result.rows = [row for row in races.values() if isinstance(row, Row)] + list(budgets.values())
    result.tables += [races_table(races), budgets_table(budgets)]
    for vendor in (ONECODEX, SEVENBRIDGES):
        for label in (WITHOUT, WITH):
            result.targets += race_targets(vendor, label, races[vendor.short, label])
    result.targets += budget_targets(budgets)
    result.notes += _notes(settings, races)
