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

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu, rankdata

from contract.stats import Estimate, ratio_of_medians
from reports import drift, verdicts
from reports.load import Run, by_machine

FASTER, SLOWER, SAME, NO_DATA = "faster", "slower", "no change", "no raw data"
VERDICT_ORDER = {SLOWER: 0, FASTER: 1, NO_DATA: 2, SAME: 3}
ALPHA = 0.05
THRESHOLD = 0.05


def test_description(threshold: float = THRESHOLD, alpha: float = ALPHA, z: float = verdicts.Z) -> str:
    """Sentences for the caption: how the verdicts were decided."""
    test = f"a two-sided Mann-Whitney U test (scipy) on the round times at p < {alpha}"
    return (
        "Each ratio current / baseline is first divided by the machine ratio: how much the machine itself "
        "moved, read from the drift canary timed beside each benchmark or from the median ratio of all the "
        "pair's benchmarks on that device, whichever leaves less scatter (always the latter for runs without "
        "a canary; 'basis' says which). A verdict then needs three things: "
        f"{test} on the normalised rounds, a change above {threshold:.0%}, and a change outside the noise band, "
        f"{z:g} standard deviations of the machine's own run-to-run spread (from its earlier runs, else from "
        "the scatter of this pair's normalised ratios). 'within-run verdict' is the test alone, as earlier "
        "versions judged. The interval is the 95 % bootstrap interval of the normalised ratio of medians "
        "(below 1 is faster)."
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
    interval: bool = True,
) -> Change:
    """Ratio of medians current/baseline and a verdict: faster, slower, no change or no raw data.

    ``interval=False`` skips the bootstrap (low and high are NaN): the verdict needs only the
    ratio and the test, and the bootstrap is most of a fleet's changes table.
    """
    ratio = current_median / baseline_median if baseline_median > 0 else math.nan
    if not baseline_data or not current_data or len(baseline_data) < 2 or len(current_data) < 2:
        return Change(ratio, math.nan, math.nan, math.nan, NO_DATA)
    if interval:
        estimate = ratio_of_medians(current_data, baseline_data)
    else:
        value = float(np.median(current_data) / np.median(baseline_data))
        estimate = Estimate(value, math.nan, math.nan)
    identical = list(current_data) == list(baseline_data)  # all tied: no test to run
    p_value = 1.0 if identical else mann_whitney_p(current_data, baseline_data)
    significant = p_value < alpha
    verdict = SAME
    if significant and abs(estimate.value - 1) >= threshold:
        verdict = SLOWER if estimate.value > 1 else FASTER
    return Change(estimate.value, estimate.low, estimate.high, p_value, verdict)


def mann_whitney_p(x: Sequence[float], y: Sequence[float]) -> float:
    """Two-sided Mann-Whitney U p-value, as ``scipy.stats.mannwhitneyu`` gives it (method "auto").

    Large or tied samples take scipy's normal approximation (tie-corrected, with continuity
    correction), computed here directly: scipy's wrapper costs ~1 ms a call, and a fleet's
    changes table makes thousands. Small samples without ties keep scipy's exact test.
    """
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n1, n2 = a.size, b.size
    ranks = rankdata(np.concatenate([a, b]))
    _, ties = np.unique(ranks, return_counts=True)
    if min(n1, n2) <= 8 and not (ties > 1).any():
        return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)
    u1 = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    variance = n1 * n2 / 12 * ((n + 1) - (ties**3 - ties).sum() / (n * (n - 1)))
    if variance <= 0:
        return 1.0
    z = (u - n1 * n2 / 2 - 0.5) / math.sqrt(variance)
    return float(min(1.0, math.erfc(z / math.sqrt(2))))


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


COLUMNS = [
    "machine", "benchmark", "baseline run", "baseline median_s", "current median_s", "ratio", "machine ratio",
    "normalised ratio", "normalised ratio low", "normalised ratio high", "p-value", "% noise band", "basis",
    "% canary moved", "within-run verdict", "verdict",
]  # fmt: skip
HISTORY_RUNS = 10  # the newest earlier runs of a machine that estimate its run-to-run spread


