"""Real pytest-benchmark sessions over bench/training with a tiny budget: the saved JSON holds
every field of the contract. Timings are never asserted, only their presence and shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract.schema import (
    EQUIVALENCE_FIELDS,
    KIND_TRAINING,
    KIND_TRAINING_INTERLEAVED,
    SCHEMA_VERSION,
    TIMING_FIELDS,
    TRAINING_FIELDS,
    TRAINING_INTERLEAVED_FIELDS,
)
from tests.support import TINY_BUDGET, load_single_run, run_session
from tests.test_training_data import make_fashion_root


def run_suite(storage: Path, *args: str) -> list[dict]:
    """One real session over bench/training (synthetic data unless a root is given)."""
    done = run_session(
        "bench/training", "-q", "--benchmark-autosave", f"--benchmark-storage={storage}", *TINY_BUDGET, *args
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return load_single_run(storage)["benchmarks"]


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    # An empty data root means the synthetic set, whatever FASHION_MNIST_ROOT says.
    return run_suite(tmp_path_factory.mktemp("training-run"), "--bench-data-root=", "--bench-train-rounds=3")


def test_every_training_benchmark_saves_the_contract(default_run: list[dict]) -> None:
    training = [b for b in default_run if b["extra_info"]["kind"] == KIND_TRAINING]
    assert len(training) == 2 * (5 * 2 + 3)  # two impls x (five seed depths x two modes + three wide)
    for bench in training:
        info = bench["extra_info"]
        assert set(TRAINING_FIELDS) <= set(info), set(TRAINING_FIELDS) - set(info)
        assert set(TIMING_FIELDS) <= set(info["timing"])
        assert set(EQUIVALENCE_FIELDS) <= set(info["equivalence"])
        assert info["schema"] == SCHEMA_VERSION and info["dataset"] == "synthetic" and info["dtype"] == "float32"
        assert info["impl"] in ("framework", "scratch") and info["device"] == "cpu"
        assert info["step_s"] > 0 and info["samples_per_s"] > 0 and info["epoch_s"] > 0
        assert info["steps_per_epoch"] == 60_000 // info["batch_size"]
        assert info["trained_steps"] >= info["timing"]["rounds"] * info["timing"]["iterations"]
        assert 0.0 <= info["val_accuracy"] <= 1.0 and info["final_loss"] > 0
        assert bench["group"] == f"train cpu {info['profile']} depth={info['depth']} {info['input_mode']}"
        assert bench["params"] == {
            "device": "cpu", "profile": info["profile"], "depth": info["depth"],
            "input_mode": info["input_mode"], "impl": info["impl"],
        }  # fmt: skip
        assert len(bench["stats"]["data"]) == info["timing"]["rounds"]
    ratios = {(b["extra_info"]["profile"], b["extra_info"]["depth"]) for b in training}
    assert (("wide", 5) in ratios) and (("seed", 4) in ratios)


def test_interleaved_comparison_saves_a_paired_ratio(default_run: list[dict]) -> None:
    interleaved = [b for b in default_run if b["extra_info"]["kind"] == KIND_TRAINING_INTERLEAVED]
    assert len(interleaved) == 5 * 2 + 3
    for bench in interleaved:
        info = bench["extra_info"]
        assert set(TRAINING_INTERLEAVED_FIELDS) <= set(info), set(TRAINING_INTERLEAVED_FIELDS) - set(info)
        assert info["impls"] == ["framework", "scratch"]
        rounds = info["timing"]["rounds"]
        assert 2 <= rounds <= 3 and all(len(v) == rounds for v in info["data"].values())
        low, high = info["ratio_ci"]
        assert low <= info["ratio"] <= high and info["ratio"] > 0
        assert bench["group"].startswith("train-interleaved cpu ")


def test_real_data_root_and_whole_epochs(tmp_path: Path) -> None:
    """--bench-data-root reads IDX files through torchvision; --bench-full times a counted number
    of whole epochs, one round each, however fast or busy the machine is."""
    make_fashion_root(tmp_path / "data", n_train=600, n_test=100)
    saved = run_suite(
        tmp_path / "runs",
        f"--bench-data-root={tmp_path / 'data'}",
        "--bench-full",
        "--bench-full-epochs=3",
        "--bench-train-batch-size=100",
        "-k",
        "cpu-seed-d1-device-tensors and not interleaved",
    )
    assert len(saved) == 2
    for bench in saved:
        info = bench["extra_info"]
        assert info["dataset"] == "fashion-mnist" and info["steps_per_epoch"] == 6
        assert info["epoch_source"] == "measured (3 whole epochs)" and info["epoch_s"] > 0
        assert info["timing"]["epochs"] == info["timing"]["rounds"] == len(bench["stats"]["data"]) == 3
        assert info["timing"]["iterations"] == bench["stats"]["iterations"] == 6  # one round = one epoch
        assert info["epoch_s"] == pytest.approx(sorted(bench["stats"]["data"])[1] * 6)
        assert info["eval_samples"] == 100  # --bench-full evaluates the whole validation split


@pytest.mark.slow
def test_compiled_framework_is_verified_and_timed(tmp_path: Path) -> None:
    """--bench-compile adds the torch.compile'd framework model, checked against scratch like the
    eager one (here gcc is present; without a compiler it is skipped with the reason)."""
    done = run_session(
        "bench/training", "-q", "-rs", "--benchmark-autosave", f"--benchmark-storage={tmp_path}", *TINY_BUDGET,
        "--bench-data-root=", "--bench-compile", "-k", "cpu-seed-d1-device-tensors-framework-compiled",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    if "1 skipped" in done.stdout:
        assert "torch.compile does not work here" in done.stdout
        return
    (bench,) = load_single_run(tmp_path)["benchmarks"]
    info = bench["extra_info"]
    assert info["impl"] == "framework-compiled" and info["step_s"] > 0
    assert info["equivalence"]["impls"] == ["scratch", "framework-compiled"]


def test_bad_epoch_count_is_a_usage_error() -> None:
    """Refused before collection, like every --bench-train-* value, with the option named."""
    done = run_session("bench/training", "--collect-only", "-q", "--bench-full-epochs=0")
    assert done.returncode == 4  # pytest's usage error, before collection: no traceback
    assert "--bench-full-epochs must be a positive finite number, got 0" in done.stdout + done.stderr
