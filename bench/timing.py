"""The measurement core: every benchmark of the harness times through here.

The steps read in order, as in triton's ``do_bench``:

1. warm up (always, whatever pytest-benchmark's own ``--benchmark-warmup`` says): the first
   calls pay for allocation, BLAS handles and lazy initialisation;
2. calibrate the calls per round so one round lasts ``min_round_s``, far above the clock's
   resolution and (on CUDA) above launch and synchronisation overhead;
3. time ``rounds`` rounds through pytest-benchmark, so its statistics, table, comparison and
   saved JSON (with raw per-round data) all apply (an interleaved study times its own sweeps, as
   many as its stop rule asks for, and hands them to pytest-benchmark afterwards: one whole sweep
   per round). On CUDA the clock synchronises the device
   before reading ``perf_counter``: a round is a batch of asynchronous launches between two
   synchronisations, never one synchronisation per call.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any

import torch

from bench.gpu_timing import timing_mode
from bench.hardware import readings, sample_readings
from bench.pytest_benchmark_adapter import gc_as_asked, record_rounds, use_clock
from bench.record import timing_dict
from contract.schema import STOP_PRECISE, STOP_ROUND_CAP, STOP_TIME_CAP

Clock = Callable[[], float]

MAX_ITERATIONS = 1_000_000
MAX_ROUNDS = 100_000
CALIBRATION_MARGIN = 1.1  # aim above the target: per-call times jitter
MAX_WARMUP_ROUNDS = 1000  # settling rounds, whatever warmup_max_s says (a zero-time clock never ends)


@dataclass(frozen=True)
class TimingPolicy:
    """How long to warm up and how to size rounds; built from the pytest options."""

    warmup_s: float = 0.1  # at least this long warming up ...
    warmup_min_calls: int = 2  # ... and at least this many calls, then warm rounds until they settle:
    warmup_tolerance: float = 0.02  # the last warmup_window warm rounds agree within this (max/min - 1) ...
    warmup_window: int = 3
    warmup_max_s: float = 1.0  # ... or the settling rounds have lasted this long (the cap)
    min_round_s: float = 0.01  # calibration target for one round
    max_time_s: float = 1.0  # timing budget per benchmark (--benchmark-max-time)
    min_rounds: int = 5  # (--benchmark-min-rounds)

    def __post_init__(self) -> None:
        times = (self.warmup_s, self.warmup_max_s, self.min_round_s, self.max_time_s)
        if not all(math.isfinite(t) for t in times):  # NaN passes every comparison below
            raise ValueError(f"timing policy needs finite times: {self}")
        if self.warmup_s < 0 or self.min_round_s <= 0 or self.max_time_s < 0:
            raise ValueError(f"timing policy needs non-negative times and a positive round time: {self}")
        if self.min_rounds < 1 or self.warmup_min_calls < 1:
            raise ValueError(f"timing policy needs min_rounds >= 1 and warmup_min_calls >= 1: {self}")
        if self.warmup_tolerance < 0 or self.warmup_window < 2 or self.warmup_max_s < 0:
            raise ValueError(f"bad warmup settling rule (tolerance >= 0, window >= 2, max_s >= 0): {self}")


@dataclass(frozen=True)
class Warmup:
    calls: int
    seconds: float
    last_call_s: float  # the warm per-call estimate that seeds calibration
    rounds: int = 0  # settling rounds timed after the fixed warmup
    settled: bool = False  # the last rounds agreed within the tolerance (else the cap ended warmup)


def make_clock(device: str) -> Clock:
    """A clock whose readings include all work queued on ``device`` before the reading."""
    if device.startswith("cuda"):
        dev = torch.device(device)

        def cuda_clock() -> float:
            torch.cuda.synchronize(dev)
            return time.perf_counter()

        cuda_clock.__name__ = "cuda-synchronize+perf_counter"
        return cuda_clock
    return time.perf_counter


def clock_name(clock: Clock) -> str:
    return getattr(clock, "__name__", repr(clock))


def time_batch(fn: Callable[[], Any], clock: Clock, iterations: int) -> float:
    """Seconds for ``iterations`` back-to-back calls, read by ``clock``."""
    start = clock()
    for _ in range(iterations):
        fn()
    return clock() - start


def warm_up(fn: Callable[[], Any], clock: Clock, policy: TimingPolicy) -> Warmup:
    """Call ``fn`` until ``warmup_min_calls`` and ``warmup_s`` are reached, then time warm rounds
    of about ``min_round_s`` until the last ``warmup_window`` of them agree within
    ``warmup_tolerance``, or ``warmup_max_s`` of such rounds have passed.

    A fixed warmup ends at a time that means different things on different machines: a clock
    still ramping up, pages still being faulted in, an allocator still growing its pools. The
    first of several separate runs then times a slower machine than the others. Waiting until
    consecutive rounds agree ends warmup when the workload has reached its steady state.
    """
    start = clock()
    calls, last = 0, 0.0
    while calls < policy.warmup_min_calls or clock() - start < policy.warmup_s:
        last = time_batch(fn, clock, 1)
        calls += 1
    iterations = _iterations_for(policy.min_round_s, last)
    history: list[float] = []
    spent = 0.0
    while not settled(history, policy) and _keep_settling(len(history), spent, policy):
        elapsed = time_batch(fn, clock, iterations)
        history.append(elapsed / iterations)
        spent += elapsed
        calls += iterations
    per_call = history[-1] if history else last
    return Warmup(calls, clock() - start, per_call, len(history), settled(history, policy))


def settled(per_call_s: list[float], policy: TimingPolicy) -> bool:
    """The last ``warmup_window`` warm rounds agree: max/min - 1 <= ``warmup_tolerance``."""
    window = per_call_s[-policy.warmup_window :]
    if len(window) < policy.warmup_window or min(window) <= 0:
        return False
    return max(window) / min(window) - 1 <= policy.warmup_tolerance


def _keep_settling(rounds: int, spent_s: float, policy: TimingPolicy) -> bool:
    """At least one window of rounds, then on while under the time cap (and a hard round cap)."""
    if rounds < policy.warmup_window:
        return True
    return spent_s < policy.warmup_max_s and rounds < MAX_WARMUP_ROUNDS


@dataclass(frozen=True)
class Calibration:
    iterations: int  # calls per round
    round_s: float  # measured duration of the last calibration round (plans the round count)


def calibrate(fn: Callable[[], Any], clock: Clock, min_round_s: float, estimate_s: float) -> Calibration:
    """Calls per round so that one round lasts at least ``min_round_s``.

    Starts from the warm estimate and checks it with real batches, growing until a batch is
    long enough (a too-short first estimate is common for microsecond kernels).
    """
    iterations = _iterations_for(min_round_s * CALIBRATION_MARGIN, estimate_s)
    elapsed = 0.0
    for _ in range(30):
        elapsed = time_batch(fn, clock, iterations)
        if elapsed >= min_round_s or iterations >= MAX_ITERATIONS:
            break
        grown = _iterations_for(min_round_s * CALIBRATION_MARGIN**2, elapsed / iterations)
        iterations = min(MAX_ITERATIONS, max(iterations * 2 if elapsed <= 0 else iterations + 1, grown))
    return Calibration(iterations, elapsed)


def _iterations_for(target_s: float, per_call_s: float) -> int:
    if per_call_s <= 0:
        return 1
    return max(1, min(MAX_ITERATIONS, math.ceil(target_s / per_call_s)))


def plan_rounds(round_s: float, policy: TimingPolicy) -> int:
    """Rounds that fill ``max_time_s`` but never fewer than ``min_rounds``."""
    if round_s <= 0:
        return policy.min_rounds
    return max(policy.min_rounds, min(MAX_ROUNDS, math.ceil(policy.max_time_s / round_s)))


def measure(benchmark: Any, fn: Callable[[], Any], device: str, policy: TimingPolicy) -> dict[str, Any]:
    """Time ``fn`` on ``device`` into the pytest-benchmark fixture; return the timing record.

    With ``--benchmark-disable`` (the test command's smoke pass) the body runs once, untimed.
    """
    if not benchmark.enabled:
        benchmark.pedantic(fn, rounds=1, iterations=1)
        return timing_dict(clock="disabled")
    clock = make_clock(device)
    warm = warm_up(fn, clock, policy)
    cal = calibrate(fn, clock, policy.min_round_s, warm.last_call_s)
    rounds = plan_rounds(cal.round_s, policy)
    use_clock(benchmark, clock)
    with recorded_readings(benchmark, device):
        benchmark.pedantic(fn, rounds=rounds, iterations=cal.iterations, warmup_rounds=0)
    return timing_record(clock, warm, cal.iterations, rounds, policy, mode=timing_mode(device, kernel=False))


@contextmanager
def recorded_readings(benchmark: Any, device: str) -> Iterator[None]:
    """Clocks, temperature, power and throttle reasons right before and after the timed rounds
    (after warmup: a GPU sampled before it would read idle) into ``extra_info["readings"]``; on
    CUDA also sampled at ~20 Hz while they run (``"sampled"``, bench.hardware.readings.sampled)."""
    before = sample_readings(device)
    with readings.sampled(device) as during:
        yield
    benchmark.extra_info["readings"] = {"before": before, "after": sample_readings(device)}
    if during:
        benchmark.extra_info["readings"]["sampled"] = during


def timing_record(
    clock: Clock, warm: Warmup, iterations: int, rounds: int, policy: TimingPolicy, **more: Any
) -> dict[str, Any]:
    """The ``Timing`` record of a batch-of-calls measurement; ``more``: other Timing fields."""
    return timing_dict(
        clock=clock_name(clock),
        warmup_calls=warm.calls,
        warmup_s=round(warm.seconds, 6),
        warmup_settled=warm.settled,
        iterations=iterations,
        rounds=rounds,
        min_round_s=policy.min_round_s,
        policy=asdict(policy),
        **more,
    )


@dataclass(frozen=True)
class Interleaved:
    """Per-key, per-round seconds per call from :func:`measure_interleaved` (rounds are paired)."""

    data: dict[Any, list[float]]
    iterations: dict[Any, int]
    timing: dict[str, Any]


@dataclass(frozen=True)
class StopRule:
    """When an interleaved study has measured enough: after its minimum rounds, ``enough(data)``
    is asked every ``every`` rounds; the study also ends at ``max_s`` seconds of timed sweeps.

    A fixed round count gives a precise answer on a quiet machine and a loose one on a busy one;
    asking for a precision instead (as nvbench's ``--max-noise`` does) spends the rounds where
    the noise is, so separate runs agree on every machine, and the cap keeps a bad one bounded.
    """

    enough: Callable[[dict[Any, list[float]]], bool]
    max_s: float
    every: int = 20
    target: float | None = None  # recorded: what ``enough`` asks for (e.g. a relative half-width)

    def __post_init__(self) -> None:
        if self.max_s < 0 or self.every < 1:
            raise ValueError(f"a stop rule needs max_s >= 0 and every >= 1: {self}")


STOP_FIXED = "fixed rounds"  # no stop rule: the count was reached (not saved: the record has no rule)


def stop_reason(
    done: int, spent_s: float, data: dict[Any, list[float]], rounds: int, until: StopRule | None
) -> str | None:
    """Why the study ends after ``done`` rounds and ``spent_s`` seconds, or None to go on.

    At a cap the rule is asked once more, so a study that became precise since its last
    question is not reported as having run out of time.
    """
    if done < rounds:
        return None
    if until is None:
        return STOP_FIXED
    cap = STOP_ROUND_CAP if done >= MAX_ROUNDS else STOP_TIME_CAP if spent_s >= until.max_s else None
    if cap is None and (done - rounds) % until.every:
        return None
    if until.enough(data):
        return STOP_PRECISE
    return cap


def measure_interleaved(
    benchmark: Any,
    fns: dict[Any, Callable[[], Any]],
    device: str,
    policy: TimingPolicy,
    rounds: int,
    until: StopRule | None = None,
    round_s: float | None = None,
) -> Interleaved:
    """Time several workloads round by round (ABC ABC ...), so drift hits all of them alike.

    Each workload is warmed up and calibrated on its own (rounds of ``round_s``, default the
    policy's ``min_round_s``); the starting workload rotates every round so none is always
    first after a pause. A workload that has a ``rotate()`` method
    (e.g. :class:`bench.kernels.matmul.FreshOperandsCall`) has it called, untimed, before each of
    its rounds. ``rounds`` rounds are timed, or with ``until`` at least that many, then more
    until the rule is met. The harness times the sweeps and hands them to pytest-benchmark
    afterwards (its ``pedantic`` needs the round count up front), so its statistics describe one
    whole sweep; the per-workload data returned here is what ratios are computed from.
    """
    keys = list(fns)
    if not keys:
        raise ValueError("measure_interleaved needs at least one workload")
    clock = make_clock(device)
    data: dict[Any, list[float]] = {k: [] for k in keys}
    if not benchmark.enabled:
        iterations = dict.fromkeys(keys, 1)
        benchmark.pedantic(lambda: _sweep(fns, keys, clock, iterations, data, 0), rounds=1, iterations=1)
        return Interleaved(data, iterations, timing_dict(clock="disabled"))
    target_s = policy.min_round_s if round_s is None else round_s
    warmups = {k: warm_up(fns[k], clock, replace(policy, min_round_s=target_s)) for k in keys}
    iterations = {k: calibrate(fns[k], clock, target_s, warmups[k].last_call_s).iterations for k in keys}
    sweeps: list[float] = []
    spent = 0.0
    with recorded_readings(benchmark, device), gc_as_asked(benchmark):
        while (reason := stop_reason(len(sweeps), spent, data, rounds, until)) is None:
            start = clock()
            _sweep(fns, keys, clock, iterations, data, len(sweeps))
            sweeps.append(clock() - start)
            spent += sweeps[-1]
    # pytest-benchmark may call once more (--benchmark-cprofile): a sweep that records nothing.
    unrecorded = {k: [] for k in keys}
    record_rounds(benchmark, sweeps, clock, lambda: _sweep(fns, keys, clock, iterations, unrecorded, 0))
    timing = timing_dict(
        clock=clock_name(clock),
        warmup_calls=sum(w.calls for w in warmups.values()),
        warmup_s=round(sum(w.seconds for w in warmups.values()), 6),
        warmup_settled=all(w.settled for w in warmups.values()),
        iterations=1,
        rounds=len(sweeps),
        min_round_s=target_s,
        interleaved=True,
        policy=asdict(policy),
        mode=timing_mode(device, kernel=False),
        stopped_by=None if until is None else reason,
        stop_target=None if until is None else until.target,
        stop_max_s=None if until is None else until.max_s,
    )
    return Interleaved(data, iterations, timing)


def _sweep(fns, keys, clock, iterations, data, round_index: int) -> None:
    start = round_index % len(keys)
    for key in keys[start:] + keys[:start]:
        rotate = getattr(fns[key], "rotate", None)
        if rotate is not None:  # a workload with several input sets switches between rounds, untimed
            rotate()
        data[key].append(time_batch(fns[key], clock, iterations[key]) / iterations[key])
