"""Result rows, targets, and the extrapolation of a capped baseline to the full N."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass
class Row:
    """One line of the results table: a variant of a scenario, measured, extrapolated or computed.

    :param scenario: Scenario id, e.g. ``"1"``.
    :param variant: What ran, e.g. ``"ours: TagFilesOperator"``.
    :param n: Items processed (files or samples).
    :param kind: ``measured``, ``extrapolated`` or ``limit`` (a computed physical limit).
    :param calls_by_method: Requests the emulator received, by HTTP method (429s included).
    :param calls_by_route: Requests by ``METHOD /route`` (ids replaced by ``{id}``).
    :param calls: Total requests.
    :param writes: Non-GET requests.
    :param rate_limited: 429 responses.
    :param wall_s: Wall time of the job itself (child start-up and imports excluded).
    :param peak_rss_mb: The child's peak resident set size (imports included).
    :param rss_growth_mb: Peak RSS minus the RSS just before the job started.
    :param client_cpu_s: CPU time of the job in the child.
    :param emulator_cpu_s: CPU time the emulator spent serving the job.
    :param baseline: Whether this row is the scenario's baseline.
    :param ratio_calls: Baseline calls divided by this row's calls (x).
    :param ratio_wall: Baseline wall time divided by this row's wall time (x).
    :param note: Free text shown under the table.
    :param extra: Scenario-specific values (requests/s, medians, ...).
    """

    scenario: str
    variant: str
    n: int
    kind: str = "measured"
    calls_by_method: dict[str, int] = field(default_factory=dict)
    calls_by_route: dict[str, int] = field(default_factory=dict)
    calls: int = 0
    writes: int = 0
    rate_limited: int = 0
    wall_s: float | None = None
    peak_rss_mb: float | None = None
    rss_growth_mb: float | None = None
    client_cpu_s: float | None = None
    emulator_cpu_s: float | None = None
    baseline: bool = False
    ratio_calls: float | None = None
    ratio_wall: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def reads(self) -> int:
        """GET requests."""
        return self.calls - self.writes

    def to_dict(self) -> dict[str, Any]:
        """Return the row as plain values for JSON.

        :return: Every field plus ``reads``.
        """
        return {**asdict(self), "reads": self.reads}


@dataclass
class Target:
    """A target from the issue, checked against the measurements.

    :param scenario: Scenario id.
    :param text: The target, e.g. ``"calls ≤ 2 x ⌈N/100⌉ + 2"``.
    :param measured: What was measured, as text.
    :param met: Whether the target is met.
    :param skipped: Optional. The run that checks it could not happen here (``measured`` says why); it counts as
        not met.
    """

    scenario: str
    text: str
    measured: str
    met: bool
    skipped: bool = False


@dataclass
class ScenarioResult:
    """Everything one scenario produced.

    :param scenario: Scenario id.
    :param title: One line describing it.
    :param rows: Table rows.
    :param targets: Checked targets.
    :param notes: Lines printed under the table.
    :param tables: Optional. More markdown tables, printed after the notes.
    """

    scenario: str
    title: str
    rows: list[Row] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as plain values for JSON.

        :return: ``{"scenario", "title", "rows", "targets", "notes", "tables"}``.
        """
        return {
            "scenario": self.scenario,
            "title": self.title,
            "rows": [row.to_dict() for row in self.rows],
            "targets": [asdict(target) for target in self.targets],
            "notes": list(self.notes),
            "tables": list(self.tables),
        }


def ceil_div(a: int, b: int) -> int:
    """Divide rounding up.

    :param a: Dividend (≥ 0).
    :param b: Divisor (> 0).
    :return: ⌈a / b⌉.
    """
    return -(-a // b)


def extrapolate(row: Row, n: int, *, window: tuple[int, float] | None = None) -> Row:
    """Scale a capped measurement linearly to ``n`` items, optionally adding fixed-window stalls.

    Calls, 429s and wall time grow in proportion to the items (the list pages too). With ``window=(limit,
    window_s)`` (Seven Bridges), every window the extrapolated calls exhaust costs one rejected (429) request and
    a stall until the window ends, as ``sevenbridges-python``'s ``rate_limit_sleeper`` does: the loop spends
    ``limit x (seconds per call)`` making calls and then waits out the rest of the window.

    :param row: A measured row for ``row.n`` items.
    :param n: Items to extrapolate to.
    :param window: Optional. ``(requests per window, window seconds)``.
    :return: A new row of kind ``extrapolated``.
    """
    factor = n / row.n
    by_method = {method: round(count * factor) for method, count in row.calls_by_method.items()}
    calls = sum(by_method.values())
    writes = round(row.writes * factor)
    limited = round(row.rate_limited * factor)
    wall = (row.wall_s or 0.0) * factor
    note = f"{row.n} measured, x {factor:g}"
    stalls = 0
    if window is not None and calls > 0:
        limit, window_s = window
        stalls = max(0, ceil_div(calls, limit) - 1)
        per_call = wall / calls
        stall_s = max(0.0, window_s - limit * per_call)
        wall += stalls * stall_s
        if stalls:
            by_method["429 resend"] = stalls
            calls += stalls
            limited += stalls
            note += f"; + {stalls} window stalls of {stall_s:.0f} s ({limit} calls / {window_s:g} s window)"
    return replace(
        row,
        n=n,
        kind="extrapolated",
        calls_by_method=by_method,
        calls_by_route={route: round(count * factor) for route, count in row.calls_by_route.items()},
        calls=calls,
        writes=writes,
        rate_limited=limited,
        wall_s=wall,
        peak_rss_mb=None,
        rss_growth_mb=None,
        client_cpu_s=None,
        emulator_cpu_s=None,
        note=note,
        extra={
            **row.extra,
            "stalls": stalls,
            "extrapolated_from": row.n,
            "stall_free_wall_s": (row.wall_s or 0.0) * factor,
        },
    )


def apply_ratios(rows: list[Row], baseline: Row) -> None:
    """Fill every row's ratios against the baseline (baseline ÷ row: "x fewer calls", "x faster").

    :param rows: The scenario's rows (the baseline among them gets 1.0; rows for another N get none).
    :param baseline: The baseline row.
    """
    baseline.baseline = True
    for row in rows:
        if row.n != baseline.n:
            continue  # a capped measurement: its extrapolated row carries the comparison
        row.ratio_calls = baseline.calls / row.calls if row.calls else None
        if row.wall_s and baseline.wall_s:
            row.ratio_wall = baseline.wall_s / row.wall_s


def fmt_ratio(value: float | None) -> str:
    """Format a ratio for the table.

    :param value: The ratio, or ``None``.
    :return: E.g. ``"101x"``, ``"0.52x"`` or ``"-"``.
    """
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.0f}x" if value >= 10 else f"{value:.2g}x"
