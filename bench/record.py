"""What every harness benchmark writes into ``extra_info`` (contract.records.Common)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import torch

from bench.devices import device_name
from contract.records import SCHEMA_VERSION, Common, Timing


def common_fields(kind: str, device: str, dtype: torch.dtype, timing: Timing | dict[str, Any]) -> dict[str, Any]:
    """The fields a report needs to place and trust any result, whatever its kind, as keyword
    arguments of a record class (``Matmul(**common_fields(...), op=...)``)."""
    return {
        "schema": SCHEMA_VERSION,
        "kind": kind,
        "device": device,
        "device_name": device_name(device),
        "dtype": str(dtype).removeprefix("torch."),
        "threads": torch.get_num_threads(),
        "timing": timing,
    }


def timing_dict(**fields: Any) -> dict[str, Any]:
    """A :class:`Timing` record as JSON data, built through the class so a misspelt or missing field
    fails here, where it is written; fields left None are left out (a CPU record has no GPU fields)."""
    return {key: value for key, value in asdict(Timing(**fields)).items() if value is not None}


def common_extra_info(kind: str, device: str, dtype: torch.dtype, timing: Timing | dict[str, Any]) -> dict[str, Any]:
    """:func:`common_fields` as plain JSON data, for writers that add the kind's fields themselves
    (the joint study)."""
    return asdict(Common(**common_fields(kind, device, dtype, timing)))
