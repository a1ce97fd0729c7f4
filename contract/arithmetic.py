"""Arithmetic both halves apply to the same numbers: one rule, so a file and its report agree."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

#: The well-aligned reference size of the alignment study (penalties are t(n) / t(BASELINE_N)).
BASELINE_N = 1024


def finite(value: Any) -> float:
    """A finite float, or NaN for anything else (None, strings, bools, inf, ints too big for a float):
    how both halves read a number out of a saved file."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    try:
        value = float(value)
    except OverflowError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def baseline_size(sizes: Iterable[int]) -> int:
    """1024 when measured, else the smallest size: bench (which penalties it computes) and reports
    (which standalone size it divides by) must pick the same reference."""
    values = list(sizes)
    if not values:
        raise ValueError("baseline_size needs at least one size")
    return BASELINE_N if BASELINE_N in values else min(values)


def rate(amount: float | None, seconds: float | None) -> float | None:
    """amount / seconds / 1e9 (GFLOP/s, GB/s); None unless both are finite and positive (a smoke
    pass has no time, a damaged file may have anything)."""
    for value in (amount, seconds):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            return None
    result = amount / seconds / 1e9
    return result if math.isfinite(result) else None
