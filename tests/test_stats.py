"""The shared statistics (contract.stats): intervals that cover, ratios that pair rounds."""

import numpy as np
import pytest

from contract import stats
from contract.stats import bootstrap_ci, paired_ratio, ratio_of_medians


def test_bootstrap_ci_contains_the_median_and_is_deterministic():
    rng = np.random.default_rng(1)
    values = rng.normal(10.0, 1.0, size=200)
    low, high = bootstrap_ci(values)
    assert low < np.median(values) < high
    assert (low, high) == bootstrap_ci(values)
    assert high - low < 0.6  # about 2 x 1.96 x 1.25 x sigma / sqrt(n) = 0.35 for a median


def test_bootstrap_ci_covers_the_true_median_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    hits = 0
    trials = 200
    for seed in range(trials):
        sample = rng.exponential(1.0, size=60)
        low, high = bootstrap_ci(sample, resamples=500, seed=seed)
        hits += low <= np.log(2) <= high
    assert 0.88 <= hits / trials <= 0.99


def test_paired_ratio_cancels_drift_shared_by_both_series():
    drift = np.linspace(1.0, 3.0, 40)  # the machine slows down threefold during the run
    base = 1.0 * drift
    slow = 1.25 * drift
    est = paired_ratio(slow, base)
    assert est.value == pytest.approx(1.25)
    assert est.low == pytest.approx(1.25) and est.high == pytest.approx(1.25)
    unpaired = ratio_of_medians(slow, base)
    assert unpaired.high - unpaired.low > 0.2  # the same data, unpaired, is far less certain


def test_paired_ratio_rejects_bad_input():
    with pytest.raises(ValueError):
        paired_ratio([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        paired_ratio([], [])
    with pytest.raises(ValueError):
        paired_ratio([1.0, 0.0], [1.0, 1.0])


def test_single_value_gives_a_degenerate_interval():
    assert bootstrap_ci([3.0]) == (3.0, 3.0)
    est = paired_ratio([2.0], [1.0])
    assert (est.value, est.low, est.high) == (2.0, 2.0, 2.0)


def test_ratio_of_medians_detects_a_clear_difference():
    rng = np.random.default_rng(3)
    a = rng.normal(2.0, 0.05, 30)
    b = rng.normal(1.0, 0.05, 30)
    est = ratio_of_medians(a, b)
    assert 1.9 < est.low <= est.value <= est.high < 2.1


@pytest.mark.parametrize("n", [1, 2, 7, 40, 41])
def test_resampled_medians_equal_the_sorting_median(n: int) -> None:
    rng = np.random.default_rng(n)
    values = np.round(rng.lognormal(size=n), 1)  # rounded: ties between ranks
    draws = rng.integers(0, n, size=(500, n))
    assert np.array_equal(stats.resampled_medians(values, draws), np.median(values[draws], axis=1))


def test_median_interval_uses_the_binomial_ranks() -> None:
    values = np.arange(1.0, 21.0)  # n=20: P(B(20, 1/2) <= 5) = 0.0207 <= 0.025 < P(B <= 6) = 0.0577
    assert stats.median_interval(values) == (6.0, 15.0)
    assert stats.median_interval(values[::-1]) == (6.0, 15.0)  # order does not matter
    assert stats.median_interval([3.0, 1.0, 2.0]) == (1.0, 3.0)  # too few for 95 %: the range
    big = np.random.default_rng(3).normal(size=5001)
    low, high = stats.median_interval(big)  # the normal approximation brackets the median
    assert low < np.median(big) < high and high - low < 0.1


def test_median_interval_covers_the_true_median_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(11)
    covered = sum(low <= 0.0 <= high for low, high in (stats.median_interval(rng.normal(size=40)) for _ in range(2000)))
    assert 0.93 <= covered / 2000 <= 0.985  # exact ranks: at least 95 %, by less than one rank's step
