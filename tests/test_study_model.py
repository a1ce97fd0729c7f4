"""The study's settings really reach the model: what is built is read back and compared."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch
from torch import nn

from bench.study.model import (
    ACTIVATION_MODULES,
    build_model,
    check_applied,
    describe_model,
    expected_init,
    initialise,
)
from bench.study.space import BASELINE, FULL, QUICK, Setting, sweep_points
from bench.study.train import Budget, Splits, train_seed

INPUTS, CLASSES = 784, 10


def built(setting: Setting, seed: int = 0) -> tuple[nn.Module, dict]:
    model = build_model(setting, INPUTS, CLASSES, seed)
    return model, describe_model(model)


def module_types(model: nn.Module) -> set[type]:
    return {type(m) for m in model.modules()}


@pytest.mark.parametrize("name", sorted(ACTIVATION_MODULES))
def test_activation_is_the_one_asked_for(name: str) -> None:
    model, description = built(replace(BASELINE, activation=name, extra_layer=True))
    wanted = ACTIVATION_MODULES[name]
    found = [m for m in model.modules() if isinstance(m, tuple(ACTIVATION_MODULES.values()))]
    assert [type(m) for m in found] == [wanted, wanted]
    assert description["activations"] == [wanted.__name__] * 2
    assert check_applied(replace(BASELINE, activation=name, extra_layer=True), description) == []


def test_tanh_model_has_no_relu() -> None:
    model, _ = built(replace(BASELINE, activation="tanh"))
    assert nn.Tanh in module_types(model)
    assert nn.ReLU not in module_types(model)


def test_prelu_layers_do_not_share_a_slope() -> None:
    model, _ = built(replace(BASELINE, activation="prelu", extra_layer=True))
    slopes = [m.weight for m in model.modules() if isinstance(m, nn.PReLU)]
    assert len(slopes) == 2 and slopes[0] is not slopes[1]


def test_xavier_std_per_layer() -> None:
    _, description = built(replace(BASELINE, init="xavier", extra_layer=True))
    for stats in description["weight_stats"]:
        expected = math.sqrt(2.0 / (stats["fan_in"] + stats["fan_out"]))
        assert stats["std"] == pytest.approx(expected, rel=0.05)
        assert stats["bias_abs_max"] == 0.0


def test_uniform_within_bounds_and_normal_std() -> None:
    _, uniform = built(replace(BASELINE, init="uniform"))
    for stats in uniform["weight_stats"]:
        bound = 1.0 / math.sqrt(stats["fan_in"])
        assert -bound <= stats["min"] < stats["max"] <= bound
        assert stats["max"] > 0.9 * bound  # really spread over the interval, not a narrow law
    _, normal = built(BASELINE)
    for stats in normal["weight_stats"]:
        assert stats["std"] == pytest.approx(0.01, rel=0.1)


def test_every_linear_is_initialised() -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))
    assert initialise(model, "normal", torch.Generator().manual_seed(0)) == 3
    for layer in (m for m in model.modules() if isinstance(m, nn.Linear)):
        assert float(layer.weight.detach().std()) < 0.05  # PyTorch's default for 8..16 inputs is ~0.15-0.2
        assert float(layer.bias.detach().abs().max()) == 0.0


def test_lazy_layers_are_refused() -> None:
    model = nn.Sequential(nn.Flatten(), nn.LazyLinear(10))
    with pytest.raises(TypeError, match="not materialised"):
        initialise(model, "xavier", torch.Generator().manual_seed(0))


@pytest.mark.parametrize("units", [64, 1024])
def test_hidden_units_in_widths(units: int) -> None:
    _, description = built(replace(BASELINE, hidden_units=units))
    assert description["hidden_widths"] == [units]
    assert description["linear_shapes"][0] == [INPUTS, units]


def test_extra_layer_adds_a_linear() -> None:
    _, one = built(BASELINE)
    _, two = built(replace(BASELINE, extra_layer=True))
    assert len(two["linear_shapes"]) == len(one["linear_shapes"]) + 1
    assert two["hidden_widths"] == [256, 256]


def test_same_seed_same_weights_other_seed_other_weights() -> None:
    a, _ = built(BASELINE, seed=3)
    b, _ = built(BASELINE, seed=3)
    c, _ = built(BASELINE, seed=4)
    assert torch.equal(a[1].weight, b[1].weight)
    assert not torch.equal(a[1].weight, c[1].weight)


# --- the check catches what the naive study got wrong -----------------------------------------


def test_check_catches_a_hard_coded_activation() -> None:
    _, relu_model = built(BASELINE)  # what a model that ignores activation= would build
    problems = check_applied(replace(BASELINE, activation="tanh"), relu_model)
    assert any("activations" in p for p in problems)


def test_check_catches_a_skipped_layer_init() -> None:
    model = build_model(replace(BASELINE, init="xavier"), INPUTS, CLASSES, 0)
    last = model[-1]
    last.reset_parameters()  # PyTorch's default init: as if the init loop had missed this layer
    problems = check_applied(replace(BASELINE, init="xavier"), describe_model(model))
    assert any(p.startswith("layer 1") for p in problems)


def test_check_catches_inits_swapped_and_wrong_widths_and_lr() -> None:
    _, xavier = built(replace(BASELINE, init="xavier"))
    assert check_applied(BASELINE, xavier)  # xavier weights claimed as normal(0, 0.01)
    _, wide = built(replace(BASELINE, hidden_units=1024))
    assert check_applied(BASELINE, wide)
    _, base = built(BASELINE)
    assert check_applied(BASELINE, base, lr=0.5)
    assert check_applied(BASELINE, base, lr=0.1) == []


# --- every point of every sweep changes the part of the model it names --------------------------

ASPECT = {
    "hidden_units": lambda d: d["hidden_widths"],
    "extra_layer": lambda d: len(d["linear_shapes"]),
    "activation": lambda d: d["activations"],
    "init": lambda d: [round(s["std"], 3) for s in d["weight_stats"]],
    "lr": lambda d: d["lr"],
}


def tiny_splits(inputs: int = 64, n: int = 64) -> Splits:
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(n, 1, 8, inputs // 8, generator=gen)
    y = torch.randint(0, CLASSES, (n,), generator=gen)
    return Splits(x, y, x[:32], y[:32])


@pytest.mark.parametrize("profile", [QUICK, FULL], ids=["quick", "full"])
def test_every_sweep_point_is_applied_and_changes_its_aspect(profile) -> None:
    splits = tiny_splits()
    budget = Budget(epochs=1, train_samples=None, eval_samples=None, target_accuracy=0.5)
    described = {}
    for point in sweep_points(profile):
        _, description = train_seed(point.setting, splits, budget, 0, "cpu", lambda: 0.0)
        assert check_applied(point.setting, description, lr=description["lr"]) == [], point.id
        described[point.id] = (point, description)
    _, baseline = train_seed(BASELINE, splits, budget, 0, "cpu", lambda: 0.0)
    for point, description in described.values():
        aspect = ASPECT[point.param]
        if getattr(point.setting, point.param) != getattr(BASELINE, point.param):
            assert aspect(description) != aspect(baseline), f"{point.id} did not change {point.param}"
        if point.param == "hidden_units":
            assert point.value in description["hidden_widths"]


def test_expected_init_laws() -> None:
    assert expected_init("normal", 10, 10) == (0.01, None)
    std, bound = expected_init("xavier", 100, 300)
    assert std == pytest.approx(math.sqrt(2 / 400)) and bound == pytest.approx(math.sqrt(6 / 400))
    std, bound = expected_init("uniform", 100, 3)
    assert bound == pytest.approx(0.1) and std == pytest.approx(0.1 / math.sqrt(3))
