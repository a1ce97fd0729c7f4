"""Kernel-true GPU timing: which question a CUDA number answers is named in its record.

A microsecond kernel on an H100 is faster than the host can launch it, so eager launches between
two synchronisations time the host. Three modes (``extra_info["timing"]["mode"]``):

- ``hot``: how fast is the kernel itself? K calls captured in one CUDA graph, replays of K and 2K
  calls timed with CUDA events, per call = (t(2K) - t(K)) / K so the replay's fixed cost cancels;
  operands stay warm in L2. Where capture fails, K eager launches are queued behind a blocking
  kernel (``torch.cuda._sleep``, as nvbench does) and the start event must not have fired by the
  time the last launch was queued, else the figure would include the host and is retried.
- ``cold``: how fast from memory? A buffer of at least twice the L2 is zeroed before every call
  (evicting the operands), events around each call; median and quantiles saved (triton do_bench).
- ``e2e``: what does the program pay? eager launches between synchronisations, host included
  (``bench.timing.measure``), with the GPU's busy share beside it.

The CPU keeps ``bench.timing``'s path under its own mode name, ``cpu``.

pytest-benchmark reads a clock around each round; for hot and cold that clock is a
:class:`EventClock`, which advances only by event-measured GPU seconds, so pytest-benchmark's
statistics, table and saved JSON hold kernel times. The pure functions (K choice, cost
cancellation, L2 buffer size, flags) are unit-tested on the CPU; the CUDA parts need a GPU.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

MODE_HOT = "hot"
MODE_COLD = "cold"
MODE_E2E = "e2e"
MODE_CPU = "cpu"
GPU_MODES = (MODE_HOT, MODE_COLD, MODE_E2E)

TARGET_REPLAY_S = 1.5e-3  # a K-call replay lasts ~1-2 ms: far above event resolution (~0.5 us)
MAX_GRAPH_CALLS = 4096  # bounds capture time and graph memory for nanosecond-scale estimates
MIN_GRAPH_CALLS = 4
GPU_WARMUP_S = 0.025  # pipelined warmup: long enough for the GPU to leave its idle clocks
LAUNCH_BOUND_EXCESS = 0.2  # e2e more than 20% above hot: the host, not the kernel, sets the pace
DEFAULT_FLUSH_BYTES = 256 * 2**20  # do_bench's buffer, used when the L2 size is unknown
COLD_QUANTILES = (0.2, 0.5, 0.8)


# --- pure logic ---------------------------------------------------------------------------------


def timing_mode(device: str, requested: str = MODE_HOT, kernel: bool = True) -> str:
    """The mode a benchmark runs in: ``cpu`` off CUDA, ``e2e`` for whole programs (training
    steps, where the host is part of the answer), else the requested GPU mode."""
    if not device.startswith("cuda"):
        return MODE_CPU
    if requested not in GPU_MODES:
        raise ValueError(f"unknown GPU timing mode {requested!r}; choose from {', '.join(GPU_MODES)}")
    return requested if kernel else MODE_E2E


def graph_calls_for(per_call_s: float, target_s: float = TARGET_REPLAY_S) -> int:
    """Calls K per captured graph so that one replay lasts about ``target_s``."""
    if not per_call_s > 0 or not math.isfinite(per_call_s):
        return MAX_GRAPH_CALLS
    return max(MIN_GRAPH_CALLS, min(MAX_GRAPH_CALLS, math.ceil(target_s / per_call_s)))


@dataclass(frozen=True)
class Cancelled:
    """One hot sample: per-call seconds with the replay's fixed cost taken out."""

    per_call_s: float
    fixed_s: float  # the replay's fixed cost t(K) - K * per_call (launch of the graph, first-kernel ramp)
    cancelled: bool  # False: the difference was not positive (noise), so t(2K)/2K was used


