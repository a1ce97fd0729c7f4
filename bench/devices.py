"""Which devices a run measures, and why an asked-for device is absent."""

from __future__ import annotations

import platform
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import torch

from bench.hardware.sources import PROC_CPUINFO, parse_proc_cpuinfo, read_text


@dataclass(frozen=True)
class DeviceChoice:
    """A device the user asked for: ``skip_reason`` is set when it cannot run here."""

    name: str  # "cpu", "cuda:0", ...
    skip_reason: str | None = None

    @property
    def is_cuda(self) -> bool:
        return self.name.startswith("cuda")


def split_devices(devices: Sequence[DeviceChoice], nargs: int = 1) -> tuple[list[str], list[Any]]:
    """Names of the devices that can run here, and one skipped pytest param per absent device
    (``nargs`` Nones, id ``<device>-absent``), so the report and the terminal say why it is missing."""
    present, absent = [], []
    for device in devices:
        if device.skip_reason:
            mark = pytest.mark.skip(reason=f"{device.name}: {device.skip_reason}")
            absent.append(pytest.param(*[None] * nargs, id=f"{device.name}-absent", marks=mark))
        else:
            present.append(device.name)
    return present, absent


def cuda_unavailable_reason() -> str | None:
    """Why CUDA cannot be used here, or None when it can."""
    if torch.version.cuda is None:
        return f"torch {torch.__version__} is a CPU-only build"
    try:
        if not torch.cuda.is_available():
            return "no CUDA device is visible (torch.cuda.is_available() is False)"
    except Exception as exc:  # a broken driver must not crash collection
        return f"CUDA initialisation failed: {exc}"
    return None


def resolve_devices(requested: tuple[str, ...]) -> list[DeviceChoice]:
    """Expand ``all``/``cuda`` into concrete devices; keep absent ones with a skip reason."""
    reason = cuda_unavailable_reason()
    count = 0 if reason else torch.cuda.device_count()
    out: list[DeviceChoice] = []
    for item in requested:
        if item in ("all", "cpu") and DeviceChoice("cpu") not in out:
            out.append(DeviceChoice("cpu"))
        if item in ("all", "cuda"):
            if reason:
                out.append(DeviceChoice("cuda", reason))
            out.extend(DeviceChoice(f"cuda:{i}") for i in range(count))
        elif item.startswith("cuda:"):
            index = int(item[5:])
            if reason:
                out.append(DeviceChoice(item, reason))
            elif index >= count:
                out.append(DeviceChoice(item, f"{item} asked for, but only {count} CUDA device(s) are visible"))
            else:
                out.append(DeviceChoice(item))
    return list(dict.fromkeys(out))


def device_name(device: str) -> str:
    """A human name for the device, stored beside every result."""
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return _cpu_brand()


def _cpu_brand() -> str:
    blocks = parse_proc_cpuinfo(read_text(PROC_CPUINFO) or "")
    brand = blocks[0].get("model name") if blocks else None
    return brand or platform.processor() or platform.machine() or "cpu"


def synchronize(device: str) -> None:
    """Wait for queued work: CUDA kernels run asynchronously to the Python thread."""
    if device.startswith("cuda"):
        torch.cuda.synchronize(torch.device(device))


@contextmanager
def tf32_mode(enabled: bool) -> Iterator[None]:
    """Allow (or forbid) TF32 tensor-core math for float32 matmuls, restoring the old setting.

    torch >= 2.9 has two APIs and raises when the legacy ``allow_tf32`` is *read* after the new
    ``fp32_precision`` was written, so this uses the new one wherever it exists (reading it is
    always allowed) and the legacy flag only on older torch.
    """
    matmul = torch.backends.cuda.matmul
    if hasattr(matmul, "fp32_precision"):
        previous = matmul.fp32_precision
        matmul.fp32_precision = "tf32" if enabled else "ieee"
        try:
            yield
        finally:
            matmul.fp32_precision = previous
        return
    previous_flag = matmul.allow_tf32
    matmul.allow_tf32 = enabled
    try:
        yield
    finally:
        matmul.allow_tf32 = previous_flag
