"""Small readers for the files and commands the record comes from: they never raise.

Every collector reads through these so that a missing file, a permission error or an absent
tool becomes ``None`` (plus a reason the caller records), never an exception in a benchmark run.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def read_text(path: str | Path) -> str | None:
    """The file's text, or None when it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def read_int(path: str | Path) -> int | None:
    """An integer file (sysfs style), or None."""
    text = read_text(path)
    try:
        return int(text.strip()) if text is not None else None
    except ValueError:
        return None


def run_command(args: list[str], timeout_s: float = 2.0) -> tuple[str | None, str | None]:
    """(stdout, None) when the command succeeds, else (None, why it did not)."""
    if shutil.which(args[0]) is None:
        return None, f"{args[0]} is not installed"
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"{' '.join(args)} failed: {exc}"
    if done.returncode != 0:
        err = (done.stderr or done.stdout).strip().splitlines()
        return None, f"{' '.join(args)} exited {done.returncode}: {err[-1] if err else 'no output'}"
    return done.stdout, None


def parse_cpulist(text: str) -> list[int]:
    """Kernel CPU list ("0-3,8,10-11") to CPU numbers."""
    cpus: list[int] = []
    for part in text.strip().split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-", 1)
            cpus.extend(range(int(lo), int(hi) + 1))
        else:
            cpus.append(int(part))
    return cpus


def parse_size(text: str) -> int | None:
    """Sizes as sysfs, meminfo and dmidecode print them ("48K", "2048 kB", "32 GB", "16384 MB") to bytes."""
    parts = text.strip().replace("iB", "B").split()
    if not parts:
        return None
    if len(parts) == 1:  # "48K" style
        number, unit = parts[0].rstrip("KMGTBkmgtb"), parts[0][len(parts[0].rstrip("KMGTBkmgtb")) :]
    else:
        number, unit = parts[0], parts[1]
    try:
        value = float(number)
    except ValueError:
        return None
    scale = {
        "": 1,
        "B": 1,
        "K": 1024,
        "KB": 1024,
        "M": 2**20,
        "MB": 2**20,
        "G": 2**30,
        "GB": 2**30,
        "T": 2**40,
        "TB": 2**40,
    }.get(unit.upper())
    return None if scale is None else int(value * scale)


PROC_CPUINFO = Path("/proc/cpuinfo")


def parse_proc_cpuinfo(text: str) -> list[dict[str, str]]:
    """One dict per "processor" block of /proc/cpuinfo (keys as printed, values stripped)."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        key, sep, value = line.partition(":")
        if sep:
            current[key.strip()] = value.strip()
    if current:
        blocks.append(current)
    return [b for b in blocks if "processor" in b] or blocks
