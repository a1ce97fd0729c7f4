"""Building, verifying and sizing the training runs a benchmark times (the glue between the
pure pieces and ``bench_training.py``)."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Callable
from dataclasses import replace

import pytest

from bench.devices import tf32_mode
from bench.timing import TimingPolicy
from bench.training.batches import make_batches
from bench.training.cases import Config
from bench.training.data import Dataset
from bench.training.equivalence import Equivalence, EquivalenceError, check_equivalence
from bench.training.options import TrainingOptions
from bench.training.step import COMPILED, FRAMEWORK, SCRATCH, Trainer, build_trainer

FULL_EPOCHS = 2  # --bench-full times at least this many epochs, so one whole epoch lies between two boundaries

_verified: dict[tuple, Equivalence] = {}


def new_trainer(
    config: Config, impl: str, dataset: Dataset, options: TrainingOptions, clock: Callable[[], float] | None = None
) -> Trainer:
    """A fresh model of ``impl`` at its first batch; same arguments, same weights and batches."""
    batches = make_batches(config.input_mode, dataset, config.device, options.batch_size, options.num_workers, clock)
    return build_trainer(impl, config.widths, config.device, options.lr, batches)


def verify(config: Config, impl: str, dataset: Dataset, options: TrainingOptions) -> Equivalence:
    """Check ``impl`` against the scratch model once per session and configuration.

    A failed ``torch.compile`` (no C++ compiler, unsupported Python) skips with the reason; a
    mismatch is an error. Framework and scratch share one check: it compares exactly those two.
    """
    reference, candidate = SCRATCH, (FRAMEWORK if impl == SCRATCH else impl)
    key = (config, candidate, dataset.name, dataset.source, options.batch_size, options.lr)
    if key in _verified:
        return _verified[key]
    with tf32_mode(False):  # true float32 math: the equivalence tolerance and the recorded dtype assume it
        ref = new_trainer(config, reference, dataset, options)
        cand = new_trainer(config, candidate, dataset, options)
        try:
            result = check_equivalence(ref, cand)
        except EquivalenceError:
            raise
        except Exception as exc:
            if candidate != COMPILED:
                raise
            pytest.skip(f"torch.compile does not work here: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
    _verified[key] = result
    return result


def full_epoch_policy(policy: TimingPolicy, step_estimate_s: float, steps_per_epoch: int) -> TimingPolicy:
    """``policy`` with a timing budget of at least ``FULL_EPOCHS`` whole epochs (``--bench-full``)."""
    return replace(policy, max_time_s=max(policy.max_time_s, FULL_EPOCHS * steps_per_epoch * step_estimate_s))


def interleaved_rounds(step_estimates_s: list[float], policy: TimingPolicy, max_rounds: int, full: bool) -> int:
    """Rounds for the interleaved comparison: ``max_rounds``, unless a sweep (every workload's
    round, each at least ``min_round_s``) is so slow that they would overrun twice the timing
    budget of one benchmark (two workloads); never fewer than ``min_rounds``. ``--bench-full``
    runs them all."""
    if full:
        return max_rounds
    sweep_s = sum(max(s, policy.min_round_s) for s in step_estimates_s)
    fitting = math.floor(2 * policy.max_time_s / sweep_s) if sweep_s > 0 else max_rounds
    return max(min(policy.min_rounds, max_rounds), min(max_rounds, fitting))


def epoch_seconds(marks: list[float]) -> list[float]:
    """Durations of the whole epochs between consecutive epoch-boundary clock readings."""
    return [b - a for a, b in itertools.pairwise(marks)]


def epoch_time(marks: list[float], step_s: float | None, steps_per_epoch: int) -> tuple[float | None, str]:
    """The measured median epoch when whole epochs ran, else ``step_s * steps_per_epoch``."""
    epochs = epoch_seconds(marks)
    if epochs:
        return statistics.median(epochs), f"measured ({len(epochs)} whole epochs)"
    return (step_s * steps_per_epoch if step_s else None), "step_s x steps_per_epoch"
