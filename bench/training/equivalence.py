"""Proof that two implementations do the same math before their speeds are compared.

Two trainers built from the same initial weights, each with its own batch source built from the
same arguments (so the same batches in the same order), take a few steps each. They must

1. start from identical parameters (bit for bit: the framework's are a transposed copy);
2. produce the same loss at every step, to ``LOSS_RTOL`` (float32 rounding differs between
   ``addmm`` and ``@`` then ``+``, or ``add_(alpha=-lr)`` and ``-= lr * g``: ~1e-7 relative);
3. move their parameters the same way: ``||theta_a - theta_b|| / ||theta_a - theta_0||`` (L2 over
   all parameters) at most ``PARAM_RTOL``. Relative to the movement, not elementwise, because
   a rounding difference can flip one ReLU mask bit for one sample (a pre-activation within
   1e-7 of zero), which changes a few weights by a whole per-sample gradient term while the
   math is the same; seen here: up to 4e-3, while a learning rate 10% off gives 0.1 to 0.3.

Anything else raises :class:`EquivalenceError`: a timing comparison of models that do different
work is worthless.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from bench.training.step import Trainer

CHECK_STEPS = 5
LOSS_RTOL = 5e-4
PARAM_RTOL = 2e-2


class EquivalenceError(AssertionError):
    """Two implementations that should do the same math did not."""


@dataclass(frozen=True)
class Equivalence:
    """What the check saw; stored with each result so a reader can see the proof."""

    impls: tuple[str, str]
    steps: int
    losses: tuple[list[float], list[float]]
    max_loss_rel_diff: float
    param_rel_diff: float

    def record(self) -> dict:
        return {
            "impls": list(self.impls),
            "steps": self.steps,
            "max_loss_rel_diff": self.max_loss_rel_diff,
            "param_rel_diff": self.param_rel_diff,
            "loss_rtol": LOSS_RTOL,
            "param_rtol": PARAM_RTOL,
        }


def check_equivalence(reference: Trainer, candidate: Trainer, steps: int = CHECK_STEPS) -> Equivalence:
    """Step both trainers ``steps`` times; raise :class:`EquivalenceError` on any mismatch."""
    names = f"{reference.impl} and {candidate.impl}"
    start = [p.clone() for p in reference.canonical_params()]
    _same_start(start, candidate.canonical_params(), names)
    losses: tuple[list[float], list[float]] = ([], [])
    worst = 0.0
    for i in range(steps):
        a, b = float(reference.step()), float(candidate.step())
        losses[0].append(a)
        losses[1].append(b)
        rel = abs(a - b) / max(abs(a), 1e-12)
        worst = max(worst, rel)
        if not math.isfinite(a) or not math.isfinite(b) or rel > LOSS_RTOL:
            raise EquivalenceError(
                f"{names} do different math: loss at step {i} is {a:.8g} vs {b:.8g} (relative difference "
                f"{rel:.3g}, tolerance {LOSS_RTOL}); losses so far {losses[0]} vs {losses[1]}"
            )
    moved = _norm([p - s for p, s in zip(reference.canonical_params(), start, strict=True)])
    apart = _norm([p - q for p, q in zip(reference.canonical_params(), candidate.canonical_params(), strict=True)])
    param_rel = apart / moved if moved > 0 else math.inf
    if not param_rel <= PARAM_RTOL:
        raise EquivalenceError(
            f"{names} do different math: after {steps} steps their parameters are {apart:.3g} apart (L2), "
            f"{param_rel:.3g} of the {moved:.3g} they moved (tolerance {PARAM_RTOL})"
        )
    return Equivalence((reference.impl, candidate.impl), steps, losses, worst, param_rel)


def _same_start(ref: list[torch.Tensor], cand: list[torch.Tensor], names: str) -> None:
    shapes = ([tuple(p.shape) for p in ref], [tuple(p.shape) for p in cand])
    if shapes[0] != shapes[1]:
        raise EquivalenceError(f"{names} have different parameter shapes: {shapes[0]} vs {shapes[1]}")
    for i, (p, q) in enumerate(zip(ref, cand, strict=True)):
        if not torch.equal(p, q):
            diff = float((p - q).abs().max())
            raise EquivalenceError(f"{names} start from different weights: tensor {i} differs by up to {diff:.3g}")


def _norm(tensors: list[torch.Tensor]) -> float:
    return math.sqrt(sum(float(t.double().square().sum()) for t in tensors))
