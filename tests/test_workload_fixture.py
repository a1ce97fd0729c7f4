"""The torch_benchmark fixture in real pytest-benchmark sessions (in-process pytester): every argument
reaches the saved record, every misuse fails with a message that says what to pass instead."""

from __future__ import annotations

import json

import pytest
import torch

from contract.schema import COMMON_FIELDS, WORKLOAD_COMPARE_FIELDS, WORKLOAD_FIELDS
from tests.support import TINY_BUDGET

pytest_plugins = ["pytester"]

ARGS = ("-p", "bench.plugin", "-p", "no:cacheprovider", *TINY_BUDGET, "--bench-compare-rounds=3")

RECORDS = """
import pytest
import torch

X = torch.randn(64, 64)


def test_counted(torch_benchmark):
    info = torch_benchmark(lambda: X @ X, flops=2 * 64**3, bytes=3 * 64 * 64 * 4, group="mine", bound="compute")
    assert info["kind"] == "workload"


def test_uncounted_with_dtype(torch_benchmark):
    torch_benchmark(lambda: None, device=torch.device("cpu"), dtype="bfloat16", mode="cold")  # mode: CUDA only


def test_no_tensor_result(torch_benchmark):
    torch_benchmark(lambda: sum(range(10)))


def test_two_ways(torch_benchmark):
    torch_benchmark.compare(
        {"matmul": lambda: X @ X, "mm": lambda: torch.mm(X, X), "twice": lambda: (X @ X, X @ X)},
        baseline="mm",
        flops=2 * 64**3,
        bytes=3 * 64 * 64 * 4,
        group="ways",
    )


def test_rounds_argument(torch_benchmark):
    workloads = {"a": lambda: X + 1, "b": lambda: X * 2}
    info = torch_benchmark.compare(workloads, baseline="a", rounds=4, dtype=torch.float64)
    assert [len(v) for v in info["data"].values()] == [4, 4]
"""


def saved(pytester: pytest.Pytester, *extra: str) -> dict[str, dict]:
    result = pytester.runpytest(*ARGS, "--benchmark-json=out.json", *extra)
    result.assert_outcomes(passed=5)
    doc = json.loads((pytester.path / "out.json").read_text())
    return {b["name"]: b for b in doc["benchmarks"]}


def test_every_argument_reaches_the_record(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_records=RECORDS)
    benches = saved(pytester)

    counted = benches["test_counted"]
    info, median = counted["extra_info"], counted["stats"]["median"]
    assert set(WORKLOAD_FIELDS) <= set(info)
    assert counted["group"] == "mine"
    assert (info["kind"], info["device"], info["dtype"], info["precision"]) == ("workload", "cpu", *["float32"] * 2)
    assert (info["flops"], info["bytes"], info["bound"]) == (2 * 64**3, 49152, "compute")
    assert info["dtype_source"] == "result"
    assert info["gflops"] == pytest.approx(2 * 64**3 / median / 1e9)
    assert info["gbps"] == pytest.approx(49152 / median / 1e9)
    assert info["timing"]["clock"] == "perf_counter" and info["timing"]["rounds"] >= 2
    assert set(info["readings"]) == {"before", "after"}

    uncounted = benches["test_uncounted_with_dtype"]["extra_info"]
    assert (uncounted["dtype"], uncounted["precision"]) == ("bfloat16", "bfloat16")
    assert uncounted["dtype_source"] == "argument"
    assert uncounted["flops"] is None and uncounted["gflops"] is None and uncounted["gbps"] is None
    assert uncounted["timing"]["mode"] == "cpu"  # a GPU mode asked for on the CPU: the CPU core timed it
    assert benches["test_uncounted_with_dtype"]["group"] is None
    assert benches["test_no_tensor_result"]["extra_info"]["dtype_source"].startswith("torch default")


