"""Readings that change while benchmarks run: clocks, temperature, power, throttle reasons, load.

They belong next to each result (extra_info["readings"] = {"before": ..., "after": ...}), not in
machine_info. ``sample`` must be cheap (it brackets every timed benchmark) and must never raise:
each source is read in its own guard, and a failure is recorded as text.
"""

from __future__ import annotations

import glob
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.hardware.sources import parse_proc_cpuinfo, read_text

CPU_FREQ_FILES = "/sys/devices/system/cpu/cpu[0-9]*/cpufreq/scaling_cur_freq"
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
    """Every processor's "cpu MHz" value of /proc/cpuinfo (read as the record reads the file)."""
    out = []
    for block in parse_proc_cpuinfo(text):
        try:
            out.append(float(block["cpu MHz"]))
        except (KeyError, ValueError):
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
    out: dict[str, Any] = {}
    values = []
    for path in glob.glob(CPU_FREQ_FILES):  # globbed each time: no cache to go stale; reading them costs more
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
    out.update(cpu_time_readings())
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


# --- Sampled during the timed rounds (NVML, ~20 Hz on a background thread) -----------------------
# "before"/"after" readings come right after a synchronise, when the GPU is idle; a power-cap
# episode inside the timed rounds is only seen by sampling while they run.

SAMPLE_INTERVAL_S = 0.05  # ~20 Hz: an NVML query costs ~10-100 us, far below the interval
CLOCK_DIP_FRACTION = 0.9  # an SM clock below 90% of the maximum during timing flags the result
SAMPLED_QUANTITIES = ("sm_clock_mhz", "power_w", "temperature_c", "utilization_pct")


class Sampler:
    """Calls ``source()`` every ``interval_s`` on a daemon thread until :meth:`stop`.

    ``source`` returns one dict of readings; an exception is counted, never raised, so a flaky
    query cannot break the benchmark it watches."""

    def __init__(self, source: Callable[[], dict[str, Any]], interval_s: float = SAMPLE_INTERVAL_S) -> None:
        self.source = source
        self.interval_s = interval_s
        self.samples: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nvml-sampler", daemon=True)

    def _take(self) -> None:
        try:
            self.samples.append(self.source())
        except Exception as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")

    def _run(self) -> None:
        self._take()
        while not self._stop.wait(self.interval_s):
            self._take()

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def stop(self) -> list[dict[str, Any]]:
        self._stop.set()
        self._thread.join()
        return self.samples


def _spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"mean": round(sum(values) / len(values), 2), "min": min(values), "max": max(values)}


def counter_deltas(before: dict[str, float | None], after: dict[str, float | None]) -> dict[str, float | None]:
    """after - before of each cumulative counter (None where either side is missing)."""
    return {
        key: (after[key] - before[key]) if before.get(key) is not None and after.get(key) is not None else None
        for key in before
    }


def aggregate_samples(
    samples: list[dict[str, Any]],
    max_sm_clock_mhz: float | None,
    counters: dict[str, float | None] | None = None,
    errors: list[str] | None = None,
) -> dict[str, Any]:
    """Pure summary of the sampler's readings: spread of each quantity, every clock-event reason
    seen, and ``clock_dip`` when the SM clock fell below 90% of its maximum (None: unknown)."""
    out: dict[str, Any] = {"samples": len(samples)}
    for quantity in SAMPLED_QUANTITIES:
        out[quantity] = _spread([float(s[quantity]) for s in samples if s.get(quantity) is not None])
    out["clock_events"] = sorted({name for s in samples for name in s.get("clock_events") or []})
    out["max_sm_clock_mhz"] = max_sm_clock_mhz
    lowest = (out["sm_clock_mhz"] or {}).get("min")
    out["clock_dip"] = (
        None if lowest is None or not max_sm_clock_mhz else lowest < CLOCK_DIP_FRACTION * max_sm_clock_mhz
    )
    out["counters"] = counters or {}
    if errors:
        out["errors"] = errors[:5]
    return out


