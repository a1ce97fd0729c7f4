"""The joint hyperparameter search: its space, its searches (real optuna samplers, real trainings on
a small data set), and its records and report section from a real saved session."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import scipy.stats

from bench.study.joint_space import (
    QUICK_JOINT,
    RANDOM,
    STRATEGIES,
    TPE,
    JointSetting,
    JointSpace,
    parse_range,
    suggest,
    with_joint_budget,
)
from bench.study.model import build_model, check_applied, describe_model
from bench.study.train import Budget, prepare_splits
from bench.timing import make_clock
from bench.training.data import synthetic_dataset
from contract.schema import (
    JOINT_BEST_FIELDS,
    JOINT_SEARCH_FIELDS,
    JOINT_TRIAL_FIELDS,
    KIND_JOINT_BEST,
    KIND_JOINT_SEARCH,
    STUDY_MODEL_FIELDS,
)
from contract.search import best_so_far, trials_to_target
from contract.stats import mean_difference_interval
from reports import joint
from reports.collect import load_runs
from reports.frame import results_frame
from reports.render import html
from reports.report import build_report
from tests.support import ROOT, run_session, saved_runs

optuna = pytest.importorskip("optuna", reason="the joint search needs optuna (extra 'study')")

from bench.study.joint_search import NotApplied, SearchResult, make_sampler, run_search  # noqa: E402 (needs optuna)

TINY_SPACE = JointSpace(lr=(0.01, 1.0), epochs=(1, 2), layers=(1, 3), units=(8, 32))
TINY_PROFILE = replace(QUICK_JOINT, trials=5, tpe_startup=2, search_seeds=1)


@pytest.fixture(scope="module")
def splits():
    data = synthetic_dataset(train_size=256, val_size=128)
    return prepare_splits(data, "cpu", Budget(epochs=2, train_samples=None, eval_samples=None, target_accuracy=0.8))


def search(strategy: str, seed: int, splits) -> SearchResult:
    budget = Budget(epochs=2, train_samples=None, eval_samples=None, target_accuracy=0.8)
    return run_search(strategy, seed, TINY_PROFILE, TINY_SPACE, splits, budget, "cpu", make_clock("cpu"))


# --- the space ---------------------------------------------------------------------------------


def test_both_strategies_sample_the_same_space() -> None:
    """Many draws (no training): every setting is inside the space, and optuna records the same
    distributions (names, ranges, log scales) for both samplers."""
    distributions = {}
    for strategy in STRATEGIES:
        study = optuna.create_study(direction="maximize", sampler=make_sampler(strategy, 3, QUICK_JOINT)[0])
        space = QUICK_JOINT.space_for("digits-8x8")
        for i in range(40):
            trial = study.ask()
            setting = suggest(trial, space)
            assert space.contains(setting), setting
            assert setting.hidden == (setting.units,) * setting.layers
            study.tell(trial, setting.lr * (i % 7))  # any value: TPE needs feedback to leave its random start
        distributions[strategy] = study.trials[-1].distributions
        layers = {t.params["layers"] for t in study.trials}
        assert layers == {1, 2, 3}, f"{strategy} never tried some depth: {layers}"
    assert distributions[TPE] == distributions[RANDOM]
    assert distributions[TPE]["lr"].log and distributions[TPE]["units"].log and not distributions[TPE]["epochs"].log


def test_setting_space_and_option_errors() -> None:
    with pytest.raises(ValueError, match="positive"):
        JointSetting(lr=0.1, epochs=0, layers=1, units=8)
    with pytest.raises(ValueError, match="activation"):
        JointSetting(lr=0.1, epochs=1, layers=1, units=8, activation="swish")
    with pytest.raises(ValueError, match="units range"):
        JointSpace(lr=(0.1, 1.0), epochs=(1, 2), layers=(1, 3), units=(64, 8))
    assert not TINY_SPACE.contains(JointSetting(lr=0.1, epochs=3, layers=1, units=8))
    assert parse_range("5-40", "epochs") == (5, 40) and parse_range("7", "epochs") == (7, 7)
    for bad in ("40-5", "x", "0-3"):
        with pytest.raises(ValueError, match="epochs"):
            parse_range(bad, "epochs")
    with pytest.raises(ValueError, match="--bench-study-joint-trials must be >= 1"):
        with_joint_budget(QUICK_JOINT, trials=0)
    with pytest.raises(ValueError, match="--bench-study-joint-seeds must be >= 2"):
        with_joint_budget(QUICK_JOINT, seeds=1)
    changed = with_joint_budget(QUICK_JOINT, trials=7, epochs=(2, 4))
    assert changed.trials == 7 and changed.space_for("digits-8x8").epochs == (2, 4)


def test_check_applied_catches_a_depth_or_lr_that_did_not_reach_the_model() -> None:
    asked = JointSetting(lr=0.3, epochs=2, layers=3, units=16)
    built = describe_model(build_model(replace(asked, layers=2), 64, 10, 0))
    assert any("hidden widths" in p for p in check_applied(asked, built))
    right = describe_model(build_model(asked, 64, 10, 0))
    assert check_applied(asked, right, lr=0.3) == []
    assert any("optimiser lr" in p for p in check_applied(asked, right, lr=0.1))


# --- searches with real trainings ----------------------------------------------------------------


def test_each_trial_built_its_setting_and_both_strategies_got_the_budget(splits) -> None:
    results = {strategy: search(strategy, 0, splits) for strategy in STRATEGIES}
    for strategy, result in results.items():
        assert len(result.trials) == TINY_PROFILE.trials, strategy
        for trial in result.trials:
            setting, model = JointSetting(**trial["setting"]), trial["model"]
            assert trial["applied"] and trial["applied_problems"] == []
            assert TINY_SPACE.contains(setting)
            assert model["hidden_widths"] == [setting.units] * setting.layers
            assert model["activations"] == ["ReLU"] * setting.layers
            assert model["lr"] == setting.lr and model["optimizer"] == "SGD"
            assert len(trial["epoch_accuracy"]) == setting.epochs
            assert set(STUDY_MODEL_FIELDS) - {"init"} <= set(model)
        summary = result.summary()
        assert summary["best_so_far"] == best_so_far(result.accuracies)
        assert summary["best_accuracy"] == max(result.accuracies) == summary["best_so_far"][-1]
    # TPE's random start-up trials are the random sampler's own draws for the same seed: a paired start
    startup = TINY_PROFILE.tpe_startup
    assert [t["setting"] for t in results[TPE].trials[:startup]] == [
        t["setting"] for t in results[RANDOM].trials[:startup]
    ]
    assert [t["seed"] for t in results[TPE].trials] == [t["seed"] for t in results[RANDOM].trials]


def test_a_fixed_search_seed_reproduces_the_search(splits) -> None:
    first, again, other = search(TPE, 1, splits), search(TPE, 1, splits), search(TPE, 2, splits)
    assert [t["setting"] for t in first.trials] == [t["setting"] for t in again.trials]
    assert first.accuracies == again.accuracies
    assert [t["seed"] for t in first.trials] == [t["seed"] for t in again.trials]
    assert [t["setting"] for t in first.trials] != [t["setting"] for t in other.trials]


def test_a_trial_that_was_not_applied_stops_the_search(splits, monkeypatch) -> None:
    """The proof machinery is live: a model built with the wrong depth fails the search."""
    import bench.study.joint_search as joint_search

    real = joint_search.train_seed

    def shallower(setting, *args, **kwargs):
        return real(replace(setting, layers=1) if setting.layers > 1 else replace(setting, layers=2), *args, **kwargs)

    monkeypatch.setattr(joint_search, "train_seed", shallower)
    with pytest.raises(NotApplied, match="hidden widths"):
        search(RANDOM, 0, splits)


# --- statistics ----------------------------------------------------------------------------------


def test_best_so_far_and_trials_to_target() -> None:
    values = [0.2, None, 0.5, math.nan, 0.4, 0.9]
    assert best_so_far(values) == [0.2, 0.2, 0.5, 0.5, 0.5, 0.9]
    assert math.isnan(best_so_far([None, 0.3])[0])
    assert trials_to_target(values, 0.5) == 3 and trials_to_target(values, 0.95) is None
    found, targets = joint.trials_to_target_summary([
        {"strategy": "tpe", "search_seed": 1, "trials": [{"val_accuracy": v} for v in (0.5, 0.99, 0.7)]},
        {"strategy": "tpe", "search_seed": 0, "trials": [{"val_accuracy": v} for v in (0.96, 0.5, 1.0)]},
        {"strategy": "random", "search_seed": 0, "trials": [{"val_accuracy": v} for v in (0.1, 0.2, 0.94)]},
    ])  # fmt: skip
    assert found == 1.0
    assert targets == {"95%": {"random": [None], "tpe": [1, 2]}, "99%": {"random": [None], "tpe": [3, 2]}}


def test_welch_difference_interval_matches_scipy() -> None:
    a, b = [0.97, 0.96, 0.975, 0.965, 0.97], [0.93, 0.95, 0.91]
    diff, low, high = mean_difference_interval(a, b)
    va, vb = scipy.stats.tvar(a) / len(a), scipy.stats.tvar(b) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = scipy.stats.t.ppf(0.975, math.floor(df)) * math.sqrt(va + vb)
    assert diff == pytest.approx(sum(a) / 5 - sum(b) / 3)
    assert (low, high) == pytest.approx((diff - half, diff + half), rel=1e-3)
    assert math.isnan(mean_difference_interval([0.9], b)[1])
    assert mean_difference_interval([0.9, 0.9], [0.8, 0.8]) == pytest.approx((0.1, 0.1, 0.1))


def test_best_one_at_a_time_picks_only_comparable_sweeps() -> None:
    study = [
        {"kind": "study", "dataset": "digits-8x8", "param": "lr", "value": 1.0, "val_accuracy": [0.95, 0.96, 0.97],
         "train_samples": 1348, "val_samples": 449, "setting": {"lr": 1.0, "hidden_units": 256}, "epochs": 30},
        {"kind": "study", "dataset": "digits-8x8", "param": "init", "value": "xavier", "val_accuracy": [0.99] * 3,
         "train_samples": 1348, "val_samples": 449},  # not a hyperparameter the joint search varies
        {"kind": "study", "dataset": "digits-8x8", "param": "lr", "value": 0.1, "val_accuracy": [0.8] * 3,
         "train_samples": 1348, "val_samples": 449},
    ]  # fmt: skip
    best, note = joint.best_one_at_a_time(study, "digits-8x8", 1348, 449)
    assert best["point"] == "lr-1" and best["accuracy_mean"] == pytest.approx(0.96) and "lr-1" in note
    assert joint.best_one_at_a_time(study, "digits-8x8", 512, 449)[0] is None
    none, why = joint.best_one_at_a_time([], "digits-8x8")
    assert none is None and "no one-at-a-time study record" in why


# --- a real session, saved and reported ----------------------------------------------------------

TINY_SESSION = (
    "--bench-devices=cpu", "--bench-study-train-samples=512", "--bench-study-seeds=3", "--bench-study-epochs=2",
    "--bench-study-joint-trials=3", "--bench-study-joint-search-seeds=2", "--bench-study-joint-seeds=3",
    "--bench-study-joint-epochs=1-2",
)  # fmt: skip


@pytest.fixture(scope="module")
def saved_session(tmp_path_factory) -> Path:
    storage = tmp_path_factory.mktemp("joint") / "runs"
    result = run_session(
        "bench/study", "--bench-study", "--bench-study-joint", "-k", "lr-1 or joint", *TINY_SESSION,
        "--benchmark-autosave", f"--benchmark-storage={storage}",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "joint hyperparameter search" in result.stdout and "best joint setting" in result.stdout
    return storage


def test_session_saves_every_joint_field(saved_session: Path) -> None:
    (path,) = saved_runs(saved_session)
    benchmarks = json.loads(path.read_text())["benchmarks"]
    searches = [b["extra_info"] for b in benchmarks if b["extra_info"]["kind"] == KIND_JOINT_SEARCH]
    (best,) = [b["extra_info"] for b in benchmarks if b["extra_info"]["kind"] == KIND_JOINT_BEST]
    assert sorted((s["strategy"], s["search_seed"]) for s in searches) == [(RANDOM, 0), (RANDOM, 1), (TPE, 0), (TPE, 1)]
    for info in searches:
        assert set(JOINT_SEARCH_FIELDS) <= set(info), set(JOINT_SEARCH_FIELDS) - set(info)
        assert info["budget"] == 3 and len(info["trials"]) == 3 and info["applied"] is True
        assert info["space"] == searches[0]["space"] and info["space"]["epochs"] == [1, 2]
        for trial in info["trials"]:
            assert set(JOINT_TRIAL_FIELDS) <= set(trial)
            assert trial["model"]["hidden_widths"] == [trial["setting"]["units"]] * trial["setting"]["layers"]
    assert set(JOINT_BEST_FIELDS) <= set(best), set(JOINT_BEST_FIELDS) - set(best)
    assert best["val_accuracy"] and len(best["seeds"]) == 3 and min(best["seeds"]) >= 1_000_000
    assert best["best_found"] == max(s["best_accuracy"] for s in searches)
    assert best["setting"] in [s["best_setting"] for s in searches if s["best_accuracy"] == best["best_found"]]
    assert best["trials_to_target"] == json.loads(json.dumps(joint.trials_to_target_summary(searches)[1]))
    assert best["searches"] == {RANDOM: [0, 1], TPE: [0, 1]}
    assert best["one_at_a_time"]["point"] == "lr-1"  # the study ran in the same session on the same data
    gain = best["joint_minus_one_at_a_time"]
    assert gain["difference"] == pytest.approx(best["accuracy_mean"] - best["one_at_a_time"]["accuracy_mean"])


def test_report_section_renders_from_the_saved_run(saved_session: Path) -> None:
    report = build_report(load_runs([saved_session], progress=False))
    (study,) = [s for s in report.sections if s.id == "study"]
    titles = [t.title for t in study.tables]
    (best_table,) = [t for t in study.tables if t.title.startswith("Joint search, best setting")]
    (strategies,) = [t for t in study.tables if t.title.startswith("Joint search, TPE vs random")]
    assert any(t.startswith("lr:") for t in titles)  # the one-at-a-time sweep is still there
    assert best_table.frame["setting"].str.startswith(("best joint", "best one-at-a-time", "joint -")).all()
    assert len(best_table.frame) == 3
    assert "joint minus one-at-a-time" in best_table.caption and "Trials to 95%" in best_table.caption
    assert sorted(strategies.frame["strategy"]) == [RANDOM, TPE]
    assert (strategies.frame["searches"] == 2).all() and (strategies.frame["trials each"] == "3").all()
    assert any(title.startswith("Joint search: best so far") for title, _ in study.figures)
    page = html(report)
    assert "Joint search, TPE vs random" in page and "<svg" in page


def test_report_says_when_there_is_no_study_to_compare_with(saved_session: Path) -> None:
    results, _ = results_frame(load_runs([saved_session], progress=False).runs)
    tables, _ = joint.section_parts(results[results["kind"] != "study"], with_figures=False)
    (best_table,) = [t for t in tables if t.slug.endswith("-best")]
    assert "No comparison with the one-at-a-time study: no one-at-a-time study record" in best_table.caption
    assert len(best_table.frame) == 1


def test_default_pass_deselects_the_joint_search_smoke_runs_it_and_bad_options_stop_it() -> None:
    default = run_session("bench/study/bench_study_joint.py", "--benchmark-disable", "--collect-only", "-q")
    assert "7 deselected" in default.stdout, default.stdout[-2000:]  # 2 strategies x 3 seeds + the best
    smoke = run_session(
        "bench/study/bench_study_joint.py", "-m", "joint", "--benchmark-disable", "--bench-study-joint-search-seeds=1",
        "--bench-study-train-samples=256", "--bench-devices=cpu",
    )  # fmt: skip
    assert smoke.returncode == 0 and "3 passed" in smoke.stdout, smoke.stdout[-3000:] + smoke.stderr[-2000:]
    bad = run_session("bench/study", "--bench-study-joint", "--bench-study-joint-trials=0", "--collect-only", "-q")
    assert bad.returncode != 0 and "--bench-study-joint-trials must be >= 1" in bad.stdout + bad.stderr
    bad = run_session("bench/study", "--bench-study-joint", "--bench-study-joint-epochs=9-3", "--collect-only")
    assert bad.returncode != 0 and "--bench-study-joint-epochs range" in bad.stdout + bad.stderr


def test_without_optuna_the_search_skips_with_the_reason() -> None:
    code = (
        "import sys; sys.modules['optuna'] = None; import pytest; "
        "sys.exit(pytest.main(['-p', 'no:cacheprovider', 'bench/study/bench_study_joint.py', '--bench-study-joint', "
        "'--bench-study-joint-search-seeds=1', '--benchmark-disable', '--bench-devices=cpu', '-rs']))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "3 skipped" in out.stdout and "the joint search needs optuna" in out.stdout


def test_reports_joint_imports_neither_torch_nor_bench_nor_optuna() -> None:
    code = "import sys, reports.joint; print([m for m in ('torch', 'bench', 'optuna') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
