"""A study point's ``extra_info`` (``contract.schema.STUDY_FIELDS``): plain data from results."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from bench.study.data import NOTES
from bench.study.model import INIT_LABELS
from bench.study.space import Point, Profile
from bench.study.train import Budget, SeedResult
from bench.training.data import Dataset
from contract.stats import ACCURACY_BOUNDS, INTERVAL_NOTE, mean_interval


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def study_fields(
    point: Point,
    profile: Profile,
    dataset: Dataset,
    budget: Budget,
    results: list[SeedResult],
    model: dict[str, Any],
    problems: list[str],
) -> dict[str, Any]:
    """The point's settings, per-seed results, accuracy summary and the model actually trained.

    The interval comes from ``contract.stats.mean_interval`` so the file and the report agree.
    """
    accuracy = [r.val_accuracy for r in results]
    mean, low, high = mean_interval(accuracy, ACCURACY_BOUNDS)
    return {
        "param": point.param,
        "value": point.value,
        "setting": asdict(point.setting),
        "profile": profile.name,
        "dataset": dataset.name,
        "dataset_source": dataset.source,
        "dataset_note": NOTES.get(dataset.name, dataset.name),
        "input_shape": list(dataset.train_x.shape[1:]),
        "epochs": budget.epochs,
        "batch_size": point.setting.batch_size,
        "lr": point.setting.lr,
        "train_samples": min(budget.train_samples or len(dataset.train_y), len(dataset.train_y)),
        "val_samples": min(budget.eval_samples or len(dataset.val_y), len(dataset.val_y)),
        "target_accuracy": budget.target_accuracy,
        "seeds": [r.seed for r in results],
        "val_accuracy": accuracy,
        "final_loss": [_finite(r.final_loss) for r in results],
        "train_s": [r.train_s for r in results],
        "time_to_target_s": [r.time_to_target_s for r in results],
        "epoch_accuracy": [list(r.epoch_accuracy) for r in results],
        "accuracy_mean": mean,
        "accuracy_ci": [_finite(low), _finite(high)],
        "interval": INTERVAL_NOTE,
        "train_s_mean": sum(r.train_s for r in results) / len(results),
        "model": model | {"init": INIT_LABELS[point.setting.init]},
        "applied": not problems,
        "applied_problems": problems,
    }
