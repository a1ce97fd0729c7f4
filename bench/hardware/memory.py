"""Main memory: total size, and per module type, speed and width from the firmware's SMBIOS table.

The bus width and theoretical bandwidth follow from the modules: channels x data width x
configured MT/s / 8. SMBIOS is read through ``dmidecode -t memory`` (root, /sys/firmware/dmi),
else through the properties udev's ``dmi_memory_id`` stored. VMs usually expose neither: then
the derived fields are None with the reason, never a guess.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bench.hardware.sources import parse_size, read_text, run_command

UDEV_DMI_DATA = Path("/run/udev/data/+dmi:id")
DMI_TABLES = Path("/sys/firmware/dmi/tables")


def parse_meminfo_total(text: str) -> int | None:
    """MemTotal of /proc/meminfo in bytes."""
    match = re.search(r"^MemTotal:\s+(\d+)\s*kB", text, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else None


def _speed(text: str | None) -> int | None:
    """ "4800 MT/s", "2400 MHz" (older dmidecode, meaning MT/s), "Unknown" -> int or None."""
    match = re.match(r"\s*(\d+)\s*(MT/s|MHz)?", text or "")
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def _width(text: str | None) -> int | None:
    match = re.match(r"\s*(\d+)\s*bits", text or "")
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def parse_dmidecode(text: str) -> list[dict[str, Any]]:
    """Installed modules from ``dmidecode -t memory`` (or ``-t 17``) text; empty slots are skipped."""
    modules = []
    for block in re.split(r"\n(?=Handle 0x)", text):
        if "\nMemory Device" not in block:
            continue
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith("\t") and not line.startswith("\t\t") and ":" in line:
                key, _, value = line.strip().partition(":")
                fields[key.strip()] = value.strip()
        size = fields.get("Size", "")
        if not size or size.startswith(("No Module", "Not Installed", "0 ")) or size == "Unknown":
            continue
        modules.append(
            {
                "locator": fields.get("Locator"),
                "bank_locator": _specified(fields.get("Bank Locator")),
                "size_bytes": parse_size(size),
                "type": _specified(fields.get("Type")),
                "speed_mts": _speed(fields.get("Speed")),
                "configured_speed_mts": _speed(
                    fields.get("Configured Memory Speed") or fields.get("Configured Clock Speed")
                ),
                "data_width_bits": _width(fields.get("Data Width")),
            }
        )
    return modules


def parse_udev_dmi(text: str) -> list[dict[str, Any]]:
    """Installed modules from udev's dmi_memory_id properties.

    Accepts ``udevadm info -e`` / ``udevadm info -q property`` output ("E: KEY=value" or
    "KEY=value") and the raw /run/udev/data/+dmi:id file ("E:KEY=value").
    """
    slots: dict[int, dict[str, str]] = {}
    for line in text.splitlines():
        match = re.match(r"^(?:E:\s?)?MEMORY_DEVICE_(\d+)_([A-Z_]+)=(.*)$", line.strip())
        if match:
            slots.setdefault(int(match.group(1)), {})[match.group(2)] = match.group(3).strip()
    modules = []
    for slot in sorted(slots):
        fields = slots[slot]
        if fields.get("PRESENT") == "0" or "SIZE" not in fields:
            continue
        modules.append(
            {
                "locator": fields.get("LOCATOR"),
                "bank_locator": _specified(fields.get("BANK_LOCATOR")),
                "size_bytes": int(fields["SIZE"]) if fields["SIZE"].isdigit() else None,
                "type": _specified(fields.get("TYPE")),
                "speed_mts": _int(fields.get("SPEED_MTS")),
                "configured_speed_mts": _int(fields.get("CONFIGURED_SPEED_MTS")),
                "data_width_bits": _int(fields.get("DATA_WIDTH")),
            }
        )
    return modules


def channel_key(module: dict[str, Any]) -> str | None:
    """The (socket/controller, channel) a module sits on, read from its locators, or None.

    Recognised: "P0 CHANNEL A", "ChannelA-DIMM0", "Controller1-ChannelA", "P0_Node0_Channel0_Dimm0",
    "DIMM_A1", "P1-DIMMA1", "CPU1_DIMM_B2". Anything else (e.g. Dell's "A1", where the letter is
    the socket) is not guessed.
    """
    text = f"{module.get('bank_locator') or ''} {module.get('locator') or ''}"
    owner = re.search(r"\b(?:P|CPU|PROC|Processor|Socket|Controller)\s*[_-]?\s*(\d+)", text, re.IGNORECASE)
    prefix = f"{owner.group(0).strip()}/" if owner else ""
    channel = re.search(r"channel\s*[_-]?\s*([A-Z0-9]+)", text, re.IGNORECASE)
    if channel:
        return prefix + channel.group(1).upper()
    dimm = re.search(r"DIMM\s*[_-]?\s*([A-Z])\d", text, re.IGNORECASE)
    return prefix + dimm.group(1).upper() if dimm else None


def derive_bus(modules: list[dict[str, Any]]) -> dict[str, Any]:
    """Channels, bus width and theoretical bandwidth from installed modules.

    Modules on one channel share it: the bus is the sum over channels of one module's data width.
    When the locators do not name channels, each module is taken as its own channel (true for one
    module per channel, the common layout) and ``channels_basis`` says so.
    """
    out: dict[str, Any] = {
        "channels": None,
        "bus_width_bits": None,
        "theoretical_gbps": None,
        "channels_basis": None,
        "unavailable": {},
    }
    if not modules:
        reason = "no installed memory module in the SMBIOS table"
        out["unavailable"] = dict.fromkeys(("channels", "bus_width_bits", "theoretical_gbps"), reason)
        return out
    keys = [channel_key(m) for m in modules]
    if all(keys):
        basis = "channels named in the module locators"
    else:
        keys = [f"module{i}" for i in range(len(modules))]
        basis = "assumed one module per channel (the locators do not name channels)"
    widths: dict[str, int | None] = {}
    for key, module in zip(keys, modules, strict=True):
        width = module.get("data_width_bits")
        widths[key] = max(widths.get(key) or 0, width or 0) or None
    out["channels"], out["channels_basis"] = len(widths), basis
    if any(w is None for w in widths.values()):
        out["unavailable"]["bus_width_bits"] = "a module's data width is not in the SMBIOS table"
    else:
        out["bus_width_bits"] = sum(widths.values())
    speeds = {m.get("configured_speed_mts") or m.get("speed_mts") for m in modules}
    if None in speeds:
        out["unavailable"]["theoretical_gbps"] = "a module's speed is not in the SMBIOS table"
    elif out["bus_width_bits"] is None:
        out["unavailable"]["theoretical_gbps"] = "bus width unknown"
    else:
        # The slowest module sets the speed the controller runs every channel at.
        out["theoretical_gbps"] = min(speeds) * 1e6 * out["bus_width_bits"] / 8 / 1e9
    return out


def read_smbios_modules() -> tuple[list[dict[str, Any]] | None, str | None, str | None]:
    """(modules, source, None) from dmidecode, else udev; (None, None, reasons) when neither works."""
    reasons = []
    if DMI_TABLES.exists():
        text, why = run_command(["dmidecode", "-t", "memory"])
        if text is not None:
            return parse_dmidecode(text), "dmidecode", None
        reasons.append(why)
    else:
        reasons.append(f"no SMBIOS table ({DMI_TABLES} absent, as in most VMs and containers)")
    text = read_text(UDEV_DMI_DATA)
    if text is None:
        text, _ = run_command(["udevadm", "info", "-q", "property", "-p", "/devices/virtual/dmi/id"], timeout_s=1.0)
    if text and "MEMORY_DEVICE_" in text:
        return parse_udev_dmi(text), "udev", None
    reasons.append("no udev dmi_memory_id properties")
    return None, None, "; ".join(r for r in reasons if r)


def collect_memory(meminfo: Path = Path("/proc/meminfo")) -> dict[str, Any]:
    """The memory section of the record (MEMORY_FIELDS)."""
    text = read_text(meminfo)
    total = parse_meminfo_total(text) if text else None
    modules, source, reason = read_smbios_modules()
    unavailable: dict[str, str] = {}
    if total is None:
        unavailable["total_bytes"] = f"{meminfo} unreadable"
    if modules is None:
        bus: dict[str, Any] = {
            "channels": None,
            "bus_width_bits": None,
            "theoretical_gbps": None,
            "channels_basis": None,
        }
        unavailable.update(dict.fromkeys(("modules", "channels", "bus_width_bits", "theoretical_gbps"), reason))
    else:
        bus = derive_bus(modules)
        unavailable.update(bus.pop("unavailable"))
    return {"total_bytes": total, "modules": modules, **bus, "source": source, "unavailable": unavailable}


def _specified(value: str | None) -> str | None:
    return None if value in (None, "", "Unknown", "Not Specified", "<OUT OF SPEC>") else value


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and int(value) > 0 else None
