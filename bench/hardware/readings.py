"""Readings that change while benchmarks run: clocks, temperature, power, throttle reasons, load.

They belong next to each result (extra_info["readings"] = {"before": ..., "after": ...}), not in
machine_info. ``sample`` must be cheap (it brackets every timed benchmark) and must never raise:
each source is read in its own guard, and a failure is recorded as text.
"""

from __future__ import annotations

import glob
import time
from typing import Any

from bench.hardware.sources import read_text

_CPU_FREQ_FILES: list[str] | None = None
# NVML clock-event (throttle) reason bits, named as in nvml.h.
CLOCK_EVENT_REASONS = {
    0x1: "gpu_idle", 0x2: "applications_clocks_setting", 0x4: "sw_power_cap", 0x8: "hw_slowdown",
    0x10: "sync_boost", 0x20: "sw_thermal_slowdown", 0x40: "hw_thermal_slowdown", 0x80: "hw_power_brake_slowdown",
    0x100: "display_clock_setting",
}  # fmt: skip


def decode_clock_events(mask: int) -> list[str]:
    """NVML's clock-event bit mask to names (unknown bits as hex)."""
    names = [name for bit, name in CLOCK_EVENT_REASONS.items() if mask & bit]
    rest = mask & ~sum(CLOCK_EVENT_REASONS)
    return [*names, hex(rest)] if rest else names


def summarise_mhz(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"mean": round(sum(values) / len(values), 1), "min": min(values), "max": max(values)}


def parse_cpuinfo_mhz(text: str) -> list[float]:
    """Every "cpu MHz" value of /proc/cpuinfo."""
    out = []
    for line in text.splitlines():
        if line.startswith("cpu MHz"):
            try:
                out.append(float(line.partition(":")[2]))
            except ValueError:
                continue
    return out


def parse_pressure_total_us(text: str) -> int | None:
    """The "some" stall counter of /proc/pressure/cpu: microseconds in which at least one runnable
    task waited for a CPU. Its growth between "before" and "after" is the contention a benchmark met
    (another job on a shared machine), which a load average smooths away."""
    for line in text.splitlines():
        if line.startswith("some "):
            for field in line.split()[1:]:
                key, _, value = field.partition("=")
                if key == "total" and value.isdigit():
                    return int(value)
    return None


def cpu_readings() -> dict[str, Any]:
    """Current CPU clocks (cpufreq, else /proc/cpuinfo), the 1-minute load average and the CPU
    pressure stall counter (Linux PSI; None where the kernel has none)."""
    global _CPU_FREQ_FILES
    if _CPU_FREQ_FILES is None:
        _CPU_FREQ_FILES = sorted(glob.glob("/sys/devices/system/cpu/cpu[0-9]*/cpufreq/scaling_cur_freq"))
    out: dict[str, Any] = {}
    values = []
    for path in _CPU_FREQ_FILES:
        text = read_text(path)
        if text and text.strip().isdigit():
            values.append(int(text) / 1000)
    source = "scaling_cur_freq"
    if not values:
        values, source = parse_cpuinfo_mhz(read_text("/proc/cpuinfo") or ""), "/proc/cpuinfo"
    out["cpu_mhz"], out["cpu_mhz_source"] = summarise_mhz(values), source
    load = read_text("/proc/loadavg")
    out["loadavg_1m"] = float(load.split()[0]) if load else None
    out["cpu_pressure_some_us"] = parse_pressure_total_us(read_text("/proc/pressure/cpu") or "")
    return out


def gpu_readings(index: int) -> dict[str, Any]:
    """SM/memory clocks, temperature, power, clock-event reasons and PCIe link of one GPU via NVML."""
    from bench.hardware.gpu import nvml, nvml_handle_for

    module, error = nvml()
    handle = nvml_handle_for(index) if module is not None else None
    if handle is None:
        return {"error": error or f"no NVML handle for cuda:{index}"}
    queries = {
        "sm_clock_mhz": lambda: module.nvmlDeviceGetClockInfo(handle, module.NVML_CLOCK_SM),
        "memory_clock_mhz": lambda: module.nvmlDeviceGetClockInfo(handle, module.NVML_CLOCK_MEM),
        "temperature_c": lambda: module.nvmlDeviceGetTemperature(handle, module.NVML_TEMPERATURE_GPU),
        "power_w": lambda: module.nvmlDeviceGetPowerUsage(handle) / 1000,
        "pstate": lambda: module.nvmlDeviceGetPerformanceState(handle),
        "clock_events": lambda: decode_clock_events(_clock_event_mask(module, handle)),
        "pcie_gen_current": lambda: module.nvmlDeviceGetCurrPcieLinkGeneration(handle),
    }
    out: dict[str, Any] = {}
    for name, query in queries.items():
        try:
            out[name] = query()
        except Exception as exc:
            out[name] = None
            out.setdefault("unavailable", {})[name] = f"NVML: {exc}"
    return out


def _clock_event_mask(module: Any, handle: Any) -> int:
    getter = (
        getattr(module, "nvmlDeviceGetCurrentClocksEventReasons", None)
        or module.nvmlDeviceGetCurrentClocksThrottleReasons
    )
    return int(getter(handle))


def sample(device: str) -> dict[str, Any]:
    """One reading for ``device`` ("cpu", "cuda", "cuda:N"); never raises."""
    out: dict[str, Any] = {"time": time.time()}
    try:
        out.update(cpu_readings())
        if device.startswith("cuda"):
            index = int(device.partition(":")[2] or 0)
            out["gpu"] = gpu_readings(index)
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
    return out
