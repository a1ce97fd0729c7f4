"""GELU with the tanh approximation, written two ways: op by op, and as PyTorch's fused kernel."""

from __future__ import annotations

import math

import torch

SQRT_2_OVER_PI = math.sqrt(2 / math.pi)

#: x**3 (2 multiplies), * 0.044715, + x, * sqrt(2/pi), tanh (counted as one), + 1, * x, * 0.5.
FLOPS_PER_ELEMENT = 9


def gelu_composed(x: torch.Tensor) -> torch.Tensor:
    """Op by op: every step reads and writes a whole temporary tensor."""
    return 0.5 * x * (1 + torch.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x**3)))


def gelu_fused(x: torch.Tensor) -> torch.Tensor:
    """One fused kernel: the input read once, the output written once."""
    return torch.nn.functional.gelu(x, approximate="tanh")


def flops(x: torch.Tensor) -> int:
    return FLOPS_PER_ELEMENT * x.numel()


def min_bytes(x: torch.Tensor) -> int:
    """The least traffic any implementation needs: the input read once, the output written once."""
    return 2 * x.numel() * x.element_size()
