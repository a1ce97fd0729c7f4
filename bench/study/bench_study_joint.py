"""The joint hyperparameter search (opt-in: ``pytest bench --bench-study-joint`` or ``-m joint``).

``test_joint_search[<strategy>-<search seed>]``: one search of learning rate, epochs, hidden layers
and units per layer (bench/study/joint_space.py) by TPE or random search, the same budget of
trainings each, every trial checked against the model it built. ``test_joint_best`` then trains
the best setting any search of the session found with fresh seeds and records the answers: its
accuracy with an interval, trials-to-target per strategy, and the gain over the best one-at-a-time
study point when the study ran in the same session (docs/study.md).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from bench.pytest_benchmark_adapter import use_clock
from bench.record import common_extra_info, timing_dict
from bench.study.data import study_dataset
from bench.study.joint_options import JointOptions, joint_options
from bench.study.joint_record import best_fields, search_fields
from bench.study.joint_search import OPTUNA_MISSING, have_optuna, optuna_version, run_search
from bench.study.joint_space import FRESH_SEED_BASE, JointSetting
from bench.study.model import check_applied
from bench.study.timed import time_seeds
from bench.study.train import prepare_splits, train_seed
from bench.timing import clock_name, make_clock
from contract.schema import KIND_JOINT_BEST, KIND_JOINT_SEARCH

DTYPE = torch.float32
SMOKE_TRIALS = 2  # --benchmark-disable: two one-epoch trials per search

SEARCH_NOTE = (
    "one round = one whole search (every trial's training and per-epoch validation, and the sampler); "
    "no warm-up round: a search is not repeated. train_s per trial counts training steps only"
)

pytestmark = pytest.mark.joint


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "search" in metafunc.fixturenames:
        searches = joint_options(metafunc.config).profile.searches()
        metafunc.parametrize("search", [pytest.param(s, id=f"{s[0]}-{s[1]}") for s in searches])


@pytest.fixture(scope="module")
def joint_opts(pytestconfig: pytest.Config) -> JointOptions:
    if not have_optuna():
        pytest.skip(OPTUNA_MISSING)
    return joint_options(pytestconfig)


def test_joint_search(benchmark, search: tuple[str, int], joint_opts: JointOptions, joint_log: list) -> None:
    strategy, search_seed = search
    opts = joint_opts
    benchmark.group = f"study joint search ({opts.dataset})"
    dataset = study_dataset(opts.dataset, opts.data_root)
    profile, space = opts.profile, opts.space
    if not benchmark.enabled:  # smoke pass: a couple of one-epoch trials
        profile = replace(profile, trials=min(profile.trials, SMOKE_TRIALS))
        space = replace(space, epochs=(1, 1))
    splits = prepare_splits(dataset, opts.device, opts.budget)
    clock = make_clock(opts.device)
    done = []

    def target() -> None:
        if not done:  # pytest-benchmark may call once more (--benchmark-cprofile)
            done.append(run_search(strategy, search_seed, profile, space, splits, opts.budget, opts.device, clock))

    if benchmark.enabled:
        use_clock(benchmark, clock)
    benchmark.pedantic(target, rounds=1, iterations=1)
    result = done[0]
    timing = timing_dict(clock=clock_name(clock) if benchmark.enabled else "disabled", note=SEARCH_NOTE)
    benchmark.extra_info.update(common_extra_info(KIND_JOINT_SEARCH, opts.device, DTYPE, timing))
    benchmark.extra_info.update(
        search_fields(strategy, search_seed, optuna_version(), profile, space, dataset, opts.budget, result)
    )
    joint_log.append(dict(benchmark.extra_info))
    assert len(result.trials) == profile.trials, f"{len(result.trials)} trials, budget {profile.trials}"
    assert all(t["applied"] for t in result.trials)


def test_joint_best(benchmark, joint_opts: JointOptions, joint_log: list, study_log: list) -> None:
    opts = joint_opts
    searches = [s for s in joint_log if s["dataset"] == opts.dataset]
    if not searches:
        pytest.skip("no joint search ran in this session: select test_joint_search too")
    benchmark.group = f"study joint best ({opts.dataset})"
    winner = max(searches, key=lambda s: s["best_accuracy"])  # the first on ties: max keeps the first
    setting = JointSetting(**winner["best_setting"])
    found_by = {"strategy": winner["strategy"], "search_seed": winner["search_seed"], "trial": winner["best_trial"],
                "val_accuracy": winner["best_accuracy"]}  # fmt: skip
    dataset = study_dataset(opts.dataset, opts.data_root)
    budget = replace(opts.budget, epochs=setting.epochs)
    splits = prepare_splits(dataset, opts.device, budget)
    seeds = [FRESH_SEED_BASE + i for i in range(opts.profile.seeds)]
    clock = make_clock(opts.device)
    runs, timing = time_seeds(
        benchmark, lambda seed: train_seed(setting, splits, budget, seed, opts.device, clock), seeds, clock
    )
    model = runs[0][1]
    problems = check_applied(setting, model, lr=model["lr"])
    study = [s for s in study_log if s.get("dataset") == opts.dataset]
    benchmark.extra_info.update(common_extra_info(KIND_JOINT_BEST, opts.device, DTYPE, timing))
    results = [r for r, _ in runs]
    fields = best_fields(setting, found_by, opts.profile, dataset, budget, results, model, problems, searches, study)
    benchmark.extra_info.update(fields)
    joint_log.append(dict(benchmark.extra_info))
    assert not problems, f"the best joint setting was not applied to the model: {problems}"
