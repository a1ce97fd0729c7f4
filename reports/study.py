"""The hyperparameter study's section: study records -> tables, captions and plots (pure, no I/O).

Input is either the report's results frame (rows with ``kind == "study"`` and their
``extra_info`` in ``extra``) or saved JSON documents (:func:`records_from_docs`); both become one
row per (point, seed) first (:func:`study_records`), so a reader of the records never walks JSON.

Statistics, chosen for the few seeds a study can afford (3 to 5):
- a point's accuracy is the mean over seeds with a 95 % Student-t interval,
  ``mean +- t(0.975, n-1) * sd / sqrt(n)``: a bootstrap of 3 values can only produce 10
  distinct resamples and would understate the spread;
- two settings are "indistinguishable" when their intervals overlap. That is conservative
  (a real difference can hide behind overlapping intervals), so "indistinguishable" means "the
  data do not show a difference", never "equal"; more seeds narrow the intervals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from contract.schema import study_value_label
from contract.stats import ACCURACY_BOUNDS, INTERVAL_NOTE, mean_interval, overlaps
from reports import joint
from reports.frame import num

LOG_X_PARAMS = ("hidden_units", "lr")
PARAM_ORDER = ("hidden_units", "extra_layer", "lr", "activation", "init")

RECORD_COLUMNS = (
    "machine_id", "datetime", "device", "dataset", "profile", "epochs", "param", "value", "label",
    "seed", "val_accuracy", "final_loss", "train_s", "time_to_target_s", "target_accuracy",
)  # fmt: skip


#: Section caption for the report (how to read every table of the section).
SECTION_CAPTION = (
    "Each hyperparameter of the d2l MLP exercise is varied alone, the others at the baseline (one hidden "
    "layer of 256, ReLU, lr 0.1, normal(0, 0.01) init, batch 256), with several seeds per value. Accuracy is "
    f"the validation accuracy after the last epoch, mean over seeds with a {INTERVAL_NOTE}; values whose "
    "interval overlaps the best one's are marked indistinguishable from it (the data show no difference). "
    "Every record carries the model actually built, checked against the setting before training. "
    "The joint search (opt-in, --bench-study-joint) varies learning rate, epochs, hidden layers and units "
    "together, with TPE against random search; its tables and plot follow the sweeps."
)


# --- statistics ------------------------------------------------------------------------------


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


# --- records ---------------------------------------------------------------------------------


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
    return [base | {"seed": seeds[i]} | {key: num(values[i]) for key, values in columns.items()} for i in range(n)]


def study_records(results: pd.DataFrame) -> pd.DataFrame:
    """The report's results frame (columns ``kind``, ``extra``, ``machine_id``, ``datetime``) ->
    one row per (point, seed); only the newest run's record of each (machine, data set, point)."""
    rows: list[dict[str, Any]] = []
    if not results.empty and {"kind", "extra"} <= set(results.columns):
        study = results[results["kind"] == "study"]
        for _, row in study.iterrows():
            extra = row["extra"] if isinstance(row["extra"], dict) else {}
            rows.extend(info_rows(extra, str(row.get("machine_id", "unknown")), row.get("datetime")))
    return newest_only(pd.DataFrame(rows, columns=list(RECORD_COLUMNS)))


