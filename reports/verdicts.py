"""Verdicts that hold on shared machines: a change must exceed the machine's own run-to-run spread.

The within-run test (Mann-Whitney on the rounds of two runs) sees only the scatter of rounds
inside a run. Between two runs a shared machine moves as a whole (steal, host clocks, neighbours
on caches and memory), by more than that scatter, so the test calls most benchmarks changed when
nothing but the machine changed. Two corrections, pure functions here, used by reports/changes.py:

1. **Normalise by the machine's speed.** Divide each ratio current/baseline by the drift canary's
   ratio around the same benchmark (the median of the canary samples beside it), or by the pair's
   common shift (the median ratio of every benchmark of that device), whichever leaves less scatter
   across the pair's benchmarks: on a busy machine a canary can move where the benchmarks did not.
   A machine that became uniformly slower reads as no change (a uniform slowdown of the code reads
   the same under the common shift: only a canary tells them apart, and the machine ratio is shown).
2. **Compare with the run-to-run spread.** The normalised log ratio must exceed ``Z`` standard
   deviations of a difference of two runs: from history (per benchmark, >= ``MIN_HISTORY`` earlier
   runs of the machine, each less its common shift; never below the machine's typical spread)
   or, without history, from the scatter of the pair's normalised log ratios across its benchmarks
   (1.4826 x MAD: robust to the few real changes).

The within-run test (on normalised rounds) and the threshold still apply: a verdict needs all three.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence

Z = 3.0  # standard deviations of the run-to-run difference; about 0.3 % false verdicts if normal
MIN_SUITE = 5  # benchmarks a pair needs for its common shift and cross-benchmark spread
MIN_HISTORY = 3  # earlier runs of the machine for a per-benchmark history spread
MAD_TO_SD = 1.4826

BASIS_CANARY, BASIS_SUITE, BASIS_NONE = "canary", "suite median", "none"


def log_ratio(current: float, baseline: float) -> float:
    return math.log(current / baseline) if current > 0 and baseline > 0 else math.nan


def finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if isinstance(v, int | float) and math.isfinite(v)]


def common_shift(log_ratios: Sequence[float], minimum: int = MIN_SUITE) -> float:
    """The median log ratio of a pair's benchmarks: how much the whole machine moved; NaN if too few."""
    values = finite(log_ratios)
    return statistics.median(values) if len(values) >= minimum else math.nan


def robust_sd(values: Sequence[float], minimum: int = MIN_SUITE) -> float:
    """1.4826 x median absolute deviation: a standard deviation that a few real changes do not inflate."""
    data = finite(values)
    if len(data) < minimum:
        return math.nan
    centre = statistics.median(data)
    return MAD_TO_SD * statistics.median(abs(v - centre) for v in data)


def history_sd(log_values: Sequence[float], minimum: int = MIN_HISTORY) -> float:
    """Standard deviation of one benchmark's normalised log medians over earlier runs; NaN if too few."""
    data = finite(log_values)
    return statistics.stdev(data) if len(data) >= minimum else math.nan


def run_effects(log_medians: Mapping[str, Mapping[int, float]]) -> dict[int, float]:
    """Each run's common shift in a (benchmark x run) table of log medians: the median over
    benchmarks of the run's deviation from that benchmark's median over runs (one step of
    median polish). Subtracting it normalises runs that have no canary."""
    deviations: dict[int, list[float]] = {}
    for by_run in log_medians.values():
        values = finite(list(by_run.values()))
        if len(values) < 2:
            continue
        centre = statistics.median(values)
        for run, value in by_run.items():
            if math.isfinite(value):
                deviations.setdefault(run, []).append(value - centre)
    return {run: statistics.median(values) for run, values in deviations.items()}


def spread_from_history(per_benchmark_sd: Mapping[str, float]) -> dict[str, float]:
    """The standard deviation of a difference of two runs, per benchmark: sqrt(2) x its own history
    sd, never below the machine's typical (median) sd: three runs can look quiet by chance."""
    known = finite(list(per_benchmark_sd.values()))
    floor = statistics.median(known) if known else math.nan
    out = {}
    for key, sd in per_benchmark_sd.items():
        out[key] = math.sqrt(2) * max(sd, floor) if math.isfinite(sd) else math.nan
    return out


def beyond_noise(normalised_log: float, sd_difference: float, z: float = Z) -> bool | None:
    """Is the normalised change outside the band of run-to-run noise? None when the spread is unknown."""
    if not math.isfinite(sd_difference) or not math.isfinite(normalised_log):
        return None
    return abs(normalised_log) > z * sd_difference


def band(sd_difference: float, z: float = Z) -> float:
    """The noise band as a relative change (exp(z sd) - 1), NaN when unknown."""
    return math.exp(z * sd_difference) - 1 if math.isfinite(sd_difference) else math.nan
