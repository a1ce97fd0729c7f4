"""Matrix-matrix and matrix-vector products at n = 1024..1032 on every device and precision.

Two kinds of benchmark:
- ``test_matmul``: one size timed alone; the terminal table shows one op/device/precision per group.
- ``test_alignment``: all sizes of one op/device/precision interleaved round by round; its
  ``extra_info["per_size"]`` holds each size's penalty t(n)/t(baseline) with a 95% interval,
  the number that answers "how much does misalignment cost here".
"""

from __future__ import annotations

import pytest

from bench.devices import tf32_mode
from bench.kernels.alignment import baseline_size, penalties, per_size_record
from bench.kernels.matmul import FreshOperandsCall, MatmulCase, matmul_call, reference_check
from bench.plugin import bench_options
from bench.record import common_extra_info, median_seconds, rate
from bench.timing import measure, measure_interleaved
from contract.schema import KIND_ALIGNMENT, KIND_MATMUL


def _targets(config: pytest.Config) -> tuple[list[tuple[str, str, str]], list]:
    """(device, precision, op) triples to measure, and one skipped param per absent device."""
    opts = bench_options(config)
    targets, absent = [], []
    for device in opts.devices:
        if device.skip_reason:
            mark = pytest.mark.skip(reason=f"{device.name}: {device.skip_reason}")
            absent.append(pytest.param(None, id=f"{device.name}-absent", marks=mark))
            continue
        for precision in opts.precisions_for(device):
            targets.extend((device.name, precision, op) for op in opts.ops)
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


def test_matmul(benchmark, case: MatmulCase, timing_policy) -> None:
    benchmark.group = f"matmul {case.op} {case.device} {case.precision}"
    reference_check(case)
    call = matmul_call(case)
    with tf32_mode(case.tf32):
        timing = measure(benchmark, call, case.device, timing_policy)
    median = median_seconds(benchmark)
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


def test_alignment(benchmark, target: tuple[str, str, str], bench_opts, timing_policy) -> None:
    device, precision, op = target
    sizes = bench_opts.sizes
    baseline = baseline_size(sizes)
    cases = {n: MatmulCase(op, n, device, precision) for n in sizes}
    benchmark.group = f"alignment {op} {device} {precision}"
    with tf32_mode(cases[baseline].tf32):
        result = measure_interleaved(
            benchmark,
            {n: FreshOperandsCall(c) for n, c in cases.items()},
            device,
            timing_policy,
            bench_opts.align_rounds,
        )
    ratios = penalties(result.data, baseline)
    benchmark.extra_info.update(common_extra_info(KIND_ALIGNMENT, device, cases[baseline].dtype, result.timing))
    benchmark.extra_info.update(
        op=op,
        precision=precision,
        tf32=cases[baseline].tf32,
        baseline_n=baseline,
        sizes=list(sizes),
        fresh_operands_per_round=True,
        per_size={
            str(n): per_size_record(result.data[n], result.iterations[n], c.flops, c.bytes, ratios[n])
            for n, c in cases.items()
        },
    )
