"""The hyperparameter study's section: the results frame -> tables, captions and plots (pure, no I/O).

The arithmetic (a row per (point, seed), the table of one sweep, the verdict against the best)
lives in contract.study, which the study session's terminal summary shares; this module adds what
only a report needs: captions, figures and the section's tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from contract.schema import KIND_JOINT_BEST, KIND_JOINT_SEARCH, KIND_STUDY
from contract.stats import INTERVAL_NOTE
from contract.study import (  # noqa: F401 - re-exported: the report's study arithmetic lives in contract
    PARAM_ORDER,
    RECORD_COLUMNS,
    info_rows,
    newest_only,
    param_table,
    sweep_summary,
    sweeps,
)
from reports import joint

LOG_X_PARAMS = ("hidden_units", "lr")


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


# --- records ---------------------------------------------------------------------------------


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


# --- tables and captions -----------------------------------------------------------------------


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


def sweep_tables(records: pd.DataFrame) -> list[Any]:
    """One ``reports.tables.Table`` per sweep and machine, captioned with its verdict."""
    from reports.tables import Table

    out = []
    for (param, machine, dataset, device), group in sweeps(records):
        table = param_table(group)
        slug = f"study-{param}-{machine}-{dataset}-{device}".replace(":", "").replace(" ", "-")
        out.append(Table(slug, f"{param}: {machine} {device}, {dataset}", caption(param, table, group), table))
    return out


def figures(records: pd.DataFrame) -> list[tuple[str, str]]:
    """(title, svg) per hyperparameter: a fixed number of figures, whatever the number of runs."""
    by_param: dict[str, list[tuple[str, pd.DataFrame]]] = {}
    for (param, machine, dataset, device), group in sweeps(records):
        by_param.setdefault(param, []).append((f"{machine} {device} {dataset}", param_table(group)))
    return [(f"Study: {param}", param_svg(param, series)) for param, series in by_param.items()]


#: The kinds the study section reads (a results frame cut to them draws the same figures).
KINDS = (KIND_STUDY, KIND_JOINT_SEARCH, KIND_JOINT_BEST)


def section_figures(results: pd.DataFrame) -> list[tuple[str, str]]:
    """The study section's figures alone (drawn apart from its tables, reports.drawing)."""
    return section_parts(results, with_figures=True)[1]


def section_parts(results: pd.DataFrame, *, with_figures: bool = True) -> tuple[list[Any], list[tuple[str, str]]]:
    """What the report's study section holds: ``reports.tables.Table`` objects (one per sweep and
    machine, then the joint search's, reports/joint.py) and ``(title, svg)`` figures (one per
    hyperparameter, then one convergence plot per joint-searched machine and data set)."""
    records = study_records(results)
    joint_tables, joint_figures = joint.section_parts(results, with_figures=with_figures)
    return sweep_tables(records) + joint_tables, (figures(records) if with_figures else []) + joint_figures
