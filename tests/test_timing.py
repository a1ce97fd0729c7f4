"""The measurement core's logic: warmup, calibration, round planning and interleaving.

A virtual clock stands in for time so the logic is checked exactly; the real clocks are
exercised by the suite sessions in test_matmul_suite.py.
"""

import math
import time

import pytest

from bench.timing import (
    MAX_ROUNDS,
    MAX_WARMUP_ROUNDS,
    STOP_FIXED,
    STOP_PRECISE,
    STOP_ROUND_CAP,
    STOP_TIME_CAP,
    StopRule,
    TimingPolicy,
    calibrate,
    make_clock,
    plan_rounds,
    settled,
    stop_reason,
    time_batch,
    warm_up,
)


class VirtualWork:
    """A workload whose calls advance a virtual clock: the first call is cold (slow)."""

    def __init__(self, per_call: float, first_call: float | None = None):
        self.now = 0.0
        self.calls = 0
        self.per_call = per_call
        self.first_call = per_call if first_call is None else first_call

    def clock(self) -> float:
        return self.now

    def __call__(self) -> None:
        self.now += self.first_call if self.calls == 0 else self.per_call
        self.calls += 1


def test_time_batch_counts_every_call():
    work = VirtualWork(0.002)
    assert time_batch(work, work.clock, 5) == pytest.approx(0.010)
    assert work.calls == 5


class RampingWork:
    """Calls that get faster as the machine warms (clock ramp, first touch): call k costs
    ``steady * (1 + extra * decay**k)`` virtual seconds; ``cost(k)`` is known exactly."""

    def __init__(self, steady: float, extra: float, decay: float):
        self.now, self.calls = 0.0, 0
        self.steady, self.extra, self.decay = steady, extra, decay

    def cost(self, k: int) -> float:
        return self.steady * (1 + self.extra * self.decay**k)

    def clock(self) -> float:
        return self.now

    def __call__(self) -> None:
        self.now += self.cost(self.calls)
        self.calls += 1


