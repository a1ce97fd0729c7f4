"""MLP training: the d2l framework model against the from-scratch one, by depth and width.

Two kinds of benchmark (docs/training.md says how to read them):
- ``test_training``: one training step of one implementation, timed alone; the terminal table
  shows the framework and scratch rows of one depth together.
- ``test_training_interleaved``: framework and scratch steps alternated round by round; its
  ``extra_info["ratio"]`` (scratch / framework, with a paired 95% interval) is the drift-proof
  answer to "how much slower is the scratch model".

Before anything is timed, the two implementations must produce the same losses and parameters
from the same weights on the same batches (bench/training/equivalence.py).
"""

from __future__ import annotations

from dataclasses import asdict

import pytest
import torch

from bench.devices import split_devices, tf32_mode
from bench.plugin import bench_options
from bench.pytest_benchmark_adapter import median_seconds, round_data
from bench.record import common_fields
from bench.timing import make_clock, measure, measure_interleaved
from bench.training.cases import Config, cases, configs, widths_for
from bench.training.data import device_data, load_dataset
from bench.training.options import TrainingOptions, parse_training_options
from bench.training.record import config_record, interleaved_record, rates
from bench.training.runner import (
    epoch_time,
    interleaved_rounds,
    measure_epochs,
    new_trainer,
    verify,
    warm_step_estimate,
)
from bench.training.step import FRAMEWORK, SCRATCH, evaluate
from contract.records import Equivalence, Training, TrainingInterleaved
from contract.schema import KIND_TRAINING, KIND_TRAINING_INTERLEAVED

DTYPE = torch.float32


CONFIG_ARGS = ("device", "profile", "depth", "input_mode")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Plain values as parameters (they land readable in the saved JSON's ``params``); one
    skipped param per absent device, with the reason."""
    options = parse_training_options(metafunc.config)
    with_impl = "impl" in metafunc.fixturenames
    if not set(CONFIG_ARGS) <= set(metafunc.fixturenames):
        return
    argnames = (*CONFIG_ARGS, "impl") if with_impl else CONFIG_ARGS
    present, absent = split_devices(bench_options(metafunc.config).devices, nargs=len(argnames))
    if with_impl:
        params = [pytest.param(*_values(c.config), c.impl, id=c.id) for c in cases(present, options)]
    else:
        params = [pytest.param(*_values(c), id=c.id) for c in configs(present, options)]
    metafunc.parametrize(argnames, params + absent)


def _values(config: Config) -> tuple:
    return config.device, config.profile, config.depth, config.input_mode


@pytest.fixture(scope="module")
def training_options(pytestconfig: pytest.Config) -> TrainingOptions:
    return parse_training_options(pytestconfig)


def _config(device: str, profile: str, depth: int, input_mode: str, options: TrainingOptions) -> Config:
    return Config(device, profile, depth, widths_for(profile, depth, options.wide_width), input_mode)


def test_training(benchmark, device, profile, depth, input_mode, impl, training_options, timing_policy) -> None:
    opts = training_options
    config = _config(device, profile, depth, input_mode, opts)
    benchmark.group = config.group
    dataset = load_dataset(opts.data_root)
    equivalence = verify(config, impl, dataset, opts)
    with tf32_mode(False):  # true float32 math: the equivalence tolerance and the recorded dtype assume it
        trainer = new_trainer(config, impl, dataset, opts)
        steps_per_epoch = trainer.batches.steps_per_epoch
        if opts.full:
            timing = measure_epochs(benchmark, trainer, config.device, timing_policy, opts.full_epochs)
        else:
            timing = measure(benchmark, trainer.step, config.device, timing_policy)
        data = device_data(dataset, config.device)
        final_loss, _ = evaluate(trainer.forward, data.train_x, data.train_y, opts.val_samples)
        _, val_accuracy = evaluate(trainer.forward, data.val_x, data.val_y, opts.val_samples)
    step_s = median_seconds(benchmark)
    epoch_step_s = round_data(benchmark) if opts.full and benchmark.enabled else []
    epoch_s, epoch_source = epoch_time(epoch_step_s, step_s, steps_per_epoch)
    record = Training(
        **common_fields(KIND_TRAINING, config.device, DTYPE, timing),
        **config_record(config, dataset.name, opts),
        impl=impl,
        steps_per_epoch=steps_per_epoch,
        step_s=step_s,
        epoch_s=epoch_s,
        epoch_source=epoch_source,
        **rates(config, opts, step_s),
        trained_steps=trainer.batches.steps,
        eval_samples=min(len(data.val_y), opts.val_samples or len(data.val_y)),
        final_loss=final_loss,
        val_accuracy=val_accuracy,
        equivalence=Equivalence(**equivalence.record()),
        readings=benchmark.extra_info.get("readings"),
    )
    benchmark.extra_info.update(asdict(record))


def test_training_interleaved(benchmark, device, profile, depth, input_mode, training_options, timing_policy) -> None:
    opts = training_options
    config = _config(device, profile, depth, input_mode, opts)
    benchmark.group = config.interleaved_group
    dataset = load_dataset(opts.data_root)
    equivalence = verify(config, FRAMEWORK, dataset, opts)
    with tf32_mode(False):  # true float32 math: the equivalence tolerance and the recorded dtype assume it
        steps = {impl: new_trainer(config, impl, dataset, opts).step for impl in (FRAMEWORK, SCRATCH)}
        clock = make_clock(config.device)
        estimates = [warm_step_estimate(step, clock) for step in steps.values()] if benchmark.enabled else []
        rounds = interleaved_rounds(estimates, timing_policy, opts.rounds, opts.full)
        result = measure_interleaved(benchmark, steps, config.device, timing_policy, rounds)
    record = TrainingInterleaved(
        **common_fields(KIND_TRAINING_INTERLEAVED, config.device, DTYPE, result.timing),
        **config_record(config, dataset.name, opts),
        **interleaved_record(result.data, result.iterations),
        equivalence=Equivalence(**equivalence.record()),
        readings=benchmark.extra_info.get("readings"),
    )
    benchmark.extra_info.update(asdict(record))
