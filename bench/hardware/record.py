"""The whole machine record (machine_info["harness"]), assembled from the section collectors."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from typing import Any, TypeVar

from bench.devices import cuda_unavailable_reason
from bench.hardware import bandwidth, cpu, gpu, identity, memory, peaks, software
from contract.schema import PEAK_NOTE, SCHEMA_VERSION

T = TypeVar("T")


def guarded(section: str, unavailable: dict[str, str], collect_section: Callable[[], T], fallback: T) -> T:
    """Run one section's collector; on any error keep ``fallback`` and say why.

    The record is written when pytest-benchmark saves the run: an exception here (a GPU that
    fell off the bus, an odd sysfs) would lose every measurement of the session.
    """
    try:
        return collect_section()
    except Exception as exc:  # the run matters more than one section of its record
        unavailable[section] = f"collection failed: {type(exc).__name__}: {exc}"
        return fallback


def collect(
    pycpuinfo: dict[str, Any] | None = None,
    measure_bandwidth: bool = True,
    machine: tuple[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Collect every section (MACHINE_FIELDS). ``pycpuinfo``: pytest-benchmark's machine_info["cpu"];
    ``machine``: (machine_id, facts) already computed this session (identity.this_machine)."""
    start = time.perf_counter()
    unavailable: dict[str, str] = {}
    this_machine = (lambda: machine) if machine else identity.this_machine
    machine_id, facts = guarded("machine_id", unavailable, this_machine, (platform.node() or "unknown", {}))
    cpu_section = guarded("cpu", unavailable, lambda: cpu.collect_cpu(pycpuinfo), {})
    gpus, gpu_reason = guarded("gpus", unavailable, lambda: gpu.collect_gpus(cuda_unavailable_reason()), ([], None))
    if gpu_reason:
        unavailable["gpus"] = gpu_reason
    peak_values, formulas = guarded("peaks", unavailable, lambda: peaks.all_peaks(cpu_section, gpus), ({}, {}))
    record: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "machine_id": machine_id,
        "hostname": platform.node(),
        "fingerprint": facts,
        "cpu": cpu_section,
        "memory": guarded("memory", unavailable, memory.collect_memory, {}),
        "gpus": gpus,
        "peaks": peak_values,
        "peak_formulas": formulas,
        "peaks_clock": guarded("peaks_clock", unavailable, lambda: peaks.clock_peaks(gpus), {}),
        "peak_note": PEAK_NOTE,
        "bandwidth": None,
        "software": guarded("software", unavailable, software.collect_software, {}),
        "unavailable": unavailable,
    }
    if measure_bandwidth:
        llc = guarded("bandwidth", unavailable, lambda: cpu.last_level_cache_bytes(cpu_section), None)
        record["bandwidth"] = guarded("bandwidth", unavailable, lambda: bandwidth.measure_all(llc, gpus), None)
    else:
        unavailable["bandwidth"] = "not measured (--no-bandwidth)"
    record["collection_s"] = round(time.perf_counter() - start, 3)
    return record
