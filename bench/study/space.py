"""The sweep: which hyperparameters the study varies, over which values, from which baseline.

One parameter is varied at a time, the others stay at the baseline (d2l's concise MLP: one
hidden layer of 256, ReLU, lr 0.1, normal(0, 0.01) weights, batch 256). A profile fixes the
cost: ``quick`` answers the questions roughly in a few minutes on a laptop CPU, ``full``
follows the exercise's ranges (hidden units 64..8192, lr 0.001..1) with more epochs and seeds.
Pure data and functions: no torch here, so the sweep can be listed and tested for free.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

from contract.schema import study_value_label

# Parameter names (``extra_info["param"]``), in the order the study runs and reports them.
HIDDEN_UNITS = "hidden_units"
EXTRA_LAYER = "extra_layer"
LR = "lr"
ACTIVATION = "activation"
INIT = "init"
PARAMS = (HIDDEN_UNITS, EXTRA_LAYER, LR, ACTIVATION, INIT)

ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "prelu")
INITS = ("normal", "xavier", "uniform")


def check_activation_and_init(activation: str, init: str) -> None:
    """A ValueError naming the choices, for every setting that picks an activation and an init law."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose from {', '.join(ACTIVATIONS)}")
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose from {', '.join(INITS)}")


# Data set names (``extra_info["dataset"]``).
FASHION_MNIST = "fashion-mnist"
DIGITS = "digits-8x8"
SYNTHETIC = "synthetic"
DATASETS = (FASHION_MNIST, DIGITS, SYNTHETIC)


@dataclass(frozen=True)
class Setting:
    """Everything that defines one trained model and its optimiser (one point of a sweep)."""

    hidden_units: int = 256
    extra_layer: bool = False  # True: a second hidden layer of the same width
    lr: float = 0.1
    activation: str = "relu"
    init: str = "normal"  # normal(0, 0.01), d2l's default
    batch_size: int = 256

    def __post_init__(self) -> None:
        if self.hidden_units < 1 or self.lr <= 0 or self.batch_size < 1:
            raise ValueError(f"hidden_units, lr and batch_size must be positive: {self}")
        check_activation_and_init(self.activation, self.init)

    @property
    def hidden(self) -> tuple[int, ...]:
        """Widths of the hidden layers."""
        return (self.hidden_units,) * (2 if self.extra_layer else 1)


BASELINE = Setting()


class ModelSpec(Protocol):
    """What building, checking and training a model read from a setting: the study's ``Setting``
    and the joint search's ``JointSetting`` (bench/study/joint_space.py) both provide it."""

    lr: float
    activation: str
    init: str
    batch_size: int

    @property
    def hidden(self) -> tuple[int, ...]: ...


@dataclass(frozen=True)
class Profile:
    """The sweep's values and the training budget of every point."""

    name: str
    hidden_units: tuple[int, ...]
    lrs: tuple[float, ...]
    activations: tuple[str, ...] = ACTIVATIONS
    inits: tuple[str, ...] = INITS
    extra_layer: tuple[bool, ...] = (False, True)
    seeds: int = 3
    #: epochs per data set: digits has 1,347 training samples (6 batches of 256 per epoch), so it
    #: needs many more epochs than Fashion-MNIST for the same number of SGD steps.
    epochs: tuple[tuple[str, int], ...] = ((FASHION_MNIST, 2), (DIGITS, 30), (SYNTHETIC, 2))
    train_samples: int | None = 12_000  # bounded training subset (None: the whole split)
    eval_samples: int | None = 2_000  # validation samples evaluated after every epoch (None: all)

    def epochs_for(self, dataset: str) -> int:
        return dict(self.epochs)[dataset]


QUICK = Profile(name="quick", hidden_units=(64, 256, 1024), lrs=(0.01, 0.1, 1.0))
FULL = Profile(
    name="full",
    hidden_units=(64, 128, 256, 512, 1024, 2048, 4096, 8192),
    lrs=(0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0),
    seeds=5,
    epochs=((FASHION_MNIST, 10), (DIGITS, 100), (SYNTHETIC, 10)),
    train_samples=None,
    eval_samples=None,
)

#: Accuracy a run must reach for ``time_to_target_s`` (roughly what the baseline reaches in the
#: quick profile, so the time says how fast a setting gets "good enough").
TARGET_ACCURACY = {FASHION_MNIST: 0.75, DIGITS: 0.85, SYNTHETIC: 0.80}


@dataclass(frozen=True)
class Point:
    """One benchmark: the swept parameter, its value and the full setting trained."""

    param: str
    value: Any
    setting: Setting

    @property
    def id(self) -> str:
        """``lr-0.1``, ``activation-tanh``: ``-k`` expressions cannot contain ``=``."""
        return f"{self.param}-{study_value_label(self.value)}"


def sweep_values(profile: Profile) -> dict[str, tuple[Any, ...]]:
    return {
        HIDDEN_UNITS: profile.hidden_units,
        EXTRA_LAYER: profile.extra_layer,
        LR: profile.lrs,
        ACTIVATION: profile.activations,
        INIT: profile.inits,
    }


def sweep_points(profile: Profile, baseline: Setting = BASELINE) -> list[Point]:
    """Every (param, value) of the profile, each with the baseline's other settings.

    The baseline itself appears once per sweep that contains its value: each sweep is a complete
    answer on its own, trained with its own seeds.
    """
    return [
        Point(param, value, replace(baseline, **{param: value}))
        for param, values in sweep_values(profile).items()
        for value in values
    ]


def with_budget(
    profile: Profile, *, seeds: int | None = None, epochs: int | None = None, train_samples: int | None = None
) -> Profile:
    """``profile`` with command-line overrides (``None`` keeps the profile's value)."""
    changes: dict[str, Any] = {}
    if seeds is not None:
        if seeds < 1:
            raise ValueError(f"--bench-study-seeds must be >= 1, got {seeds}")
        changes["seeds"] = seeds
    if epochs is not None:
        if epochs < 1:
            raise ValueError(f"--bench-study-epochs must be >= 1, got {epochs}")
        changes["epochs"] = tuple((name, epochs) for name in DATASETS)
    if train_samples is not None:
        if train_samples < 1:
            raise ValueError(f"--bench-study-train-samples must be >= 1, got {train_samples}")
        changes["train_samples"] = train_samples
    return replace(profile, **changes)
