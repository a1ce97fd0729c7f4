"""The record as readable text (``python -m bench.hardware``)."""

from __future__ import annotations

from typing import Any


def _size(n: int | None) -> str:
    if n is None:
        return "?"
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:g} {unit}"
    return f"{n} B"


def _unavailable(section: dict[str, Any], indent: str = "  ") -> list[str]:
    return [f"{indent}unavailable {k}: {v}" for k, v in (section.get("unavailable") or {}).items()]


def to_text(record: dict[str, Any]) -> str:
    lines = [f"machine {record['machine_id']}  (host {record['hostname']}, schema {record['schema']})"]
    c = record["cpu"]
    lines += [
        "CPU",
        f"  {c['vendor']} {c['model']}  [{c['arch']}, {c['microarchitecture'] or 'microarchitecture unknown'}]",
        f"  {c['sockets']} socket(s), {c['physical_cores']} physical cores, {c['logical_cores']} logical",
        f"  clocks: base {c['base_mhz']} MHz, max {c['max_mhz']} MHz, reported {c['reported_mhz']} MHz",
        f"  ISA: {', '.join(c['isa']) or '-'}",
    ]
    for cache in c.get("caches") or []:
        lines.append(
            f"  L{cache['level']} {cache['type']:<11} {_size(cache['size_bytes']):>9} x {cache['instances']}"
            f" (each shared by {cache['shared_by_cpus']} CPU(s))"
        )
    lines += _unavailable(c)
    m = record["memory"]
    lines += ["Memory", f"  total {_size(m['total_bytes'])}, source {m['source']}"]
    for mod in m.get("modules") or []:
        lines.append(
            f"  {mod['locator']}: {_size(mod['size_bytes'])} {mod['type']} {mod['configured_speed_mts']} MT/s"
            f" {mod['data_width_bits']}-bit"
        )
    lines.append(
        f"  channels {m['channels']}, bus {m['bus_width_bits']} bits, theoretical {_gb(m['theoretical_gbps'])}"
    )
    lines += _unavailable(m)
    lines.append("GPUs")
    for g in record["gpus"]:
        lines += [
            f"  {g['device']}: {g['name']} (cc {g['compute_capability']}, {g['sm_count']} SMs, uuid {g['uuid']})",
            f"    memory {_size(g['memory_bytes'])}, bus {g['memory_bus_width_bits']} bits"
            f" @ {g['memory_clock_mhz']} MHz -> {_gb(g['theoretical_gbps'])}; SM clock {g['sm_clock_mhz']} MHz",
            f"    PCIe gen {g['pcie_gen']} x{g['pcie_width']}, power limit {g['power_limit_w']} W, ECC {g['ecc']},"
            f" MIG {g['mig']}, driver {g['driver']}, CUDA {g['cuda']} (via {g['source']})",
        ]
        lines += _unavailable(g, "    ")
    if not record["gpus"]:
        lines.append(f"  none: {record['unavailable'].get('gpus')}")
    lines.append(f"Nominal peaks ({record['peak_note']})")
    for device, formulas in record["peak_formulas"].items():
        for precision, formula in formulas.items():
            value = record["peaks"][device].get(precision)
            shown = f"{value:,.1f} GFLOP/s" if value is not None else "-"
            lines.append(f"  {device:<7} {precision:<13} {shown:>20}  {formula}")
    lines.append("Measured bandwidth (varies run to run; not compared)")
    for device, result in (record.get("bandwidth") or {}).items():
        if "error" in result:
            lines.append(f"  {device}: failed: {result['error']}")
            continue
        triad = f", triad {result['triad_gbps']:.1f} GB/s" if "triad_gbps" in result else ""
        lines.append(
            f"  {device}: copy {result['copy_gbps']:.1f} GB/s{triad}"
            f" ({_size(result['array_bytes'])} arrays, best of {result['repeats']})"
        )
        if result.get("note"):
            lines.append(f"    note: {result['note']}")
    s = record["software"]
    lines += [
        "Software",
        f"  Python {s['python']}, torch {s['torch']} (CUDA {s['torch_cuda']}, cuDNN {s['cudnn']}),"
        f" torchvision {s['torchvision']}, numpy {s['numpy']}, pytest-benchmark {s['pytest_benchmark']}",
        f"  build: {', '.join(f'{k}={v}' for k, v in s['blas']['build'].items())}",
        *[f"  {lib}" for lib in s["blas"]["libraries"]],
        f"  threads: {', '.join(f'{k}={v}' for k, v in s['threads'].items())}",
        f"collected in {record['collection_s']} s",
    ]
    return "\n".join(lines)


def _gb(value: float | None) -> str:
    return f"{value:.1f} GB/s" if value is not None else "?"
