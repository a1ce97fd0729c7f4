"""The matmul suite: workload arithmetic, penalties, and a real benchmark session's saved JSON."""

import json

import numpy as np
import pytest
import torch

from bench.kernels.alignment import penalties, precise_enough, widest_halfwidth
from bench.kernels.matmul import FreshOperandsCall, MatmulCase, matmul_call, operands, reference_check
from contract.arithmetic import baseline_size
from contract.schema import ALIGNMENT_FIELDS, MATMUL_FIELDS, PER_SIZE_FIELDS, SCHEMA_VERSION, TIMING_FIELDS
from tests.support import TINY_BUDGET, load_single_run, run_session


def test_work_counts():
    mm = MatmulCase("mm", 1024, "cpu", "float32")
    mv = MatmulCase("mv", 1024, "cpu", "float16")
    assert mm.flops == 2 * 1024**3
    assert mv.flops == 2 * 1024**2
    assert mm.bytes == 4 * 3 * 1024**2
    assert mv.bytes == 2 * (1024**2 + 2 * 1024)


def test_operands_are_seeded_standard_normal():
    case = MatmulCase("mm", 1025, "cpu", "float32")
    a, b, out = operands(case)
    a2, _, _ = operands(case)
    assert torch.equal(a, a2)
    assert a.shape == b.shape == out.shape == (1025, 1025)
    assert abs(a.mean().item()) < 0.01 and abs(a.std().item() - 1) < 0.01
    mv = operands(MatmulCase("mv", 1025, "cpu", "float32"))
    assert mv[1].shape == (1025, 1) and mv[2].shape == (1025, 1)


@pytest.mark.parametrize("op", ["mm", "mv"])
def test_timed_call_computes_the_product(op):
    case = MatmulCase(op, 1027, "cpu", "float32")
    reference_check(case)  # raises on a wrong result
    result = matmul_call(case)()
    assert result.shape == (1027, case.rhs_cols)


def test_fresh_operands_move_to_new_memory_with_the_same_values():
    call = FreshOperandsCall(MatmulCase("mv", 1024, "cpu", "float32"))
    before = call.a.data_ptr()
    first = call().clone()
    call.rotate()
    assert call.a.data_ptr() != before  # new memory ...
    assert torch.equal(call(), first)  # ... same product


def test_a_clone_needs_no_warm_up_call_but_a_pool_copy_gets_one(monkeypatch):
    """Writing a clone leaves it warm; a pool copy was last touched a sweep ago."""
    products: list[int] = []
    real_mm = torch.mm
    monkeypatch.setattr(torch, "mm", lambda *args, **kw: products.append(1) or real_mm(*args, **kw))
    FreshOperandsCall(MatmulCase("mv", 64, "cpu", "float32")).rotate()
    assert products == []
    FreshOperandsCall(MatmulCase("mv", 64, "cpu", "float32"), pool_size=2).rotate()
    assert products == [1]


def test_reference_check_catches_a_wrong_product(monkeypatch):
    case = MatmulCase("mv", 64, "cpu", "float32")
    monkeypatch.setattr(torch, "mm", lambda a, b, out: out.copy_(a @ b * 1.01))
    with pytest.raises(AssertionError, match="relative error"):
        reference_check(case)


def test_penalties_are_paired_ratios_against_the_baseline():
    data = {1024: [1.0, 2.0, 1.0], 1025: [1.5, 3.0, 1.5], 1032: [1.0, 2.0, 1.0]}
    out = penalties(data, baseline_size([1024, 1025, 1032]))
    assert out[1024].value == 1.0
    assert out[1025].value == pytest.approx(1.5) and out[1025].as_list() == pytest.approx([1.5, 1.5])
    assert out[1032].value == pytest.approx(1.0)
    assert baseline_size([1030, 1031]) == 1030
    with pytest.raises(ValueError):
        penalties({1025: [1.0]}, 1024)


