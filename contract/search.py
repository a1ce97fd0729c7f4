"""Convergence arithmetic of a hyperparameter search: pure functions over one search's trial values.

Both halves use them: the joint study writes trials-to-target into its saved record and the
report recomputes it from the saved trials, so the two always agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Targets as fractions of the best accuracy any search found: 95 % is the exercise's "good enough",
#: 99 % separates strategies that merely get close from those that find the top.
TARGET_FRACTIONS = (0.95, 0.99)


def best_so_far(values: Sequence[float | None]) -> list[float]:
    """The running maximum after each trial (a failed trial, None or NaN, counts as no progress;
    NaN until the first finite value)."""
    best, out = -math.inf, []
    for value in values:
        if value is not None and math.isfinite(value):
            best = max(best, value)
        out.append(best if best > -math.inf else math.nan)
    return out


def trials_to_target(values: Sequence[float | None], target: float) -> int | None:
    """How many trials the search needed before one reached ``target`` (1-based); None if none did."""
    for i, value in enumerate(values):
        if value is not None and math.isfinite(value) and value >= target:
            return i + 1
    return None


def fraction_label(fraction: float) -> str:
    """``0.95`` -> ``"95%"``: the key a saved record and the report use for one target."""
    return f"{100 * fraction:g}%"
