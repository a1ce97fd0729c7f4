"""Matrix-matrix and matrix-vector products at n = 1024..1032 on every device and precision.

Two kinds of benchmark:
- ``test_matmul``: one size timed alone; the terminal table shows one op/device/precision per group.
- ``test_alignment``: all sizes of one op/device/precision interleaved round by round; its
  ``extra_info["per_size"]`` holds each size's penalty t(n)/t(baseline) with a 95% interval,
  the number that answers "how much does misalignment cost here".
"""

from __future__ import annotations

import warnings
from dataclasses import asdict

import pytest

from bench import resources
from bench.devices import split_devices, tf32_mode
from bench.gpu_timing import MODE_CPU, measure_gpu, measure_interleaved_gpu, timing_mode
from bench.kernels.alignment import ROUND_S as ALIGN_ROUND_S
from bench.kernels.alignment import cold_penalty_records, penalties, per_size_record, precise_enough
from bench.kernels.matmul import FreshOperandsCall, MatmulCase, matmul_call, reference_check
from bench.plugin import bench_options
from bench.pytest_benchmark_adapter import median_seconds
from bench.record import common_fields
from bench.resources import Need, alignment_need, fit_in_order, matmul_need, out_of_memory_explained
from bench.timing import StopRule, measure, measure_interleaved
from bench.verify import verify
from contract.arithmetic import baseline_size, rate
from contract.records import Alignment, Matmul, PerSize
from contract.schema import KIND_ALIGNMENT, KIND_MATMUL

MATMUL_ARGS = ("op", "n", "device", "precision")
ALIGNMENT_ARGS = ("op", "n", "device", "precision")  # n: the list of sizes interleaved


