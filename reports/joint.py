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
The measuring side imports :func:`trials_to_target_summary` and :func:`best_one_at_a_time` so a
saved record and a report built from it agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from contract.schema import KIND_JOINT_BEST, KIND_JOINT_SEARCH, KIND_STUDY, study_value_label
from contract.search import TARGET_FRACTIONS, best_so_far, fraction_label, trials_to_target
from contract.stats import ACCURACY_BOUNDS, DIFFERENCE_NOTE, mean_difference_interval, mean_interval

#: The study's sweeps that vary what the joint search varies (activation and init stay at d2l's
#: baseline in the joint search, so their sweeps are not a fair comparison).
ONE_AT_A_TIME_PARAMS = ("hidden_units", "extra_layer", "lr")

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


def _accuracies(info: dict) -> list[float | None]:
    return [t.get("val_accuracy") for t in info.get("trials") or [] if isinstance(t, dict)]


# --- statistics --------------------------------------------------------------------------------


def trials_to_target_summary(
    searches: Sequence[dict], fractions: Sequence[float] = TARGET_FRACTIONS
) -> tuple[float, dict[str, dict[str, list[int | None]]]]:
    """(best accuracy any search found, {"95%": {strategy: [trials to 95 % of it, per search seed]}}).

    The target is relative to the best found because the attainable accuracy depends on the data
    set and budget; one shared target makes the strategies' counts comparable."""
    values = [a for s in searches for a in _accuracies(s) if a is not None and math.isfinite(a)]
    best = max(values) if values else math.nan
    ordered = sorted(searches, key=lambda s: (str(s.get("strategy")), s.get("search_seed") or 0))
    out: dict[str, dict[str, list[int | None]]] = {}
    for fraction in fractions:
        per_strategy: dict[str, list[int | None]] = {}
        for search in ordered:
            count = trials_to_target(_accuracies(search), fraction * best) if values else None
            per_strategy.setdefault(str(search.get("strategy")), []).append(count)
        out[fraction_label(fraction)] = per_strategy
    return best, out


def best_one_at_a_time(
    study: Iterable[dict], dataset: str, train_samples: Any = None, val_samples: Any = None
) -> tuple[dict | None, str]:
    """The study point with the highest mean accuracy among the sweeps of ONE_AT_A_TIME_PARAMS on
    ``dataset`` with the same training and validation sizes, and a note saying where it comes from
    (or why there is none)."""
    same_data = [i for i in study if i.get("kind", KIND_STUDY) == KIND_STUDY and i.get("dataset") == dataset]
    same_data = [i for i in same_data if i.get("param") in ONE_AT_A_TIME_PARAMS]
    if not same_data:
        return None, f"no one-at-a-time study record of lr, hidden units or extra layer on {dataset}"
    sized = [
        i for i in same_data
        if (train_samples is None or i.get("train_samples") == train_samples)
        and (val_samples is None or i.get("val_samples") == val_samples)
    ]  # fmt: skip
    if not sized:
        return None, (
            f"the study's records on {dataset} used other training/validation sizes than the joint search "
            f"({train_samples}/{val_samples}): not comparable"
        )
    scored = [(mean_interval(i.get("val_accuracy") or [], ACCURACY_BOUNDS), i) for i in sized]
    (mean, low, high), info = max(scored, key=lambda pair: -math.inf if math.isnan(pair[0][0]) else pair[0][0])
    point = f"{info.get('param')}-{study_value_label(info.get('value'))}"
    return (
        {
            "point": point,
            "setting": info.get("setting"),
            "epochs": info.get("epochs"),
            "val_accuracy": list(info.get("val_accuracy") or []),
            "accuracy_mean": mean,
            "accuracy_ci": [None if math.isnan(low) else low, None if math.isnan(high) else high],
        },
        f"best of {len(sized)} points of the {', '.join(ONE_AT_A_TIME_PARAMS)} sweeps ({point})",
    )


def joint_minus_one_at_a_time(joint: Sequence[float | None], one_at_a_time: Sequence[float | None]) -> dict:
    """The gain of the joint setting in accuracy (a fraction; x100 for percentage points)."""
    diff, low, high = mean_difference_interval(joint, one_at_a_time)
    return {
        "difference": None if math.isnan(diff) else diff,
        "low": None if math.isnan(low) else low,
        "high": None if math.isnan(high) else high,
        "interval": DIFFERENCE_NOTE,
    }


# --- tables and captions -----------------------------------------------------------------------


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def setting_text(setting: dict | None, epochs: Any = None) -> str:
    """A joint or a study setting in one line: ``lr 0.5, 34 epochs, 2 x 256 units``."""
    if not isinstance(setting, dict):
        return "n/a"
    if "layers" in setting:
        layers, units, epochs = setting.get("layers"), setting.get("units"), setting.get("epochs")
    else:  # a one-at-a-time study point: its epochs are the study's
        layers, units = 2 if setting.get("extra_layer") else 1, setting.get("hidden_units")
    return f"lr {_num(setting.get('lr')):.3g}, {epochs} epochs, {layers} x {units} units"


def _counts_text(counts: Sequence[int | None]) -> str:
    return ", ".join("never" if c is None else str(c) for c in counts)


