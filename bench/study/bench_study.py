"""The hyperparameter study (opt-in: ``pytest bench --bench-study`` or ``pytest bench -m study``).

One benchmark per (hyperparameter, value) of the sweep (bench/study/space.py), named
``test_study[<param>-<value>]`` so ``-k "lr-0.1 or activation"`` picks points. Each trains the
setting once per seed and records accuracy, loss and time per seed plus the model actually
built; before any training, the built model is checked against the setting, and a setting that
did not reach the model fails the benchmark (docs/study.md).
"""

from __future__ import annotations

from dataclasses import asdict, replace

import pytest
import torch

from bench.record import common_fields
from bench.study.data import study_dataset
from bench.study.model import build_model, check_applied, describe_model
from bench.study.options import StudyOptions, study_options
from bench.study.record import study_fields
from bench.study.space import Point, sweep_points
from bench.study.timed import time_seeds
from bench.study.train import prepare_splits, train_seed
from bench.timing import make_clock
from bench.training.data import NUM_CLASSES
from contract.records import Study
from contract.schema import KIND_STUDY

DTYPE = torch.float32

pytestmark = pytest.mark.study


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "point" in metafunc.fixturenames:
        points = sweep_points(study_options(metafunc.config).profile)
        metafunc.parametrize("point", [pytest.param(p, id=p.id) for p in points])


@pytest.fixture(scope="module")
def study_opts(pytestconfig: pytest.Config) -> StudyOptions:
    return study_options(pytestconfig)


def test_study(benchmark, point: Point, study_opts: StudyOptions, study_log: list) -> None:
    opts = study_opts
    benchmark.group = f"study {point.param} ({opts.dataset})"
    dataset = study_dataset(opts.dataset, opts.data_root)
    budget = opts.budget if benchmark.enabled else replace(opts.budget, epochs=1)  # smoke pass: one quick epoch
    splits = prepare_splits(dataset, opts.device, budget)
    seeds = list(range(opts.profile.seeds))

    probe = build_model(point.setting, splits.num_inputs, NUM_CLASSES, seeds[0])
    problems = check_applied(point.setting, describe_model(probe))
    if problems:
        pytest.fail(f"{point.id} was not applied to the model: {'; '.join(problems)}")

    clock = make_clock(opts.device)
    runs, timing = time_seeds(
        benchmark, lambda seed: train_seed(point.setting, splits, budget, seed, opts.device, clock), seeds, clock
    )
    results = [result for result, _ in runs]
    model = runs[0][1]  # as built for the first seed, right after init, with the optimiser's lr
    problems = check_applied(point.setting, model, lr=model["lr"])
    fields = study_fields(point, opts.profile, dataset, budget, results, model, problems)
    benchmark.extra_info.update(asdict(Study(**common_fields(KIND_STUDY, opts.device, DTYPE, timing), **fields)))
    study_log.append(dict(benchmark.extra_info))
    assert not problems, f"{point.id} was not applied to the trained model: {problems}"
