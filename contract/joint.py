"""The joint search's answers as numbers and words: pure functions over saved records (plain dicts).

Both halves use them: the joint study writes trials-to-target, the best one-at-a-time point and the
gain into its saved record (bench/study/joint_record.py) and prints the answer at the end of a
session; the report (reports/joint.py) recomputes them from the saved trials, so the two agree.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from contract.schema import KIND_STUDY, study_value_label
from contract.search import TARGET_FRACTIONS, fraction_label, trials_to_target
from contract.stats import ACCURACY_BOUNDS, DIFFERENCE_NOTE, mean_difference_interval, mean_interval

#: The study's sweeps that vary what the joint search varies (activation and init stay at d2l's
#: baseline in the joint search, so their sweeps are not a fair comparison).
ONE_AT_A_TIME_PARAMS = ("hidden_units", "extra_layer", "lr")


def trial_accuracies(info: dict) -> list[float | None]:
    return [t.get("val_accuracy") for t in info.get("trials") or [] if isinstance(t, dict)]


def trials_to_target_summary(
    searches: Sequence[dict], fractions: Sequence[float] = TARGET_FRACTIONS
) -> tuple[float, dict[str, dict[str, list[int | None]]]]:
    """(best accuracy any search found, {"95%": {strategy: [trials to 95 % of it, per search seed]}}).

    The target is relative to the best found because the attainable accuracy depends on the data
    set and budget; one shared target makes the strategies' counts comparable."""
    values = [a for s in searches for a in trial_accuracies(s) if a is not None and math.isfinite(a)]
    best = max(values) if values else math.nan
    ordered = sorted(searches, key=lambda s: (str(s.get("strategy")), s.get("search_seed") or 0))
    out: dict[str, dict[str, list[int | None]]] = {}
    for fraction in fractions:
        per_strategy: dict[str, list[int | None]] = {}
        for search in ordered:
            count = trials_to_target(trial_accuracies(search), fraction * best) if values else None
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


def as_float(value: Any) -> float:
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
    return f"lr {as_float(setting.get('lr')):.3g}, {epochs} epochs, {layers} x {units} units"


def _pct(value: Any) -> str:
    return "n/a" if math.isnan(as_float(value)) else f"{100 * as_float(value):.1f} %"


def _interval(low: Any, high: Any) -> str:
    if math.isnan(as_float(low)) or math.isnan(as_float(high)):
        return ""
    return f" [{100 * as_float(low):.1f}, {100 * as_float(high):.1f}]"


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
    return f"median {statistics.median(reached):g}" if reached else "never"
