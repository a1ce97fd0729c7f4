"""The share of a nominal peak a run could reach: one rule for the terminal summary and the report."""

from __future__ import annotations

import math
from typing import Any


def _finite(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value) if math.isfinite(value) else math.nan


def core_share(device: str, threads: Any, physical_cores: Any) -> float:
    """The fraction of a CPU's nominal peak that ``threads`` can use: the peak counts every physical
    core, and a run pinned to 1 thread of 64 cores must not read as 1.5 % efficient. 1.0 for GPUs and
    whenever a count is unknown (unscaled rather than guessed)."""
    cores, used = _finite(physical_cores), _finite(threads)
    if device != "cpu" or not cores > 0 or not used > 0:
        return 1.0
    return min(used, cores) / cores


def usable_peak(harness: dict[str, Any], device: str, precision: str, threads: Any) -> float:
    """The hardware record's nominal peak GFLOP/s for ``device`` and ``precision``, scaled by
    ``core_share``; NaN when the record has no such peak."""
    peaks = harness.get("peaks") if isinstance(harness, dict) else None
    device_peaks = peaks.get(device) if isinstance(peaks, dict) else None
    peak = _finite(device_peaks.get(precision)) if isinstance(device_peaks, dict) else math.nan
    cpu = harness.get("cpu") if isinstance(harness, dict) else None
    cores = cpu.get("physical_cores") if isinstance(cpu, dict) else None
    return peak * core_share(device, threads, cores)
