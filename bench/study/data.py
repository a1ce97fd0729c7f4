"""Which real data the study trains on, in order of preference:

1. Fashion-MNIST from a local folder (``--bench-data-root`` / ``FASHION_MNIST_ROOT``), read by the
   training package's loader: the exercise's data set;
2. scikit-learn's bundled 8x8 digits (1,797 images, shipped inside the package, so it works
   offline; optional extra ``study``), used at its native 8x8 (64 inputs): upsampling to 28x28
   would add no information, only 12x the first layer's cost. A fixed, seeded 75/25 split;
3. the training package's synthetic stand-in, only when neither is available; every record and
   the report then say ``synthetic`` (it answers "does the harness work", not the exercise).

All become the training package's ``Dataset`` (N x 1 x H x W float32 in [0, 1], int64 labels).
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache

import torch

from bench.study.space import DIGITS, FASHION_MNIST, SYNTHETIC
from bench.training.data import Dataset, load_dataset

AUTO = "auto"
CHOICES = (AUTO, FASHION_MNIST, DIGITS, SYNTHETIC)
DIGITS_SPLIT_SEED = 7
DIGITS_VAL_FRACTION = 0.25

NOTES = {
    FASHION_MNIST: "Fashion-MNIST (the exercise's data set)",
    DIGITS: "scikit-learn digits at 8x8 (real data, 1,797 images; not Fashion-MNIST: compare trends, not numbers)",
    SYNTHETIC: "SYNTHETIC stand-in (no real data found): checks the harness, does not answer the exercise",
}


def have_sklearn() -> bool:
    return importlib.util.find_spec("sklearn") is not None


def resolve_choice(requested: str, root: str | None) -> str:
    """The data set a run will use; an explicit choice that cannot be met is an error."""
    if requested not in CHOICES:
        raise ValueError(f"unknown study data set {requested!r}; choose from {', '.join(CHOICES)}")
    if requested == AUTO:
        return FASHION_MNIST if root else DIGITS if have_sklearn() else SYNTHETIC
    if requested == FASHION_MNIST and not root:
        raise ValueError("the study's fashion-mnist data needs --bench-data-root or FASHION_MNIST_ROOT")
    if requested == DIGITS and not have_sklearn():
        raise ValueError("the study's digits data needs scikit-learn: pip install 'torch-bench-harness[study]'")
    return requested


def study_dataset(name: str, root: str | None) -> Dataset:
    """The data set called ``name`` (see :func:`resolve_choice`), cached per session."""
    if name == FASHION_MNIST:
        return load_dataset(root)
    if name == DIGITS:
        return digits_dataset()
    if name == SYNTHETIC:
        return load_dataset(None)
    raise ValueError(f"unknown study data set {name!r}")


@lru_cache(maxsize=1)
def digits_dataset(seed: int = DIGITS_SPLIT_SEED, val_fraction: float = DIGITS_VAL_FRACTION) -> Dataset:
    """sklearn's digits as 1 x 8 x 8 images in [0, 1] (pixels are 0..16), split once with a seed."""
    from sklearn.datasets import load_digits  # optional extra: imported only when used

    bunch = load_digits()
    x = torch.as_tensor(bunch.images, dtype=torch.float32).div_(16.0).unsqueeze(1)
    y = torch.as_tensor(bunch.target, dtype=torch.int64)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    n_val = round(len(y) * val_fraction)
    val, train = order[:n_val], order[n_val:]
    return Dataset(DIGITS, f"sklearn.datasets.load_digits, split seed {seed}", x[train], y[train], x[val], y[val])