def changes_table(
    frame: pd.DataFrame,
    runs: Sequence[Run],
    pairs: Sequence[tuple[Run, Run]],
    *,
    threshold: float = THRESHOLD,
    z: float = verdicts.Z,
) -> pd.DataFrame:
    """One row per benchmark present in both runs of a pair, slower ones first.

    ``ratio`` is current/baseline as measured; ``machine ratio`` how much the machine itself moved
    (the canary's ratio, or the pair's median ratio without a canary: ``basis``); ``normalised ratio``
    the first over the second. ``within-run verdict`` is the test on rounds alone (the old method);
    ``verdict`` also needs the normalised change to leave the run-to-run ``% noise band``
    (reports/verdicts.py).
    """
    index = {run.path: i for i, run in enumerate(runs)}
    machine_runs = by_machine(runs)
    histories = {}
    for base_run, cur_run in pairs:
        same_machine = [r.path for r in machine_runs.get(cur_run.machine_id, [])]
        earlier = machine_runs.get(cur_run.machine_id, [])[: same_machine.index(cur_run.path)]
        histories[cur_run.path] = earlier[-HISTORY_RUNS:] if baseline_is_earlier(base_run, cur_run) else []
    needed = {index[r.path] for pair in pairs for r in pair} | {index[r.path] for h in histories.values() for r in h}
    wanted = frame[frame["run"].isin(needed)]  # a fleet's thousands of other runs are not indexed
    by_run = {i: g.drop_duplicates("key").set_index("key", drop=False) for i, g in wanted.groupby("run")}
    empty = frame.iloc[0:0].set_index("key", drop=False)
    rows = []
    for base_run, cur_run in pairs:
        base, cur = by_run.get(index[base_run.path], empty), by_run.get(index[cur_run.path], empty)
        keys = [k for k in cur.index if k in base.index]
        history = [by_run.get(index[r.path], empty) for r in histories[cur_run.path]]
        rows.extend(_pair_rows(base_run, cur_run, base, cur, keys, history, threshold, z))
    table = pd.DataFrame(rows, columns=COLUMNS)
    if table.empty:
        return table
    order = table["verdict"].map(VERDICT_ORDER)
    return (
        table.assign(_o=order)
        .sort_values(["machine", "_o", "normalised ratio"], ascending=[True, True, False])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def baseline_is_earlier(base_run: Run, cur_run: Run) -> bool:
    return base_run.datetime is None or cur_run.datetime is None or base_run.datetime <= cur_run.datetime


def _pair_rows(
    base_run: Run,
    cur_run: Run,
    base: pd.DataFrame,
    cur: pd.DataFrame,
    keys: list[str],
    history: list[pd.DataFrame],
    threshold: float,
    z: float,
) -> list[dict]:
    """The rows of one (baseline, current) pair: normalise, estimate the spread, judge."""
    device = {k: drift.canary_device(cur.at[k, "device"]) for k in keys}
    raw = {k: verdicts.log_ratio(cur.at[k, "median_s"], base.at[k, "median_s"]) for k in keys}
    positions = {run.path: drift.sample_positions(run) for run in (base_run, cur_run)}
    base_rows, cur_rows = base.loc[keys].to_dict("index"), cur.loc[keys].to_dict("index")  # rows as dicts: fast
    canary = {k: _canary_log(base_run, cur_run, base_rows[k], cur_rows[k], positions) for k in keys}
    factor, basis, sd, source = {}, {}, {}, {}
    for dev in set(device.values()):
        group = [k for k in keys if device[k] == dev]
        shift = verdicts.common_shift([raw[k] for k in group])
        by_suite = dict.fromkeys(group, shift if math.isfinite(shift) else 0.0)
        by_canary = {k: canary[k] if math.isfinite(canary[k]) else by_suite[k] for k in group}
        # The canary is the better model of this pair's drift only if it explains the benchmarks
        # at least as well as one common shift does (less scatter left after dividing by it).
        spreads = {name: verdicts.robust_sd([raw[k] - f[k] for k in group]) for name, f in
                   (("canary", by_canary), ("suite", by_suite))}  # fmt: skip
        use_canary = any(math.isfinite(canary[k]) for k in group) and not (
            spreads["suite"] < spreads["canary"]  # NaN compares False: keep the canary
        )
        chosen = by_canary if use_canary else by_suite
        for k in group:
            factor[k] = chosen[k]
            basis[k] = (verdicts.BASIS_CANARY if use_canary and math.isfinite(canary[k])
                        else verdicts.BASIS_SUITE if math.isfinite(shift) else verdicts.BASIS_NONE)  # fmt: skip
            sd[k], source[k] = spreads["canary" if use_canary else "suite"], "this pair's benchmarks"
    normalised = {k: raw[k] - factor[k] for k in keys}
    if len(history) >= verdicts.MIN_HISTORY:
        for k, value in _history_spread(keys, history).items():
            if math.isfinite(value):
                sd[k], source[k] = value, f"history of {len(history)} runs"
    rows = []
    for k in keys:
        old, new = base_rows[k], cur_rows[k]
        within = compare(
            old["median_s"], new["median_s"], old["data"], new["data"], threshold=threshold, interval=False
        )
        scale = math.exp(factor[k])
        data = [x / scale for x in new["data"]] if new["data"] is not None else None
        judged = compare(old["median_s"], new["median_s"] / scale, old["data"], data, threshold=threshold)
        outside = verdicts.beyond_noise(normalised[k], sd[k], z)
        verdict = judged.verdict if outside is not False or judged.verdict == NO_DATA else SAME
        moves = [drift.moved(r["extra"], r["device"]) for r in (old, new)]
        rows.append(
            {
                "machine": cur_run.machine_id,
                "benchmark": new["name"]
                if math.isnan(new["n"]) or new["kind"] != "alignment"
                else f"{new['name']} n={int(new['n'])}",
                "baseline run": base_run.label,
                "baseline median_s": old["median_s"],
                "current median_s": new["median_s"],
                "ratio": within.ratio,
                "machine ratio": scale,
                "normalised ratio": judged.ratio,
                "normalised ratio low": judged.low,
                "normalised ratio high": judged.high,
                "p-value": judged.p_value,
                "% noise band": verdicts.band(sd[k], z),
                "basis": f"{basis[k]}; spread: {source[k] if math.isfinite(sd[k]) else 'unknown'}",
                "% canary moved": max((m for m in moves if not math.isnan(m)), default=math.nan),
                "within-run verdict": within.verdict,
                "verdict": verdict,
            }
        )
    return rows


def _canary_log(base_run: Run, cur_run: Run, old: dict, new: dict, positions: dict) -> float:
    """log of the canary's ratio current/baseline around this benchmark: the median of the samples
    beside it (drift.smoothed_index), else the faster of its own two, else the two runs' typical
    canary; NaN when either run has none."""
    smoothed = verdicts.log_ratio(
        drift.smoothed_index(cur_run, positions[cur_run.path], new["fullname"], new["device"]),
        drift.smoothed_index(base_run, positions[base_run.path], old["fullname"], old["device"]),
    )
    if math.isfinite(smoothed):
        return smoothed
    local = verdicts.log_ratio(drift.local_index(new["extra"], new["device"]),
                               drift.local_index(old["extra"], old["device"]))  # fmt: skip
    if math.isfinite(local):
        return local
    return verdicts.log_ratio(drift.run_index(cur_run, new["device"]), drift.run_index(base_run, old["device"]))


def _history_spread(keys: list[str], history: list[pd.DataFrame]) -> dict[str, float]:
    """Per benchmark: the sd of a difference of two runs from the machine's earlier runs, each run's
    log medians less that run's common shift (one step of median polish): a canary sample is too
    noisy on a busy machine to normalise one old run by, the shift of a whole run is not."""
    raw: dict[str, dict[int, float]] = {}
    for i, run in enumerate(history):
        for k in keys:
            if k in run.index and run.at[k, "median_s"] > 0:
                raw.setdefault(k, {})[i] = math.log(run.at[k, "median_s"])
    effects = verdicts.run_effects(raw)
    per_key = {k: verdicts.history_sd([v - effects.get(i, 0.0) for i, v in runs.items()]) for k, runs in raw.items()}
    return verdicts.spread_from_history(per_key)


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Per machine: how many benchmarks got slower, faster, did not change, had no raw data, and
    how many the within-run test alone (the old method) would have called changed."""
    columns = ["machine", SLOWER, FASTER, SAME, NO_DATA, "changed by the within-run test alone"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    counts = pd.crosstab(table["machine"], table["verdict"])
    counts = counts.reindex(columns=[SLOWER, FASTER, SAME, NO_DATA], fill_value=0)
    old = table["within-run verdict"].isin([SLOWER, FASTER]).groupby(table["machine"]).sum()
    counts["changed by the within-run test alone"] = old.reindex(counts.index).astype(int)
    return counts.reset_index().rename_axis(columns=None)[columns]


def listed_changes(table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The rows worth reading (every verdict but "no change") and how many "no change" rows were folded."""
    if table.empty:
        return table, 0
    same = table["verdict"] == SAME
    return table[~same].reset_index(drop=True), int(same.sum())


def offenders(table: pd.DataFrame) -> pd.DataFrame:
    """The benchmarks the regression gate fails on: significantly slower by the verdicts above."""
    return table[table["verdict"] == SLOWER] if not table.empty else table
