"""GPU timing logic: mode choice, K selection, fixed-cost cancellation, L2 buffer sizing, flags.

The pure parts run here on the CPU; the event clock is checked through a real pytest-benchmark
session; the CUDA timers themselves are marked ``cuda`` and skip without a GPU.
"""

from __future__ import annotations

import json

import pytest
import torch

from bench import gpu_timing as gt

pytest_plugins = ["pytester"]
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (hot/cold timers, events)")


def test_mode_is_cpu_off_cuda_e2e_for_programs_and_requested_for_kernels():
    assert gt.timing_mode("cpu") == "cpu"
    assert gt.timing_mode("cpu", "cold") == "cpu"
    assert gt.timing_mode("cuda:0") == "hot"
    assert gt.timing_mode("cuda:1", "cold") == "cold"
    assert gt.timing_mode("cuda:0", "hot", kernel=False) == "e2e"
    with pytest.raises(ValueError, match="unknown GPU timing mode"):
        gt.timing_mode("cuda:0", "warm")


@pytest.mark.parametrize(
    ("per_call_s", "calls"),
    [(3e-6, 500), (1.5e-3, 4), (1e-3, 4), (40e-6, 38), (1e-9, gt.MAX_GRAPH_CALLS), (0.0, gt.MAX_GRAPH_CALLS)],
)
def test_graph_calls_make_a_replay_last_about_1_5_ms(per_call_s, calls):
    assert gt.graph_calls_for(per_call_s) == calls
    if gt.MIN_GRAPH_CALLS < calls < gt.MAX_GRAPH_CALLS:
        assert 1.5e-3 <= calls * per_call_s < 1.5e-3 + per_call_s


def test_fixed_replay_cost_cancels():
    # a replay costs 7 us fixed plus 3 us per call: K=500 -> 1507 us, 2K -> 3007 us
    fixed, per_call, k = 7e-6, 3e-6, 500
    result = gt.cancel_fixed_cost(fixed + k * per_call, fixed + 2 * k * per_call, k)
    assert result.cancelled
    assert result.per_call_s == pytest.approx(per_call)
    assert result.fixed_s == pytest.approx(fixed)
    # naive t(K)/K would have been 3.014 us: the cancellation is what moves it
    assert (fixed + k * per_call) / k > result.per_call_s * 1.004


def test_noisy_non_positive_difference_falls_back_to_an_upper_bound_and_says_so():
    result = gt.cancel_fixed_cost(2.0e-3, 1.9e-3, 100)
    assert not result.cancelled and result.per_call_s == pytest.approx(1.9e-3 / 200)
    with pytest.raises(ValueError):
        gt.cancel_fixed_cost(1.0, 2.0, 0)


def test_l2_flush_buffer_is_at_least_twice_the_l2():
    h100_l2 = 50 * 2**20
    assert gt.l2_flush_bytes(h100_l2) == 100 * 2**20
    assert gt.l2_flush_bytes(40 * 2**20 + 1) >= 2 * (40 * 2**20 + 1)
    assert gt.l2_flush_bytes(6 * 2**20) == 12 * 2**20  # an L4's 48 MB would be 96 MiB, and so on
    assert gt.l2_flush_bytes(None) == gt.DEFAULT_FLUSH_BYTES == 256 * 2**20
    assert gt.l2_flush_bytes(0) == gt.DEFAULT_FLUSH_BYTES
    assert gt.l2_flush_bytes(1000) == 2**20  # rounded up to whole MiB


def test_launch_bound_flag_is_set_above_20_percent():
    assert gt.is_launch_bound(e2e_s=6e-6, hot_s=3e-6) is True
    assert gt.is_launch_bound(e2e_s=3.5e-6, hot_s=3e-6) is False
    assert gt.is_launch_bound(e2e_s=3.61e-6, hot_s=3e-6) is True
    assert gt.is_launch_bound(e2e_s=3.59e-6, hot_s=3e-6) is False
    assert gt.is_launch_bound(None, 3e-6) is None and gt.is_launch_bound(3e-6, 0.0) is None


def test_busy_share_and_launch_check_record():
    assert gt.busy_share(3e-6, 6e-6) == pytest.approx(0.5)
    assert gt.busy_share(7e-6, 6e-6) == 1.0
    assert gt.busy_share(None, 6e-6) is None
    check = gt.LaunchCheck(hot_s=2e-6, e2e_s=8e-6, enqueue_s=7.5e-6)
    assert check.launch_bound is True and check.busy_share == pytest.approx(0.25)


def test_cold_summary_has_median_and_quantiles():
    out = gt.summarise([5.0, 1.0, 3.0, 2.0, 4.0])
    assert out["median_s"] == 3.0 and out["min_s"] == 1.0 and out["max_s"] == 5.0 and out["samples"] == 5
    assert out["quantiles"] == {"q20": pytest.approx(1.8), "q50": 3.0, "q80": pytest.approx(4.2)}
    with pytest.raises(ValueError):
        gt.summarise([])


