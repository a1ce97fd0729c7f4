"""The headline numbers over each machine's runs, by date and commit (asv's main view).

Three headlines, each with its interval: the alignment penalty t(n)/t(1024) per size, the
scratch/framework ratio per depth, and mm GFLOP/s at n=1024. Runs measured under high CPU
contention are marked: a step in their numbers may be the neighbours, not the code. Pure functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from contract.stats import bootstrap_ci
from reports.load import UNKNOWN, Run
from reports.tables import contention

PENALTY = "penalty t(n)/t(1024)"
RATIO = "scratch/framework"
MM_RATE = "mm GFLOP/s at n=1024"
METRICS = (PENALTY, RATIO, MM_RATE)

#: Share of timed time with a task waiting for a CPU above which a run is marked as contended.
HIGH_CONTENTION = 0.10
#: Runs per machine in the history tables (the figures show every run).
TABLE_RUNS = 10
#: Runs per machine in the history figures: a year of nightly runs would bury the recent ones (and bloat the SVG).
FIGURE_RUNS = 60
RATE_RESAMPLES = 1000  # bootstrap of one median per run and device: enough for a history mark

COLUMNS = (
    "machine",
    "run",
    "datetime",
    "commit",
    "contention",
    "high contention",
    "metric",
    "series",
    "point",
    "value",
    "low",
    "high",
)


def run_facts(runs: Sequence[Run]) -> pd.DataFrame:
    """Per loaded run (``run`` = its index, as in the results frame): machine, date, commit, contention."""
    rows = []
    for index, run in enumerate(runs):
        share = contention(run.benchmarks)
        rows.append(
            {
                "run": index,
                "machine": run.machine_id,
                "datetime": run.datetime,
                "commit": str(run.commit_info.get("id") or UNKNOWN)[:8],
                "contention": share,
                "high contention": bool(share > HIGH_CONTENTION),
            }
        )
    frame = pd.DataFrame(rows, columns=["run", "machine", "datetime", "commit", "contention", "high contention"])
    frame["datetime"] = pd.to_datetime(frame["datetime"])
    return frame


def _rate_interval(flops: float, data: list[float] | None) -> tuple[float, float]:
    """GFLOP/s interval from the bootstrap interval of the median round time (NaNs without raw data)."""
    if not data or not flops > 0:
        return math.nan, math.nan
    low_s, high_s = bootstrap_ci(data, resamples=RATE_RESAMPLES)
    return flops / high_s / 1e9, flops / low_s / 1e9


def _join(rows: pd.DataFrame, *columns: str) -> pd.Series:
    """The columns as one label ("mm cpu float32"); text even where a file held a number or nothing."""
    label = rows[columns[0]].astype(str)
    for column in columns[1:]:
        label = label + " " + rows[column].astype(str)
    return label


def _penalties(results: pd.DataFrame) -> pd.DataFrame:
    rows = results[(results["kind"] == "alignment") & results["n"].notna() & results["penalty"].notna()]
    rows = rows[rows["n"] != 1024]
    return pd.DataFrame(
        {
            "run": rows["run"],
            "metric": PENALTY,
            "series": _join(rows, "op", "device", "precision"),
            "point": rows["n"],
            "value": rows["penalty"],
            "low": rows["penalty_lo"],
            "high": rows["penalty_hi"],
        }
    )


def _ratios(results: pd.DataFrame) -> pd.DataFrame:
    rows = results[(results["kind"] == "training-interleaved") & results["ratio"].notna()]
    rows = rows.drop_duplicates(["run", "fullname"])  # one row per implementation, one ratio per benchmark
    return pd.DataFrame(
        {
            "run": rows["run"],
            "metric": RATIO,
            "series": _join(rows, "device", "profile", "input_mode"),
            "point": rows["depth"],
            "value": rows["ratio"],
            "low": rows["ratio_lo"],
            "high": rows["ratio_hi"],
        }
    )


def _mm_rates(results: pd.DataFrame) -> pd.DataFrame:
    """Standalone mm at n=1024 where the run has one, else the alignment study's n=1024 rounds."""
    rows = results[(results["op"] == "mm") & (results["n"] == 1024) & results["kind"].isin(["matmul", "alignment"])]
    rows = rows.assign(prefer=(rows["kind"] == "matmul").astype(int)).sort_values("prefer", kind="stable")
    rows = rows.drop_duplicates(["run", "device", "precision"], keep="last")
    intervals = [_rate_interval(r.flops, r.data) for r in rows.itertuples()]
    return pd.DataFrame(
        {
            "run": rows["run"],
            "metric": MM_RATE,
            "series": _join(rows, "device", "precision"),
            "point": 1024.0,
            "value": rows["gflops"],
            "low": [lo for lo, _ in intervals],
            "high": [hi for _, hi in intervals],
        }
    )