def test_precision_rule_needs_every_penalty_within_the_target():
    rng = np.random.default_rng(0)
    base = list(1.0 + 0.05 * rng.random(400))
    steady = {1024: base, 1025: [1.1 * t for t in base]}  # every round's ratio is 1.1 exactly
    assert widest_halfwidth(steady, 1024) == pytest.approx(0.0, abs=1e-12)
    noisy = {1024: base, 1025: list(1.1 * np.exp(0.1 * rng.standard_normal(400)))}
    assert widest_halfwidth({n: t[:20] for n, t in noisy.items()}, 1024) > widest_halfwidth(noisy, 1024) > 0.005
    rule = precise_enough(1024, 0.05)
    assert not rule({n: t[:5] for n, t in steady.items()})  # too few rounds to say anything
    assert rule(steady) and rule(noisy)
    assert not precise_enough(1024, 0.001)(noisy)


def test_default_suite_covers_nine_sizes_both_ops_and_every_device():
    proc = run_session("bench/kernels", "--collect-only", "-q")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ids = [line for line in proc.stdout.splitlines() if "::test_" in line]
    for op in ("mm", "mv"):
        for n in range(1024, 1033):
            assert f"bench/kernels/bench_matmul.py::test_matmul[{op}-cpu-float32-{n}]" in ids
        assert f"bench/kernels/bench_matmul.py::test_alignment[{op}-cpu-float32]" in ids
    if not torch.cuda.is_available():
        assert "bench/kernels/bench_matmul.py::test_matmul[cuda-absent]" in ids


def test_bad_option_is_a_clear_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    proc = run_session("bench/kernels", "--collect-only", "--bench-sizes=1032-1024")
    assert proc.returncode == 4
    assert "--bench-sizes: bad size" in proc.stderr
    monkeypatch.setenv("BENCH_DEVICES", "gpu")  # a stale export: the error names the variable
    proc = run_session("bench/kernels", "--collect-only")
    assert proc.returncode == 4
    assert "$BENCH_DEVICES='gpu': unknown device 'gpu'" in proc.stderr


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--bench-align-precision=1.5", "align-precision"),
        ("--bench-align-max-time=-1", "align-max-time"),
        ("--bench-align-max-time=nan", "--bench-align-max-time must be a finite number of seconds >= 0, got nan"),
        ("--bench-warmup-time=-1", "--bench-warmup-time must be a finite number of seconds >= 0, got -1.0"),
        ("--bench-warmup-max-time=nan", "--bench-warmup-max-time must be a finite"),
        ("--bench-min-round-time=0", "--bench-min-round-time must be a finite number of seconds > 0, got 0.0"),
        ("--benchmark-max-time=nan", "--benchmark-max-time must be a finite"),
        ("--bench-train-lr=nan", "--bench-train-lr must be a positive finite number, got nan"),
        ("--bench-train-wide-width=0", "--bench-train-wide-width must be a positive finite number, got 0"),
        ("--bench-train-batch-size=0", "--bench-train-batch-size must be a positive"),
        ("--bench-data-root=/nonexistent", "--bench-data-root (or FASHION_MNIST_ROOT) /nonexistent: no such folder"),
    ],
)
def test_bad_value_is_a_usage_error_before_collection(option, message):
    """Before collection, naming the option: NaN passes every comparison, so it is refused outright."""
    proc = run_session("bench/kernels", "--collect-only", option)
    assert proc.returncode == 4
    assert message in proc.stderr


