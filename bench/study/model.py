"""The configurable MLP of the study, a description of the model actually built, and the check
that the swept setting really is in it.

A naive study drew conclusions from settings that never reached the model (an activation
argument ignored in favour of a hard-coded ReLU; an init that skipped ``LazyLinear`` layers not
yet materialised). Here every layer is an ``nn.Linear`` with known sizes before init, the init
visits every ``nn.Linear``, and :func:`check_applied` compares the setting with what
:func:`describe_model` observes in the built model (module classes, widths, weight statistics).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from bench.study.space import ModelSpec

INIT_SEED_OFFSET = 1000  # init and batch-order generators of one seed never share a stream

ACTIVATION_MODULES: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "leaky_relu": nn.LeakyReLU,
    "prelu": nn.PReLU,  # one learnable slope per layer, trained with the weights
}
#: Every activation class the study can build: a model must hold only its own.
KNOWN_ACTIVATIONS = tuple(ACTIVATION_MODULES.values())

NORMAL_STD = 0.01  # d2l's normal(0, 0.01)

INIT_LABELS = {
    "normal": f"normal(0, {NORMAL_STD}), biases 0",
    "xavier": "xavier_uniform (std sqrt(2/(fan_in+fan_out))), biases 0",
    "uniform": "uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)), biases 0",
}


def build_model(setting: ModelSpec, num_inputs: int, num_outputs: int, seed: int, device: str = "cpu") -> nn.Sequential:
    """``Flatten, [Linear, act] x hidden, Linear``, initialised on the CPU from ``seed`` then moved,
    so every device starts from the same weights."""
    act = ACTIVATION_MODULES[setting.activation]
    layers: list[nn.Module] = [nn.Flatten()]
    fan_in = num_inputs
    for width in setting.hidden:
        layers += [nn.Linear(fan_in, width), act()]  # a fresh module per layer (PReLU has weights)
        fan_in = width
    layers.append(nn.Linear(fan_in, num_outputs))
    model = nn.Sequential(*layers)
    initialise(model, setting.init, torch.Generator().manual_seed(seed + INIT_SEED_OFFSET))
    return model.to(device)


def initialise(model: nn.Module, init: str, generator: torch.Generator) -> int:
    """Apply ``init`` to every ``nn.Linear`` (weights as named, biases zero); return how many.

    Refuses uninitialised (lazy) parameters: their shapes are unknown, so an init would either
    fail or be skipped silently, the bug this study exists to avoid.
    """
    count = 0
    for module in model.modules():
        if isinstance(module, nn.modules.lazy.LazyModuleMixin):
            raise TypeError(f"{type(module).__name__} is not materialised; build layers with known sizes")
        if not isinstance(module, nn.Linear):
            continue
        with torch.no_grad():
            weight = module.weight
            if init == "normal":
                nn.init.normal_(weight, 0.0, NORMAL_STD, generator=generator)
            elif init == "xavier":
                nn.init.xavier_uniform_(weight, generator=generator)
            elif init == "uniform":
                bound = 1.0 / math.sqrt(module.in_features)
                nn.init.uniform_(weight, -bound, bound, generator=generator)
            else:
                raise ValueError(f"unknown init {init!r}; choose from {', '.join(INIT_LABELS)}")
            nn.init.zeros_(module.bias)
        count += 1
    return count


def describe_model(model: nn.Module) -> dict[str, Any]:
    """What was built, read back from the modules (call it right after init for the weight stats)."""
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return {
        "layers": [_layer_label(m) for m in _leaves(model)],
        "linear_shapes": [[m.in_features, m.out_features] for m in linears],
        "hidden_widths": [m.out_features for m in linears[:-1]],
        "activations": [type(m).__name__ for m in model.modules() if isinstance(m, KNOWN_ACTIVATIONS)],
        "lazy_modules": sum(isinstance(m, nn.modules.lazy.LazyModuleMixin) for m in model.modules()),
        "params": sum(p.numel() for p in model.parameters()),
        "weight_stats": [weight_stats(m) for m in linears],
    }


def weight_stats(linear: nn.Linear) -> dict[str, float]:
    w = linear.weight.detach().float().cpu()
    b = linear.bias.detach().float().cpu()
    return {
        "fan_in": linear.in_features,
        "fan_out": linear.out_features,
        "mean": float(w.mean()),
        "std": float(w.std()),
        "min": float(w.min()),
        "max": float(w.max()),
        "bias_abs_max": float(b.abs().max()),
    }


def _leaves(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if not list(m.children())]


def _layer_label(module: nn.Module) -> str:
    if isinstance(module, nn.Linear):
        return f"Linear({module.in_features}->{module.out_features})"
    return type(module).__name__


def expected_init(init: str, fan_in: int, fan_out: int) -> tuple[float, float | None]:
    """(std, bound) a correctly initialised weight matrix has; bound None for a normal law."""
    if init == "normal":
        return NORMAL_STD, None
    if init == "xavier":
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        return bound / math.sqrt(3.0), bound
    if init == "uniform":
        bound = 1.0 / math.sqrt(fan_in)
        return bound / math.sqrt(3.0), bound
    raise ValueError(f"unknown init {init!r}")


def check_applied(setting: ModelSpec, description: dict[str, Any], lr: float | None = None) -> list[str]:
    """Every way the described model (and optimiser ``lr``) differs from ``setting``; [] when all
    of it was applied. Widths, layer count and activation classes must match exactly; the weight
    statistics must match the init's law within sampling error (std within 5 % + 3/sqrt(n))."""
    problems: list[str] = []
    if description["lazy_modules"]:
        problems.append(f"{description['lazy_modules']} lazy module(s) left unmaterialised")
    if list(description["hidden_widths"]) != list(setting.hidden):
        problems.append(f"hidden widths {description['hidden_widths']} != {list(setting.hidden)}")
    expected_act = ACTIVATION_MODULES[setting.activation].__name__
    acts = list(description["activations"])
    if acts != [expected_act] * len(setting.hidden):
        problems.append(f"activations {acts} != {len(setting.hidden)} x {expected_act}")
    for i, stats in enumerate(description["weight_stats"]):
        problems += [f"layer {i}: {p}" for p in _init_problems(setting.init, stats)]
    if lr is not None and not math.isclose(lr, setting.lr, rel_tol=1e-9):
        problems.append(f"optimiser lr {lr} != {setting.lr}")
    return problems


def _init_problems(init: str, stats: dict[str, float]) -> list[str]:
    n = stats["fan_in"] * stats["fan_out"]
    std, bound = expected_init(init, stats["fan_in"], stats["fan_out"])
    tolerance = 0.05 + 3.0 / math.sqrt(n)
    problems = []
    if abs(stats["std"] - std) > tolerance * std:
        problems.append(f"weight std {stats['std']:.4g} is not {init}'s {std:.4g} (tolerance {tolerance:.0%})")
    if abs(stats["mean"]) > 5.0 * std / math.sqrt(n) + 1e-12:
        problems.append(f"weight mean {stats['mean']:.3g} is not ~0")
    if bound is not None and (stats["max"] > bound or stats["min"] < -bound):
        problems.append(f"weights [{stats['min']:.4g}, {stats['max']:.4g}] leave {init}'s +-{bound:.4g}")
    if stats["bias_abs_max"] != 0.0:
        problems.append("biases are not zero")
    return problems
