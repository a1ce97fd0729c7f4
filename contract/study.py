"""The hyperparameter study's arithmetic: study records -> per-seed rows -> one table per sweep.

Shared by the session's terminal summary (bench/study/conftest.py) and the report's study section
(reports/study.py), so both print the same means, intervals and verdicts. Pure pandas, no I/O.

Statistics, chosen for the few seeds a study can afford (3 to 5): a point's accuracy is the mean
over seeds with a 95 % Student-t interval (contract.stats.mean_interval); two settings are
"indistinguishable" when their intervals overlap, which means "the data do not show a
difference", never "equal".
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from contract.arithmetic import finite
from contract.schema import study_value_label
from contract.stats import ACCURACY_BOUNDS, mean_interval, overlaps

PARAM_ORDER = ("hidden_units", "extra_layer", "lr", "activation", "init")

RECORD_COLUMNS = (
    "machine_id", "datetime", "device", "dataset", "profile", "epochs", "param", "value", "label",
    "seed", "val_accuracy", "final_loss", "train_s", "time_to_target_s", "target_accuracy",
)  # fmt: skip


def sweep_summary(points: pd.DataFrame) -> pd.DataFrame:
    """Mark each value of one sweep against the best (highest mean accuracy).

    ``points`` needs columns ``mean``, ``low``, ``high`` (one row per value); returns a copy with
    ``best`` (bool) and ``indistinguishable`` (True: interval overlaps the best's; False: clearly
    worse; None: no interval, e.g. a single seed; the best row itself is True).
    """
    out = points.copy()
    if out.empty:
        return out.assign(best=pd.Series(dtype=bool), indistinguishable=pd.Series(dtype=object))
    best = out["mean"].astype(float).idxmax() if out["mean"].notna().any() else None
    out["best"] = out.index == best
    if best is None:
        out["indistinguishable"] = None
        return out
    best_iv = (float(out.at[best, "low"]), float(out.at[best, "high"]))
    flags = [True if i == best else overlaps((float(lo), float(hi)), best_iv) for i, lo, hi in
             zip(out.index, out["low"], out["high"], strict=True)]  # fmt: skip
    out["indistinguishable"] = pd.Series(flags, index=out.index, dtype=object)
    return out


def _per_seed(info: dict[str, Any], key: str, n: int) -> list[Any]:
    value = info.get(key)
    if isinstance(value, list):
        return (value + [None] * n)[:n]
    return [value] * n if n == 1 else [None] * n


def info_rows(info: dict[str, Any], machine_id: str = "unknown", when: Any = None) -> list[dict[str, Any]]:
    """One study ``extra_info`` -> a row per seed. Accepts the harness's per-point records (lists
    per seed) and flat per-seed records (scalar ``val_accuracy`` and ``seed``)."""
    if info.get("kind") != "study" or "param" not in info:
        return []
    acc = info.get("val_accuracy")
    n = len(acc) if isinstance(acc, list) else 1
    seeds = info.get("seeds") if isinstance(info.get("seeds"), list) else None
    seeds = (seeds + [None] * n)[:n] if seeds else _per_seed(info, "seed", n)
    columns = {key: _per_seed(info, key, n) for key in ("val_accuracy", "final_loss", "train_s", "time_to_target_s")}
    base = {
        "machine_id": machine_id,
        "datetime": when,
        "device": info.get("device"),
        "dataset": info.get("dataset") or "unknown",
        "profile": info.get("profile") or "unknown",
        "epochs": info.get("epochs"),
        "param": str(info["param"]),
        "value": info.get("value"),
        "label": study_value_label(info.get("value")),
        "target_accuracy": info.get("target_accuracy"),
    }
    return [base | {"seed": seeds[i]} | {key: finite(values[i]) for key, values in columns.items()} for i in range(n)]


def newest_only(records: pd.DataFrame) -> pd.DataFrame:
    """Keep, per (machine, data set, param, value), the rows of the newest run that measured it."""
    if records.empty:
        return records
    keys = ["machine_id", "dataset", "param", "label"]
    when = pd.to_datetime(records["datetime"], errors="coerce", utc=True)
    newest = when.groupby([records[k] for k in keys]).transform("max")
    keep = (when == newest) | newest.isna()
    return records[keep].reset_index(drop=True)


def _sort_values(group: pd.DataFrame) -> list[Any]:
    values = list(dict.fromkeys(group["value"].tolist()))
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return sorted(values)
    return values  # categorical: the order the study ran them (the sweep's order)


def param_table(records: pd.DataFrame) -> pd.DataFrame:
    """One sweep (rows of one param, machine and data set) -> a row per value.

    Columns follow the report's conventions: ``% accuracy`` with ``% accuracy low/high`` (the
    interval), ``train_s`` and ``to target_s`` in seconds (means over seeds; time to target over
    the seeds that reached it), ``reached`` ("k/n"), ``vs best``.
    """
    rows = []
    for value in _sort_values(records):
        seeds = records[records["value"].map(lambda v, value=value: v == value and type(v) is type(value))]
        mean, low, high = mean_interval(seeds["val_accuracy"].tolist(), ACCURACY_BOUNDS)
        reached = seeds["time_to_target_s"].dropna()
        rows.append({
            "value": study_value_label(value),
            "seeds": len(seeds),
            "mean": mean, "low": low, "high": high,
            "train_s": float(seeds["train_s"].mean()),
            "to target_s": float(reached.mean()) if len(reached) else math.nan,
            "reached": f"{len(reached)}/{len(seeds)}",
            "final loss": float(seeds["final_loss"].mean()),
        })  # fmt: skip
    summary = sweep_summary(pd.DataFrame(rows))
    if summary.empty:
        return summary
    verdict = [
        "best" if best else {True: "indistinguishable", False: "worse", None: "n/a (1 seed)"}[flag]
        for best, flag in zip(summary["best"], summary["indistinguishable"], strict=True)
    ]
    return pd.DataFrame({
        "value": summary["value"],
        "seeds": summary["seeds"],
        "% accuracy": summary["mean"],
        "% accuracy low": summary["low"],
        "% accuracy high": summary["high"],
        "vs best": verdict,
        "train_s": summary["train_s"],
        "to target_s": summary["to target_s"],
        "reached": summary["reached"],
        "final loss": summary["final loss"],
    })  # fmt: skip


def sweeps(records: pd.DataFrame) -> list[tuple[tuple[str, str, str, str], pd.DataFrame]]:
    """((param, machine, dataset, device), records) per sweep, params in the study's order."""
    if records.empty:
        return []
    groups = list(records.groupby(["param", "machine_id", "dataset", "device"], sort=True, dropna=False))
    rank = {p: i for i, p in enumerate(PARAM_ORDER)}
    groups.sort(key=lambda kv: (rank.get(kv[0][0], len(rank)), kv[0]))
    return [(tuple(str(k) for k in key), group) for key, group in groups]