def test_real_session_saves_every_field(tmp_path):
    storage = tmp_path / "storage"
    proc = run_session(
        "bench/kernels",
        "--benchmark-autosave",
        f"--benchmark-storage=file://{storage}",
        "--bench-sizes=1024,1025,1032",
        "--bench-devices=cpu",
        *TINY_BUDGET,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run = load_single_run(storage)
    benches = {b["name"]: b for b in run["benchmarks"]}
    assert len(benches) == 2 * 3 + 2

    mm = benches["test_matmul[mm-cpu-float32-1025]"]
    info = mm["extra_info"]
    assert set(MATMUL_FIELDS) <= set(info)
    assert set(TIMING_FIELDS) <= set(info["timing"])
    assert info["schema"] == SCHEMA_VERSION and info["kind"] == "matmul"
    assert (info["op"], info["n"], info["device"], info["dtype"]) == ("mm", 1025, "cpu", "float32")
    assert info["threads"] == torch.get_num_threads()
    assert info["timing"]["warmup_calls"] >= 2  # warmed up although --benchmark-warmup is off
    assert mm["stats"]["iterations"] == info["timing"]["iterations"]
    assert len(mm["stats"]["data"]) == mm["stats"]["rounds"] == info["timing"]["rounds"]  # raw data saved
    assert info["gflops"] == pytest.approx(info["flops"] / mm["stats"]["median"] / 1e9)
    assert mm["group"] == "matmul mm cpu float32"
    assert benches["test_matmul[mv-cpu-float32-1024]"]["group"] == "matmul mv cpu float32"

    align = benches["test_alignment[mv-cpu-float32]"]["extra_info"]
    assert set(ALIGNMENT_FIELDS) <= set(align)
    assert align["baseline_n"] == 1024 and align["sizes"] == [1024, 1025, 1032]
    assert align["timing"]["interleaved"] is True
    for n in ("1024", "1025", "1032"):
        entry = align["per_size"][n]
        assert set(PER_SIZE_FIELDS) <= set(entry)
        assert len(entry["data"]) == 3
        low, high = entry["penalty_ci"]
        assert low <= entry["penalty"] <= high
    assert align["per_size"]["1024"]["penalty"] == 1.0


@pytest.mark.parametrize(
    ("precision", "max_time", "reasons"),
    [("0.5", "30", {"precise"}), ("0.000001", "0.3", {"time cap"}), ("0", "30", {None})],
)
def test_alignment_rounds_go_on_until_precise_or_capped(tmp_path, precision, max_time, reasons):
    """A real session with a precision target: at least the minimum rounds, then until the
    penalties are that precise or the time cap; what ended it is saved with the target."""
    proc = run_session(
        "bench/kernels",
        "-k",
        "alignment and mv",
        "--bench-devices=cpu",
        "--bench-sizes=256,257",
        f"--benchmark-json={tmp_path / 'run.json'}",
        *TINY_BUDGET,
        f"--bench-align-precision={precision}",
        f"--bench-align-max-time={max_time}",
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (bench,) = json.loads((tmp_path / "run.json").read_text())["benchmarks"]
    timing = bench["extra_info"]["timing"]
    assert timing.get("stopped_by") in reasons  # absent without a rule (--bench-align-precision=0)
    assert timing["rounds"] >= 3 and bench["stats"]["rounds"] == timing["rounds"]
    assert all(len(e["data"]) == timing["rounds"] for e in bench["extra_info"]["per_size"].values())
    if precision == "0":
        assert timing["rounds"] == 3 and "stop_target" not in timing and "stop_max_s" not in timing
    else:
        assert timing["stop_target"] == float(precision) and timing["stop_max_s"] == float(max_time)
    if timing.get("stopped_by") == "time cap":
        assert sum(bench["stats"]["data"]) >= float(max_time)


def test_profiling_a_session_does_not_break_interleaved_benchmarks(tmp_path):
    """--benchmark-cprofile calls each benchmark once more after its rounds."""
    proc = run_session(
        "bench/kernels",
        "-k",
        "alignment and mv",
        "--bench-devices=cpu",
        "--bench-sizes=1024,1025",
        "--benchmark-cprofile=tottime",
        f"--benchmark-json={tmp_path / 'run.json'}",
        *TINY_BUDGET,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (bench,) = json.loads((tmp_path / "run.json").read_text())["benchmarks"]
    assert len(bench["extra_info"]["per_size"]["1025"]["data"]) == 3  # the profiled call added no round
