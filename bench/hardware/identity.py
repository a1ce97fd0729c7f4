"""Machine identity: "<hostname>-<8 hex>", a readable name plus a fingerprint of stable facts
(the rule itself: contract.identity).

Computed cheaply at configure time (no py-cpuinfo, no CUDA initialisation) so the storage folder
can be chosen before pytest-benchmark opens it. The fingerprint hashes facts that do not change
between runs: CPU model, its signature (family, model number, vector ISA: a VM's brand string is
often masked), sockets and core counts, memory rounded to GiB (MemTotal moves by a few MiB across
kernel versions) and GPU names and UUIDs from NVML (all GPUs, whatever CUDA_VISIBLE_DEVICES says).
The facts are stored beside the id so a reader can see what it means.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

from bench.hardware.cpu import SYS_CPU, cpu_signature, parse_topology
from bench.hardware.memory import parse_meminfo_total
from bench.hardware.sources import PROC_CPUINFO, parse_proc_cpuinfo, read_text
from contract.identity import machine_id

NVIDIA_PROC = Path("/proc/driver/nvidia/gpus")


def parse_nvidia_proc_information(text: str) -> dict[str, str]:
    """Model and UUID from /proc/driver/nvidia/gpus/*/information (driver without NVML bindings)."""
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return {"name": fields.get("Model", ""), "uuid": fields.get("GPU UUID", "")}


def gpu_facts() -> list[dict[str, str]]:
    """Names and UUIDs of every NVIDIA GPU, sorted by UUID: NVML, else the driver's /proc files."""
    from bench.hardware.gpu import nvml

    module, _ = nvml()
    gpus = []
    if module is not None:
        try:
            for i in range(module.nvmlDeviceGetCount()):
                handle = module.nvmlDeviceGetHandleByIndex(i)
                name, uuid = module.nvmlDeviceGetName(handle), module.nvmlDeviceGetUUID(handle)
                gpus.append(
                    {
                        "name": name.decode() if isinstance(name, bytes) else name,
                        "uuid": uuid.decode() if isinstance(uuid, bytes) else uuid,
                    }
                )
        except Exception:
            gpus = []
    if not gpus and NVIDIA_PROC.is_dir():
        for info in NVIDIA_PROC.glob("*/information"):
            text = read_text(info)
            if text:
                gpus.append(parse_nvidia_proc_information(text))
    return sorted(gpus, key=lambda g: g["uuid"])


def identity_facts(
    cpu_root: Path = SYS_CPU, proc_cpuinfo: Path = PROC_CPUINFO, meminfo: Path = Path("/proc/meminfo")
) -> dict[str, Any]:
    """The stable facts the fingerprint is made of."""
    text = read_text(proc_cpuinfo)
    first = (parse_proc_cpuinfo(text) or [{}])[0] if text else {}
    model = (
        first.get("model name") or "/".join(first.get(k, "") for k in ("CPU implementer", "CPU part"))
        if first
        else None
    )
    topo = (
        parse_topology(cpu_root)
        if cpu_root.exists()
        else {"sockets": None, "physical_cores": None, "logical_cores": os.cpu_count()}
    )
    mem_text = read_text(meminfo)
    mem = parse_meminfo_total(mem_text) if mem_text else None
    return {
        "cpu_model": model or platform.processor() or platform.machine(),
        "arch": platform.machine(),
        **topo,
        "memory_gib": round(mem / 2**30) if mem else None,
        "gpus": gpu_facts(),
        **cpu_signature(first),
    }


def this_machine() -> tuple[str, dict[str, Any]]:
    """(machine_id, facts) of this machine; a session computes it once (bench.hardware.configure keeps
    it in config.stash)."""
    facts = identity_facts()
    return machine_id(platform.node(), facts), facts
