"""The data the training benchmarks read: real Fashion-MNIST from a local folder, or a synthetic
stand-in of the same shape, size and difficulty class (learnable, so accuracy means something).

Both become the same plain tensors (N x 1 x 28 x 28 float32 in [0, 1], int64 labels), so the
timed step costs the same whichever data a run used; the run records which one it was.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn.functional as F

NUM_INPUTS = 28 * 28
NUM_CLASSES = 10
TRAIN_SIZE = 60_000
VAL_SIZE = 10_000
DATA_SEED = 0
SHUFFLE_SEED = 2

#: torchvision's file names under <root>/FashionMNIST/raw/ (uncompressed; ``.gz`` also accepted).
RAW_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

# Synthetic difficulty: class prototypes differ by BETA x smooth patterns, pixels carry SIGMA noise.
# Chosen so an MLP reaches roughly 85-90 % after one epoch, like Fashion-MNIST, not 100 % at once.
BETA = 0.35
SIGMA = 0.5


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train and validation splits as tensors in host memory."""

    name: str  # "fashion-mnist" | "synthetic"
    source: str  # the folder read, or the generator's seed
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor


@dataclass(frozen=True, eq=False)
class DeviceData:
    """The training split shuffled once (seeded) and the validation split, both on ``device``."""

    device: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor


@lru_cache(maxsize=2)
def load_dataset(root: str | None) -> Dataset:
    """Fashion-MNIST from ``root`` when given (a missing folder is an error, never a silent
    switch to other data), else the synthetic set. Cached: generated or read once per session."""
    if root:
        return load_fashion_mnist(root)
    return synthetic_dataset()


def synthetic_dataset(
    train_size: int = TRAIN_SIZE,
    val_size: int = VAL_SIZE,
    seed: int = DATA_SEED,
    beta: float = BETA,
    sigma: float = SIGMA,
) -> Dataset:
    """Smooth 28x28 class prototypes (upsampled 7x7 noise) plus brightness jitter and pixel noise,
    clipped to [0, 1]; balanced classes. Seeded torch ops: the same set on every machine."""
    gen = torch.Generator().manual_seed(seed)
    coarse = torch.rand(NUM_CLASSES + 1, 1, 7, 7, generator=gen)
    smooth = F.interpolate(coarse, size=(28, 28), mode="bilinear", align_corners=False)
    prototypes = 0.5 * smooth[0] + beta * (smooth[1:] - 0.5)  # shared background + class pattern

    def split(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        y = torch.randperm(n, generator=gen) % NUM_CLASSES
        brightness = 0.6 + 0.8 * torch.rand(n, 1, 1, 1, generator=gen)
        x = prototypes[y] * brightness + sigma * torch.randn(n, 1, 28, 28, generator=gen)
        return x.clamp_(0.0, 1.0), y

    train_x, train_y = split(train_size)
    val_x, val_y = split(val_size)
    return Dataset("synthetic", f"seed={seed}", train_x, train_y, val_x, val_y)


def load_fashion_mnist(root: str | Path) -> Dataset:
    """Read the IDX files through ``torchvision.datasets.FashionMNIST(download=False)``."""
    from torchvision.datasets import FashionMNIST  # torchvision is only needed for real data

    with readable_root(Path(root)) as readable:  # torchvision reads the files into memory here
        splits = [FashionMNIST(str(readable), train=train, download=False) for train in (True, False)]
    (train_x, train_y), (val_x, val_y) = ((s.data.unsqueeze(1).float().div_(255), s.targets.long()) for s in splits)
    return Dataset("fashion-mnist", str(root), train_x, train_y, val_x, val_y)


@contextmanager
def readable_root(root: Path) -> Iterator[Path]:
    """A root torchvision can read: ``root`` itself when the raw files are uncompressed, else a
    temporary copy with the ``.gz`` files decompressed, removed once read (the data folder itself
    is never written, and no session leaves its 55 MB copy behind)."""
    raw = root / "FashionMNIST" / "raw"
    if all((raw / name).is_file() for name in RAW_FILES):
        yield root
        return
    if not all((raw / f"{name}.gz").is_file() for name in RAW_FILES):
        missing = [name for name in RAW_FILES if not (raw / name).is_file() and not (raw / f"{name}.gz").is_file()]
        raise FileNotFoundError(
            f"Fashion-MNIST not found under {root}: expected {raw}/<name>[.gz] for {', '.join(RAW_FILES)}; "
            f"missing {', '.join(missing)}. Download it once with torchvision (download=True) on a machine with "
            "internet, or drop --bench-data-root / FASHION_MNIST_ROOT to use the synthetic set."
        )
    with tempfile.TemporaryDirectory(prefix="bench-fashion-mnist-") as copy:
        target = Path(copy) / "FashionMNIST" / "raw"
        target.mkdir(parents=True)
        for name in RAW_FILES:
            with gzip.open(raw / f"{name}.gz", "rb") as src, open(target / name, "wb") as dst:
                shutil.copyfileobj(src, dst)
        yield Path(copy)


@lru_cache(maxsize=2)
def device_data(dataset: Dataset, device: str) -> DeviceData:
    """Copy the splits to ``device`` once per session; the training split is shuffled with a fixed
    seed so contiguous slices are random minibatches, identical for every implementation."""
    order = torch.randperm(len(dataset.train_y), generator=torch.Generator().manual_seed(SHUFFLE_SEED))
    return DeviceData(
        device=device,
        train_x=dataset.train_x[order].to(device),
        train_y=dataset.train_y[order].to(device),
        val_x=dataset.val_x.to(device),
        val_y=dataset.val_y.to(device),
    )
