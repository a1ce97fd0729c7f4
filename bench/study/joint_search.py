"""Run one joint search: a sampler proposes settings, each trial trains one model, the validation
accuracy goes back to the sampler.

Both strategies are optuna samplers driving the same objective (bench/study/joint_space.py's
``suggest``): ``TPESampler`` (its first ``tpe_startup`` trials random, then a Parzen-estimator
model of good vs bad settings, multivariate by default since optuna 5) and ``RandomSampler``,
so they sample the same space and differ only in how they choose. Every trial records the model
actually built and is checked against its setting, as the study's points are.

Optuna is imported only when a search runs: the module imports without it.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass, replace
from typing import Any

from bench.study.joint_space import RANDOM, STRATEGIES, TPE, JointProfile, JointSpace, suggest, training_seed
from bench.study.model import check_applied
from bench.study.train import Budget, Splits, train_seed
from bench.timing import Clock
from contract.search import best_so_far

OPTUNA_MISSING = "the joint search needs optuna: pip install 'torch-bench-harness[study]'"


def have_optuna() -> bool:
    return importlib.util.find_spec("optuna") is not None


def optuna_version() -> str:
    import optuna

    return optuna.__version__


def make_sampler(strategy: str, search_seed: int, profile: JointProfile) -> tuple[Any, str]:
    """The optuna sampler of ``strategy`` and a description of it for the record."""
    import optuna

    if strategy == TPE:
        sampler = optuna.samplers.TPESampler(seed=search_seed, n_startup_trials=profile.tpe_startup)
        return sampler, f"optuna TPESampler(seed={search_seed}, n_startup_trials={profile.tpe_startup})"
    if strategy == RANDOM:
        return optuna.samplers.RandomSampler(seed=search_seed), f"optuna RandomSampler(seed={search_seed})"
    raise ValueError(f"unknown search strategy {strategy!r}; choose from {', '.join(STRATEGIES)}")


class NotApplied(AssertionError):
    """A trial's model did not match its setting: the search stops, nothing is concluded from it."""


@dataclass(frozen=True)
class SearchResult:
    sampler: str
    trials: list[dict[str, Any]]  # contract.schema.JOINT_TRIAL_FIELDS, in trial order

    @property
    def accuracies(self) -> list[float]:
        return [t["val_accuracy"] for t in self.trials]

    @property
    def best_trial(self) -> int:
        """Index of the best trial (the first one on ties)."""
        accuracies = [a if math.isfinite(a) else -math.inf for a in self.accuracies]
        return accuracies.index(max(accuracies))

    def summary(self) -> dict[str, Any]:
        best = self.best_trial
        return {
            "trials": self.trials,
            "best_so_far": best_so_far(self.accuracies),
            "best_trial": best,
            "best_accuracy": self.trials[best]["val_accuracy"],
            "best_setting": self.trials[best]["setting"],
            "applied": all(t["applied"] for t in self.trials),
        }


def run_search(
    strategy: str,
    search_seed: int,
    profile: JointProfile,
    space: JointSpace,
    splits: Splits,
    budget: Budget,
    device: str,
    clock: Clock,
) -> SearchResult:
    """``profile.trials`` trainings chosen by ``strategy``'s sampler seeded with ``search_seed``.

    ``budget`` gives the data bounds and target; each trial's epochs come from its setting. A
    trial whose model does not match its setting raises :class:`NotApplied`.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler, described = make_sampler(strategy, search_seed, profile)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    trials: list[dict[str, Any]] = []

    def objective(trial: optuna.trial.Trial) -> float:
        setting = suggest(trial, space)
        seed = training_seed(search_seed, trial.number)
        result, model = train_seed(setting, splits, replace(budget, epochs=setting.epochs), seed, device, clock)
        problems = check_applied(setting, model, lr=model["lr"])
        if len(result.epoch_accuracy) != setting.epochs:
            problems.append(f"trained {len(result.epoch_accuracy)} epochs, not {setting.epochs}")
        trials.append({
            "number": trial.number,
            "setting": setting.as_record(),
            "seed": seed,
            "val_accuracy": result.val_accuracy,
            "final_loss": result.final_loss,
            "train_s": result.train_s,
            "epoch_accuracy": list(result.epoch_accuracy),
            "model": model,
            "applied": not problems,
            "applied_problems": problems,
        })  # fmt: skip
        if problems:
            raise NotApplied(f"trial {trial.number} ({setting}) was not applied to the model: {'; '.join(problems)}")
        return result.val_accuracy

    study.optimize(objective, n_trials=profile.trials)  # an exception in a trial propagates: no silent gaps
    return SearchResult(described, trials)
