"""Fidelity: does the harness's median agree with torch.utils.benchmark for the same call?

Runs the harness's real path (bench.timing.measure into a real pytest-benchmark fixture) and
``torch.utils.benchmark.Timer.blocked_autorange`` side by side in one process, alternating
A/B for several repetitions at the same thread count, and prints the ratio of medians per size.

    python scripts/check_fidelity.py [--sizes 1024,1032] [--repeats 5] [--device cpu]
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import time
from types import SimpleNamespace

import torch
import torch.utils.benchmark as tbench
from pytest_benchmark.fixture import BenchmarkFixture
from pytest_benchmark.logger import Logger
from pytest_benchmark.utils import NameWrapper

from bench.kernels.matmul import MatmulCase, matmul_call
from bench.options import parse_sizes
from bench.timing import TimingPolicy, measure


def harness_median(call, device: str, policy: TimingPolicy) -> float:
    """The per-call median that `pytest bench` would save for this call."""
    stats: list = []
    options = dict(
        disable_gc=False,
        timer=NameWrapper(time.perf_counter),
        min_rounds=policy.min_rounds,
        min_time=0.000005,
        max_time=policy.max_time_s,
        warmup=False,
        warmup_iterations=0,
        calibration_precision=10,
        add_stats=stats.append,
        logger=Logger(Logger.QUIET),
        warner=None,
        disabled=False,
        cprofile=False,
        cprofile_loops=None,
        cprofile_dump=None,
        precision=None,  # pytest-benchmark >= 5.3
        confidence=None,
    )
    accepted = inspect.signature(BenchmarkFixture).parameters
    node = SimpleNamespace(name="fidelity", nodeid="fidelity", _nodeid="fidelity")
    fixture = BenchmarkFixture(node, **{k: v for k, v in options.items() if k in accepted})
    measure(fixture, call, device, policy)
    return float(stats[0].stats.median)


def timer_median(call, threads: int, min_run_time: float) -> float:
    timer = tbench.Timer(stmt="call()", globals={"call": call}, num_threads=threads)
    timer.timeit(3)  # blocked_autorange does no warmup of its own beyond one call
    return timer.blocked_autorange(min_run_time=min_run_time).median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1024,1032")
    parser.add_argument("--op", default="mm", choices=["mm", "mv"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="float32")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-time", type=float, default=1.0, help="seconds per measurement for both tools")
    args = parser.parse_args()
    threads = torch.get_num_threads()
    policy = TimingPolicy(max_time_s=args.max_time)
    print(f"torch {torch.__version__}, {threads} threads, device {args.device}, {args.op} {args.precision}")
    print(f"{'n':>6} {'harness ms':>11} {'Timer ms':>9} {'ratio':>7}   per-repeat ratios")
    for n in parse_sizes(args.sizes):
        call = matmul_call(MatmulCase(args.op, n, args.device, args.precision))
        ours, theirs = [], []
        for _ in range(args.repeats):  # A/B alternation: drift hits both tools alike
            ours.append(harness_median(call, args.device, policy))
            theirs.append(timer_median(call, threads, args.max_time))
        ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
        print(
            f"{n:>6} {statistics.median(ours) * 1e3:>11.4f} {statistics.median(theirs) * 1e3:>9.4f} "
            f"{statistics.median(ours) / statistics.median(theirs):>7.4f}   " + " ".join(f"{r:.3f}" for r in ratios)
        )


if __name__ == "__main__":
    main()
