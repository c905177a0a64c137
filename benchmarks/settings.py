"""Run settings: sizes, latency, baseline caps and the emulator's rate limits, with the ``--quick`` preset."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

#: Scenario ids, in the order they run.
ALL_SCENARIOS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8)


@dataclass(frozen=True)
class Settings:
    """What one benchmark run does.

    :param sb_files: N for the Seven Bridges scenarios (1, 2, the Seven Bridges halves of 4 and 8).
    :param oc_samples: N for the One Codex scenarios (3, the One Codex halves of 4 and 8).
    :param scale_sizes: File counts listed and planned in scenario 5.
    :param latency_ms: Latency the emulator adds to every request.
    :param sb_baseline_cap: Files the ``sevenbridges-python`` loop really processes; the result is extrapolated
        to ``sb_files``. ``0`` runs the loop on all ``sb_files`` files.
    :param oc_baseline_cap: Samples the ``onecodex`` client loop really processes (extrapolated to
        ``oc_samples``); ``0`` runs it on all of them.
    :param sb_limit: Seven Bridges requests per window (the vendor's 1000).
    :param sb_window_s: Seven Bridges window length in seconds (the vendor's 300); a smaller value is a scaled
        window and is reported as such.
    :param oc_rate: One Codex requests per second per key (the vendor's 10).
    :param import_runs: Fresh interpreters per module in scenario 6 (the median is reported).
    :param race_workers: Writer processes sharing one key in scenario 7.
    :param race_oc_samples: Samples every One Codex writer of scenario 7 tags.
    :param race_sb_files: Files every Seven Bridges writer of scenario 7 tags.
    :param budget_oc_samples: N of scenario 7's single-writer One Codex call budget.
    :param budget_sb_files: N of scenario 7's single-writer Seven Bridges call budget.
    :param sheet_scale_sizes: Sheet sizes (rows) of scenario 8's memory runs; the first and last are compared.
    :param sheet_sdk_cap: Files the ``sevenbridges-python`` loop of scenario 8 really processes (4 calls a file: the
        default 200 stays inside one 1000-request window); extrapolated to ``sb_files``. ``0`` runs all of them.
    :param scenarios: Which scenarios to run.
    :param quick: Whether this is the ``--quick`` smoke preset.
    """

    sb_files: int = 10_000
    oc_samples: int = 1_000
    scale_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    latency_ms: float = 20.0
    sb_baseline_cap: int = 300
    oc_baseline_cap: int = 30
    sb_limit: int = 1_000
    sb_window_s: float = 300.0
    oc_rate: float = 10.0
    import_runs: int = 7
    race_workers: int = 4
    race_oc_samples: int = 1_000
    race_sb_files: int = 10_000
    budget_oc_samples: int = 1_000
    budget_sb_files: int = 10_000
    sheet_scale_sizes: tuple[int, ...] = (1_000, 100_000)
    sheet_sdk_cap: int = 200
    scenarios: tuple[int, ...] = field(default=ALL_SCENARIOS)
    quick: bool = False

    @property
    def window_scaled(self) -> bool:
        """Whether the Seven Bridges window is shorter than the vendor's 300 s."""
        return self.sb_window_s < 300.0

    def sb_cap(self) -> int:
        """Return how many files the SDK loop really processes.

        :return: The cap, never above ``sb_files``.
        """
        return min(self.sb_files, self.sb_baseline_cap) if self.sb_baseline_cap > 0 else self.sb_files

    def oc_cap(self) -> int:
        """Return how many samples the client loop really processes.

        :return: The cap, never above ``oc_samples``.
        """
        return min(self.oc_samples, self.oc_baseline_cap) if self.oc_baseline_cap > 0 else self.oc_samples

    def as_dict(self) -> dict[str, object]:
        """Describe the settings for the JSON report.

        :return: Plain values.
        """
        return {
            "sb_files": self.sb_files,
            "oc_samples": self.oc_samples,
            "scale_sizes": list(self.scale_sizes),
            "latency_ms": self.latency_ms,
            "sb_baseline_cap": self.sb_cap(),
            "oc_baseline_cap": self.oc_cap(),
            "sb_limit": self.sb_limit,
            "sb_window_s": self.sb_window_s,
            "sb_window_scaled": self.window_scaled,
            "oc_rate_per_s": self.oc_rate,
            "import_runs": self.import_runs,
            "race_workers": self.race_workers,
            "race_oc_samples": self.race_oc_samples,
            "race_sb_files": self.race_sb_files,
            "budget_oc_samples": self.budget_oc_samples,
            "budget_sb_files": self.budget_sb_files,
            "sheet_scale_sizes": list(self.sheet_scale_sizes),
            "sheet_sdk_cap": self.sheet_sdk_cap,
            "scenarios": list(self.scenarios),
            "quick": self.quick,
        }


def quick_preset(base: Settings) -> Settings:
    """Shrink a run to a smoke test (about 2.5 minutes for scenarios 1-6, three to four for 7, under one for 8).

    Scenario 7's four races take 15-60 s each almost whatever their size (process start, the writers' waits before
    verifying, One Codex's shared 10 requests/s); 4 x 50 samples is the multi-process tests' size.

    :param base: The settings to shrink.
    :return: Small sizes, small caps, three import runs.
    """
    return replace(
        base,
        sb_files=500,
        oc_samples=40,
        scale_sizes=(500, 2_000, 5_000),
        sb_baseline_cap=100,
        oc_baseline_cap=10,
        import_runs=3,
        race_oc_samples=50,
        race_sb_files=2_000,
        budget_oc_samples=100,
        budget_sb_files=2_000,
        sheet_scale_sizes=(500, 2_000),
        sheet_sdk_cap=25,
        quick=True,
    )