def test_compare_records_each_ratio_with_its_interval(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_records=RECORDS)
    bench = saved(pytester)["test_two_ways"]
    info = bench["extra_info"]
    assert set(WORKLOAD_COMPARE_FIELDS) <= set(info)
    assert bench["group"] == "ways"
    assert (info["kind"], info["baseline"], info["workloads"]) == ("workload-compare", "mm", ["matmul", "mm", "twice"])
    assert info["timing"]["interleaved"] is True and info["timing"]["rounds"] == 3
    assert set(info["ratio"]) == set(info["ratio_ci"]) == {"matmul", "twice"}
    for name in ("matmul", "twice"):
        low, high = info["ratio_ci"][name]
        assert low <= info["ratio"][name] <= high
        assert len(info["data"][name]) == 3 and info["iterations"][name] >= 1
    for name in info["workloads"]:
        assert info["gflops"][name] == pytest.approx(2 * 64**3 / info["median_s"][name] / 1e9)
        assert sorted(info["data"][name])[1] == pytest.approx(info["median_s"][name])


def test_rounds_option_sets_the_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_rounds="""
def test_default_rounds(torch_benchmark):
    info = torch_benchmark.compare({"a": lambda: 1, "b": lambda: 2}, baseline="b")
    assert info["timing"]["rounds"] == 5 and set(info["ratio"]) == {"a"}
"""
    )
    pytester.runpytest(*ARGS, "--bench-compare-rounds=5").assert_outcomes(passed=1)
    result = pytester.runpytest(*ARGS, "--bench-compare-rounds=1")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*--bench-compare-rounds must be an integer >= 2*"])


MISUSE = """
import pytest
import torch

from bench.workload import WorkloadError

X = torch.randn(8)


def fail():  # the workload of every check that must raise before anything runs
    raise ZeroDivisionError("boom")


@pytest.mark.parametrize("device", ["mps", "gpu", "cuda:x", "cuda:-1"])
def test_unknown_device(torch_benchmark, device):
    with pytest.raises(ValueError, match="unknown device .* use 'cpu', 'cuda' or 'cuda:N'"):
        torch_benchmark(fail, device=device)


def test_failing_callable(torch_benchmark):
    with pytest.raises(WorkloadError, match="'workload' raised ZeroDivisionError: boom .*nothing was timed") as info:
        torch_benchmark(fail)
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_not_callable(torch_benchmark):
    with pytest.raises(TypeError, match="is a Tensor, not a callable"):
        torch_benchmark(X)


def test_result_on_another_device(torch_benchmark):
    with pytest.raises(ValueError, match="returned a tensor on meta, but device='cpu'"):
        torch_benchmark(lambda: torch.empty(3, device="meta"))


@pytest.mark.parametrize("value", [0, -1.0, float("nan"), float("inf"), True, "1e9"])
def test_bad_counts(torch_benchmark, value):
    with pytest.raises(ValueError, match="flops= must be a positive number per call"):
        torch_benchmark(fail, flops=value)


def test_bad_bytes(torch_benchmark):
    with pytest.raises(ValueError, match="bytes= must be a positive number per call"):
        torch_benchmark(fail, bytes=-8)


def test_compute_bound_needs_flops(torch_benchmark):
    with pytest.raises(ValueError, match="bound='compute' asks for efficiency against the peak FLOP/s, .* flops="):
        torch_benchmark(fail, bytes=64, bound="compute")


def test_memory_bound_needs_bytes(torch_benchmark):
    with pytest.raises(ValueError, match="bound='memory' asks for efficiency against the memory bandwidth, .* bytes="):
        torch_benchmark.compare({"a": fail, "b": fail}, baseline="a", flops=8, bound="memory")


def test_unknown_bound(torch_benchmark):
    with pytest.raises(ValueError, match="bound='fast'; use 'compute'"):
        torch_benchmark(fail, flops=8, bound="fast")


def test_unknown_mode(torch_benchmark):
    with pytest.raises(ValueError, match="mode='warm'; use 'hot', 'cold', 'e2e'"):
        torch_benchmark(fail, mode="warm")


def test_bad_dtype(torch_benchmark):
    with pytest.raises(ValueError, match="dtype='float33' is not a torch dtype"):
        torch_benchmark(fail, dtype="float33")


def test_twice(torch_benchmark):
    torch_benchmark(lambda: X)
    with pytest.raises(RuntimeError, match=r"already used in this test by torch_benchmark\\(\\.\\.\\.\\)"):
        torch_benchmark(lambda: X)
    with pytest.raises(RuntimeError, match="already used"):
        torch_benchmark.compare({"a": lambda: X, "b": lambda: X}, baseline="a")


@pytest.mark.parametrize(
    "workloads, baseline, error, message",
    [
        ({}, "a", ValueError, "no workloads given"),
        ({"a": lambda: X}, "a", ValueError, "a comparison needs two workloads or more"),
        ({"a": lambda: X, "b": lambda: X}, "eager", ValueError, r"baseline='eager' is not one of .*\\['a', 'b'\\]"),
        ({"a": lambda: X, 1: lambda: X}, "a", ValueError, "names must be non-empty strings"),
        ({"a": lambda: X, "b": X}, "a", TypeError, "workload 'b' is a Tensor, not a callable"),
        ([lambda: X], "a", TypeError, "must be a dict of name -> callable"),
    ],
)
def test_compare_misuse(torch_benchmark, workloads, baseline, error, message):
    with pytest.raises(error, match=message):
        torch_benchmark.compare(workloads, baseline=baseline)


def test_compare_failing_workload_is_named(torch_benchmark):
    with pytest.raises(WorkloadError, match="workload 'broken' raised ZeroDivisionError"):
        torch_benchmark.compare({"ok": lambda: X, "broken": fail}, baseline="ok")


@pytest.mark.parametrize("rounds", [1, 0, 2.5, True])
def test_compare_bad_rounds(torch_benchmark, rounds):
    with pytest.raises(ValueError, match="rounds= must be an integer >= 2"):
        torch_benchmark.compare({"a": fail, "b": fail}, baseline="a", rounds=rounds)
"""


