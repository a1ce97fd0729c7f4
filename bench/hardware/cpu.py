"""CPU facts: identity, topology, peak-setting ISA features, clocks and caches.

Linux sources first (/proc/cpuinfo, /sys/devices/system/cpu): they are exact and fast. Caches
come from sysfs only; py-cpuinfo's cache sizes are wrong on some parts (AMD's L3 is reported as
one core's L2). py-cpuinfo's dict, which pytest-benchmark already computed, only fills gaps.
"""

from __future__ import annotations

import os
import platform
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.hardware.sources import (
    PROC_CPUINFO,
    parse_cpulist,
    parse_proc_cpuinfo,
    parse_size,
    read_int,
    read_text,
)
from contract.identity import IDENTITY_ISA

SYS_CPU = Path("/sys/devices/system/cpu")

#: ISA features that set a floating-point peak (x86 names as in /proc/cpuinfo; ARM "Features").
PEAK_FEATURES = (
    "sse2", "avx", "fma", "avx2", "avx512f", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_fp16",
    "neon", "asimdhp", "bf16", "sve", "sve2", "sme",
)  # fmt: skip

# (family, model) -> name. Intel family 6 and AMD families 0x17/0x19/0x1a; the commonest parts only.
INTEL_FAMILY6 = {
    85: "Skylake-SP/Cascade Lake", 106: "Ice Lake-SP", 108: "Ice Lake-SP", 143: "Sapphire Rapids",
    207: "Emerald Rapids", 173: "Granite Rapids", 174: "Granite Rapids", 175: "Sierra Forest",
    78: "Skylake", 94: "Skylake", 142: "Kaby/Coffee Lake", 158: "Kaby/Coffee Lake", 165: "Comet Lake",
    166: "Comet Lake", 125: "Ice Lake", 126: "Ice Lake", 140: "Tiger Lake", 141: "Tiger Lake",
    167: "Rocket Lake", 151: "Alder Lake", 154: "Alder Lake", 183: "Raptor Lake", 186: "Raptor Lake",
    191: "Raptor Lake", 170: "Meteor Lake", 197: "Arrow Lake", 198: "Arrow Lake", 189: "Lunar Lake",
    79: "Broadwell", 86: "Broadwell", 63: "Haswell", 69: "Haswell", 70: "Haswell", 60: "Haswell",
}  # fmt: skip
AMX_CAPABLE = {"Sapphire Rapids", "Emerald Rapids", "Granite Rapids"}
# ARM (implementer, part) -> name, from /proc/cpuinfo "CPU implementer"/"CPU part".
ARM_PARTS = {
    (0x41, 0xD03): "Cortex-A53", (0x41, 0xD08): "Cortex-A72", (0x41, 0xD0B): "Cortex-A76",
    (0x41, 0xD0C): "Neoverse-N1", (0x41, 0xD40): "Neoverse-V1", (0x41, 0xD49): "Neoverse-N2",
    (0x41, 0xD4F): "Neoverse-V2", (0x41, 0xD8E): "Neoverse-N3", (0x41, 0xD84): "Neoverse-V3",
    (0xC0, 0xAC3): "Ampere-1", (0x61, 0x022): "Apple M1", (0x61, 0x032): "Apple M2",
}  # fmt: skip


def amd_microarchitecture(family: int, model: int) -> str | None:
    """AMD family/model ranges to the Zen generation (ranges from the kernel and AMD's guides)."""
    if family == 0x17:
        return "Zen" if model < 0x10 else "Zen+" if model < 0x30 else "Zen 2"
    if family == 0x19:
        return "Zen 4" if 0x10 <= model < 0x20 or 0x60 <= model < 0x80 or 0xA0 <= model < 0xB0 else "Zen 3"
    if family == 0x1A:
        return "Zen 5"
    return None


