"""One training step of each implementation: the call the benchmarks time.

A step takes the next minibatch, runs forward, loss, backward and the SGD update, and returns
the loss as a tensor (never ``.item()``: that would synchronise a CUDA device inside the timed
call; the timing core's clock synchronises at round boundaries instead).

Both use ``F.cross_entropy`` (``nn.CrossEntropyLoss`` is the same kernel): d2l's scratch MLP
uses the framework's loss too, and a hand-written softmax cross-entropy would overflow where
the fused log-softmax does not, i.e. it would change the math, not just the implementation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from bench.training.batches import Batches
from bench.training.models import ScratchMLP, framework_canonical_params, framework_mlp, init_params

FRAMEWORK = "framework"
SCRATCH = "scratch"
COMPILED = "framework-compiled"
IMPLS = (FRAMEWORK, SCRATCH, COMPILED)

Step = Callable[[], torch.Tensor]


@dataclass
class Trainer:
    """A model bound to its batch source: ``step`` is what gets timed."""

    impl: str
    step: Step
    forward: Callable[[torch.Tensor], torch.Tensor]
    canonical_params: Callable[[], list[torch.Tensor]]  # in the scratch layout, for comparison
    batches: Batches


def build_trainer(
    impl: str, widths: tuple[int, ...], device: str, lr: float, batches: Batches, sigma: float | None = None
) -> Trainer:
    """A fresh model of ``impl`` from the shared initial weights, reading from ``batches``."""
    params = init_params(widths, device, sigma)
    if impl == SCRATCH:
        net = ScratchMLP(params)
        return Trainer(impl, scratch_step(net, lr, batches), net, net.canonical_params, batches)
    if impl in (FRAMEWORK, COMPILED):
        model = framework_mlp(params)
        forward = torch.compile(model) if impl == COMPILED else model
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        step = framework_step(forward, optimizer, nn.CrossEntropyLoss(), batches)
        # Evaluation runs the eager model: other batch shapes would only trigger recompiles.
        return Trainer(impl, step, model, lambda: framework_canonical_params(model), batches)
    raise ValueError(f"unknown implementation {impl!r}; choose from {', '.join(IMPLS)}")


def framework_step(
    model: Callable[[torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    loss_fn: nn.Module,
    batches: Batches,
) -> Step:
    """The d2l concise loop: ``zero_grad``, ``backward``, ``optimizer.step()``."""

    def step() -> torch.Tensor:
        x, y = batches()
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.detach()

    return step


def scratch_step(net: ScratchMLP, lr: float, batches: Batches) -> Step:
    """The d2l scratch loop: autograd gradients, then ``p -= lr * p.grad`` and ``p.grad.zero_()``."""
    params = net.params

    def step() -> torch.Tensor:
        x, y = batches()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad.zero_()
        return loss.detach()

    return step


@torch.no_grad()
def evaluate(
    forward: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    limit: int | None = None,
    chunk: int = 2000,
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``forward`` over the first ``limit`` samples (all: None)."""
    n = len(y) if limit is None else min(limit, len(y))
    if n == 0:
        raise ValueError("nothing to evaluate")
    loss_sum, correct = 0.0, 0
    for start in range(0, n, chunk):
        xs, ys = x[start : min(n, start + chunk)], y[start : min(n, start + chunk)]
        logits = forward(xs)
        loss_sum += float(F.cross_entropy(logits, ys, reduction="sum"))
        correct += int((logits.argmax(dim=1) == ys).sum())
    return loss_sum / n, correct / n