def strategy_table(searches: Sequence[dict]) -> pd.DataFrame:
    """One row per strategy: budget, the best accuracy its searches found (worst, median, best
    search) and trials-to-target per search seed with the median over the seeds that got there."""
    _, targets = trials_to_target_summary(searches)
    rows = []
    for strategy in sorted({str(s.get("strategy")) for s in searches}):
        own = [s for s in searches if str(s.get("strategy")) == strategy]
        best = pd.Series([_num(s.get("best_accuracy")) for s in own], dtype=float)
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
                f"({100 * _num(found.get('val_accuracy')):.1f} % there)",
        "seeds": len(best.get("val_accuracy") or []),
        "% accuracy": _num(best.get("accuracy_mean")), "% accuracy low": _num(low), "% accuracy high": _num(high),
    }]  # fmt: skip
    if one_at_a_time:
        low, high = (list(one_at_a_time.get("accuracy_ci") or []) + [None, None])[:2]
        rows.append({
            "setting": f"best one-at-a-time: {setting_text(one_at_a_time.get('setting'), one_at_a_time.get('epochs'))}",
            "from": f"study point {one_at_a_time.get('point')}",
            "seeds": len(one_at_a_time.get("val_accuracy") or []),
            "% accuracy": _num(one_at_a_time.get("accuracy_mean")),
            "% accuracy low": _num(low), "% accuracy high": _num(high),
        })  # fmt: skip
    if gain and gain.get("difference") is not None:
        rows.append({
            "setting": "joint - one-at-a-time (percentage points)", "from": DIFFERENCE_NOTE, "seeds": math.nan,
            "% accuracy": _num(gain["difference"]),
            "% accuracy low": _num(gain.get("low")), "% accuracy high": _num(gain.get("high")),
        })  # fmt: skip
    return pd.DataFrame(rows)


def _ordinal(number: Any) -> str:
    """A saved 0-based trial number as the report counts trials (from 1, as trials-to-target does)."""
    return str(number + 1) if isinstance(number, int) else "?"


def _pct(value: Any) -> str:
    return "n/a" if math.isnan(_num(value)) else f"{100 * _num(value):.1f} %"


def _interval(low: Any, high: Any) -> str:
    if math.isnan(_num(low)) or math.isnan(_num(high)):
        return ""
    return f" [{100 * _num(low):.1f}, {100 * _num(high):.1f}]"


def answer(best: dict | None, searches: Sequence[dict], one_at_a_time: dict | None, gain: dict | None,
           note: str) -> str:  # fmt: skip
    """The joint question's answer in a few sentences (caption and terminal summary)."""
    parts = []
    dataset = (best or (searches[0] if searches else {})).get("dataset", "?")
    prefix = "SYNTHETIC data (not a real data set; checks the harness only). " if dataset == "synthetic" else ""
    if best:
        parts.append(
            f"{prefix}On {dataset}, the best joint setting ({setting_text(best.get('setting'))}) reaches "
            f"{_pct(best.get('accuracy_mean'))}{_interval(*(list(best.get('accuracy_ci') or []) + [None, None])[:2])}"
            f" over {len(best.get('val_accuracy') or [])} fresh seeds."
        )
    else:
        parts.append(f"{prefix}No re-measured best setting on {dataset} (test_joint_best did not run).")
    if one_at_a_time and gain and gain.get("difference") is not None:
        diff = gain["difference"]
        sure = (
            "the interval excludes 0"
            if gain.get("low") is not None and (gain["low"] > 0 or gain["high"] < 0)
            else "the data do not show a difference (the interval contains 0)"
        )
        parts.append(
            f"The best one-at-a-time point ({one_at_a_time['point']}) reaches "
            f"{_pct(one_at_a_time.get('accuracy_mean'))}: joint minus one-at-a-time = {100 * diff:+.1f} points"
            f"{_interval(gain.get('low'), gain.get('high'))}; {sure}."
        )
    else:
        parts.append(f"No comparison with the one-at-a-time study: {note}.")
    if searches:
        found, targets = trials_to_target_summary(searches)
        for label, per_strategy in targets.items():
            counts = [
                f"{strategy} {_median_text(c)} ({sum(x is not None for x in c)}/{len(c)} searches)"
                for strategy, c in sorted(per_strategy.items())
            ]
            parts.append(f"Trials to {label} of the best found ({100 * found:.1f} %): {'; '.join(counts)}.")
    return " ".join(parts)


def _median_text(counts: Sequence[int | None]) -> str:
    reached = [c for c in counts if c is not None]
    return f"median {pd.Series(reached).median():g}" if reached else "never"


# --- the convergence plot ------------------------------------------------------------------------


def convergence_frame(searches: Sequence[dict]) -> pd.DataFrame:
    """One row per (strategy, search seed, trial): the trial's accuracy and the best so far."""
    rows = []
    for s in searches:
        accuracies = _accuracies(s)
        for i, (acc, best) in enumerate(zip(accuracies, best_so_far(accuracies), strict=True)):
            rows.append({"strategy": str(s.get("strategy")), "search_seed": s.get("search_seed"), "trial": i + 1,
                         "val_accuracy": _num(acc), "best_so_far": best})  # fmt: skip
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