def records_from_docs(docs: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Saved pytest-benchmark documents (decoded JSON) -> the same rows as :func:`study_records`."""
    rows: list[dict[str, Any]] = []
    for doc in docs:
        harness = (doc.get("machine_info") or {}).get("harness") or {}
        machine = harness.get("machine_id") or (doc.get("machine_info") or {}).get("node") or "unknown"
        for bench in doc.get("benchmarks") or []:
            extra = bench.get("extra_info") if isinstance(bench, dict) else None
            if isinstance(extra, dict):
                rows.extend(info_rows(extra, str(machine), doc.get("datetime")))
    return newest_only(pd.DataFrame(rows, columns=list(RECORD_COLUMNS)))


def newest_only(records: pd.DataFrame) -> pd.DataFrame:
    """Keep, per (machine, data set, param, value), the rows of the newest run that measured it."""
    if records.empty:
        return records
    keys = ["machine_id", "dataset", "param", "label"]
    when = pd.to_datetime(records["datetime"], errors="coerce", utc=True)
    newest = when.groupby([records[k] for k in keys]).transform("max")
    keep = (when == newest) | newest.isna()
    return records[keep].reset_index(drop=True)


# --- tables and captions -----------------------------------------------------------------------


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


def caption(param: str, table: pd.DataFrame, records: pd.DataFrame) -> str:
    """The best value and how sure the data are, in one or two sentences."""
    if table.empty:
        return f"No {param} records."
    dataset = str(records["dataset"].iloc[0])
    epochs = records["epochs"].dropna()
    seeds = int(table["seeds"].max())
    context = f"{dataset}, {int(epochs.iloc[0]) if len(epochs) else '?'} epochs, {seeds} seed(s) per value"
    prefix = "SYNTHETIC data (not a real data set; checks the harness only). " if dataset == "synthetic" else ""
    best = table[table["vs best"] == "best"]
    if best.empty:
        return f"{prefix}{param} ({context}): no accuracy recorded."
    row = best.iloc[0]
    acc = f"{100 * row['% accuracy']:.1f} %"
    if not math.isnan(row["% accuracy low"]):
        acc += f" [{100 * row['% accuracy low']:.1f}, {100 * row['% accuracy high']:.1f}]"
    text = f"{prefix}{param} ({context}): best {row['value']} at {acc}. "
    ties = table[table["vs best"] == "indistinguishable"]["value"].tolist()
    worse = table[table["vs best"] == "worse"]["value"].tolist()
    if seeds < 2:
        text += "One seed per value: no interval, so no value can be told apart from the best."
    elif not worse:
        text += "The data cannot tell any value apart from the best: more seeds or epochs are needed to choose."
    elif not ties:
        text += "It is clearly better than every other value (no interval overlaps its own)."
    else:
        text += f"Indistinguishable from it: {', '.join(ties)}; clearly worse: {', '.join(worse)}."
    times = table.dropna(subset=["train_s"])
    if len(times) > 1:
        fast, slow = times.loc[times["train_s"].idxmin()], times.loc[times["train_s"].idxmax()]
        text += (
            f" Training time ranges from {fast['train_s']:.3g} s ({fast['value']})"
            f" to {slow['train_s']:.3g} s ({slow['value']})."
        )
    return text


# --- plots -------------------------------------------------------------------------------------


def param_svg(param: str, series: Sequence[tuple[str, pd.DataFrame]], salt: str = "") -> str:
    """Accuracy (mean with its interval) and training time against the swept value, one line per
    (machine, data set); log x for hidden units and learning rate. An ``<svg>`` string."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullLocator

    from reports.plots import COLORS, STYLE, to_svg

    with plt.rc_context(STYLE):
        fig, (acc_ax, time_ax) = plt.subplots(1, 2, figsize=(8.0, 3.0))
        numeric = param in LOG_X_PARAMS
        line = "-" if numeric else "none"  # categories have no order to draw a line through
        ticks: dict[float, str] = {}
        for i, (name, table) in enumerate(series):
            color = COLORS[i % len(COLORS)]
            x = [float(v) for v in table["value"]] if numeric else list(range(len(table)))
            ticks.update(zip(x, table["value"], strict=True))
            mean = 100 * table["% accuracy"].astype(float)
            low = (mean - 100 * table["% accuracy low"].astype(float)).fillna(0).clip(lower=0)
            high = (100 * table["% accuracy high"].astype(float) - mean).fillna(0).clip(lower=0)
            acc_ax.errorbar(x, mean, yerr=[low, high], marker="o", ms=4, lw=1.2, ls=line, capsize=3, color=color)
            time_ax.plot(x, table["train_s"].astype(float), marker="o", ms=4, lw=1.2, ls=line, color=color, label=name)
        for ax, ylabel in ((acc_ax, "validation accuracy (%)"), (time_ax, "training time (s)")):
            if numeric:
                ax.set_xscale("log")
                ax.xaxis.set_minor_locator(NullLocator())
            ax.set_xticks(list(ticks), list(ticks.values()))  # the swept values, as plain text
            if not numeric:
                ax.set_xlim(-0.5, len(ticks) - 0.5)
            ax.set_xlabel(param)
            ax.set_ylabel(ylabel)
            ax.set_ylim(bottom=0)
        acc_ax.set_title("accuracy (95% t-interval over seeds)")
        time_ax.set_title("time to train (mean over seeds)")
        time_ax.legend(frameon=False, fontsize=7, loc="lower right")
        fig.tight_layout()
        return to_svg(fig, salt or f"study-{param}")


# --- the section -------------------------------------------------------------------------------


@dataclass
class SweepView:
    """One sweep ready to render: a table with its caption."""

    slug: str
    title: str
    caption: str
    frame: pd.DataFrame


def sweep_views(records: pd.DataFrame) -> list[SweepView]:
    views = []
    for (param, machine, dataset, device), group in sweeps(records):
        table = param_table(group)
        slug = f"study-{param}-{machine}-{dataset}-{device}".replace(":", "").replace(" ", "-")
        views.append(SweepView(slug, f"{param}: {machine} {device}, {dataset}", caption(param, table, group), table))
    return views


def figures(records: pd.DataFrame) -> list[tuple[str, str]]:
    """(title, svg) per hyperparameter: a fixed number of figures, whatever the number of runs."""
    by_param: dict[str, list[tuple[str, pd.DataFrame]]] = {}
    for (param, machine, dataset, device), group in sweeps(records):
        by_param.setdefault(param, []).append((f"{machine} {device} {dataset}", param_table(group)))
    return [(f"Study: {param}", param_svg(param, series)) for param, series in by_param.items()]


def section_parts(results: pd.DataFrame, *, with_figures: bool = True) -> tuple[list[Any], list[tuple[str, str]]]:
    """What the report's study section holds: ``reports.tables.Table`` objects (one per sweep and
    machine, then the joint search's, reports/joint.py) and ``(title, svg)`` figures (one per
    hyperparameter, then one convergence plot per joint-searched machine and data set)."""
    from reports.tables import Table

    records = study_records(results)
    tables = [Table(v.slug, v.title, v.caption, v.frame) for v in sweep_views(records)]
    joint_tables, joint_figures = joint.section_parts(results, with_figures=with_figures)
    return tables + joint_tables, (figures(records) if with_figures else []) + joint_figures
