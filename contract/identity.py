"""A machine's id, ``<hostname>-<8 hex>``: the rule the harness names machines by and the report
reads saved runs by, kept here so both apply the same one.

The fingerprint hashes facts that do not change between runs of one machine (bench.hardware.identity
gathers them). Ids written before the CPU signature (family, model number, vector ISA) was among
them hashed only the CPU's brand string, and cloud VMs mask that: a 2-core "AMD EPYC" guest on a
Zen 1 host and one on a Zen 4 host shared an id, so their runs would have been compared as one
machine's. ``current_machine_id`` gives such a run the id the harness gives that machine now.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

#: The CPU signature among the fingerprint facts, with the key of each in the record's ``cpu`` section.
SIGNATURE_KEYS = {"cpu_family": "family", "cpu_model_number": "model_number", "isa": "isa"}
#: The vector-ISA flags the id hashes, frozen: a copy of bench.hardware.cpu.PEAK_FEATURES when the
#: signature was added, so extending that list for the peaks renames no machine ("asimd" reads as "neon").
IDENTITY_ISA = (
    "sse2", "avx", "fma", "avx2", "avx512f", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_fp16",
    "neon", "asimdhp", "bf16", "sve", "sve2", "sme",
)  # fmt: skip


def safe_hostname(name: str) -> str:
    """The host's short name, reduced to characters safe in a folder name."""
    short = name.split(".")[0] or "host"
    return re.sub(r"[^A-Za-z0-9_-]+", "-", short).strip("-") or "host"


def fingerprint(facts: dict[str, Any]) -> str:
    """8 hex digits of SHA-256 over the facts in canonical JSON."""
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:8]


def machine_id(hostname: str, facts: dict[str, Any]) -> str:
    return f"{safe_hostname(hostname)}-{fingerprint(facts)}"


X86 = frozenset({"x86_64", "amd64", "i386", "i486", "i586", "i686", "x86"})


def _signature_then(record: dict[str, Any], facts: dict[str, Any], cpu: dict[str, Any]) -> dict[str, Any] | None:
    """The signature the harness hashes now for the machine an old record describes, or None where
    the record cannot tell. The harness reads it from /proc/cpuinfo alone; the record's ``cpu``
    section fills gaps from py-cpuinfo, so its values are the signature only where /proc/cpuinfo
    has those lines: x86 Linux has all three, ARM Linux only the flags ("Features"), and no other
    system has the file (nothing: the harness hashes None, None, [])."""
    software = record.get("software")
    system = str(software.get("os") or "").split(" ")[0] if isinstance(software, dict) else ""
    arch = str(facts.get("arch") or cpu.get("arch") or "").lower()
    if system and system != "Linux":
        return {"cpu_family": None, "cpu_model_number": None, "isa": []}
    if system != "Linux":
        return None
    isa = [flag for flag in IDENTITY_ISA if flag in (cpu.get("isa") or [])]
    if arch in X86 and cpu.get("family") is not None:
        return {"cpu_family": cpu.get("family"), "cpu_model_number": cpu.get("model_number"), "isa": isa}
    if arch in ("aarch64", "arm64") or arch.startswith("arm"):
        return {"cpu_family": None, "cpu_model_number": None, "isa": isa}
    return None


def current_machine_id(record: dict[str, Any]) -> str | None:
    """The saved record's machine id, or the one the harness gives its machine now when the record
    predates the CPU signature: its id was derived from hostname and fingerprint alone, and its
    system, architecture and ``cpu`` section tell what signature the harness reads there now. None
    when the record has no id."""
    recorded = record.get("machine_id")
    if not recorded:
        return None
    facts, hostname, cpu = record.get("fingerprint"), record.get("hostname"), record.get("cpu")
    if not (isinstance(facts, dict) and isinstance(hostname, str) and isinstance(cpu, dict)):
        return str(recorded)
    if any(key in facts for key in SIGNATURE_KEYS) or machine_id(hostname, facts) != recorded:
        return str(recorded)  # already current, or an id the harness did not derive this way
    signature = _signature_then(record, facts, cpu)
    return str(recorded) if signature is None else machine_id(hostname, {**facts, **signature})
