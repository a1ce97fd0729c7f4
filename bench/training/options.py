"""The training suite's options, read from the pytest config once and validated with clear errors."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from bench.options import parse_list
from bench.plugin import bench_options, once_per_session

INPUT_MODES = ("device-tensors", "dataloader")
SEED_WIDTHS = (256, 128, 64, 32, 16)  # the exercise's hidden widths; depth d takes the first d
DEPTHS = (1, 2, 3, 4, 5)
WIDE_DEPTHS = (1, 3, 5)  # default run: a few depths of the compute-bound profile; all with --bench-full
WIDE_WIDTH = 1024
WIDE_WIDTH_FULL = 4096
VAL_SAMPLES = 2000
FULL_EPOCHS = 2  # --bench-full times this many whole epochs per benchmark (--bench-full-epochs)


@dataclass(frozen=True)
class TrainingOptions:
    """What the training benchmarks run; ``full`` means whole epochs and full evaluation."""

    batch_size: int = 256
    lr: float = 0.1
    wide_width: int = WIDE_WIDTH
    wide_depths: tuple[int, ...] = WIDE_DEPTHS
    input_modes: tuple[str, ...] = INPUT_MODES
    num_workers: int = 0
    val_samples: int | None = VAL_SAMPLES  # None: the whole split
    rounds: int = 25
    compile: bool = False
    full: bool = False
    full_epochs: int = FULL_EPOCHS
    data_root: str | None = None


def parse_training_options(config: pytest.Config) -> TrainingOptions:
    """Validate the ``--bench-train-*`` options (a bad value is a usage error, not a failed test)."""
    return once_per_session(config, "training", lambda: _parse(config))


def _parse(config: pytest.Config) -> TrainingOptions:
    get = config.getoption
    common = bench_options(config)
    default_width = WIDE_WIDTH_FULL if common.full else WIDE_WIDTH
    return TrainingOptions(
        batch_size=_positive(get("bench_train_batch_size"), "--bench-train-batch-size"),
        lr=_positive(get("bench_train_lr"), "--bench-train-lr"),
        wide_width=_positive(_given_or(get("bench_train_wide_width"), default_width), "--bench-train-wide-width"),
        wide_depths=DEPTHS if common.full else WIDE_DEPTHS,
        input_modes=parse_input_modes(get("bench_train_input_modes")),
        num_workers=_non_negative(get("bench_train_workers"), "--bench-train-workers"),
        val_samples=_val_samples(get("bench_train_val_samples"), common.full),
        rounds=_at_least(get("bench_train_rounds"), 2, "--bench-train-rounds"),
        compile=get("bench_compile"),
        full=common.full,
        full_epochs=_positive(get("bench_full_epochs"), "--bench-full-epochs"),
        data_root=common.data_root,
    )


def parse_input_modes(text: str) -> tuple[str, ...]:
    return parse_list(text, INPUT_MODES, "input mode")


def _val_samples(value: int | None, full: bool) -> int | None:
    if value is None:
        return None if full else VAL_SAMPLES
    return None if value == 0 else _positive(value, "--bench-train-val-samples (0 means all)")


def _given_or(value, default):
    """The option's value when given (0 included: it is an error, not "the default")."""
    return default if value is None else value


def _positive(value, name: str):
    if value is None or not 0 < value < math.inf:  # NaN fails both comparisons
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return value


def _non_negative(value: int, name: str) -> int:
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _at_least(value: int, low: int, name: str) -> int:
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return value
