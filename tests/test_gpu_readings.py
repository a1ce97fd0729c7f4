"""Readings during the timed rounds: the sampler thread and its pure aggregation (a fake source
stands in for NVML), and "unavailable" recorded for real on a machine without NVML or a GPU."""

from __future__ import annotations

import time

import pytest
import torch

from bench.hardware import readings


def test_sampler_calls_its_source_until_stopped_and_counts_failures():
    calls = []

    def source():
        calls.append(time.perf_counter())
        if len(calls) == 2:
            raise RuntimeError("NVML hiccup")
        return {"sm_clock_mhz": 1980}

    sampler = readings.Sampler(source, interval_s=0.005).start()
    deadline = time.monotonic() + 10
    while len(calls) < 5 and time.monotonic() < deadline:  # count calls, never time them
        time.sleep(0.005)
    samples = sampler.stop()
    stopped_at = len(calls)
    time.sleep(0.03)
    assert stopped_at >= 5 and len(calls) == stopped_at  # the thread has ended
    assert len(samples) == stopped_at - 1 and sampler.errors == ["RuntimeError: NVML hiccup"]


def test_aggregate_flags_a_clock_dip_below_90_percent_of_max():
    samples = [
        {"sm_clock_mhz": 1980, "power_w": 690.0, "temperature_c": 60, "utilization_pct": 100, "clock_events": []},
        {"sm_clock_mhz": 1700, "power_w": 700.0, "temperature_c": 62, "utilization_pct": 100,
         "clock_events": ["sw_power_cap"]},
        {"sm_clock_mhz": 1755, "power_w": 699.0, "temperature_c": 63, "utilization_pct": 99,
         "clock_events": ["sw_power_cap", "hw_slowdown"]},
    ]  # fmt: skip
    out = readings.aggregate_samples(samples, 1980, {"energy_j": 12.5}, ["x"])
    assert out["samples"] == 3
    assert out["sm_clock_mhz"] == {"mean": pytest.approx(1811.67), "min": 1700.0, "max": 1980.0}
    assert out["temperature_c"]["max"] == 63.0 and out["utilization_pct"]["min"] == 99.0
    assert out["clock_events"] == ["hw_slowdown", "sw_power_cap"]
    assert out["clock_dip"] is True  # 1700 < 0.9 x 1980 = 1782
    assert out["counters"] == {"energy_j": 12.5} and out["errors"] == ["x"]


def test_aggregate_without_a_dip_or_without_a_max_clock():
    steady = [{"sm_clock_mhz": 1785}, {"sm_clock_mhz": 1980}]
    assert readings.aggregate_samples(steady, 1980)["clock_dip"] is False  # 1785 >= 1782
    assert readings.aggregate_samples(steady, None)["clock_dip"] is None
    empty = readings.aggregate_samples([], 1980)
    assert empty["samples"] == 0 and empty["sm_clock_mhz"] is None and empty["clock_dip"] is None


def test_counter_deltas():
    before = {"energy_j": 100.0, "power_violation_s": 1.0, "thermal_violation_s": None}
    after = {"energy_j": 130.5, "power_violation_s": 1.25, "thermal_violation_s": 3.0}
    assert readings.counter_deltas(before, after) == {
        "energy_j": 30.5,
        "power_violation_s": 0.25,
        "thermal_violation_s": None,
    }


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU path; this machine has a GPU")
def test_sampling_a_gpu_without_nvml_or_device_records_unavailable_for_real():
    with readings.sampled("cuda:0") as out:
        pass
    assert set(out) == {"unavailable"} and out["unavailable"]


def test_cpu_device_samples_nothing():
    with readings.sampled("cpu") as out:
        pass
    assert out == {}


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU and NVML")
def test_sampling_a_busy_gpu_for_real():
    a = torch.randn(4096, 4096, device="cuda")
    with readings.sampled("cuda:0", interval_s=0.02) as out:
        for _ in range(200):
            a @ a
        torch.cuda.synchronize()
    assert "unavailable" not in out, out
    assert out["samples"] >= 2 and out["sm_clock_mhz"]["max"] > 0 and out["clock_dip"] in (True, False)
