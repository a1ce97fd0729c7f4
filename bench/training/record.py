"""Fields of the training records (contract.records.Training, TrainingInterleaved): pure functions of
what was measured, passed as keyword arguments to the record classes."""

from __future__ import annotations

import statistics
from typing import Any

from bench.training.cases import Config
from bench.training.flops import flops_per_step, param_count
from bench.training.options import TrainingOptions
from contract.arithmetic import rate
from contract.stats import paired_ratio

INIT = "he"  # models.init_params with sigma=None


def config_record(config: Config, dataset: str, options: TrainingOptions) -> dict[str, Any]:
    """What was trained: the same for every implementation of one configuration."""
    return {
        "depth": config.depth,
        "widths": list(config.widths),
        "profile": config.profile,
        "input_mode": config.input_mode,
        "dataset": dataset,
        "batch_size": options.batch_size,
        "lr": options.lr,
        "params": param_count(config.widths),
        "flops_per_step": flops_per_step(config.widths, options.batch_size),
        "num_workers": options.num_workers if config.input_mode == "dataloader" else 0,
        "init": INIT,
    }


def rates(config: Config, options: TrainingOptions, step_s: float | None) -> dict[str, float | None]:
    if not step_s:
        return {"samples_per_s": None, "gflops": None}
    return {
        "samples_per_s": options.batch_size / step_s,
        "gflops": rate(flops_per_step(config.widths, options.batch_size), step_s),
    }


def interleaved_record(data: dict[str, list[float]], iterations: dict[str, int]) -> dict[str, Any]:
    """Per-impl round data and the paired scratch/framework ratio with its bootstrap interval."""
    ratio = paired_ratio(data["scratch"], data["framework"])
    return {
        "impls": list(data),
        "iterations": dict(iterations),
        "data": {impl: list(values) for impl, values in data.items()},
        "step_s": {impl: statistics.median(values) for impl, values in data.items()},
        "ratio": ratio.value,
        "ratio_ci": ratio.as_list(),
    }