def cancel_fixed_cost(t_k: float, t_2k: float, k: int) -> Cancelled:
    """Per call from replays of K and 2K calls: t = fixed + calls x per_call, so
    per_call = (t(2K) - t(K)) / K. A non-positive difference (noise on a tiny kernel) falls back
    to t(2K) / 2K, an upper bound, and says so."""
    if k < 1 or t_k < 0 or t_2k < 0:
        raise ValueError(f"need k >= 1 and non-negative times, got k={k}, t_k={t_k}, t_2k={t_2k}")
    diff = t_2k - t_k
    if diff > 0:
        per_call = diff / k
        return Cancelled(per_call, t_k - k * per_call, True)
    return Cancelled(t_2k / (2 * k), 0.0, False)


def l2_flush_bytes(l2_bytes: int | None) -> int:
    """Size of the buffer zeroed before each cold call: at least twice the L2 (a write of 1x may
    leave lines of the operands resident under the L2's replacement policy), rounded up to MiB;
    do_bench's 256 MiB when the L2 size is unknown."""
    if not l2_bytes or l2_bytes < 0:
        return DEFAULT_FLUSH_BYTES
    mib = 2**20
    return max(mib, math.ceil(2 * l2_bytes / mib) * mib)


def is_launch_bound(e2e_s: float | None, hot_s: float | None, excess: float = LAUNCH_BOUND_EXCESS) -> bool | None:
    """True when the program pays more than ``1 + excess`` times the kernel's own time (the
    host's launch rate sets the pace); None when either figure is missing."""
    if not e2e_s or not hot_s or e2e_s <= 0 or hot_s <= 0:
        return None
    return e2e_s > hot_s * (1 + excess)


def busy_share(kernel_s: float | None, wall_s: float | None) -> float | None:
    """Fraction of the host-inclusive time the GPU spent on the kernel (capped at 1)."""
    if not kernel_s or not wall_s or wall_s <= 0:
        return None
    return min(1.0, kernel_s / wall_s)


def summarise(values: Sequence[float], quantiles: Sequence[float] = COLD_QUANTILES) -> dict[str, Any]:
    """Median, min, max and the given quantiles (linear interpolation) of per-call seconds."""
    if not values:
        raise ValueError("no samples to summarise")
    ordered = sorted(values)
    return {
        "median_s": statistics.median(ordered),
        "min_s": ordered[0],
        "max_s": ordered[-1],
        "quantiles": {f"q{round(q * 100)}": _quantile(ordered, q) for q in quantiles},
        "samples": len(ordered),
    }


def _quantile(ordered: Sequence[float], q: float) -> float:
    pos = q * (len(ordered) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def sleep_cycles_for(enqueue_s: float, sm_clock_mhz: float | None, margin: float = 4.0) -> int:
    """Clock cycles a blocking kernel must spin so the queue fills before it ends: the host's
    enqueue time for the batch x ``margin``, at the SM clock (1.98 GHz when unknown: too many
    cycles only waits longer, too few makes the check fail and the batch retried)."""
    mhz = sm_clock_mhz or 1980.0
    return max(100_000, math.ceil(enqueue_s * margin * mhz * 1e6))


def launch_blocking_reason(env: dict[str, str] | None = None) -> str | None:
    """Why CUDA timing is refused: CUDA_LAUNCH_BLOCKING serialises every launch with the host."""
    value = (env if env is not None else os.environ).get("CUDA_LAUNCH_BLOCKING", "")
    if value.strip() not in ("", "0"):
        return (
            f"CUDA_LAUNCH_BLOCKING={value} makes every launch wait for the GPU, so any GPU timing "
            "measures the host; unset it to benchmark"
        )
    return None


class EventClock:
    """A clock for pytest-benchmark that advances only by what the round measured on the GPU:
    the round function calls :meth:`advance` with event-timed seconds per call."""

    def __init__(self) -> None:
        self.now = 0.0
        self.__name__ = "cuda-events"

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- CUDA: settings that change what a kernel does ---------------------------------------------


def cuda_settings() -> dict[str, Any]:
    """Flags that change cuBLAS's choice of kernel or its rounding, recorded with each result."""
    import torch

    matmul = torch.backends.cuda.matmul
    out: dict[str, Any] = {
        "CUBLAS_WORKSPACE_CONFIG": os.environ.get("CUBLAS_WORKSPACE_CONFIG"),
        "CUDA_LAUNCH_BLOCKING": os.environ.get("CUDA_LAUNCH_BLOCKING"),
        "fp32_precision": getattr(matmul, "fp32_precision", None),
    }
    for name in ("allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction"):
        try:
            out[name] = bool(getattr(matmul, name))
        except Exception as exc:
            out[name] = f"unreadable: {exc}"
    try:
        out["preferred_blas_library"] = str(torch.backends.cuda.preferred_blas_library()).rsplit(".", 1)[-1]
    except Exception as exc:
        out["preferred_blas_library"] = f"unreadable: {exc}"
    return out


# --- CUDA: the timers (need a GPU) ---------------------------------------------------------------


def _events(torch: Any) -> tuple[Any, Any]:
    return torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)


