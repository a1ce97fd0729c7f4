"""The headline numbers over each machine's runs, by date and commit (asv's main view).

Three headlines, each with its interval: the alignment penalty t(n)/t(1024) per size, the
scratch/framework ratio per depth, and mm GFLOP/s at n=1024. They come from the catalogue
(reports.catalog), so every run counts, not only those read in full. Runs measured under high
CPU contention are marked: a step in their numbers may be the neighbours, not the code. Pure functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from reports.catalog import METRICS, MM_RATE, PENALTY, RATIO, Entry
from reports.load import UNKNOWN

__all__ = ["METRICS", "MM_RATE", "PENALTY", "RATIO", "history_frame", "history_tables", "newest_runs"]

#: Share of timed time with a task waiting for a CPU above which a run is marked as contended.
HIGH_CONTENTION = 0.10
#: Runs per machine in the history tables.
TABLE_RUNS = 10
#: Runs per machine in the history figures: a year of nightly runs would bury the recent ones (and bloat the SVG).
FIGURE_RUNS = 60

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


def history_frame(entries: Sequence[Entry]) -> pd.DataFrame:
    """Every headline number of every run: one row per (run, metric, series, point) with its
    interval and the run's date, commit and contention (``run`` = the entry's index).

    ``series`` names what is compared run to run (op device precision; device profile input mode;
    device precision) and ``point`` the size n or the depth.
    """
    rows = [
        (entry.machine_id, index, entry.datetime, entry.commit[:8], entry.contention,
         bool(entry.contention > HIGH_CONTENTION), *headline)
        for index, entry in enumerate(entries)
        for headline in entry.headlines
    ]  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=list(COLUMNS))
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    frame["datetime"] = pd.to_datetime(frame["datetime"])
    frame = frame.sort_values(["machine", "metric", "series", "point", "datetime", "run"], kind="stable")
    return frame.reset_index(drop=True)


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
