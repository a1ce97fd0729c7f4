"""The joint search's ``extra_info`` (contract.schema.JOINT_SEARCH_FIELDS / JOINT_BEST_FIELDS).

The statistics come from contract (intervals) and reports.joint (trials-to-target, the best
one-at-a-time point), the functions the report uses, so a saved record and its report agree.
"""

from __future__ import annotations

import math
from typing import Any

from bench.study.data import NOTES
from bench.study.joint_search import SearchResult
from bench.study.joint_space import JointProfile, JointSetting, JointSpace
from bench.study.model import INIT_LABELS
from bench.study.train import Budget, SeedResult
from bench.training.data import Dataset
from contract.joint import best_one_at_a_time, joint_minus_one_at_a_time, trials_to_target_summary
from contract.stats import ACCURACY_BOUNDS, INTERVAL_NOTE, mean_interval

FIXED = ("activation", "init", "batch_size")  # what the joint search does not vary


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def data_fields(profile: JointProfile, dataset: Dataset, budget: Budget) -> dict[str, Any]:
    return {
        "profile": profile.name,
        "dataset": dataset.name,
        "dataset_source": dataset.source,
        "dataset_note": NOTES.get(dataset.name, dataset.name),
        "input_shape": list(dataset.train_x.shape[1:]),
        "train_samples": min(budget.train_samples or len(dataset.train_y), len(dataset.train_y)),
        "val_samples": min(budget.eval_samples or len(dataset.val_y), len(dataset.val_y)),
    }


def search_fields(
    strategy: str,
    search_seed: int,
    optuna_version: str,
    profile: JointProfile,
    space: JointSpace,
    dataset: Dataset,
    budget: Budget,
    result: SearchResult,
) -> dict[str, Any]:
    first = result.trials[0]["setting"]  # what the search never varies is the same in every trial
    return {
        "strategy": strategy,
        "sampler": result.sampler,
        "optuna": optuna_version,
        "search_seed": search_seed,
        "budget": profile.trials,
        "space": space.as_record(),
        "fixed": {key: INIT_LABELS[first[key]] if key == "init" else first[key] for key in FIXED},
        **data_fields(profile, dataset, budget),
        **result.summary(),
    }


def best_fields(
    setting: JointSetting,
    found_by: dict[str, Any],
    profile: JointProfile,
    dataset: Dataset,
    budget: Budget,
    results: list[SeedResult],
    model: dict[str, Any],
    problems: list[str],
    searches: list[dict[str, Any]],
    study: list[dict[str, Any]],
) -> dict[str, Any]:
    """The re-measured best setting, trials-to-target over this session's ``searches`` and the
    comparison with the best one-at-a-time point among this session's ``study`` records."""
    accuracy = [r.val_accuracy for r in results]
    mean, low, high = mean_interval(accuracy, ACCURACY_BOUNDS)
    data = data_fields(profile, dataset, budget)
    best_found, targets = trials_to_target_summary(searches)
    one, note = best_one_at_a_time(study, dataset.name, data["train_samples"], data["val_samples"])
    if one is None and not study:
        note = "the study did not run in this session (the report compares with any saved run's study)"
    strategies: dict[str, list[int]] = {}
    for search in sorted(searches, key=lambda s: (s["strategy"], s["search_seed"])):
        strategies.setdefault(search["strategy"], []).append(search["search_seed"])
    return {
        **data,
        "setting": setting.as_record(),
        "found_by": found_by,
        "seeds": [r.seed for r in results],
        "val_accuracy": accuracy,
        "final_loss": [_finite(r.final_loss) for r in results],
        "train_s": [r.train_s for r in results],
        "epoch_accuracy": [list(r.epoch_accuracy) for r in results],
        "accuracy_mean": mean,
        "accuracy_ci": [None if math.isnan(low) else low, None if math.isnan(high) else high],
        "interval": INTERVAL_NOTE,
        "model": model | {"init": INIT_LABELS[setting.init]},
        "applied": not problems,
        "applied_problems": problems,
        "best_found": best_found,
        "trials_to_target": targets,
        "searches": strategies,
        "one_at_a_time": one,
        "joint_minus_one_at_a_time": joint_minus_one_at_a_time(accuracy, one["val_accuracy"]) if one else None,
        "one_at_a_time_note": note,
    }
