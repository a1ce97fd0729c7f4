"""The joint search's part of the study section: joint records -> tables, captions, a convergence plot.

The exercise's joint question: optimise learning rate, epochs, hidden layers and units per layer
together; what is the best result, why is it harder, what is an efficient strategy? A saved run
answers it with
- the best setting any search found, re-measured over fresh training seeds (a lucky seed is not a
  result), against the best one-at-a-time study point on the same data (a Welch interval of the
  difference): the gain is what interactions between hyperparameters are worth;
- each strategy's trials-to-target (TPE against random search, same space, same budget) and its
  best-so-far curve over the trials, with the spread over search seeds.

Pure functions over plain dicts and DataFrames, no I/O; no bench, torch or optuna (the one-way rule).
The arithmetic and the answer's words live in contract/joint.py: the measuring side uses the same
functions, so a saved record and a report built from it agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from contract.joint import (
    answer,
    as_float,
    best_one_at_a_time,
    joint_minus_one_at_a_time,
    setting_text,
    trial_accuracies,
    trials_to_target_summary,
)
from contract.schema import KIND_JOINT_BEST, KIND_JOINT_SEARCH, KIND_STUDY
from contract.search import TARGET_FRACTIONS, best_so_far, fraction_label
from contract.stats import DIFFERENCE_NOTE

CAPTION = (
    "The exercise's joint question: learning rate (log scale), epochs, hidden layers (1-3) and units per "
    "layer (log scale) searched together, activation and init at d2l's baseline (ReLU, normal(0, 0.01)). "
    "Two strategies with the same budget of trainings sample the same space: optuna's TPE (its first trials "
    "random) and random search, each with several search seeds. Every trial records the model actually "
    "built. The best setting found is trained again with fresh seeds; it is compared with the best point of "
    "the one-at-a-time sweeps of the same hyperparameters (lr, hidden units, extra layer) on the same data."
)


# --- records ---------------------------------------------------------------------------------


def joint_infos(results: pd.DataFrame) -> tuple[list[dict], list[dict], list[dict]]:
    """(searches, bests, study points) from the report's results frame, each ``extra_info`` tagged
    with ``machine_id`` and ``datetime``; only each (machine, data set)'s newest run of the joint
    kinds, and each study point's newest record."""
    tagged: dict[str, list[dict]] = {KIND_JOINT_SEARCH: [], KIND_JOINT_BEST: [], KIND_STUDY: []}
    if not results.empty and {"kind", "extra"} <= set(results.columns):
        for _, row in results[results["kind"].isin(list(tagged))].iterrows():
            extra = row["extra"] if isinstance(row["extra"], dict) else {}
            when = pd.to_datetime(row.get("datetime"), errors="coerce", utc=True)
            tagged[row["kind"]].append(extra | {"machine_id": str(row.get("machine_id", "unknown")), "datetime": when})
    searches = newest(tagged[KIND_JOINT_SEARCH], ("machine_id", "dataset"))
    bests = newest(tagged[KIND_JOINT_BEST], ("machine_id", "dataset"))
    study = newest(tagged[KIND_STUDY], ("machine_id", "dataset", "param", "value"))
    return searches, bests, study


def newest(infos: Iterable[dict], keys: Sequence[str]) -> list[dict]:
    """The infos of the newest run (``datetime``) within each group of ``keys``."""
    infos = list(infos)
    latest: dict[tuple, Any] = {}
    for info in infos:
        key = tuple(str(info.get(k)) for k in keys)
        when = info.get("datetime")
        if key not in latest or (not pd.isna(when) and (pd.isna(latest[key]) or when > latest[key])):
            latest[key] = when
    return [i for i in infos if _same_time(i.get("datetime"), latest[tuple(str(i.get(k)) for k in keys)])]


def _same_time(a: Any, b: Any) -> bool:
    return (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and a == b)


# --- statistics --------------------------------------------------------------------------------


# --- tables and captions -----------------------------------------------------------------------


def _counts_text(counts: Sequence[int | None]) -> str:
    return ", ".join("never" if c is None else str(c) for c in counts)


