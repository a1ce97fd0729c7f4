"""Matrix-matrix and matrix-vector products at n = 1024..1032 on every device and precision.

Two kinds of benchmark:
- ``test_matmul``: one size timed alone; the terminal table shows one op/device/precision per group.
- ``test_alignment``: all sizes of one op/device/precision interleaved round by round; its
  ``extra_info["per_size"]`` holds each size's penalty t(n)/t(baseline) with a 95% interval,
  the number that answers "how much does misalignment cost here".
"""

from __future__ import annotations

import pytest

from bench.devices import split_devices, tf32_mode
from bench.gpu_timing import MODE_CPU, measure_gpu, measure_interleaved_gpu, timing_mode
from bench.kernels.alignment import cold_penalty_records, penalties, per_size_record
from bench.kernels.matmul import FreshOperandsCall, MatmulCase, matmul_call, reference_check
from bench.plugin import bench_options
from bench.pytest_benchmark_adapter import median_seconds
from bench.record import common_extra_info
from bench.timing import measure, measure_interleaved
from bench.verify import verify
from contract.arithmetic import baseline_size, rate
from contract.schema import KIND_ALIGNMENT, KIND_MATMUL


def _targets(config: pytest.Config) -> tuple[list[tuple[str, str, str]], list]:
    """(device, precision, op) triples to measure, and one skipped param per absent device."""
    opts = bench_options(config)
    present, absent = split_devices(opts.devices)
    targets = [
        (device.name, precision, op)
        for device in opts.devices
        if device.name in present
        for precision in opts.precisions_for(device)
        for op in opts.ops
    ]
    return targets, absent


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    targets, absent = _targets(metafunc.config)
    if "case" in metafunc.fixturenames:
        sizes = bench_options(metafunc.config).sizes
        cases = [MatmulCase(op, n, device, precision) for device, precision, op in targets for n in sizes]
        params = [pytest.param(c, id=f"{c.op}-{c.device}-{c.precision}-{c.n}") for c in cases]
        metafunc.parametrize("case", params + absent)
    if "target" in metafunc.fixturenames:
        params = [pytest.param(t, id=f"{t[2]}-{t[0]}-{t[1]}") for t in targets]
        metafunc.parametrize("target", params + absent)


def test_matmul(benchmark, case: MatmulCase, timing_policy, pytestconfig) -> None:
    benchmark.group = f"matmul {case.op} {case.device} {case.precision}"
    proof = reference_check(case)
    call = matmul_call(case)
    mode = timing_mode(case.device, pytestconfig.getoption("bench_gpu_mode"))
    with tf32_mode(case.tf32):
        if mode == MODE_CPU:
            timing = measure(benchmark, call, case.device, timing_policy)
        else:
            timing = measure_gpu(benchmark, call, case.device, timing_policy, mode)
        median = median_seconds(benchmark)
        if pytestconfig.getoption("bench_verify") and benchmark.enabled:
            benchmark.extra_info["verify"] = verify(call, case.device, mode, median, timing_policy.max_time_s)
    benchmark.extra_info.update(common_extra_info(KIND_MATMUL, case.device, case.dtype, timing))
    benchmark.extra_info.update(
        op=case.op,
        n=case.n,
        precision=case.precision,
        tf32=case.tf32,
        flops=case.flops,
        bytes=case.bytes,
        gflops=rate(case.flops, median),
        gbps=rate(case.bytes, median),
    )
    if proof:
        benchmark.extra_info["tf32_proof"] = proof


def test_alignment(benchmark, target: tuple[str, str, str], bench_opts, timing_policy) -> None:
    device, precision, op = target
    sizes = bench_opts.sizes
    baseline = baseline_size(sizes)
    cases = {n: MatmulCase(op, n, device, precision) for n in sizes}
    benchmark.group = f"alignment {op} {device} {precision}"
    calls = {n: FreshOperandsCall(c) for n, c in cases.items()}
    cold: dict[int, list[float]] = {}
    with tf32_mode(cases[baseline].tf32):
        if timing_mode(device) == MODE_CPU:
            result = measure_interleaved(benchmark, calls, device, timing_policy, bench_opts.align_rounds)
            data, iterations, timing = result.data, result.iterations, result.timing
        else:  # hot and cold penalties, whatever --bench-gpu-mode says
            gpu = measure_interleaved_gpu(benchmark, calls, device, timing_policy, bench_opts.align_rounds)
            data, cold, timing = gpu.hot, gpu.cold, gpu.timing
            iterations = {n: int(gpu.timing.get("graph_calls", {}).get(str(n), 1)) for n in sizes}
    ratios = penalties(data, baseline)
    per_size = {str(n): per_size_record(data[n], iterations[n], c.flops, c.bytes, ratios[n]) for n, c in cases.items()}
    if cold and all(cold.values()):
        for n, record in cold_penalty_records(cold, baseline).items():
            per_size[str(n)].update(record)
    benchmark.extra_info.update(common_extra_info(KIND_ALIGNMENT, device, cases[baseline].dtype, timing))
    benchmark.extra_info.update(
        op=op,
        precision=precision,
        tf32=cases[baseline].tf32,
        baseline_n=baseline,
        sizes=list(sizes),
        fresh_operands_per_round=True,
        per_size=per_size,
    )
