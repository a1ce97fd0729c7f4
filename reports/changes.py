"""Run-over-run changes: which baseline each run is compared with, and whether a change is real.

The verdict needs the raw per-round times (``--benchmark-save-data``): two medians alone cannot
tell a regression from noise, so without raw data the verdict says so instead of guessing.

Test: Mann-Whitney U (two-sided, scipy, a base dependency): the two runs are independent samples
taken at different times, and round times are skewed, so a rank test fits. A change smaller than
``threshold`` (default 5 %) is "no change": a statistically clear 1 % shift is not news.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from scipy.stats import mannwhitneyu

from contract.stats import ratio_of_medians
from reports.load import Run, by_machine

FASTER, SLOWER, SAME, NO_DATA = "faster", "slower", "no change", "no raw data"
VERDICT_ORDER = {SLOWER: 0, FASTER: 1, NO_DATA: 2, SAME: 3}
ALPHA = 0.05
THRESHOLD = 0.05


def test_description(threshold: float = THRESHOLD, alpha: float = ALPHA) -> str:
    """One sentence for the caption: which test decided the verdicts."""
    test = f"a two-sided Mann-Whitney U test (scipy) on the raw round times at p < {alpha}"
    return (
        f"Verdicts use {test}, and a change must also exceed {threshold:.0%}; the interval shown is the "
        "95 % bootstrap interval of the ratio of medians (current / baseline, below 1 is faster)."
    )


@dataclass(frozen=True)
class Change:
    """current / baseline for one benchmark, with its interval, p-value and verdict."""

    ratio: float
    low: float
    high: float
    p_value: float
    verdict: str


def compare(
    baseline_median: float,
    current_median: float,
    baseline_data: Sequence[float] | None,
    current_data: Sequence[float] | None,
    *,
    alpha: float = ALPHA,
    threshold: float = THRESHOLD,
) -> Change:
    """Ratio of medians current/baseline and a verdict: faster, slower, no change or no raw data."""
    ratio = current_median / baseline_median if baseline_median > 0 else math.nan
    if not baseline_data or not current_data or len(baseline_data) < 2 or len(current_data) < 2:
        return Change(ratio, math.nan, math.nan, math.nan, NO_DATA)
    estimate = ratio_of_medians(current_data, baseline_data)
    if list(current_data) == list(baseline_data):
        p_value = 1.0  # identical samples: scipy may warn on all-tied input
    else:
        p_value = float(mannwhitneyu(current_data, baseline_data, alternative="two-sided").pvalue)
    significant = p_value < alpha
    verdict = SAME
    if significant and abs(estimate.value - 1) >= threshold:
        verdict = SLOWER if estimate.value > 1 else FASTER
    return Change(estimate.value, estimate.low, estimate.high, p_value, verdict)


def baseline_pairs(runs: Sequence[Run], baseline: Run | None = None) -> list[tuple[Run, Run]]:
    """(baseline, current) run pairs: each machine's latest run against ``baseline`` when given,
    else against its previous run (by datetime) that shares at least one benchmark."""
    pairs = []
    for machine_runs in by_machine(runs).values():
        current = machine_runs[-1]
        if baseline is not None:
            if current.path != baseline.path:
                pairs.append((baseline, current))
            continue
        names = {b.get("fullname") for b in current.benchmarks}
        for previous in reversed(machine_runs[:-1]):
            if names & {b.get("fullname") for b in previous.benchmarks}:
                pairs.append((previous, current))
                break
    return pairs


def changes_table(
    frame: pd.DataFrame,
    runs: Sequence[Run],
    pairs: Sequence[tuple[Run, Run]],
    *,
    threshold: float = THRESHOLD,
) -> pd.DataFrame:
    """One row per benchmark present in both runs of a pair, slower ones first."""
    index = {run.path: i for i, run in enumerate(runs)}
    rows = []
    for base_run, cur_run in pairs:
        base = frame[frame["run"] == index[base_run.path]].drop_duplicates("key").set_index("key")
        cur = frame[frame["run"] == index[cur_run.path]].drop_duplicates("key")
        for row in cur.itertuples(index=False):
            if row.key not in base.index:
                continue
            old = base.loc[row.key]
            change = compare(old["median_s"], row.median_s, old["data"], row.data, threshold=threshold)
            rows.append(
                {
                    "machine": cur_run.machine_id,
                    "benchmark": row.name
                    if math.isnan(row.n) or row.kind != "alignment"
                    else f"{row.name} n={int(row.n)}",
                    "baseline run": base_run.label,
                    "baseline median_s": old["median_s"],
                    "current median_s": row.median_s,
                    "ratio": change.ratio,
                    "ratio low": change.low,
                    "ratio high": change.high,
                    "p-value": change.p_value,
                    "verdict": change.verdict,
                }
            )
    table = pd.DataFrame(rows, columns=[
        "machine", "benchmark", "baseline run", "baseline median_s", "current median_s",
        "ratio", "ratio low", "ratio high", "p-value", "verdict",
    ])  # fmt: skip
    if table.empty:
        return table
    order = table["verdict"].map(VERDICT_ORDER)
    return (
        table.assign(_o=order)
        .sort_values(["machine", "_o", "ratio"], ascending=[True, True, False])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Per machine: how many benchmarks got slower, faster, did not change, had no raw data."""
    if table.empty:
        return pd.DataFrame(columns=["machine", SLOWER, FASTER, SAME, NO_DATA])
    counts = pd.crosstab(table["machine"], table["verdict"])
    counts = counts.reindex(columns=[SLOWER, FASTER, SAME, NO_DATA], fill_value=0)
    return counts.reset_index().rename_axis(columns=None)