def strategy_table(searches: Sequence[dict]) -> pd.DataFrame:
    """One row per strategy: budget, the best accuracy its searches found (worst, median, best
    search) and trials-to-target per search seed with the median over the seeds that got there."""
    _, targets = trials_to_target_summary(searches)
    rows = []
    for strategy in sorted({str(s.get("strategy")) for s in searches}):
        own = [s for s in searches if str(s.get("strategy")) == strategy]
        best = pd.Series([as_float(s.get("best_accuracy")) for s in own], dtype=float)
        row: dict[str, Any] = {
            "strategy": strategy,
            "searches": len(own),
            "trials each": "/".join(sorted({str(len(s.get("trials") or [])) for s in own})),
            "% best found: worst search": best.min(),
            "% best found: median": best.median(),
            "% best found: best search": best.max(),
        }
        for label, per_strategy in targets.items():
            counts = per_strategy.get(strategy, [])
            reached = [c for c in counts if c is not None]
            row[f"to {label}: median trials"] = float(pd.Series(reached).median()) if reached else math.nan
            row[f"to {label}: per search"] = f"{_counts_text(counts)} ({len(reached)}/{len(counts)})"
        rows.append(row)
    return pd.DataFrame(rows)


def best_table(best: dict, one_at_a_time: dict | None, gain: dict | None) -> pd.DataFrame:
    """The best joint setting re-measured, the best one-at-a-time point, and the difference."""
    found = best.get("found_by") or {}
    low, high = (list(best.get("accuracy_ci") or []) + [None, None])[:2]
    rows = [{
        "setting": f"best joint: {setting_text(best.get('setting'))}",
        "from": f"{found.get('strategy')} search seed {found.get('search_seed')}, trial {_ordinal(found.get('trial'))} "
                f"({100 * as_float(found.get('val_accuracy')):.1f} % there)",
        "seeds": len(best.get("val_accuracy") or []),
        "% accuracy": as_float(best.get("accuracy_mean")),
        "% accuracy low": as_float(low), "% accuracy high": as_float(high),
    }]  # fmt: skip
    if one_at_a_time:
        low, high = (list(one_at_a_time.get("accuracy_ci") or []) + [None, None])[:2]
        rows.append({
            "setting": f"best one-at-a-time: {setting_text(one_at_a_time.get('setting'), one_at_a_time.get('epochs'))}",
            "from": f"study point {one_at_a_time.get('point')}",
            "seeds": len(one_at_a_time.get("val_accuracy") or []),
            "% accuracy": as_float(one_at_a_time.get("accuracy_mean")),
            "% accuracy low": as_float(low), "% accuracy high": as_float(high),
        })  # fmt: skip
    if gain and gain.get("difference") is not None:
        rows.append({
            "setting": "joint - one-at-a-time (percentage points)", "from": DIFFERENCE_NOTE, "seeds": math.nan,
            "% accuracy": as_float(gain["difference"]),
            "% accuracy low": as_float(gain.get("low")), "% accuracy high": as_float(gain.get("high")),
        })  # fmt: skip
    return pd.DataFrame(rows)


def _ordinal(number: Any) -> str:
    """A saved 0-based trial number as the report counts trials (from 1, as trials-to-target does)."""
    return str(number + 1) if isinstance(number, int) else "?"


# --- the convergence plot ------------------------------------------------------------------------


def convergence_frame(searches: Sequence[dict]) -> pd.DataFrame:
    """One row per (strategy, search seed, trial): the trial's accuracy and the best so far."""
    rows = []
    for s in searches:
        accuracies = trial_accuracies(s)
        for i, (acc, best) in enumerate(zip(accuracies, best_so_far(accuracies), strict=True)):
            rows.append({"strategy": str(s.get("strategy")), "search_seed": s.get("search_seed"), "trial": i + 1,
                         "val_accuracy": as_float(acc), "best_so_far": best})  # fmt: skip
    return pd.DataFrame(rows, columns=["strategy", "search_seed", "trial", "val_accuracy", "best_so_far"])


