"""The joint search's space: learning rate, epochs, hidden layers and units per layer, together.

The one-at-a-time study (bench/study/space.py) varies one hyperparameter around d2l's baseline;
the exercise's joint question varies four at once. Two strategies search this space with the same
budget of trainings: optuna's TPE and plain random search. Both call :func:`suggest`, so they
sample exactly the same space (same names, ranges, log scales) and differ only in the sampler.

Pure data and functions: no torch, no optuna here (``suggest`` takes anything with optuna's
``suggest_float``/``suggest_int``), so the space can be listed and tested for free.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

from bench.study.space import DATASETS, DIGITS, FASHION_MNIST, SYNTHETIC, check_activation_and_init

TPE = "tpe"
RANDOM = "random"
STRATEGIES = (TPE, RANDOM)

#: A trial's training seed is ``search_seed * SEARCH_SEED_STRIDE + trial number``: reproducible, and
#: the two strategies' trial i of one search seed share a seed. Fresh seeds that re-measure the best
#: setting start at FRESH_SEED_BASE, far from any search's.
SEARCH_SEED_STRIDE = 1_000
FRESH_SEED_BASE = 1_000_000


@dataclass(frozen=True)
class JointSetting:
    """One trial: the four searched hyperparameters, the rest fixed at d2l's baseline."""

    lr: float
    epochs: int
    layers: int  # hidden layers
    units: int  # units in every hidden layer
    activation: str = "relu"
    init: str = "normal"  # normal(0, 0.01), d2l's default (as the study's baseline)
    batch_size: int = 256

    def __post_init__(self) -> None:
        if self.lr <= 0 or self.epochs < 1 or self.layers < 1 or self.units < 1 or self.batch_size < 1:
            raise ValueError(f"lr, epochs, layers, units and batch_size must be positive: {self}")
        check_activation_and_init(self.activation, self.init)

    @property
    def hidden(self) -> tuple[int, ...]:
        """Widths of the hidden layers."""
        return (self.units,) * self.layers

    def as_record(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class JointSpace:
    """Inclusive ranges; lr and units are searched on a log scale (their effect is multiplicative)."""

    lr: tuple[float, float]
    epochs: tuple[int, int]
    layers: tuple[int, int]
    units: tuple[int, int]

    def __post_init__(self) -> None:
        for name in ("lr", "epochs", "layers", "units"):
            lo, hi = getattr(self, name)
            if not 0 < lo <= hi:
                raise ValueError(f"joint space: {name} range must be 0 < low <= high, got [{lo}, {hi}]")

    def contains(self, setting: JointSetting) -> bool:
        return all(
            lo <= getattr(setting, name) <= hi
            for name, (lo, hi) in (("lr", self.lr), ("epochs", self.epochs), ("layers", self.layers),
                                   ("units", self.units))
        )  # fmt: skip

    def as_record(self) -> dict[str, list[float]]:
        return {name: list(getattr(self, name)) for name in ("lr", "epochs", "layers", "units")}


class TrialLike(Protocol):
    """The part of ``optuna.trial.Trial`` that :func:`suggest` uses."""

    def suggest_float(self, name: str, low: float, high: float, *, log: bool = False) -> float: ...

    def suggest_int(self, name: str, low: int, high: int, *, log: bool = False) -> int: ...


def suggest(trial: TrialLike, space: JointSpace) -> JointSetting:
    """The one place a strategy draws a setting: every strategy samples the same space."""
    return JointSetting(
        lr=trial.suggest_float("lr", *space.lr, log=True),
        epochs=trial.suggest_int("epochs", *space.epochs),
        layers=trial.suggest_int("layers", *space.layers),
        units=trial.suggest_int("units", *space.units, log=True),
    )


@dataclass(frozen=True)
class JointProfile:
    """How much searching: strategies x search seeds x trials, and the fresh seeds of the re-measure."""

    name: str
    search_seeds: int
    trials: int  # trainings per search, the same for every strategy
    tpe_startup: int  # TPE's first trials are random (optuna's n_startup_trials)
    seeds: int  # fresh training seeds that re-measure the best setting
    lr: tuple[float, float] = (0.001, 1.0)  # the study's full lr range
    layers: tuple[int, int] = (1, 3)
    units: tuple[int, int] = (16, 512)
    #: epochs range per data set (digits has 6 minibatches per epoch, Fashion-MNIST 47 on 12,000 samples)
    epochs: tuple[tuple[str, tuple[int, int]], ...] = ((FASHION_MNIST, (1, 3)), (DIGITS, (5, 40)), (SYNTHETIC, (1, 3)))
    train_samples: int | None = 12_000
    eval_samples: int | None = 2_000
    strategies: tuple[str, ...] = STRATEGIES

    def space_for(self, dataset: str) -> JointSpace:
        return JointSpace(self.lr, dict(self.epochs)[dataset], self.layers, self.units)

    def searches(self) -> list[tuple[str, int]]:
        """(strategy, search seed) of every search, strategies interleaved seed by seed."""
        return [(strategy, seed) for seed in range(self.search_seeds) for strategy in self.strategies]


QUICK_JOINT = JointProfile(name="quick", search_seeds=3, trials=12, tpe_startup=4, seeds=5)
FULL_JOINT = JointProfile(
    name="full",
    search_seeds=5,
    trials=60,
    tpe_startup=10,
    seeds=10,
    units=(16, 4096),
    epochs=((FASHION_MNIST, (2, 30)), (DIGITS, (10, 200)), (SYNTHETIC, (2, 30))),
    train_samples=None,
    eval_samples=None,
)


def training_seed(search_seed: int, number: int) -> int:
    if not 0 <= number < SEARCH_SEED_STRIDE:
        raise ValueError(f"a search has at most {SEARCH_SEED_STRIDE} trials, got trial {number}")
    return search_seed * SEARCH_SEED_STRIDE + number


def parse_range(text: str, what: str) -> tuple[int, int]:
    """``"5-40"`` -> (5, 40); ``"10"`` -> (10, 10)."""
    try:
        lo_text, _, hi_text = text.partition("-")
        lo, hi = int(lo_text), int(hi_text or lo_text)
    except ValueError:
        raise ValueError(f"bad {what} range {text!r}: use N or LOW-HIGH, e.g. 5-40") from None
    if not 0 < lo <= hi:
        raise ValueError(f"{what} range must be 0 < LOW <= HIGH, got {text!r}")
    return lo, hi


def with_joint_budget(
    profile: JointProfile,
    *,
    trials: int | None = None,
    search_seeds: int | None = None,
    seeds: int | None = None,
    epochs: tuple[int, int] | None = None,
) -> JointProfile:
    """``profile`` with command-line overrides (``None`` keeps the profile's value)."""
    changes: dict[str, Any] = {}
    for name, value, minimum in (("trials", trials, 1), ("search_seeds", search_seeds, 1), ("seeds", seeds, 2)):
        if value is None:
            continue
        if value < minimum:
            option = f"--bench-study-joint-{name.replace('_', '-')}"
            raise ValueError(f"{option} must be >= {minimum}, got {value}")
        changes[name] = value
    if trials is not None and trials > SEARCH_SEED_STRIDE:
        raise ValueError(f"--bench-study-joint-trials must be <= {SEARCH_SEED_STRIDE}, got {trials}")
    if epochs is not None:
        changes["epochs"] = tuple((name, epochs) for name in DATASETS)
    return replace(profile, **changes)
