"""Train one setting with one seed and measure what the exercise asks: accuracy, loss, time.

The seed fixes the initial weights and the minibatch order, nothing else: two seeds of one
setting differ only by chance, which is what the spread across seeds estimates.
Time counts the training steps only (``train_s``); the per-epoch validation that finds the
time to reach the target accuracy is outside the clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from bench.study.model import build_model, describe_model
from bench.study.space import ModelSpec
from bench.timing import Clock
from bench.training.data import Dataset, device_data
from bench.training.step import evaluate

BATCH_SEED_OFFSET = 2000


@dataclass(frozen=True)
class Budget:
    epochs: int
    train_samples: int | None  # first N samples of the (once-shuffled) training split; None: all
    eval_samples: int | None  # first N validation samples evaluated after each epoch; None: all
    target_accuracy: float


@dataclass(frozen=True, eq=False)
class Splits:
    """The bounded training subset and the validation split on the device."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor

    @property
    def num_inputs(self) -> int:
        return math.prod(self.train_x.shape[1:])


@dataclass(frozen=True)
class SeedResult:
    seed: int
    val_accuracy: float  # after the last epoch
    final_loss: float | None  # mean cross-entropy on the training subset after the last epoch (None: diverged)
    train_s: float  # seconds of training steps, evaluation excluded
    time_to_target_s: float | None  # train_s when validation first reached the target; None: never
    epoch_accuracy: tuple[float, ...]  # validation accuracy after each epoch


def prepare_splits(dataset: Dataset, device: str, budget: Budget) -> Splits:
    """Slices of the training package's device copy (shuffled once with a fixed seed)."""
    data = device_data(dataset, device)
    n_train = len(data.train_y) if budget.train_samples is None else min(budget.train_samples, len(data.train_y))
    n_val = len(data.val_y) if budget.eval_samples is None else min(budget.eval_samples, len(data.val_y))
    return Splits(data.train_x[:n_train], data.train_y[:n_train], data.val_x[:n_val], data.val_y[:n_val])


def train_seed(
    setting: ModelSpec, splits: Splits, budget: Budget, seed: int, device: str, clock: Clock, num_classes: int = 10
) -> tuple[SeedResult, dict[str, Any]]:
    """Train a fresh model of ``setting`` from ``seed``; return the result and the description of
    the model as built (right after init) with the optimiser's settings."""
    model = build_model(setting, splits.num_inputs, num_classes, seed, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=setting.lr)
    description = describe_model(model) | {
        "optimizer": type(optimizer).__name__,
        "lr": optimizer.param_groups[0]["lr"],
        "batch_size": setting.batch_size,
    }
    order_gen = torch.Generator().manual_seed(seed + BATCH_SEED_OFFSET)
    n = len(splits.train_y)
    train_s, to_target, accuracies = 0.0, None, []
    for _ in range(budget.epochs):
        order = torch.randperm(n, generator=order_gen).to(device)
        start = clock()
        model.train()
        for first in range(0, n, setting.batch_size):
            idx = order[first : first + setting.batch_size]
            loss = F.cross_entropy(model(splits.train_x[idx]), splits.train_y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        train_s += clock() - start
        model.eval()
        _, accuracy = evaluate(model, splits.val_x, splits.val_y)
        accuracies.append(accuracy)
        if to_target is None and accuracy >= budget.target_accuracy:
            to_target = train_s
    loss, _ = evaluate(model, splits.train_x, splits.train_y, limit=budget.eval_samples)
    result = SeedResult(
        seed=seed,
        val_accuracy=accuracies[-1],
        final_loss=loss if math.isfinite(loss) else None,
        train_s=train_s,
        time_to_target_s=to_target,
        epoch_accuracy=tuple(accuracies),
    )
    return result, description