def microarchitecture(
    vendor: str | None, family: int | None, model: int | None, isa: list[str], arm_part: tuple[int, int] | None = None
) -> str | None:
    """Name the core generation; flags win over a model number a hypervisor may have faked."""
    name = None
    if arm_part is not None:
        name = ARM_PARTS.get(arm_part)
    elif vendor == "GenuineIntel" and family == 6 and model is not None:
        name = INTEL_FAMILY6.get(model)
        if "amx_tile" in isa and name not in AMX_CAPABLE:
            floor = "Granite Rapids" if "amx_fp16" in isa else "Sapphire Rapids"
            name = f"{floor} or later (AMX present; CPUID model {model} looks virtualised)"
    elif vendor == "AuthenticAMD" and family is not None and model is not None:
        name = amd_microarchitecture(family, model)
    return name


def peak_features(flags: set[str], features: Sequence[str] = PEAK_FEATURES) -> list[str]:
    """The peak-setting subset of the flags, in ``features`` order ("asimd" is ARM's NEON)."""
    flags = set(flags)
    if "asimd" in flags:
        flags.add("neon")
    return [f for f in features if f in flags]


def _flags(block: dict[str, str]) -> list[str]:
    return (block.get("flags") or block.get("Features") or "").split()


def cpu_signature(block: dict[str, str]) -> dict[str, Any]:
    """Family, model number and vector ISA from one /proc/cpuinfo block: what tells two CPUs behind
    one masked brand string apart. The record's ``cpu`` section carries the same family and model
    number where /proc/cpuinfo has the lines (it fills the gaps from py-cpuinfo) and a superset of
    the ISA (PEAK_FEATURES); contract.identity.current_machine_id knows which."""
    return {
        "cpu_family": _int(block.get("cpu family")),
        "cpu_model_number": _int(block.get("model")),
        "isa": peak_features(set(_flags(block)), IDENTITY_ISA),
    }


def parse_caches(cpu_root: Path) -> list[dict[str, Any]]:
    """Caches from sysfs: one entry per (level, type), with instance count and sharing.

    ``instances`` counts distinct ``shared_cpu_list`` values, so a 32 MiB L3 shared by 8 cores is
    one instance of 32 MiB, and 8 private 512 KiB L2s are 8 instances of 512 KiB.
    """
    found: dict[tuple[int, str], dict[str, Any]] = {}
    sharing: dict[tuple[int, str], set[str]] = defaultdict(set)
    for index in sorted(cpu_root.glob("cpu[0-9]*/cache/index[0-9]*")):
        level, kind = read_int(index / "level"), (read_text(index / "type") or "").strip()
        size_text, shared = read_text(index / "size"), (read_text(index / "shared_cpu_list") or "").strip()
        if level is None or not kind or size_text is None:
            continue
        key = (level, kind)
        sharing[key].add(shared)
        found.setdefault(
            key,
            {
                "level": level,
                "type": kind,
                "size_bytes": parse_size(size_text),
                "shared_by_cpus": len(parse_cpulist(shared)) if shared else None,
            },
        )
    caches = []
    for key in sorted(found):
        entry = found[key]
        entry["instances"] = len(sharing[key])
        caches.append(entry)
    return caches


def parse_topology(cpu_root: Path) -> dict[str, int | None]:
    """Sockets, physical cores and logical CPUs from sysfs topology (online CPUs only)."""
    online_text = read_text(cpu_root / "online")
    cpus = parse_cpulist(online_text) if online_text else [int(p.name[3:]) for p in cpu_root.glob("cpu[0-9]*")]
    packages: set[int] = set()
    cores: set[tuple[int, int]] = set()
    for cpu in cpus:
        topo = cpu_root / f"cpu{cpu}" / "topology"
        package, core = read_int(topo / "physical_package_id"), read_int(topo / "core_id")
        if package is None or core is None:
            continue
        packages.add(package)
        cores.add((package, core))
    return {"sockets": len(packages) or None, "physical_cores": len(cores) or None, "logical_cores": len(cpus) or None}


def parse_frequencies(cpu_root: Path) -> dict[str, float | None]:
    """Base and max clocks in MHz from cpufreq (kHz files), None where the driver does not say."""
    freq = cpu_root / "cpu0" / "cpufreq"
    base, top = read_int(freq / "base_frequency"), read_int(freq / "cpuinfo_max_freq")
    return {"base_mhz": base / 1000 if base else None, "max_mhz": top / 1000 if top else None}


def brand_base_mhz(brand: str | None) -> float | None:
    """The advertised base clock in a brand string ("... @ 2.60GHz")."""
    match = re.search(r"@\s*([\d.]+)\s*GHz", brand or "")
    return float(match.group(1)) * 1000 if match else None


