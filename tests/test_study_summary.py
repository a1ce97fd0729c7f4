"""The study's statistics: t intervals over seeds and the "indistinguishable from best" verdict."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from contract.stats import mean_interval, overlaps, t_quantile
from reports.study import sweep_summary


def test_t_quantiles() -> None:
    assert t_quantile(1) == pytest.approx(12.706)
    assert t_quantile(2) == pytest.approx(4.303)
    assert t_quantile(30) == pytest.approx(2.042)
    assert t_quantile(60) == pytest.approx(2.000, abs=0.002)
    assert t_quantile(10_000) == pytest.approx(1.960, abs=0.001)
    with pytest.raises(ValueError):
        t_quantile(0)


def test_mean_interval_three_seeds() -> None:
    mean, low, high = mean_interval([1.0, 2.0, 3.0])  # sd 1, n 3
    half = 4.303 / math.sqrt(3)
    assert mean == 2.0
    assert (low, high) == pytest.approx((2.0 - half, 2.0 + half))


def test_mean_interval_edge_cases() -> None:
    assert mean_interval([0.5, 0.5, 0.5]) == (0.5, 0.5, 0.5)
    mean, low, high = mean_interval([0.7, None, math.nan])
    assert mean == 0.7 and math.isnan(low) and math.isnan(high)
    assert all(math.isnan(v) for v in mean_interval([]))
    _, low, high = mean_interval([0.99, 0.5, 0.98], bounds=(0.0, 1.0))
    assert low >= 0.0 and high == 1.0


def test_overlaps() -> None:
    assert overlaps((0.1, 0.3), (0.2, 0.4))
    assert overlaps((0.1, 0.2), (0.2, 0.4))  # touching counts as overlapping
    assert not overlaps((0.1, 0.2), (0.21, 0.4))
    assert overlaps((math.nan, math.nan), (0.2, 0.4)) is None


def points(*rows: tuple[float, float, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["mean", "low", "high"], index=["a", "b", "c"][: len(rows)])


def test_clear_winner_is_distinguishable() -> None:
    out = sweep_summary(points((0.90, 0.88, 0.92), (0.80, 0.78, 0.82), (0.50, 0.40, 0.60)))
    assert out["best"].tolist() == [True, False, False]
    assert out["indistinguishable"].tolist() == [True, False, False]


def test_overlapping_settings_are_indistinguishable() -> None:
    out = sweep_summary(points((0.85, 0.80, 0.90), (0.87, 0.82, 0.92), (0.60, 0.55, 0.65)))
    assert out["best"].tolist() == [False, True, False]
    assert out["indistinguishable"].tolist() == [True, True, False]


def test_unknown_interval_gives_no_verdict() -> None:
    out = sweep_summary(points((0.85, math.nan, math.nan), (0.80, math.nan, math.nan)))
    assert out["best"].tolist() == [True, False]
    assert out["indistinguishable"].tolist() == [True, None]


def test_empty_sweep() -> None:
    assert sweep_summary(points()).empty