def nvml_source(index: int) -> tuple[Callable[[], dict[str, Any]], Callable[[], dict[str, float | None]], float | None]:
    """(one-sample function, cumulative-counter function, max SM clock) for torch's cuda:index;
    raises RuntimeError with the reason when NVML cannot watch it."""
    from bench.hardware.gpu import nvml, nvml_handle_for

    module, error = nvml()
    handle = nvml_handle_for(index) if module is not None else None
    if handle is None:
        raise RuntimeError(error or f"no NVML handle for cuda:{index}")

    def one() -> dict[str, Any]:
        return {
            "sm_clock_mhz": module.nvmlDeviceGetClockInfo(handle, module.NVML_CLOCK_SM),
            "power_w": module.nvmlDeviceGetPowerUsage(handle) / 1000,
            "temperature_c": module.nvmlDeviceGetTemperature(handle, module.NVML_TEMPERATURE_GPU),
            "utilization_pct": module.nvmlDeviceGetUtilizationRates(handle).gpu,
            "clock_events": decode_clock_events(_clock_event_mask(module, handle)),
        }

    def guarded(query: Callable[[], float]) -> float | None:
        try:
            return query()
        except Exception:
            return None

    def counters() -> dict[str, float | None]:
        def violation_s(policy: str) -> float:
            return module.nvmlDeviceGetViolationStatus(handle, getattr(module, policy)).violationTime / 1e9

        return {
            "energy_j": guarded(lambda: module.nvmlDeviceGetTotalEnergyConsumption(handle) / 1000),
            "power_violation_s": guarded(lambda: violation_s("NVML_PERF_POLICY_POWER")),
            "thermal_violation_s": guarded(lambda: violation_s("NVML_PERF_POLICY_THERMAL")),
        }

    max_clock = guarded(lambda: module.nvmlDeviceGetMaxClockInfo(handle, module.NVML_CLOCK_SM))
    return one, counters, max_clock


@contextmanager
def sampled(device: str, interval_s: float = SAMPLE_INTERVAL_S) -> Iterator[dict[str, Any]]:
    """Sample a CUDA device while the body runs; the yielded dict is filled on exit with
    :func:`aggregate_samples` or ``{"unavailable": why}``. Empty (and free) for the CPU."""
    out: dict[str, Any] = {}
    if not device.startswith("cuda"):
        yield out
        return
    try:
        one, counters, max_clock = nvml_source(int(device.partition(":")[2] or 0))
        before = counters()
    except Exception as exc:
        out["unavailable"] = str(exc) or type(exc).__name__
        yield out
        return
    sampler = Sampler(one, interval_s).start()
    try:
        yield out
    finally:
        samples = sampler.stop()
        out.update(aggregate_samples(samples, max_clock, counter_deltas(before, counters()), sampler.errors))


# --- CPU time accounting (issue 15): steal, iowait and guest ticks beside the pressure stalls ---

#: Fields of the aggregate "cpu" line of /proc/stat, in order (USER_HZ ticks since boot).
PROC_STAT_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice")


def parse_proc_stat(text: str) -> dict[str, int] | None:
    """Ticks of the aggregate "cpu" line: total, steal, iowait, guest. Steal is time the hypervisor
    gave this guest's vCPUs to someone else, which no reading inside the guest (PSI included) sees.
    The total counts the first eight fields: guest time is already inside user time."""
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] == "cpu":
            values = dict(zip(PROC_STAT_FIELDS, (int(v) for v in parts[1:] if v.isdigit()), strict=False))
            if len(values) < 4:
                return None
            return {
                "total": sum(values.get(k, 0) for k in PROC_STAT_FIELDS[:8]),
                "steal": values.get("steal", 0),
                "iowait": values.get("iowait", 0),
                "guest": values.get("guest", 0) + values.get("guest_nice", 0),
            }
    return None


def cpu_time_readings() -> dict[str, Any]:
    """{"cpu_ticks": {total, steal, iowait, guest}} from /proc/stat, None where there is none;
    the growth between two readings over the growth of "total" is the share stolen (or waiting)."""
    return {"cpu_ticks": parse_proc_stat(read_text("/proc/stat") or "")}