def history_frame(results: pd.DataFrame, runs: Sequence[Run]) -> pd.DataFrame:
    """Every headline number of every run (all runs, not only the newest): one row per
    (run, metric, series, point) with its interval and the run's date, commit and contention.

    ``series`` names what is compared run to run (op device precision; device profile input mode;
    device precision) and ``point`` the size n or the depth.
    """
    parts = [p for p in (_penalties(results), _ratios(results), _mm_rates(results)) if not p.empty]
    if not parts:
        return pd.DataFrame(columns=list(COLUMNS))
    values = pd.concat(parts, ignore_index=True)
    frame = values.merge(run_facts(runs), on="run", how="left")
    frame = frame.sort_values(["machine", "metric", "series", "point", "datetime", "run"], kind="stable")
    return frame[list(COLUMNS)].reset_index(drop=True)


def history_tables(history: pd.DataFrame, newest: int = TABLE_RUNS) -> list[tuple[str, pd.DataFrame]]:
    """(metric, table) per headline: a row per run (each machine's ``newest`` runs, newest first) with
    its date, commit and contention, a column per series and point with its interval."""
    out = []
    for metric in METRICS:
        part = history[history["metric"] == metric]
        if part.empty:
            continue
        label = {PENALTY: "n={}", RATIO: "depth {}", MM_RATE: "GFLOP/s"}[metric]
        part = part.assign(
            column=[
                f"{s} {label.format(int(p))}".strip() if not math.isnan(p) else s
                for s, p in zip(part["series"], part["point"], strict=True)
            ]
        )
        wide = part.drop_duplicates(["run", "column"]).set_index(["run", "column"])[["value", "low", "high"]]
        wide = wide.unstack("column")
        facts = part.drop_duplicates("run").set_index("run")[
            ["machine", "datetime", "commit", "contention", "high contention"]
        ]
        values = {}
        for column in dict.fromkeys(part["column"]):
            for suffix, field in (("", "value"), (" low", "low"), (" high", "high")):
                values[column + suffix] = wide[(field, column)]
        table = pd.concat([facts, pd.DataFrame(values, index=wide.index)], axis=1)
        table = table.reset_index().sort_values(["machine", "datetime", "run"], ascending=[True, False, False])
        table = table.groupby("machine", sort=True).head(newest)
        table["datetime"] = table["datetime"].dt.strftime("%Y-%m-%d %H:%M").fillna(UNKNOWN)
        table["% CPU contention"] = table.pop("contention")
        table["contended"] = table.pop("high contention").map({True: "yes", False: ""})
        table = table.drop(columns="run").rename(columns={"datetime": "run date"})
        front = ["machine", "run date", "commit", "% CPU contention", "contended"]
        out.append((metric, table[front + [c for c in table.columns if c not in front]].reset_index(drop=True)))
    return out


def newest_runs(history: pd.DataFrame, count: int = FIGURE_RUNS) -> pd.DataFrame:
    """The rows of each machine's ``count`` newest runs (by date, then load order)."""
    if history.empty:
        return history
    runs = history.drop_duplicates("run").sort_values(["datetime", "run"], na_position="first")
    keep = runs.groupby("machine", sort=False).tail(count)["run"]
    return history[history["run"].isin(set(keep))]