def test_each_misuse_fails_clearly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_misuse=MISUSE)
    pytester.runpytest(*ARGS).assert_outcomes(passed=31)


def test_a_failing_workload_fails_its_test_with_the_cause(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_fails="""
def test_broken(torch_benchmark):
    torch_benchmark(lambda: [][1])
"""
    )
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*IndexError*", "*WorkloadError: torch_benchmark: workload * raised IndexError*"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the skip of an absent CUDA device")
def test_absent_cuda_skips_with_the_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_cuda="""
def test_call(torch_benchmark):
    torch_benchmark(lambda: 1, device="cuda")


def test_compare(torch_benchmark):
    torch_benchmark.compare({"a": lambda: 1, "b": lambda: 2}, baseline="a", device="cuda:3")


def test_use_device(torch_benchmark):
    torch_benchmark.use_device("cuda")
    raise AssertionError("not reached")
"""
    )
    result = pytester.runpytest(*ARGS, "-rs")
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(["*cuda:0: *CUDA*", "*cuda:3: *CUDA*"])


def test_smoke_pass_runs_each_workload_once(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_smoke="""
CALLS = {"one": 0, "a": 0, "b": 0}


def count(name):
    def call():
        CALLS[name] += 1
    return call


def test_one(torch_benchmark):
    info = torch_benchmark(count("one"), flops=10)
    assert info["timing"]["clock"] == "disabled" and info["gflops"] is None
    assert CALLS["one"] == 2  # the untimed check call, then the body once


def test_compare(torch_benchmark):
    info = torch_benchmark.compare({"a": count("a"), "b": count("b")}, baseline="a")
    assert info["ratio"] == {"b": None} and info["ratio_ci"] == {"b": None}
    assert CALLS["a"] == CALLS["b"] == 2
"""
    )
    pytester.runpytest(*ARGS, "--benchmark-disable").assert_outcomes(passed=2)


def test_common_fields_come_from_the_shared_helper() -> None:
    """The workload kinds extend the common fields rather than redefining them."""
    assert WORKLOAD_FIELDS[: len(COMMON_FIELDS)] == COMMON_FIELDS
    assert WORKLOAD_COMPARE_FIELDS[: len(COMMON_FIELDS)] == COMMON_FIELDS
