"""What every harness benchmark writes into ``extra_info`` (contract.schema.COMMON_FIELDS)."""

from __future__ import annotations

from typing import Any

import torch

from bench.devices import device_name
from contract.schema import SCHEMA_VERSION


def common_extra_info(kind: str, device: str, dtype: torch.dtype, timing: dict[str, Any]) -> dict[str, Any]:
    """The fields a report needs to place and trust any result, whatever its kind."""
    return {
        "schema": SCHEMA_VERSION,
        "kind": kind,
        "device": device,
        "device_name": device_name(device),
        "dtype": str(dtype).removeprefix("torch."),
        "threads": torch.get_num_threads(),
        "timing": timing,
    }


def median_seconds(benchmark: Any) -> float | None:
    """The per-call median pytest-benchmark computed, or None in a smoke pass (timing disabled)."""
    stats = getattr(benchmark, "stats", None)
    return float(stats.stats.median) if stats is not None else None


def rate(amount: float, seconds: float | None) -> float | None:
    """amount / seconds / 1e9 (GFLOP/s, GB/s), None when there is no time."""
    return amount / seconds / 1e9 if seconds else None
