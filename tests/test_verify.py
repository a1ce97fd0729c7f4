"""--bench-verify: the ratio record, the CPU cross-check for real, and a real session that saves it."""

from __future__ import annotations

import pytest
import torch

from bench import verify
from bench.kernels.matmul import MatmulCase, matmul_call
from tests.support import TINY_BUDGET, load_single_run, run_session


def test_agreement_record():
    out = verify.agreement("tool", 2.0e-3, 1.6e-3)
    assert out == {"tool": "tool", "median_s": 1.6e-3, "harness_s": 2.0e-3, "ratio": pytest.approx(1.25)}
    missing = verify.agreement("tool", None, 1e-3)
    assert set(missing) == {"tool", "unavailable"}


def test_cpu_cross_check_times_the_same_call_for_real():
    call = matmul_call(MatmulCase("mv", 256, "cpu", "float32"))
    out = verify.verify(call, "cpu", "cpu", 1e-5, min_run_time=0.01)
    assert out["tool"] == verify.TOOL_TIMER
    assert out["median_s"] > 0 and out["ratio"] == pytest.approx(1e-5 / out["median_s"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU path")
def test_cuda_cross_check_without_a_gpu_says_why():
    out = verify.verify(lambda: None, "cuda:0", "hot", 1e-5, 0.01)
    assert "unavailable" in out and "ratio" not in out
    assert "no independent timer" in verify.cuda_verify(lambda: None, "cuda:0", "e2e", 1e-5)["unavailable"]


def test_bench_verify_saves_the_ratio_in_a_real_session(tmp_path):
    proc = run_session(
        "bench/kernels/bench_matmul.py", "-k", "test_matmul and mv and 1024", "--bench-devices=cpu",
        "--bench-sizes=1024", "--bench-verify", *TINY_BUDGET, f"--benchmark-storage={tmp_path}",
        "--benchmark-autosave",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (bench,) = load_single_run(tmp_path)["benchmarks"]
    info = bench["extra_info"]
    assert info["timing"]["mode"] == "cpu"
    assert info["verify"]["tool"] == verify.TOOL_TIMER
    assert info["verify"]["harness_s"] == pytest.approx(bench["stats"]["median"])
    assert info["verify"]["ratio"] > 0
