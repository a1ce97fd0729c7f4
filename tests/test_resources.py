"""Memory checked before work: the estimates (pure), the machine's free memory, and a real session
with an oversize size that is skipped with the reason while the rest is measured and saved."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from bench import resources
from bench.resources import (
    USABLE_SHARE,
    Need,
    alignment_need,
    fit_in_order,
    matmul_need,
    out_of_memory_explained,
    parse_mem_available,
    shortfall,
)
from tests.support import TINY_BUDGET, load_single_run, run_session

GB = 10**9


def test_matmul_need_counts_every_buffer_alive_in_the_reference_check():
    n = 1000
    cpu = matmul_need(n, n, 4, cuda=False)
    # float32 draws of A, B; A, B, out in float32; float64 A, B, product, reference
    assert cpu == Need(4 * 2 * n * n + 4 * 3 * n * n + 8 * 4 * n * n)
    cuda = matmul_need(n, 1, 2, cuda=True)  # mv in float16 on a GPU
    assert cuda.device == 2 * (n * n + 2 * n) + 8 * (n * n + 3 * n)
    assert cuda.host == 4 * (n * n + n) + 8 * (n * n + 3 * n)
    assert matmul_need(60000, 60000, 4, cuda=False).host > 180 * GB  # the 60000: 187 GB at its peak


def test_alignment_need_holds_three_operand_sets_per_size():
    n = 1000
    assert alignment_need(n, n, 4, cuda=False) == Need(4 * 2 * n * n + 3 * 4 * 3 * n * n)
    gpu = alignment_need(n, n, 2, cuda=True)
    assert gpu == Need(4 * 2 * n * n, 3 * 2 * 3 * n * n)


def test_shortfall_names_what_is_missing():
    assert shortfall(Need(10 * GB), host_free=100 * GB, device_free=None) is None
    reason = shortfall(Need(90 * GB), host_free=100 * GB, device_free=None)
    assert reason == f"needs 90.0 GB of host memory, 100.0 GB free (uses at most {USABLE_SHARE:.0%})"
    reason = shortfall(Need(1 * GB, 50 * GB), host_free=100 * GB, device_free=40 * GB)
    assert reason is not None and "device memory" in reason and "host" not in reason
    assert shortfall(Need(10**15, 10**15), host_free=None, device_free=None) is None  # unknown: not refused


def test_fit_in_order_keeps_the_first_sizes_that_fit_together():
    needs = [(1024, Need(30 * GB)), (60000, Need(200 * GB)), (1025, Need(30 * GB)), (1026, Need(30 * GB))]
    kept, left_out = fit_in_order(needs, host_free=100 * GB, device_free=None)
    assert kept == [1024, 1025]  # 60000 alone is too big; 1026 would make 90 GB of the usable 80
    assert [n for n, _ in left_out] == [60000, 1026] and "host memory" in left_out[0][1]


def test_mem_available_is_read_from_meminfo(tmp_path: Path):
    text = "MemTotal:       24683656 kB\nMemFree: 1 kB\nMemAvailable:   23269592 kB\n"
    assert parse_mem_available(text) == 23269592 * 1024
    assert parse_mem_available("MemTotal: 1 kB\n") is None
    assert resources.host_available_bytes(tmp_path / "missing") is None
    if Path("/proc/meminfo").exists():
        assert resources.host_available_bytes() > 0
    assert resources.device_free_bytes("cpu") is None


def test_out_of_memory_becomes_one_clear_failure():
    need = Need(5 * GB)
    expected = r"matmul mm n=9: out of memory \(estimated 5.0 GB host"
    with pytest.raises(MemoryError, match=expected), out_of_memory_explained("matmul mm n=9", need):
        torch.empty(2**50, dtype=torch.float32)  # a real allocation failure of torch's CPU allocator
    with pytest.raises(ValueError, match="not memory"), out_of_memory_explained("x", need):
        raise ValueError("not memory")  # other errors pass through unchanged


def oversize_n() -> int:
    """The issue's 60000, or a larger size where this host could hold it: it must never fit."""
    free = resources.host_available_bytes()
    n = 60000
    while free is not None and shortfall(matmul_need(n, n, 4, cuda=False), free, None) is None:
        n *= 2
    return n


def test_oversize_case_is_skipped_and_the_rest_is_saved(tmp_path: Path):
    big = oversize_n()
    proc = run_session(
        "bench/kernels", "-rs", "--benchmark-autosave", f"--benchmark-storage={tmp_path}",
        f"--bench-sizes=1024,{big}", "--bench-devices=cpu", "--bench-ops=mm", *TINY_BUDGET,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"n={big}: needs " in proc.stdout and "GB of host memory" in proc.stdout  # the skip's reason
    assert "2 passed, 1 skipped" in proc.stdout
    run = load_single_run(tmp_path)
    benches = {b["name"]: b for b in run["benchmarks"]}
    assert set(benches) == {"test_matmul[mm-cpu-float32-1024]", "test_alignment[mm-cpu-float32]"}
    align = benches["test_alignment[mm-cpu-float32]"]["extra_info"]
    assert align["sizes"] == [1024] and list(align["per_size"]) == ["1024"]
    assert "host memory" in align["sizes_left_out"][str(big)]


def test_params_are_plain_values_that_compare_can_group_by(tmp_path: Path):
    proc = run_session(
        "bench/kernels", "--benchmark-autosave", f"--benchmark-storage={tmp_path}", "--bench-sizes=1024,1025",
        "--bench-devices=cpu", "--bench-ops=mv", *TINY_BUDGET,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (path,) = sorted(tmp_path.rglob("*.json"))
    benches = {b["name"]: b for b in json.loads(path.read_text())["benchmarks"]}
    assert benches["test_matmul[mv-cpu-float32-1025]"]["params"] == {
        "op": "mv", "n": 1025, "device": "cpu", "precision": "float32"
    }  # fmt: skip
    assert benches["test_alignment[mv-cpu-float32]"]["params"] == {
        "op": "mv", "n": [1024, 1025], "device": "cpu", "precision": "float32"
    }  # fmt: skip
    assert "UNSERIALIZABLE" not in path.read_text()
    cli = [sys.executable, "-c", "from pytest_benchmark.cli import main; main()"]  # the pytest-benchmark command
    compare = subprocess.run([*cli, "compare", "--group-by=param:n", str(path)], capture_output=True, text=True)
    assert compare.returncode == 0, compare.stdout[-3000:] + compare.stderr[-3000:]
    shown = compare.stdout + compare.stderr
    assert "benchmark 'n=1024'" in shown and "benchmark 'n=1025'" in shown  # one table per size
    assert "benchmark 'n=[1024, 1025]'" in shown  # the alignment study, over both sizes