def convergence_svg(searches: Sequence[dict], salt: str) -> str:
    """Best-so-far against trials: per strategy the median over search seeds, a band from the
    worst to the best seed, and the targets as dashed lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from reports.plots import COLORS, STYLE, to_svg

    frame = convergence_frame(searches)
    found, _ = trials_to_target_summary(searches)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.0, 3.2))
        for i, (strategy, group) in enumerate(frame.groupby("strategy", sort=True)):
            color = COLORS[i % len(COLORS)]
            curve = group.groupby("trial")["best_so_far"].agg(["median", "min", "max"])
            seeds = group["search_seed"].nunique()
            ax.plot(curve.index, 100 * curve["median"], color=color, lw=1.6, marker="o", ms=3,
                    label=f"{strategy}: median of {seeds} search seeds")  # fmt: skip
            ax.fill_between(curve.index, 100 * curve["min"], 100 * curve["max"], color=color, alpha=0.15, lw=0)
        if not math.isnan(found):
            for fraction in TARGET_FRACTIONS:
                ax.axhline(100 * fraction * found, color="#555", lw=0.8, ls="--")
                ax.annotate(f"{fraction_label(fraction)} of best found", (1, 100 * fraction * found),
                            fontsize=7, color="#555", va="bottom")  # fmt: skip
        ax.set_xlabel("trials (trainings)")
        ax.set_ylabel("best validation accuracy so far (%)")
        ax.set_title("best so far against trials (band: worst to best search seed)")
        ax.legend(frameon=False, fontsize=7, loc="lower right")
        fig.tight_layout()
        return to_svg(fig, salt)


# --- the section's parts -------------------------------------------------------------------------


def section_parts(results: pd.DataFrame, *, with_figures: bool = True) -> tuple[list[Any], list[tuple[str, str]]]:
    """``reports.tables.Table`` objects and ``(title, svg)`` figures, per (machine, data set) searched."""
    from reports.tables import Table

    searches, bests, study = joint_infos(results)
    groups = sorted({(s["machine_id"], str(s.get("dataset"))) for s in searches + bests})
    tables: list[Any] = []
    figures: list[tuple[str, str]] = []
    for machine, dataset in groups:
        own = [s for s in searches if (s["machine_id"], str(s.get("dataset"))) == (machine, dataset)]
        best = next((b for b in bests if (b["machine_id"], str(b.get("dataset"))) == (machine, dataset)), None)
        one, note, gain = _comparison(best, own, study, machine, dataset)
        slug = f"joint-{machine}-{dataset}".replace(":", "").replace(" ", "-")
        text = answer(best, own, one, gain, note)
        if best:
            tables.append(Table(f"{slug}-best", f"Joint search, best setting: {machine}, {dataset}", text,
                                best_table(best, one, gain)))  # fmt: skip
        if own:
            tables.append(Table(f"{slug}-strategies", f"Joint search, TPE vs random: {machine}, {dataset}",
                                "" if best else text, strategy_table(own)))  # fmt: skip
            if with_figures:
                figures.append((f"Joint search: best so far against trials ({machine}, {dataset})",
                                convergence_svg(own, slug)))  # fmt: skip
    return tables, figures


def _comparison(
    best: dict | None, searches: Sequence[dict], study: Sequence[dict], machine: str, dataset: str
) -> tuple[dict | None, str, dict | None]:
    """The best one-at-a-time point for a joint result: the same machine's study first, else any
    machine's on the same data (accuracy does not depend on the machine, only on data and budget)."""
    sizes = best or (searches[0] if searches else {})
    train, val = sizes.get("train_samples"), sizes.get("val_samples")
    same_machine = [i for i in study if i.get("machine_id") == machine]
    one, note = best_one_at_a_time(same_machine, dataset, train, val)
    if one is None:
        one, other_note = best_one_at_a_time(study, dataset, train, val)
        note = f"{other_note}, from another machine's run" if one else note
    if one is None or not best:
        return one, note, None
    return one, note, joint_minus_one_at_a_time(best.get("val_accuracy") or [], one["val_accuracy"])
