"""Fidelity: does the harness's median agree with torch.utils.benchmark for the same call?

Runs the harness's real path (bench.timing.measure into a real pytest-benchmark fixture) and
``torch.utils.benchmark.Timer.blocked_autorange`` side by side in one process, alternating
A/B for several repetitions at the same thread count, and prints the ratio of medians per size.

    python scripts/check_fidelity.py [--sizes 1024,1032] [--repeats 5] [--device cpu]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
from pathlib import Path

import torch
import torch.utils.benchmark as tbench

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python scripts/...` from anywhere

from bench.kernels.matmul import MatmulCase, matmul_call
from bench.options import parse_sizes
from bench.standalone import median_of, standalone_fixture
from bench.timing import TimingPolicy, measure


def harness_median(call, device: str, policy: TimingPolicy) -> float:
    """The per-call median that `pytest bench` would save for this call (the CPU/e2e path)."""
    fixture, stats = standalone_fixture(policy, "fidelity")
    measure(fixture, call, device, policy)
    return median_of(stats)


def timer_median(call, device: str, threads: int, min_run_time: float) -> float:
    """blocked_autorange's median. Its clock synchronises the *current* CUDA device, so the
    device timed is made current (else a cuda:1 run would read cuda:0's idle queue)."""
    timer = tbench.Timer(stmt="call()", globals={"call": call}, num_threads=threads)
    with torch.cuda.device(torch.device(device)) if device.startswith("cuda") else contextlib.nullcontext():
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
            theirs.append(timer_median(call, args.device, threads, args.max_time))
        ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
        print(
            f"{n:>6} {statistics.median(ours) * 1e3:>11.4f} {statistics.median(theirs) * 1e3:>9.4f} "
            f"{statistics.median(ours) / statistics.median(theirs):>7.4f}   " + " ".join(f"{r:.3f}" for r in ratios)
        )


if __name__ == "__main__":
    main()
