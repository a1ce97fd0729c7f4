"""Where a training step gets its next minibatch: the two input modes a run can measure.

- ``device-tensors``: contiguous slices of tensors already on the device (shuffled once, seeded);
  the step pays for no data movement, so the timing measures the model.
- ``dataloader``: a ``torch.utils.data.DataLoader`` over the host tensors, reshuffled every epoch
  with a seeded generator, as the d2l loop does; the timing measures the whole loop (per-sample
  indexing, collation and, on CUDA, the host-to-device copy).

Both drop the last partial batch, so every step does the same work. Two sources built with the
same arguments hand out the same batches in the same order: that is what makes a framework and
a scratch model see identical data. A source counts epochs and, given a clock, reads it at every
epoch boundary, so whole epochs can be timed (``--bench-full``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.utils.data import DataLoader, TensorDataset

from bench.training.data import Dataset, device_data

LOADER_SEED = 3

Batch = tuple[torch.Tensor, torch.Tensor]


class Batches:
    """A callable returning the next ``(X, y)`` minibatch on the device, cycling through epochs."""

    steps_per_epoch: int

    def __init__(self, steps_per_epoch: int, clock: Callable[[], float] | None) -> None:
        if steps_per_epoch < 1:
            raise ValueError("the training split is smaller than one batch")
        self.steps_per_epoch = steps_per_epoch
        self.steps = 0  # batches handed out so far
        self.epoch_marks: list[float] = []  # clock readings at each epoch boundary (with a clock)
        self._clock = clock

    def _epoch_boundary(self) -> None:
        if self._clock is not None:
            self.epoch_marks.append(self._clock())

    def __call__(self) -> Batch:
        raise NotImplementedError


class TensorBatches(Batches):
    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, clock=None) -> None:
        super().__init__(len(y) // batch_size, clock)
        self.x, self.y, self.batch_size = x, y, batch_size
        self._index = 0

    def __call__(self) -> Batch:
        if self._index == self.steps_per_epoch:
            self._index = 0
            self._epoch_boundary()
        start = self._index * self.batch_size
        self._index += 1
        self.steps += 1
        return self.x[start : start + self.batch_size], self.y[start : start + self.batch_size]


class LoaderBatches(Batches):
    def __init__(self, loader: DataLoader, device: str, clock=None) -> None:
        super().__init__(len(loader), clock)
        self.loader, self.device = loader, torch.device(device)
        self._non_blocking = self.device.type == "cuda"  # the loader pins memory on CUDA
        self._iter = iter(loader)

    def __call__(self) -> Batch:
        try:
            x, y = next(self._iter)
        except StopIteration:
            self._epoch_boundary()
            self._iter = iter(self.loader)
            x, y = next(self._iter)
        self.steps += 1
        return x.to(self.device, non_blocking=self._non_blocking), y.to(self.device, non_blocking=self._non_blocking)


def make_batches(
    mode: str,
    dataset: Dataset,
    device: str,
    batch_size: int,
    num_workers: int = 0,
    clock: Callable[[], float] | None = None,
) -> Batches:
    """A fresh source in ``mode``, starting at the first batch of the first epoch."""
    if mode == "device-tensors":
        data = device_data(dataset, device)
        return TensorBatches(data.train_x, data.train_y, batch_size, clock)
    if mode == "dataloader":
        loader = DataLoader(
            TensorDataset(dataset.train_x, dataset.train_y),
            batch_size=batch_size,
            shuffle=True,
            drop_last=True,
            num_workers=num_workers,
            pin_memory=device.startswith("cuda"),
            generator=torch.Generator().manual_seed(LOADER_SEED),
            persistent_workers=num_workers > 0,
        )
        return LoaderBatches(loader, device, clock)
    raise ValueError(f"unknown input mode {mode!r}")
