"""The whole machine record (machine_info["harness"]), assembled from the section collectors."""

from __future__ import annotations

import platform
import time
from typing import Any

from bench.devices import cuda_unavailable_reason
from bench.hardware import bandwidth, cpu, gpu, identity, memory, peaks, software
from contract.schema import PEAK_NOTE, SCHEMA_VERSION


def collect(pycpuinfo: dict[str, Any] | None = None, measure_bandwidth: bool = True) -> dict[str, Any]:
    """Collect every section (MACHINE_FIELDS). ``pycpuinfo``: pytest-benchmark's machine_info["cpu"]."""
    start = time.perf_counter()
    machine_id, facts = identity.this_machine()
    cpu_section = cpu.collect_cpu(pycpuinfo)
    gpus, gpu_reason = gpu.collect_gpus(cuda_unavailable_reason())
    peak_values, formulas = peaks.all_peaks(cpu_section, gpus)
    unavailable = {"gpus": gpu_reason} if gpu_reason else {}
    record: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "machine_id": machine_id,
        "hostname": platform.node(),
        "fingerprint": facts,
        "cpu": cpu_section,
        "memory": memory.collect_memory(),
        "gpus": gpus,
        "peaks": peak_values,
        "peak_formulas": formulas,
        "peak_note": PEAK_NOTE,
        "bandwidth": None,
        "software": software.collect_software(),
        "unavailable": unavailable,
    }
    if measure_bandwidth:
        record["bandwidth"] = bandwidth.measure_all(cpu.last_level_cache_bytes(cpu_section), gpus)
    else:
        unavailable["bandwidth"] = "not measured (--no-bandwidth)"
    record["collection_s"] = round(time.perf_counter() - start, 3)
    return record
