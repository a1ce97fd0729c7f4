"""Real pytest-benchmark sessions of the study (tiny profile), as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from contract.schema import KIND_STUDY, SCHEMA_VERSION, STUDY_FIELDS, STUDY_MODEL_FIELDS, TIMING_FIELDS
from tests.support import run_session, saved_runs

TINY = ("--bench-study-seeds=3", "--bench-study-epochs=2", "--bench-study-train-samples=512", "--bench-devices=cpu")
POINTS = ("-k", "lr-0.1 or activation-tanh or init-uniform")


def test_study_session_saves_every_field(tmp_path: Path) -> None:
    storage = tmp_path / "runs"
    result = run_session(
        "bench/study", "--bench-study", *TINY, *POINTS, "--benchmark-autosave", f"--benchmark-storage={storage}"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "hyperparameter study" in result.stdout  # the per-sweep terminal summary
    (path,) = saved_runs(storage)
    benchmarks = json.loads(path.read_text())["benchmarks"]
    by_name = {b["name"]: b for b in benchmarks}
    assert set(by_name) == {"test_study[lr-0.1]", "test_study[activation-tanh]", "test_study[init-uniform]"}
    for bench in benchmarks:
        info = bench["extra_info"]
        assert set(STUDY_FIELDS) <= set(info), set(STUDY_FIELDS) - set(info)
        assert set(STUDY_MODEL_FIELDS) <= set(info["model"])
        assert set(TIMING_FIELDS) <= set(info["timing"])
        assert info["kind"] == KIND_STUDY and info["schema"] == SCHEMA_VERSION
        assert info["applied"] is True and info["applied_problems"] == []
        assert info["seeds"] == [0, 1, 2] and info["epochs"] == 2
        for key in ("val_accuracy", "final_loss", "train_s", "time_to_target_s", "epoch_accuracy"):
            assert len(info[key]) == 3, key
        assert all(0.0 <= a <= 1.0 for a in info["val_accuracy"])
        low, high = info["accuracy_ci"]
        assert low <= info["accuracy_mean"] <= high
        assert info["dataset"] in ("digits-8x8", "synthetic")
        assert info["timing"]["warmup_calls"] == 1 and info["timing"]["rounds"] == 2
        assert bench["stats"]["rounds"] == 2 and len(bench["stats"]["data"]) == 2  # the warm-up seed is outside
    tanh = by_name["test_study[activation-tanh]"]["extra_info"]
    assert tanh["model"]["activations"] == ["Tanh"] and tanh["value"] == "tanh"
    assert by_name["test_study[lr-0.1]"]["extra_info"]["model"]["lr"] == 0.1
    uniform = by_name["test_study[init-uniform]"]["extra_info"]["model"]
    for stats in uniform["weight_stats"]:
        bound = stats["fan_in"] ** -0.5
        assert -bound <= stats["min"] and stats["max"] <= bound


def test_default_pass_deselects_the_study_and_smoke_runs_one_seed() -> None:
    default = run_session("bench/study", "--benchmark-disable", *TINY)
    assert default.returncode in (0, 5), default.stdout[-2000:]  # 5: every test deselected
    assert "23 deselected" in default.stdout  # 16 study points + the joint search's 2 x 3 searches and best
    smoke = run_session("bench/study", "-m", "study", "--benchmark-disable", *TINY, *POINTS)
    assert smoke.returncode == 0, smoke.stdout[-3000:] + smoke.stderr[-3000:]
    assert "3 passed" in smoke.stdout
    assert "n/a (1 seed)" in smoke.stdout or "best" in smoke.stdout  # one seed per point in a smoke pass


def test_bad_study_option_stops_the_session_with_the_reason() -> None:
    result = run_session("bench/study", "--bench-study", "--bench-study-seeds=0", "--collect-only", "-q")
    assert result.returncode != 0
    assert "--bench-study-seeds must be >= 1" in result.stdout + result.stderr