def gpu_warm_up(fn: Callable[[], Any], device: str, min_s: float = GPU_WARMUP_S) -> tuple[int, float]:
    """Pipelined warmup: batches of queued calls (one synchronisation per batch) until at least
    ``min_s`` of wall time, so clocks ramp and lazy init is paid. Returns (calls, seconds)."""
    import torch

    dev = torch.device(device)
    torch.cuda.synchronize(dev)
    start = time.perf_counter()
    calls, batch = 0, 1
    while True:
        for _ in range(batch):
            fn()
        torch.cuda.synchronize(dev)
        calls += batch
        elapsed = time.perf_counter() - start
        if elapsed >= min_s and calls >= 2:
            return calls, elapsed
        batch = min(batch * 2, 1024)


class HotTimer:
    """Times one callable hot: graphs of K and 2K calls replayed between CUDA events.

    Graphs bind the tensors' addresses at capture, so a workload with a ``slot`` attribute (an
    operand pool, :class:`bench.kernels.matmul.FreshOperandsCall`) gets its own pair of graphs per
    slot, captured the first time that slot is timed. Where capture fails, the blocking-kernel
    path (:meth:`_blocked_sample`) is used for every sample and ``capture`` says so.
    """

    def __init__(self, fn: Callable[[], Any], device: str, calls: int | None = None) -> None:
        import torch

        self.torch = torch
        self.fn = fn
        self.device = torch.device(device)
        self.stream = torch.cuda.Stream(device=self.device)
        self.graphs: dict[Any, tuple[Any, Any]] = {}
        self.capture = "cuda-graph"
        self.capture_error: str | None = None
        self.blocked_retries = 0
        self.fixed_s: list[float] = []
        self.uncancelled = 0
        self._warm_on_stream()
        self.calls = calls or graph_calls_for(self._estimate())

    def _warm_on_stream(self) -> None:
        """Graph capture runs on a side stream; cuBLAS picks its handle/workspace per stream, so
        the side stream is warmed first (capture must not be the first call there)."""
        torch = self.torch
        self.stream.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(self.stream):
            for _ in range(3):
                self.fn()
        torch.cuda.current_stream(self.device).wait_stream(self.stream)
        torch.cuda.synchronize(self.device)

    def _estimate(self) -> float:
        """Per-call seconds from a short eager batch timed with events (an upper bound: it may
        include launch gaps; K from it is then smaller than ideal, never too big)."""
        torch = self.torch
        start, end = _events(torch)
        with torch.cuda.stream(self.stream):
            start.record()
            for _ in range(20):
                self.fn()
            end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3 / 20

    def _graphs(self) -> tuple[Any, Any] | None:
        key = getattr(self.fn, "slot", None)
        if key in self.graphs:
            return self.graphs[key]
        if self.capture != "cuda-graph":
            return None
        try:
            pair = (self._capture(self.calls), self._capture(2 * self.calls))
            if not self.graphs:  # the eager estimate may include launch gaps: resize K from a replay
                better = graph_calls_for(self._replay_s(pair[0]) / self.calls)
                if not 0.5 <= better / self.calls <= 2:
                    self.calls = better
                    pair = (self._capture(self.calls), self._capture(2 * self.calls))
        except Exception as exc:
            self.capture, self.capture_error = "blocking-kernel", f"{type(exc).__name__}: {exc}"
            self.torch.cuda.synchronize(self.device)
            return None
        self.graphs[key] = pair
        return pair

    def _capture(self, calls: int) -> Any:
        torch = self.torch
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, stream=self.stream):
            for _ in range(calls):
                self.fn()
        torch.cuda.synchronize(self.device)
        return graph

    def _replay_s(self, graph: Any) -> float:
        torch = self.torch
        start, end = _events(torch)
        self.stream.wait_stream(torch.cuda.current_stream(self.device))  # after eager work (rotate's touch)
        with torch.cuda.stream(self.stream):
            start.record()
            graph.replay()
            end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3

    def sample(self) -> float:
        """One hot per-call figure (seconds)."""
        graphs = self._graphs()
        if graphs is None:
            return self._blocked_sample()
        graph_k, graph_2k = graphs
        t_k, t_2k = self._replay_s(graph_k), self._replay_s(graph_2k)
        result = cancel_fixed_cost(t_k, t_2k, self.calls)
        self.fixed_s.append(result.fixed_s)
        self.uncancelled += not result.cancelled
        return result.per_call_s

    def _blocked_sample(self, attempts: int = 4) -> float:
        """K eager launches queued behind a spinning kernel, so the GPU runs them back to back
        without waiting for the host; valid only if the start event (recorded after the spin)
        had not fired when the last launch was queued."""
        torch = self.torch
        cycles = sleep_cycles_for(self.calls * 10e-6, None)
        for _ in range(attempts):
            start, end = _events(torch)
            with torch.cuda.stream(self.stream):
                torch.cuda._sleep(cycles)
                start.record()
                for _ in range(self.calls):
                    self.fn()
                queued_before_start = not start.query()
                end.record()
            end.synchronize()
            if queued_before_start:
                return start.elapsed_time(end) / 1e3 / self.calls
            self.blocked_retries += 1
            cycles *= 4
        raise RuntimeError(
            f"blocking-kernel timing: the GPU caught up with the host {attempts} times (launches slower than "
            "the spin kernel); the figure would include host time"
        )

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"graph_calls": self.calls, "capture": self.capture}
        if self.capture_error:
            out["capture_error"] = self.capture_error
            out["blocked_retries"] = self.blocked_retries
        if self.fixed_s:
            out["replay_fixed_s"] = statistics.median(self.fixed_s)
            out["uncancelled_samples"] = self.uncancelled
        return out