class AlternatingWork(VirtualWork):
    """Rounds that never agree: every other batch of ``period`` calls is 10% slower."""

    def __init__(self, per_call: float, period: int):
        super().__init__(per_call)
        self.period = period

    def __call__(self) -> None:
        self.now += self.per_call * (1.1 if (self.calls // self.period) % 2 else 1.0)
        self.calls += 1


def test_warm_up_needs_both_the_calls_and_the_time():
    work = VirtualWork(0.001, first_call=0.5)  # cold first call: lazy init
    warm = warm_up(work, work.clock, TimingPolicy(warmup_s=0.6, warmup_min_calls=2))
    # 0.5 s cold + 100 x 1 ms reach 0.6 s; then three settling rounds of 10 calls (10 ms) agree at once
    assert warm.calls == 101 + 3 * 10 and warm.rounds == 3 and warm.settled
    assert warm.last_call_s == pytest.approx(0.001)  # the warm estimate, not the cold call
    work = VirtualWork(0.001)
    policy = TimingPolicy(warmup_s=0.0, warmup_min_calls=3, warmup_max_s=0.0)
    assert warm_up(work, work.clock, policy).calls == 3 + 3 * 10
    assert work.calls == 3 + 3 * 10


def test_warm_up_ends_when_consecutive_rounds_agree():
    """A workload still speeding up keeps the warmup going until three rounds agree within 2%."""
    work = RampingWork(steady=0.001, extra=1.0, decay=0.97)  # twice as slow at first
    policy = TimingPolicy(warmup_s=0.0, warmup_min_calls=2, warmup_tolerance=0.02, warmup_max_s=10.0)
    warm = warm_up(work, work.clock, policy)
    assert warm.settled and work.calls == warm.calls
    per_round = math.ceil(0.01 / work.cost(1))  # min_round_s / the estimate from the last fixed call
    rounds = [
        sum(work.cost(k) for k in range(2 + r * per_round, 2 + (r + 1) * per_round)) / per_round
        for r in range(warm.rounds)
    ]
    assert warm.calls == 2 + warm.rounds * per_round
    assert settled(rounds, policy)  # it stopped because the last three agree ...
    assert not any(settled(rounds[:r], policy) for r in range(warm.rounds))  # ... at the first such point
    assert warm.rounds > 3  # the ramp really did extend the warmup
    assert warm.last_call_s == pytest.approx(rounds[-1])
    assert abs(work.cost(warm.calls) / warm.last_call_s - 1) < 0.02  # what follows is steady


def test_warm_up_is_capped_when_rounds_never_agree():
    work = AlternatingWork(0.001, period=10)  # settling rounds of 10 calls alternate 10 ms / 11 ms
    policy = TimingPolicy(warmup_s=0.0, warmup_min_calls=1, warmup_max_s=0.2)
    warm = warm_up(work, work.clock, policy)
    assert not warm.settled and warm.rounds > 3
    spent = work.now - 0.001  # the settling rounds, after the one fixed call
    assert 0.2 <= spent < 0.2 + 0.011  # stopped by the cap, within one round past it
    zero_time = VirtualWork(0.0)  # a clock that never moves cannot agree nor reach a time cap
    warm = warm_up(zero_time, zero_time.clock, TimingPolicy(warmup_s=0.0, warmup_min_calls=1))
    assert not warm.settled and warm.rounds == MAX_WARMUP_ROUNDS


def test_settled_rule():
    policy = TimingPolicy(warmup_tolerance=0.02, warmup_window=3)
    assert not settled([1.0, 1.0], policy)  # fewer rounds than the window
    assert settled([2.0, 1.0, 1.01, 1.015], policy)  # only the last three count
    assert not settled([1.0, 1.01, 1.03], policy)  # 3% apart
    assert not settled([0.0, 0.0, 0.0], policy)  # no time measured is not agreement


def test_calibrate_reaches_the_round_time_from_a_good_estimate():
    work = VirtualWork(0.0001)
    cal = calibrate(work, work.clock, 0.01, estimate_s=0.0001)
    assert cal.iterations == 110  # aims 10% above the target, one batch suffices
    assert cal.round_s == pytest.approx(0.011)


def test_calibrate_grows_when_the_estimate_was_too_pessimistic():
    work = VirtualWork(0.00001)  # really 10 us per call ...
    cal = calibrate(work, work.clock, 0.01, estimate_s=0.001)  # ... estimated at 1 ms
    assert cal.round_s >= 0.01
    assert 1000 <= cal.iterations <= 1400


def test_calibrate_gives_one_iteration_for_slow_calls():
    work = VirtualWork(0.05)
    assert calibrate(work, work.clock, 0.01, estimate_s=0.05).iterations == 1


def test_interleaved_sweep_rotates_the_start_and_the_inputs():
    from bench.timing import _sweep

    order: list[str] = []

    class Work:
        def __init__(self, key: str):
            self.key, self.rotations = key, 0

        def __call__(self) -> None:
            order.append(self.key)

        def rotate(self) -> None:
            self.rotations += 1

    fns = {k: Work(k) for k in "abc"}
    data: dict[str, list[float]] = {k: [] for k in fns}
    for round_index in range(3):
        _sweep(fns, list(fns), time.perf_counter, dict.fromkeys(fns, 2), data, round_index)
    assert order == list("aabbcc" + "bbccaa" + "ccaabb")  # each round starts one workload later
    assert all(len(v) == 3 for v in data.values())  # one paired value per round
    assert [w.rotations for w in fns.values()] == [3, 3, 3]  # fresh inputs before each round


def test_fixed_rounds_end_exactly_at_the_count():
    assert stop_reason(2, 0.0, {}, 3, None) is None
    assert stop_reason(3, 0.0, {}, 3, None) == STOP_FIXED


class Asked:
    """A stop rule's question that records when it was asked and answers from a script."""

    def __init__(self, answers: list[bool]):
        self.asked_at: list[int] = []
        self.answers = iter(answers)

    def __call__(self, data: dict) -> bool:
        self.asked_at.append(len(data["a"]))
        return next(self.answers)


def test_stop_rule_asks_after_the_minimum_then_every_few_rounds():
    enough = Asked([False, False, True])
    rule = StopRule(enough, max_s=10.0, every=5)
    data: dict[str, list[float]] = {"a": []}
    reasons = []
    for done in range(40):
        reason = stop_reason(done, 0.0, data, 4, rule)
        if reason is not None:
            reasons.append(reason)
            break
        data["a"].append(1.0)
    assert enough.asked_at == [4, 9, 14]  # never before the minimum, then every 5 rounds
    assert reasons == [STOP_PRECISE]


def test_stop_rule_caps_time_and_rounds_whatever_the_precision():
    never = StopRule(lambda data: False, max_s=1.0, every=1)
    assert stop_reason(10, 0.99, {}, 4, never) is None
    assert stop_reason(10, 1.0, {}, 4, never) == STOP_TIME_CAP
    assert stop_reason(3, 5.0, {}, 4, never) is None  # the minimum rounds come first
    assert stop_reason(MAX_ROUNDS, 0.0, {}, 4, never) == STOP_ROUND_CAP


def test_at_a_cap_the_rule_is_asked_once_more():
    """Precise by the time the cap came (between two scheduled questions): precise, not capped."""
    enough = Asked([True])
    rule = StopRule(enough, max_s=1.0, every=20)
    assert stop_reason(7, 1.0, {"a": [1.0] * 7}, 4, rule) == STOP_PRECISE
    assert enough.asked_at == [7]  # off the schedule (4, 24, ...): asked because of the cap
    zero = StopRule(Asked([False]), max_s=0.0)
    assert stop_reason(4, 0.5, {"a": [1.0] * 4}, 4, zero) == STOP_TIME_CAP  # asked at the minimum, not precise


def test_stop_rule_rejects_nonsense():
    with pytest.raises(ValueError):
        StopRule(lambda data: True, max_s=-1.0)
    with pytest.raises(ValueError):
        StopRule(lambda data: True, max_s=1.0, every=0)


def test_plan_rounds_fills_the_budget_within_bounds():
    policy = TimingPolicy(max_time_s=1.0, min_rounds=5)
    assert plan_rounds(0.01, policy) == 100
    assert plan_rounds(0.5, policy) == 5  # never fewer than min_rounds
    assert plan_rounds(0.0, policy) == 5


def test_policy_rejects_nonsense():
    with pytest.raises(ValueError):
        TimingPolicy(min_round_s=0)
    with pytest.raises(ValueError):
        TimingPolicy(min_rounds=0)
    with pytest.raises(ValueError):
        TimingPolicy(warmup_window=1)
    with pytest.raises(ValueError):
        TimingPolicy(warmup_tolerance=-0.1)
    for field in ("warmup_s", "warmup_max_s", "min_round_s", "max_time_s"):
        with pytest.raises(ValueError, match="finite"):
            TimingPolicy(**{field: math.nan})


def test_cpu_clock_is_perf_counter():
    assert make_clock("cpu") is time.perf_counter


@pytest.mark.cuda
@pytest.mark.skipif("not __import__('torch').cuda.is_available()", reason="needs a CUDA device")
def test_cuda_clock_waits_for_queued_kernels():
    import torch

    clock = make_clock("cuda:0")
    a = torch.randn(4096, 4096, device="cuda:0")
    torch.cuda.synchronize()
    start = clock()
    for _ in range(10):
        a @ a
    queued = time.perf_counter() - start  # launches return at once
    waited = clock() - start  # the clock drains the queue before reading
    assert waited > queued
    assert clock.__name__ == "cuda-synchronize+perf_counter"