def _targets(config: pytest.Config) -> list[tuple[str, str, str]]:
    """(op, device, precision) triples to measure on the devices present."""
    opts = bench_options(config)
    present, _ = split_devices(opts.devices)
    return [
        (op, device.name, precision)
        for device in opts.devices
        if device.name in present
        for precision in opts.precisions_for(device)
        for op in opts.ops
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Plain values as parameters, so the saved JSON's ``params`` are readable by
    ``pytest-benchmark compare --group-by=param:n`` and pandas (every benchmark here has an ``n``:
    the alignment study's is the list of its sizes); one skipped param per absent device."""
    targets = _targets(metafunc.config)
    opts = bench_options(metafunc.config)
    sizes = opts.sizes
    if metafunc.function.__name__ == "test_alignment":
        argnames = ALIGNMENT_ARGS
        params = [pytest.param(op, list(sizes), d, p, id=f"{op}-{d}-{p}") for op, d, p in targets]
    elif set(MATMUL_ARGS) <= set(metafunc.fixturenames):
        argnames = MATMUL_ARGS
        params = [pytest.param(op, n, d, p, id=f"{op}-{d}-{p}-{n}") for op, d, p in targets for n in sizes]
    else:
        return
    _, absent = split_devices(opts.devices, nargs=len(argnames))
    metafunc.parametrize(argnames, params + absent)


def _skip_unless_fits(what: str, need: Need, device: str) -> None:
    """Skip (never attempt) a case whose buffers would not fit: an OOM kill would lose the session."""
    reason = resources.shortfall(need, *resources.available(device))
    if reason:
        pytest.skip(f"{what}: {reason}")


def test_matmul(benchmark, op: str, n: int, device: str, precision: str, timing_policy, pytestconfig) -> None:
    case = MatmulCase(op, n, device, precision)
    benchmark.group = f"matmul {case.op} {case.device} {case.precision}"
    need = matmul_need(case.n, case.rhs_cols, case.itemsize, device.startswith("cuda"))
    _skip_unless_fits(f"n={n}", need, device)
    mode = timing_mode(case.device, pytestconfig.getoption("bench_gpu_mode"))
    with out_of_memory_explained(f"matmul {op} n={n} on {device} in {precision}", need), tf32_mode(case.tf32):
        proof = reference_check(case)
        call = matmul_call(case)
        if mode == MODE_CPU:
            timing = measure(benchmark, call, case.device, timing_policy)
        else:
            timing = measure_gpu(benchmark, call, case.device, timing_policy, mode)
        median = median_seconds(benchmark)
        checked = pytestconfig.getoption("bench_verify") and benchmark.enabled
        second = verify(call, case.device, mode, median, timing_policy.max_time_s) if checked else None
    record = Matmul(
        **common_fields(KIND_MATMUL, case.device, case.dtype, timing),
        op=case.op,
        n=case.n,
        precision=case.precision,
        tf32=case.tf32,
        flops=case.flops,
        bytes=case.bytes,
        gflops=rate(case.flops, median),
        gbps=rate(case.bytes, median),
        readings=benchmark.extra_info.get("readings"),
        verify=second,
        tf32_proof=proof or None,
    )
    benchmark.extra_info.update(asdict(record))


def alignment_stop_rule(baseline: int, precision: float, max_s: float) -> StopRule | None:
    """Rounds until every penalty is within +-``precision`` (None: the fixed round count)."""
    if precision <= 0:
        return None
    return StopRule(precise_enough(baseline, precision), max_s=max_s, target=precision)


def test_alignment(benchmark, op: str, n: list[int], device: str, precision: str, bench_opts, timing_policy) -> None:
    benchmark.group = f"alignment {op} {device} {precision}"
    requested = {size: MatmulCase(op, size, device, precision) for size in n}
    cuda = device.startswith("cuda")
    needs = [(size, alignment_need(size, c.rhs_cols, c.itemsize, cuda)) for size, c in requested.items()]
    sizes, left_out = fit_in_order(needs, *resources.available(device))  # every size stays alive until the end
    if not sizes:
        pytest.skip(f"alignment: not even n={needs[0][0]} fits: {left_out[0][1]}")
    for size, reason in left_out:
        warnings.warn(f"alignment {op} {device} {precision}: n={size} left out: {reason}", stacklevel=1)
    baseline = baseline_size(sizes)
    cases = {size: requested[size] for size in sizes}
    kept_need = sum((need for size, need in needs if size in cases), Need(0))
    explained = out_of_memory_explained(f"alignment {op} on {device} in {precision}", kept_need)
    cold: dict[int, list[float]] = {}
    with explained, tf32_mode(cases[baseline].tf32):
        calls = {size: FreshOperandsCall(c) for size, c in cases.items()}
        if timing_mode(device) == MODE_CPU:
            result = measure_interleaved(
                benchmark,
                calls,
                device,
                timing_policy,
                bench_opts.align_rounds,
                until=alignment_stop_rule(baseline, bench_opts.align_precision, bench_opts.align_max_s),
                round_s=min(timing_policy.min_round_s, ALIGN_ROUND_S),
            )
            data, iterations, timing = result.data, result.iterations, result.timing
        else:  # hot and cold penalties, whatever --bench-gpu-mode says
            gpu = measure_interleaved_gpu(benchmark, calls, device, timing_policy, bench_opts.align_rounds)
            data, cold, timing = gpu.hot, gpu.cold, gpu.timing
            iterations = {size: int(gpu.timing.get("graph_calls", {}).get(str(size), 1)) for size in sizes}
    ratios = penalties(data, baseline)
    per_size = {
        str(size): per_size_record(data[size], iterations[size], c.flops, c.bytes, ratios[size])
        for size, c in cases.items()
    }
    if cold and all(cold.values()):
        for size, figures in cold_penalty_records(cold, baseline).items():
            per_size[str(size)].update(figures)
    record = Alignment(
        **common_fields(KIND_ALIGNMENT, device, cases[baseline].dtype, timing),
        op=op,
        precision=precision,
        tf32=cases[baseline].tf32,
        baseline_n=baseline,
        sizes=list(sizes),
        sizes_left_out={str(size): reason for size, reason in left_out},
        fresh_operands_per_round=True,
        per_size={size: PerSize(**entry) for size, entry in per_size.items()},
        readings=benchmark.extra_info.get("readings"),
    )
    benchmark.extra_info.update(asdict(record))
