"""Building, verifying and sizing the training runs a benchmark times (the glue between the
pure pieces and ``bench_training.py``)."""

from __future__ import annotations

import math
import statistics
from typing import Any

import pytest

from bench.devices import tf32_mode
from bench.pytest_benchmark_adapter import use_clock
from bench.record import timing_dict
from bench.timing import Clock, TimingPolicy, make_clock, recorded_readings, time_batch, timing_record, warm_up
from bench.training.batches import make_batches
from bench.training.cases import Config
from bench.training.data import Dataset
from bench.training.equivalence import Equivalence, EquivalenceError, check_equivalence
from bench.training.options import TrainingOptions
from bench.training.step import COMPILED, FRAMEWORK, SCRATCH, Trainer, build_trainer

_verified: dict[tuple, Equivalence] = {}


def new_trainer(config: Config, impl: str, dataset: Dataset, options: TrainingOptions) -> Trainer:
    """A fresh model of ``impl`` at its first batch; same arguments, same weights and batches."""
    batches = make_batches(config.input_mode, dataset, config.device, options.batch_size, options.num_workers)
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


def steps_to_epoch_end(steps_taken: int, steps_per_epoch: int) -> int:
    """Steps left before the next epoch starts (0 at a boundary): timed epochs start whole."""
    return -steps_taken % steps_per_epoch


def measure_epochs(benchmark: Any, trainer: Trainer, device: str, policy: TimingPolicy, epochs: int) -> dict[str, Any]:
    """``--bench-full``: time exactly ``epochs`` whole epochs, one round each (a counted amount
    of work, never a time budget, so the same epochs run on a fast or a busy machine).

    pytest-benchmark divides a round by its iterations, so each round's value is that epoch's
    mean step time and ``stats.median`` stays seconds per step like the other benchmarks.
    """
    steps_per_epoch = trainer.batches.steps_per_epoch
    if not benchmark.enabled:  # smoke pass: one step, untimed
        benchmark.pedantic(trainer.step, rounds=1, iterations=1)
        return timing_dict(clock="disabled", epochs=0)
    clock = make_clock(device)
    warm = warm_up(trainer.step, clock, policy)
    for _ in range(steps_to_epoch_end(trainer.batches.steps, steps_per_epoch)):
        trainer.step()
    use_clock(benchmark, clock)
    with recorded_readings(benchmark, device):
        benchmark.pedantic(trainer.step, rounds=epochs, iterations=steps_per_epoch, warmup_rounds=0)
    return timing_record(clock, warm, steps_per_epoch, epochs, policy, epochs=epochs)


def warm_step_estimate(step: Any, clock: Clock, warm_calls: int = 3, timed_calls: int = 2) -> float:
    """Seconds per step after ``warm_calls`` untimed steps: the first steps of a fresh model pay for
    allocation and lazy initialisation, and an estimate taken cold plans too few interleaved rounds."""
    for _ in range(warm_calls):
        step()
    return time_batch(step, clock, timed_calls) / timed_calls


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


def epoch_time(epoch_step_s: list[float], step_s: float | None, steps_per_epoch: int) -> tuple[float | None, str]:
    """The median measured epoch when whole epochs were timed (``epoch_step_s``: each epoch's
    mean step time), else ``step_s * steps_per_epoch``."""
    if epoch_step_s:
        epoch_s = statistics.median(epoch_step_s) * steps_per_epoch
        return epoch_s, f"measured ({len(epoch_step_s)} whole epochs)"
    return (step_s * steps_per_epoch if step_s else None), "step_s x steps_per_epoch"
