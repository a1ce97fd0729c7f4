"""The two MLPs being compared, built so that they do the same math from the same weights.

- framework: ``nn.Sequential(Flatten, [Linear, ReLU] x depth, Linear)``;
- scratch: raw weight and bias tensors, ``X @ W + b`` and the exercise's hand-written ReLU
  ``max(X, 0)``, exactly as d2l's ``MLPScratch``.

Weights are drawn once, in the scratch layout (``W``: in x out), and copied transposed into the
framework's ``nn.Linear`` (weight: out x in), so both start identical on every device.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn

from bench.training.data import NUM_CLASSES, NUM_INPUTS

INIT_SEED = 1


def layer_dims(widths: tuple[int, ...], num_inputs: int = NUM_INPUTS, num_outputs: int = NUM_CLASSES):
    """``(in, out)`` of every affine layer: hidden layers then the output layer."""
    dims = (num_inputs, *widths, num_outputs)
    return list(itertools.pairwise(dims))


def init_params(
    widths: tuple[int, ...], device: str = "cpu", sigma: float | None = None, seed: int = INIT_SEED
) -> list[torch.Tensor]:
    """``[W1, b1, W2, b2, ...]``: normal weights times sigma, zero biases.

    ``sigma=None`` uses He's ``sqrt(2 / fan_in)`` per layer rather than d2l's fixed 0.01, so the
    five-layer nets still learn in a bounded run and the recorded accuracy means something. Drawn
    on the CPU from a fixed seed, then moved, so every device starts from the same numbers.
    """
    gen = torch.Generator().manual_seed(seed)
    params: list[torch.Tensor] = []
    for fan_in, fan_out in layer_dims(widths):
        scale = math.sqrt(2.0 / fan_in) if sigma is None else sigma
        params.append((torch.randn(fan_in, fan_out, generator=gen) * scale).to(device))
        params.append(torch.zeros(fan_out, device=device))
    return params


def relu(x: torch.Tensor) -> torch.Tensor:
    """d2l's hand-written ReLU, kept as the exercise wrote it: it is much of what is being timed.
    Its backward splits the gradient at ties (``eq``, ``lt``, ``where``, ``div``, ``masked_fill_``
    per activation, against ``nn.ReLU``'s one ``threshold_backward``), giving 0.5 x grad at exactly
    0 where ``nn.ReLU`` gives 0; an exact 0.0 pre-activation is rare, and the equivalence check
    would catch it."""
    return torch.max(x, torch.zeros_like(x))


class ScratchMLP:
    """An MLP from raw tensors; ``params`` are leaves with ``requires_grad`` (autograd does the
    gradients, as in the exercise)."""

    def __init__(self, params: list[torch.Tensor]) -> None:
        self.params = [p.detach().clone().requires_grad_(True) for p in params]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        h = x.reshape(x.shape[0], -1)
        *hidden, w_out, b_out = self.params
        for w, b in zip(hidden[0::2], hidden[1::2], strict=True):
            h = relu(h @ w + b)
        return h @ w_out + b_out

    def canonical_params(self) -> list[torch.Tensor]:
        return [p.detach() for p in self.params]


def framework_mlp(params: list[torch.Tensor]) -> nn.Sequential:
    """``nn.Sequential`` holding a copy of ``params`` (weights transposed into ``out x in``)."""
    layers: list[nn.Module] = [nn.Flatten()]
    pairs = list(zip(params[0::2], params[1::2], strict=True))
    for i, (w, b) in enumerate(pairs):
        linear = nn.Linear(w.shape[0], w.shape[1], device=w.device)
        with torch.no_grad():
            linear.weight.copy_(w.T)
            linear.bias.copy_(b)
        layers.append(linear)
        if i < len(pairs) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def framework_canonical_params(model: nn.Module) -> list[torch.Tensor]:
    """The framework's parameters in the scratch layout (``W``: in x out), for comparison."""
    out: list[torch.Tensor] = []
    for module in model.modules():
        if isinstance(module, nn.Linear):
            out.extend([module.weight.detach().T, module.bias.detach()])
    return out