def test_sleep_kernel_outlasts_the_host_enqueue():
    # 500 launches at 10 us = 5 ms of host time; at 1980 MHz x margin 4 -> 39.6 M cycles
    assert gt.sleep_cycles_for(5e-3, 1980.0) == pytest.approx(39.6e6, rel=1e-6)
    assert gt.sleep_cycles_for(5e-3, None) == gt.sleep_cycles_for(5e-3, 1980.0)
    assert gt.sleep_cycles_for(0.0, 1000.0) == 100_000


def test_cuda_launch_blocking_is_refused_with_the_reason():
    assert gt.launch_blocking_reason({}) is None
    assert gt.launch_blocking_reason({"CUDA_LAUNCH_BLOCKING": "0"}) is None
    reason = gt.launch_blocking_reason({"CUDA_LAUNCH_BLOCKING": "1"})
    assert reason and "CUDA_LAUNCH_BLOCKING=1" in reason and "unset it" in reason


def test_event_clock_advances_only_by_what_rounds_report():
    clock = gt.EventClock()
    assert clock() == 0.0 and clock.__name__ == "cuda-events"
    clock.advance(2e-6)
    clock.advance(3e-6)
    assert clock() == pytest.approx(5e-6)


def test_event_clock_feeds_pytest_benchmark_stats(pytester: pytest.Pytester):
    """A real pytest-benchmark session: stats are exactly the per-round seconds the rounds report,
    whatever the wall time, as the hot and cold modes rely on."""
    pytester.makepyfile(
        test_clock="""
        from bench.gpu_timing import EventClock
        from bench.timing import use_clock

        def test_rounds(benchmark):
            clock = EventClock()
            values = iter([3e-6, 1e-6, 2e-6, 5e-6, 4e-6])
            use_clock(benchmark, clock)
            benchmark.pedantic(lambda: clock.advance(next(values)), rounds=5, iterations=1, warmup_rounds=0)
        """
    )
    out = pytester.path / "out.json"
    args = ("-p", "bench.plugin", "-p", "no:cacheprovider", "--bench-devices=cpu", "--benchmark-save-data")
    pytester.runpytest(*args, f"--benchmark-json={out}").assert_outcomes(passed=1)
    stats = json.loads(out.read_text())["benchmarks"][0]["stats"]
    assert stats["data"] == pytest.approx([3e-6, 1e-6, 2e-6, 5e-6, 4e-6])
    assert stats["median"] == pytest.approx(3e-6)


# --- CUDA only -----------------------------------------------------------------------------------


@pytest.mark.cuda
@needs_cuda
def test_cuda_settings_are_recorded():
    settings = gt.cuda_settings()
    for key in ("CUBLAS_WORKSPACE_CONFIG", "preferred_blas_library", "allow_fp16_reduced_precision_reduction"):
        assert key in settings


@pytest.mark.cuda
@needs_cuda
def test_hot_timer_cancels_and_agrees_with_a_long_eager_batch():
    a = torch.randn(2048, 2048, device="cuda")
    out = torch.empty_like(a)
    hot = gt.HotTimer(lambda: torch.mm(a, a, out=out), "cuda:0")
    samples = [hot.sample() for _ in range(5)]
    assert hot.capture == "cuda-graph", hot.capture_error
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(200):  # a 2048 fp32 mm is far longer than its launch: eager events are kernel time
        torch.mm(a, a, out=out)
    end.record()
    end.synchronize()
    eager = start.elapsed_time(end) / 1e3 / 200
    assert sorted(samples)[2] == pytest.approx(eager, rel=0.15)


@pytest.mark.cuda
@needs_cuda
def test_blocking_kernel_fallback_measures_queued_launches():
    a = torch.randn(1024, 1024, device="cuda", dtype=torch.float16)
    out = torch.empty_like(a)
    hot = gt.HotTimer(lambda: torch.mm(a, a, out=out), "cuda:0")
    graph_s = hot.sample()
    blocked_s = hot._blocked_sample()
    assert blocked_s > 0 and blocked_s == pytest.approx(graph_s, rel=0.5)


@pytest.mark.cuda
@needs_cuda
def test_cold_is_slower_than_hot_for_a_memory_bound_mv():
    a = torch.randn(2048, 2048, device="cuda", dtype=torch.float16)  # 8 MiB: fits in the L2 when hot
    b = torch.randn(2048, 1, device="cuda", dtype=torch.float16)
    out = torch.empty(2048, 1, device="cuda", dtype=torch.float16)
    fn = lambda: torch.mm(a, b, out=out)  # noqa: E731
    hot, cold = gt.HotTimer(fn, "cuda:0"), gt.ColdTimer(fn, "cuda:0")
    hot_s = sorted(hot.sample() for _ in range(5))[2]
    cold_s = sorted(cold.sample() for _ in range(21))[10]
    assert cold.flush_bytes >= 2 * (cold.l2_bytes or 0)
    assert cold_s > hot_s


@pytest.mark.cuda
@needs_cuda
def test_cuda_clock_waits_for_queued_work():
    """The clock must synchronise: right after it returns, the stream is idle (a clock that only
    read perf_counter would return while the sleep kernel still runs, and this would fail)."""
    from bench.timing import make_clock

    clock = make_clock("cuda:0")
    torch.cuda._sleep(50_000_000)
    clock()
    assert torch.cuda.current_stream().query()
