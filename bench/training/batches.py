"""Where a training step gets its next minibatch: the two input modes a run can measure.

- ``device-tensors``: contiguous slices of tensors already on the device (shuffled once, seeded);
  the step pays for no data movement, so the timing measures the model.
- ``dataloader``: a ``torch.utils.data.DataLoader`` over the host tensors, reshuffled every epoch
  with a seeded generator, as the d2l loop does; the timing measures the whole loop (per-sample
  indexing, collation and, on CUDA, the host-to-device copy).

Both drop the last partial batch, so every step does the same work. Two sources built with the
same arguments hand out the same batches in the same order: that is what makes a framework and
a scratch model see identical data. A source counts the batches it handed out, so a timed run
can start at an epoch boundary and time whole epochs (``--bench-full``).
"""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, TensorDataset

from bench.training.data import Dataset, device_data

LOADER_SEED = 3

Batch = tuple[torch.Tensor, torch.Tensor]


class Batches:
    """A callable returning the next ``(X, y)`` minibatch on the device, cycling through epochs."""

    steps_per_epoch: int

    def __init__(self, steps_per_epoch: int) -> None:
        if steps_per_epoch < 1:
            raise ValueError("the training split is smaller than one batch")
        self.steps_per_epoch = steps_per_epoch
        self.steps = 0  # batches handed out so far; epoch k starts at step k * steps_per_epoch

    def __call__(self) -> Batch:
        raise NotImplementedError


class TensorBatches(Batches):
    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int) -> None:
        super().__init__(len(y) // batch_size)
        self.x, self.y, self.batch_size = x, y, batch_size
        self._index = 0

    def __call__(self) -> Batch:
        if self._index == self.steps_per_epoch:
            self._index = 0
        start = self._index * self.batch_size
        self._index += 1
        self.steps += 1
        return self.x[start : start + self.batch_size], self.y[start : start + self.batch_size]


class LoaderBatches(Batches):
    def __init__(self, loader: DataLoader, device: str) -> None:
        super().__init__(len(loader))
        self.loader, self.device = loader, torch.device(device)
        self._non_blocking = self.device.type == "cuda"  # the loader pins memory on CUDA
        self._iter = iter(loader)

    def __call__(self) -> Batch:
        try:
            x, y = next(self._iter)
        except StopIteration:
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
) -> Batches:
    """A fresh source in ``mode``, starting at the first batch of the first epoch."""
    if mode == "device-tensors":
        data = device_data(dataset, device)
        return TensorBatches(data.train_x, data.train_y, batch_size)
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
        return LoaderBatches(loader, device)
    raise ValueError(f"unknown input mode {mode!r}")
