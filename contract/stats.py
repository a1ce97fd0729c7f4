"""Statistics shared by measuring and reporting: pure functions over plain sequences.

Bootstrap intervals use a fixed seed so the same data always give the same interval
(a report rebuilt from the same files must not change).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_RESAMPLES = 2000
DEFAULT_CONFIDENCE = 0.95
DEFAULT_SEED = 20240611


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval."""

    value: float
    low: float
    high: float

    def as_list(self) -> list[float]:
        return [self.low, self.high]


def bootstrap_ci(
    values: Sequence[float],
    statistic: Callable[[np.ndarray], np.ndarray] = lambda a: np.median(a, axis=-1),
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic`` (vectorised over the last axis)."""
    data = np.asarray(values, dtype=float)
    if data.ndim != 1 or data.size == 0:
        raise ValueError("bootstrap_ci needs a non-empty 1-D sequence")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if data.size == 1:
        return float(data[0]), float(data[0])
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, data.size, size=(resamples, data.size))
    stats = statistic(data[idx])
    alpha = (1 - confidence) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha])
    return float(low), float(high)


def paired_ratio(
    numerator: Sequence[float],
    denominator: Sequence[float],
    **kwargs: float,
) -> Estimate:
    """Median of per-round ratios ``numerator[i] / denominator[i]`` with a bootstrap interval.

    Rounds are paired: both values of round ``i`` were measured back to back, so slow drift of
    a shared machine divides out of each ratio instead of widening the interval.
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    if num.shape != den.shape or num.ndim != 1 or num.size == 0:
        raise ValueError(f"paired_ratio needs two equal, non-empty 1-D sequences, got {num.shape} and {den.shape}")
    if np.any(den <= 0) or np.any(num <= 0):
        raise ValueError("paired_ratio needs positive times")
    ratios = num / den
    low, high = bootstrap_ci(ratios, **kwargs)
    return Estimate(float(np.median(ratios)), low, high)


def ratio_of_medians(
    numerator: Sequence[float],
    denominator: Sequence[float],
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> Estimate:
    """median(numerator) / median(denominator) for two independent samples, with a bootstrap
    interval that resamples each sample on its own (runs taken at different times are unpaired)."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    if num.ndim != 1 or den.ndim != 1 or num.size == 0 or den.size == 0:
        raise ValueError("ratio_of_medians needs two non-empty 1-D sequences")
    rng = np.random.default_rng(seed)
    num_med = np.median(num[rng.integers(0, num.size, size=(resamples, num.size))], axis=1)
    den_med = np.median(den[rng.integers(0, den.size, size=(resamples, den.size))], axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(num_med / den_med, [alpha, 1 - alpha])
    return Estimate(float(np.median(num) / np.median(den)), float(low), float(high))