def collect_cpu(
    pycpuinfo: dict[str, Any] | None = None, cpu_root: Path = SYS_CPU, proc_cpuinfo: Path = PROC_CPUINFO
) -> dict[str, Any]:
    """The CPU section of the record (CPU_FIELDS), plus ``reported_mhz`` used when no clock is known."""
    info = pycpuinfo or {}
    unavailable: dict[str, str] = {}
    text = read_text(proc_cpuinfo)
    blocks = parse_proc_cpuinfo(text) if text else []
    first = blocks[0] if blocks else {}
    signature = cpu_signature(first)  # what the machine's id hashes too (bench.hardware.identity)
    isa = peak_features(set(_flags(first) or info.get("flags") or []))
    vendor = first.get("vendor_id") or info.get("vendor_id_raw")
    arm_part = None
    if "CPU implementer" in first and "CPU part" in first:
        arm_part = (int(first["CPU implementer"], 16), int(first["CPU part"], 16))
        vendor = vendor or {0x41: "ARM", 0x61: "Apple", 0xC0: "Ampere", 0x4E: "NVIDIA"}.get(arm_part[0])
    family = signature["cpu_family"] if "cpu family" in first else info.get("family")
    model_num = signature["cpu_model_number"] if "model" in first else info.get("model")
    brand = first.get("model name") or info.get("brand_raw") or (ARM_PARTS.get(arm_part) if arm_part else None)
    brand = brand or platform.processor() or None
    if not brand:
        unavailable["model"] = "no model name in /proc/cpuinfo or py-cpuinfo"

    topo = (
        parse_topology(cpu_root)
        if cpu_root.exists()
        else {"sockets": None, "physical_cores": None, "logical_cores": os.cpu_count()}
    )
    if topo["physical_cores"] is None:
        unavailable["physical_cores"] = f"no topology in {cpu_root}"
    if topo["sockets"] is None:
        unavailable["sockets"] = f"no topology in {cpu_root}"
    clocks = parse_frequencies(cpu_root)
    if clocks["max_mhz"] is None:
        unavailable["max_mhz"] = f"no cpufreq driver ({cpu_root}/cpu0/cpufreq absent), as in most VMs"
    if clocks["base_mhz"] is None:
        clocks["base_mhz"] = brand_base_mhz(brand)
        if clocks["base_mhz"] is None:
            unavailable["base_mhz"] = "no cpufreq base_frequency and no '@ x GHz' in the brand string"
    caches = parse_caches(cpu_root)
    if not caches:
        unavailable["caches"] = f"no cache topology in {cpu_root}/cpu*/cache"
    mhz = _float(first.get("cpu MHz")) or (info.get("hz_advertised") or [0])[0] / 1e6 or None
    return {
        "vendor": vendor,
        "model": brand,
        "arch": platform.machine(),
        "family": family,
        "model_number": model_num,
        "microarchitecture": microarchitecture(vendor, family, model_num, isa, arm_part),
        **topo,
        "isa": isa,
        **clocks,
        # /proc/cpuinfo's "cpu MHz" rounded to 10 MHz: the clock peaks fall back on without cpufreq
        # (constant in a VM, where it is the TSC rate; never used when max_mhz is known).
        "reported_mhz": round(mhz, -1) if mhz else None,
        "caches": caches or None,
        "unavailable": unavailable,
    }


def last_level_cache_bytes(cpu: dict[str, Any]) -> int | None:
    """Total bytes of the highest cache level, all instances (what a bandwidth probe must exceed)."""
    caches = [c for c in cpu.get("caches") or [] if c["type"] in ("Unified", "Data") and c["size_bytes"]]
    if not caches:
        return None
    top = max(c["level"] for c in caches)
    return sum(c["size_bytes"] * c["instances"] for c in caches if c["level"] == top)


def _int(text: str | None) -> int | None:
    """Decimal ("167") or prefixed hex ("0x41") as /proc/cpuinfo prints them."""
    if text is None:
        return None
    for base in (10, 0):
        try:
            return int(text, base)
        except ValueError:
            continue
    return None


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None
