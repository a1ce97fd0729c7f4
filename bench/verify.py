"""--bench-verify: time the same callable a second, independent way and save the ratio.

The harness's figure is trusted only as far as another tool agrees with it: on the CPU
``torch.utils.benchmark.Timer.blocked_autorange``; on CUDA triton's ``do_bench_cudagraph`` for
hot figures and ``do_bench`` (its own L2 flush) for cold ones, when triton imports. The record
is ``extra_info["verify"]`` (contract.schema.VERIFY_FIELDS); ratio = harness / tool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TOOL_TIMER = "torch.utils.benchmark.blocked_autorange"
TOOL_CUDAGRAPH = "triton.testing.do_bench_cudagraph"
TOOL_DO_BENCH = "triton.testing.do_bench"


def agreement(tool: str, harness_s: float | None, tool_s: float | None) -> dict[str, Any]:
    """The verify record: both figures and their ratio, or why there is no ratio."""
    if not harness_s or not tool_s or harness_s <= 0 or tool_s <= 0:
        return {"tool": tool, "unavailable": f"no positive figures to compare (harness {harness_s}, tool {tool_s})"}
    return {"tool": tool, "median_s": tool_s, "harness_s": harness_s, "ratio": harness_s / tool_s}


def cpu_verify(fn: Callable[[], Any], harness_s: float | None, min_run_time: float) -> dict[str, Any]:
    """blocked_autorange's median for ``fn`` at torch's current thread count."""
    import torch
    import torch.utils.benchmark as tbench

    timer = tbench.Timer(stmt="fn()", globals={"fn": fn}, num_threads=torch.get_num_threads())
    timer.timeit(3)  # blocked_autorange itself warms up with one call only
    return agreement(TOOL_TIMER, harness_s, timer.blocked_autorange(min_run_time=min_run_time).median)


def triton_testing() -> tuple[Any | None, str | None]:
    """triton.testing, or (None, why not)."""
    try:
        import triton.testing as testing
    except Exception as exc:
        return None, f"triton not importable: {type(exc).__name__}: {exc}"
    return testing, None


def cuda_verify(fn: Callable[[], Any], device: str, mode: str, harness_s: float | None) -> dict[str, Any]:
    """do_bench_cudagraph (hot) or do_bench (cold) in milliseconds, median where supported.

    do_bench_cudagraph refuses the default stream, so both run on a side stream of ``device``."""
    tool = TOOL_DO_BENCH if mode == "cold" else TOOL_CUDAGRAPH
    if mode not in ("hot", "cold"):
        return {"tool": tool, "unavailable": f"no independent timer for mode {mode!r} (host-inclusive)"}
    testing, why = triton_testing()
    if testing is None:
        return {"tool": tool, "unavailable": why}
    import torch

    dev = torch.device(device)
    with torch.cuda.device(dev), torch.cuda.stream(torch.cuda.Stream(device=dev)):
        bench = testing.do_bench if mode == "cold" else testing.do_bench_cudagraph
        try:
            ms = bench(fn, return_mode="median")
        except TypeError:  # an older triton without return_mode: its mean
            ms = bench(fn)
    return agreement(tool, harness_s, float(ms) / 1e3)


def verify(fn: Callable[[], Any], device: str, mode: str, harness_s: float | None, min_run_time: float) -> dict:
    """The verify record for one benchmark; never raises (a failure is the record's reason)."""
    try:
        if device.startswith("cuda"):
            return cuda_verify(fn, device, mode, harness_s)
        return cpu_verify(fn, harness_s, min_run_time)
    except Exception as exc:
        return {"tool": TOOL_TIMER if device == "cpu" else mode, "unavailable": f"{type(exc).__name__}: {exc}"}