class ColdTimer:
    """Times one call from memory: the flush buffer is zeroed, then events around the call."""

    def __init__(self, fn: Callable[[], Any], device: str) -> None:
        import torch

        self.torch = torch
        self.fn = fn
        self.device = torch.device(device)
        l2 = getattr(torch.cuda.get_device_properties(self.device), "L2_cache_size", None)
        self.l2_bytes = int(l2) if l2 else None
        self.flush_bytes = l2_flush_bytes(self.l2_bytes)
        self.buffer = torch.empty(self.flush_bytes // 4, dtype=torch.int32, device=self.device)

    def sample(self) -> float:
        torch = self.torch
        start, end = _events(torch)
        self.buffer.zero_()
        start.record()
        self.fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3

    def record(self) -> dict[str, Any]:
        return {"l2_bytes": self.l2_bytes, "flush_bytes": self.flush_bytes}


def e2e_per_call(fn: Callable[[], Any], device: str, calls: int) -> tuple[float, float]:
    """(host-inclusive seconds per call, host enqueue seconds per call) for ``calls`` eager
    launches between two synchronisations; enqueue is read before the closing synchronise."""
    import torch

    dev = torch.device(device)
    torch.cuda.synchronize(dev)
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    queued = time.perf_counter()
    torch.cuda.synchronize(dev)
    end = time.perf_counter()
    return (end - start) / calls, (queued - start) / calls


@dataclass
class LaunchCheck:
    """Hot vs e2e of the same callable: is the program paying for the host's launches?"""

    hot_s: float | None
    e2e_s: float
    enqueue_s: float
    launch_bound: bool | None = None
    busy_share: float | None = None

    def __post_init__(self) -> None:
        self.launch_bound = is_launch_bound(self.e2e_s, self.hot_s)
        self.busy_share = busy_share(self.hot_s, self.e2e_s)


def launch_check(fn: Callable[[], Any], device: str, hot: HotTimer, samples: int = 5) -> LaunchCheck:
    """A short hot median and a short e2e median, both over about the same number of calls."""
    hot_s = statistics.median(hot.sample() for _ in range(samples))
    runs = [e2e_per_call(fn, device, hot.calls) for _ in range(samples)]
    return LaunchCheck(
        hot_s=hot_s,
        e2e_s=statistics.median(r[0] for r in runs),
        enqueue_s=statistics.median(r[1] for r in runs),
    )


# --- into pytest-benchmark ------------------------------------------------------------------------


def measure_gpu(benchmark: Any, fn: Callable[[], Any], device: str, policy: Any, mode: str) -> dict[str, Any]:
    """Time ``fn`` on a CUDA ``device`` in ``mode`` into the pytest-benchmark fixture; return the
    timing record (TIMING_FIELDS + GPU_TIMING_FIELDS of contract.schema)."""
    from bench.record import timing_dict
    from bench.timing import measure, plan_rounds, recorded_readings, use_clock

    reason = launch_blocking_reason()
    if reason:
        raise RuntimeError(reason)
    if not benchmark.enabled:
        benchmark.pedantic(fn, rounds=1, iterations=1)
        return timing_dict(mode=mode, clock="disabled")
    warm_calls, warm_s = gpu_warm_up(fn, device, max(GPU_WARMUP_S, policy.warmup_s))
    hot = HotTimer(fn, device)
    check = launch_check(fn, device, hot)
    if mode == MODE_E2E:
        record = measure(benchmark, fn, device, policy)
        record |= {"mode": MODE_E2E}
    else:
        sampler: HotTimer | ColdTimer = hot if mode == MODE_HOT else ColdTimer(fn, device)
        clock = EventClock()
        started = time.perf_counter()
        sampler.sample()
        rounds = plan_rounds(time.perf_counter() - started, policy)  # wall time per round fills the budget
        use_clock(benchmark, clock)
        with recorded_readings(benchmark, device):
            benchmark.pedantic(lambda: clock.advance(sampler.sample()), rounds=rounds, iterations=1, warmup_rounds=0)
        record = {
            "mode": mode,
            "clock": clock.__name__,
            "iterations": 1,
            "rounds": rounds,
            "min_round_s": policy.min_round_s,
            "policy": asdict(policy),
        }
        record |= hot.record() if mode == MODE_HOT else sampler.record()
        if mode == MODE_COLD:
            stats = getattr(benchmark, "stats", None)
            data = list(getattr(getattr(stats, "stats", None), "data", []) or [])
            if data:
                record["cold"] = summarise(data)
    record |= {
        "warmup_calls": record.get("warmup_calls", 0) + warm_calls,
        "warmup_s": round(record.get("warmup_s", 0.0) + warm_s, 6),
        "hot_s": check.hot_s,
        "e2e_s": check.e2e_s,
        "enqueue_s": check.enqueue_s,
        "launch_bound": check.launch_bound,
        "busy_share": check.busy_share,
        "cuda_settings": cuda_settings(),
    }
    return timing_dict(**record)


@dataclass(frozen=True)
class GpuInterleaved:
    """Per-key, per-round seconds per call, hot and cold, rounds paired across keys."""

    hot: dict[Any, list[float]]
    cold: dict[Any, list[float]]
    timing: dict[str, Any]


def measure_interleaved_gpu(
    benchmark: Any, fns: dict[Any, Callable[[], Any]], device: str, policy: Any, rounds: int, cold_calls: int = 3
) -> GpuInterleaved:
    """The alignment study on CUDA: every round times every key hot (one graph-replay sample) and
    cold (the median of ``cold_calls`` flushed calls), in a rotating order, after a ``rotate()``
    where the workload has one. pytest-benchmark's stats describe one sweep of hot figures."""
    from bench.record import timing_dict
    from bench.timing import recorded_readings, use_clock

    reason = launch_blocking_reason()
    if reason:
        raise RuntimeError(reason)
    keys = list(fns)
    if not keys:
        raise ValueError("measure_interleaved_gpu needs at least one workload")
    hot_data: dict[Any, list[float]] = {k: [] for k in keys}
    cold_data: dict[Any, list[float]] = {k: [] for k in keys}
    if not benchmark.enabled:  # smoke pass: one untimed-quality round, so penalties still compute

        def once() -> None:
            for k in keys:
                hot_data[k].append(e2e_per_call(fns[k], device, 1)[0])

        benchmark.pedantic(once, rounds=1, iterations=1)
        return GpuInterleaved(hot_data, cold_data, timing_dict(mode=MODE_HOT, clock="disabled"))
    warm = [gpu_warm_up(fns[k], device, max(GPU_WARMUP_S, policy.warmup_s)) for k in keys]
    hots = {k: HotTimer(fns[k], device) for k in keys}
    colds = {k: ColdTimer(fns[k], device) for k in keys}
    checks = {k: launch_check(fns[k], device, hots[k]) for k in keys}
    clock = EventClock()
    counter = iter(range(rounds))

    def sweep() -> None:
        index = next(counter, None)
        start = (index or 0) % len(keys)
        for key in keys[start:] + keys[:start]:
            rotate = getattr(fns[key], "rotate", None)
            if rotate is not None:
                rotate()
            hot_s = hots[key].sample()
            cold_s = statistics.median(colds[key].sample() for _ in range(cold_calls))
            clock.advance(hot_s)
            if index is not None:  # an extra call (--benchmark-cprofile) records nothing
                hot_data[key].append(hot_s)
                cold_data[key].append(cold_s)

    use_clock(benchmark, clock)
    with recorded_readings(benchmark, device):
        benchmark.pedantic(sweep, rounds=rounds, iterations=1, warmup_rounds=0)
    first = keys[0]
    timing = timing_dict(
        mode=MODE_HOT,
        modes=[MODE_HOT, MODE_COLD],
        clock=clock.__name__,
        warmup_calls=sum(w[0] for w in warm),
        warmup_s=round(sum(w[1] for w in warm), 6),
        iterations=1,
        rounds=rounds,
        min_round_s=policy.min_round_s,
        interleaved=True,
        cold_calls_per_round=cold_calls,
        policy=asdict(policy),
        graph_calls={str(k): hots[k].calls for k in keys},
        capture=hots[first].capture,
        flush_bytes=colds[first].flush_bytes,
        l2_bytes=colds[first].l2_bytes,
        launch={str(k): asdict(c) for k, c in checks.items()},
        launch_bound=any(c.launch_bound for c in checks.values()),
        cuda_settings=cuda_settings(),
    )
    return GpuInterleaved(hot_data, cold_data, timing)
