"""Run-over-run verdicts: a clear slowdown is "slower", identical data "no change"."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from reports import changes
from reports.collect import load_runs
from reports.frame import results_frame
from tests import report_fixtures as fx

RNG = np.random.default_rng(7)
BASE = list(1e-3 * (1 + np.abs(RNG.normal(0, 0.03, 30))))


def test_clear_2x_slowdown_is_slower() -> None:
    change = changes.compare(np.median(BASE), 2 * np.median(BASE), BASE, [2 * x for x in BASE])
    assert change.verdict == changes.SLOWER
    assert change.ratio == 2.0
    assert change.low > 1.5


def test_2x_speedup_is_faster() -> None:
    change = changes.compare(np.median(BASE), np.median(BASE) / 2, BASE, [x / 2 for x in BASE])
    assert change.verdict == changes.FASTER


def test_identical_data_is_no_change() -> None:
    change = changes.compare(np.median(BASE), np.median(BASE), BASE, list(BASE))
    assert change.verdict == changes.SAME
    assert change.ratio == 1.0


def test_small_significant_shift_below_threshold_is_no_change() -> None:
    change = changes.compare(np.median(BASE), np.median(BASE) * 1.02, BASE, [x * 1.02 for x in BASE])
    assert change.verdict == changes.SAME


def test_without_raw_data_no_verdict() -> None:
    change = changes.compare(1.0, 2.0, None, None)
    assert change.verdict == changes.NO_DATA
    assert change.ratio == 2.0 and math.isnan(change.low)


def _load(tmp_path: Path, *runs: dict) -> list:
    for i, run in enumerate(runs):
        fx.write_json(tmp_path / f"{i}.json", run)
    return load_runs([tmp_path], progress=False).runs


def test_previous_run_is_the_default_baseline(tmp_path: Path) -> None:
    runs = _load(
        tmp_path,
        fx.make_run("laptop", fx.BASE_TIME, seed=1, matmul=False, alignment=False),
        fx.make_run("laptop", fx.BASE_TIME + timedelta(days=1), seed=2, matmul=False, alignment=False),
        fx.make_run("laptop", fx.BASE_TIME + timedelta(days=2), seed=3, slowdown=2.0, matmul=False, alignment=False),
    )
    pairs = changes.baseline_pairs(runs)
    assert [(b.datetime.day, c.datetime.day) for b, c in pairs] == [(12, 13)]
    frame, _ = results_frame(runs)
    table = changes.changes_table(frame, runs, pairs)
    # 10 training steps + framework and scratch steps of 5 interleaved benchmarks (per implementation:
    # a whole sweep's length follows calibration, so it is not what runs are compared on)
    assert len(table) == 20
    # every benchmark twice as slow and no canary: the within-run test calls all of them slower, but
    # without a canary a machine that halved its speed looks the same, so the suite median absorbs it
    assert set(table["within-run verdict"]) == {changes.SLOWER}
    assert set(table["verdict"]) == {changes.SAME}
    assert table["machine ratio"].tolist() == pytest.approx([2.0] * 20, rel=0.05)
    counts = changes.verdict_counts(table)
    assert counts["changed by the within-run test alone"].tolist() == [20]
    assert any(name.endswith(" scratch") for name in table["benchmark"])


def test_explicit_baseline_and_runs_without_data(tmp_path: Path) -> None:
    runs = _load(
        tmp_path,
        fx.make_run("laptop", fx.BASE_TIME, seed=1, matmul=False, alignment=False),
        fx.make_run("laptop", fx.BASE_TIME + timedelta(days=1), seed=2, matmul=False, alignment=False,
                    save_data=False),
    )  # fmt: skip
    pairs = changes.baseline_pairs(runs, baseline=runs[0])
    assert [(b.path, c.path) for b, c in pairs] == [(runs[0].path, runs[1].path)]
    frame, _ = results_frame(runs)
    table = changes.changes_table(frame, runs, pairs)
    per_step = table[~table["benchmark"].str.startswith("test_training_ratio")]
    assert len(per_step) == 10 and set(per_step["verdict"]) == {changes.NO_DATA}
    # interleaved benchmarks keep their own per-round data in extra_info, saved in any case
    interleaved = table[table["benchmark"].str.startswith("test_training_ratio")]
    assert len(interleaved) == 10 and changes.NO_DATA not in set(interleaved["verdict"])


def test_alignment_sizes_are_compared_per_size(tmp_path: Path) -> None:
    runs = _load(
        tmp_path,
        fx.make_run("laptop", fx.BASE_TIME, seed=1, matmul=False, training=False),
        fx.make_run("laptop", fx.BASE_TIME + timedelta(days=1), seed=1, matmul=False, training=False),
    )
    frame, _ = results_frame(runs)
    table = changes.changes_table(frame, runs, changes.baseline_pairs(runs))
    assert len(table) == 2 * len(fx.SIZES)
    assert set(table["verdict"]) == {changes.SAME}  # same seed: identical data


@pytest.mark.parametrize(
    ("n1", "n2", "tied"), [(40, 40, False), (12, 30, False), (9, 9, False), (30, 30, True), (5, 6, True), (5, 6, False)]
)
def test_mann_whitney_p_is_scipys(n1: int, n2: int, tied: bool) -> None:
    rng = np.random.default_rng(n1 * 100 + n2)
    for shift in (0.0, 0.3, 1.0):
        x, y = rng.lognormal(size=n1) + shift, rng.lognormal(size=n2)
        if tied:
            x, y = np.round(x, 1), np.round(y, 1)
        expected = mannwhitneyu(x, y, alternative="two-sided").pvalue
        assert changes.mann_whitney_p(x, y) == pytest.approx(expected, rel=1e-9, abs=1e-15)
