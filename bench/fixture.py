"""The ``torch_benchmark`` fixture: your own kernel, layer or model measured the way the built-in
suites are (docs/workloads.md).

``torch_benchmark(fn, device=..., flops=..., bytes=...)`` times one callable through the harness's
core (``bench.timing.measure``: warmup, calibration, device synchronisation) into pytest-benchmark's
``benchmark`` fixture, and saves a ``workload`` record beside it; ``torch_benchmark.compare({...},
baseline=...)`` interleaves several implementations round by round and saves each one's ratio to the
baseline with a paired 95 % interval. The report reads both like its own suites: efficiency against
the machine's peak and bandwidth, run-over-run changes, comparison ratios.

A plugin module of its own (``bench.plugin`` loads it through ``pytest_plugins``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

import pytest
import torch

from bench.gpu_timing import MODE_COLD, MODE_CPU, MODE_E2E, measure_gpu, measure_interleaved_gpu
from bench.plugin import timing_policy_from
from bench.pytest_benchmark_adapter import median_seconds
from bench.record import common_fields
from bench.timing import measure, measure_interleaved
from bench.workload import (
    check_bound,
    check_callable,
    check_result_device,
    check_rounds,
    check_workloads,
    comparison_fields,
    first_call,
    gpu_mode,
    precision_label,
    rates,
    resolve_device,
    tf32_allowed,
    work_count,
    workload_dtype,
    workload_fields,
)
from contract.records import Workload, WorkloadCompare
from contract.schema import KIND_WORKLOAD, KIND_WORKLOAD_COMPARE

DEFAULT_COMPARE_ROUNDS = 30


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("bench", "torch benchmark harness").addoption(
        "--bench-compare-rounds",
        type=int,
        default=DEFAULT_COMPARE_ROUNDS,
        help=f"torch_benchmark.compare: interleaved rounds (default: {DEFAULT_COMPARE_ROUNDS})",
    )


class TorchBenchmark:
    """What the ``torch_benchmark`` fixture gives a test: call it once, or call ``compare`` once."""

    def __init__(self, benchmark: Any, config: pytest.Config) -> None:
        self._benchmark = benchmark
        self._config = config
        self._used: str | None = None

    def use_device(self, device: str | torch.device) -> str:
        """The device's name as records spell it (``"cuda"`` -> ``"cuda:0"``); skips the test, with
        the reason, when it is absent. Call it before building inputs on the device."""
        name, skip_reason = resolve_device(device)
        if skip_reason:
            pytest.skip(f"{name}: {skip_reason}")
        return name

    def __call__(
        self,
        fn: Callable[[], Any],
        *,
        device: str | torch.device = "cpu",
        flops: float | None = None,
        bytes: float | None = None,
        group: str | None = None,
        dtype: torch.dtype | str | None = None,
        bound: str | None = None,
        mode: str | None = None,
    ) -> dict[str, Any]:
        """Time ``fn()`` on ``device`` and record it as a ``workload``; returns the saved ``extra_info``.

        ``flops``/``bytes``: the work of one call, as you count it (the report's GFLOP/s, GB/s and
        efficiency come from them). ``bound``: ``"compute"`` or ``"memory"``, the limit you want it
        read against; it requires the matching count. ``dtype``: defaults to the returned tensor's.
        ``mode``: the CUDA timing mode, ``hot``, ``cold`` or ``e2e`` (default ``--bench-gpu-mode``).
        """
        self._claim("torch_benchmark(...)")
        fn = check_callable("workload", fn)
        name, setup = self._prepare(device, flops, bytes, bound, dtype, mode)
        result = first_call("workload", fn, name)
        check_result_device("workload", result, name)
        dtype_, source = workload_dtype(setup["dtype"], result)
        self._benchmark.group = group
        policy = timing_policy_from(self._config)
        if setup["mode"] == MODE_CPU:
            timing = measure(self._benchmark, fn, name, policy)
        else:
            timing = measure_gpu(self._benchmark, fn, name, policy, setup["mode"])
        info = self._benchmark.extra_info
        record = Workload(
            **common_fields(KIND_WORKLOAD, name, dtype_, timing),
            **self._fields(name, dtype_, source, bound, setup),
            **rates(setup["flops"], setup["bytes"], median_seconds(self._benchmark)),
            readings=info.get("readings"),
        )
        info.update(asdict(record))
        return info

    def compare(
        self,
        workloads: Mapping[str, Callable[[], Any]],
        *,
        baseline: str,
        device: str | torch.device = "cpu",
        flops: float | None = None,
        bytes: float | None = None,
        group: str | None = None,
        dtype: torch.dtype | str | None = None,
        bound: str | None = None,
        rounds: int | None = None,
        mode: str | None = None,
    ) -> dict[str, Any]:
        """Time several implementations of the same work interleaved round by round (ABC ABC ...),
        and record each one's median ratio to ``baseline`` with its 95 % paired interval.

        ``flops``/``bytes`` count the work of one call, the same for every implementation.
        ``rounds``: paired rounds (default ``--bench-compare-rounds``). ``mode``: on CUDA, ``hot`` or
        ``cold`` ratios come from kernel times (graph replays / L2 flushed), ``e2e`` from eager launches
        with the host (default ``--bench-gpu-mode``). Returns the saved ``extra_info``.
        """
        self._claim("torch_benchmark.compare(...)")
        fns = check_workloads(workloads, baseline)
        if rounds is None:
            rounds = check_rounds(self._config.getoption("bench_compare_rounds"), "--bench-compare-rounds")
        else:
            rounds = check_rounds(rounds, "rounds=")
        name, setup = self._prepare(device, flops, bytes, bound, dtype, mode)
        results = {}
        for key, fn in fns.items():
            results[key] = first_call(key, fn, name)
            check_result_device(key, results[key], name)
        dtype_, source = workload_dtype(setup["dtype"], results[baseline])
        self._benchmark.group = group
        data, iterations, timing = self._interleave(fns, name, rounds, setup["mode"])
        info = self._benchmark.extra_info
        record = WorkloadCompare(
            **common_fields(KIND_WORKLOAD_COMPARE, name, dtype_, timing),
            **self._fields(name, dtype_, source, bound, setup),
            **comparison_fields(
                data, iterations, baseline, setup["flops"], setup["bytes"], timed=self._benchmark.enabled
            ),
            readings=info.get("readings"),
        )
        info.update(asdict(record))
        return info

    def _interleave(self, fns: dict, device: str, rounds: int, mode: str) -> tuple[dict, dict, dict]:
        """(per-round seconds per call, calls per round, timing record) of every workload, rounds
        paired: the CPU core, eager launches with the host on CUDA (e2e), or kernel times (hot, cold)."""
        policy = timing_policy_from(self._config)
        if mode in (MODE_CPU, MODE_E2E):
            result = measure_interleaved(self._benchmark, fns, device, policy, rounds)
            return result.data, result.iterations, result.timing  # its mode: cpu, or e2e on CUDA
        gpu = measure_interleaved_gpu(self._benchmark, fns, device, policy, rounds)
        data = gpu.cold if mode == MODE_COLD and self._benchmark.enabled else gpu.hot
        iterations = {k: int(gpu.timing.get("graph_calls", {}).get(k, 1)) for k in fns}
        return data, iterations, gpu.timing | {"mode": mode}

    def _claim(self, how: str) -> None:
        if self._used is not None:
            raise RuntimeError(
                f"torch_benchmark: already used in this test by {self._used}; one test measures once "
                "(parametrize the test, or put the workloads in one torch_benchmark.compare)"
            )
        self._used = how

    def _prepare(
        self, device: str | torch.device, flops: Any, nbytes: Any, bound: str | None, dtype: Any, mode: str | None
    ) -> tuple[str, dict[str, Any]]:
        """Checks every argument before anything runs (an unknown device included; an absent CUDA device
        skips with the reason)."""
        setup = {
            "flops": work_count("flops", flops),
            "bytes": work_count("bytes", nbytes),
            "dtype": None if dtype is None else workload_dtype(dtype, None)[0],
        }
        check_bound(bound, setup["flops"], setup["bytes"])
        name = self.use_device(device)
        setup["mode"] = gpu_mode(name, self._config.getoption("bench_gpu_mode") if mode is None else mode)
        return name, setup

    @staticmethod
    def _fields(device: str, dtype: torch.dtype, source: str, bound: str | None, setup: dict) -> dict[str, Any]:
        tf32 = device.startswith("cuda") and tf32_allowed()
        return workload_fields(
            precision=precision_label(dtype, device, tf32),
            tf32=tf32,
            dtype_source=source,
            bound=bound,
            flops=setup["flops"],
            nbytes=setup["bytes"],
        )


@pytest.fixture
def torch_benchmark(benchmark: Any, pytestconfig: pytest.Config) -> TorchBenchmark:
    """Time your own workload with the harness's core and save it for the report (docs/workloads.md)."""
    return TorchBenchmark(benchmark, pytestconfig)
