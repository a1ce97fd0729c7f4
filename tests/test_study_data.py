"""The study's data: the offline digits path, the order of preference, and the sweep definition."""

from __future__ import annotations

import pytest
import torch

from bench.study import data
from bench.study.space import (
    BASELINE,
    DIGITS,
    FASHION_MNIST,
    FULL,
    PARAMS,
    QUICK,
    SYNTHETIC,
    sweep_points,
    with_budget,
)

needs_sklearn = pytest.mark.skipif(not data.have_sklearn(), reason="scikit-learn is not installed (extra 'study')")


@needs_sklearn
def test_digits_dataset_is_real_and_split_once() -> None:
    ds = data.digits_dataset()
    assert ds.name == DIGITS
    assert len(ds.train_y) + len(ds.val_y) == 1797
    assert len(ds.val_y) == round(1797 * data.DIGITS_VAL_FRACTION)
    assert ds.train_x.shape[1:] == (1, 8, 8) and ds.train_x.dtype == torch.float32
    assert float(ds.train_x.min()) >= 0.0 and float(ds.train_x.max()) <= 1.0
    assert set(ds.train_y.tolist()) == set(range(10)) == set(ds.val_y.tolist())
    again = data.digits_dataset.__wrapped__()  # uncached: the split is seeded, so identical
    assert torch.equal(again.val_y, ds.val_y) and torch.equal(again.train_x, ds.train_x)


@needs_sklearn
def test_auto_prefers_fashion_then_digits() -> None:
    assert data.resolve_choice("auto", "/some/root") == FASHION_MNIST
    assert data.resolve_choice("auto", None) == DIGITS
    assert data.study_dataset(DIGITS, None) is data.digits_dataset()


def test_explicit_choices_that_cannot_be_met_are_errors() -> None:
    with pytest.raises(ValueError, match="FASHION_MNIST_ROOT"):
        data.resolve_choice(FASHION_MNIST, None)
    with pytest.raises(ValueError, match="unknown"):
        data.resolve_choice("cifar", None)
    assert data.resolve_choice(SYNTHETIC, None) == SYNTHETIC
    assert "SYNTHETIC" in data.NOTES[SYNTHETIC]


def test_quick_sweep_is_small_and_full_follows_the_exercise() -> None:
    quick = sweep_points(QUICK)
    assert [p.param for p in quick].count("activation") == 5
    assert len(quick) == 3 + 2 + 3 + 5 + 3
    assert {p.param for p in quick} == set(PARAMS)
    assert FULL.hidden_units[0] == 64 and FULL.hidden_units[-1] == 8192
    assert min(FULL.lrs) == 0.001 and max(FULL.lrs) == 1.0
    assert QUICK.seeds >= 3 and FULL.seeds >= QUICK.seeds
    for point in quick:  # one parameter varied, the rest at the baseline
        others = {k: v for k, v in vars(point.setting).items() if k != point.param}
        assert others == {k: v for k, v in vars(BASELINE).items() if k != point.param}
        assert "=" not in point.id  # -k expressions cannot hold "="
    assert len({p.id for p in quick}) == len(quick)


def test_budget_overrides() -> None:
    tiny = with_budget(QUICK, seeds=2, epochs=1, train_samples=100)
    assert (tiny.seeds, tiny.epochs_for(DIGITS), tiny.train_samples) == (2, 1, 100)
    assert with_budget(QUICK) == QUICK
    with pytest.raises(ValueError):
        with_budget(QUICK, seeds=0)
