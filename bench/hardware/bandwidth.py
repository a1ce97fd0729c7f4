"""Measured memory bandwidth: STREAM-style copy and triad with torch, best of a few repetitions.

Bytes follow the STREAM convention: bytes read + bytes written (copy 2 x array, triad 3 x array),
write-allocate traffic not counted. Arrays are sized to ~4x the last-level cache so the caches
cannot hold them, capped so the probe stays well under a second per device. The result varies
run to run; it is stored in machine_info but ignored by the machine comparison.
"""

from __future__ import annotations

import time
from typing import Any

import torch

MIB = 2**20
CPU_MIN_BYTES, CPU_MAX_BYTES = 32 * MIB, 128 * MIB
GPU_MIN_BYTES, GPU_MAX_BYTES = 256 * MIB, 1024 * MIB
REPEATS = 3
BUDGET_S = 0.4  # per kernel: stop repeating once spent (at least 2 timed repeats)


def probe_bytes(llc_bytes: int | None, low: int, high: int) -> int:
    """Array size: 4 x LLC, within [low, high], rounded down to a MiB."""
    want = 4 * llc_bytes if llc_bytes else high
    return max(low, min(high, want)) // MIB * MIB


def gbps(bytes_moved: int, seconds: float) -> float:
    return bytes_moved / seconds / 1e9


def _best_seconds(run: Any, repeats: int, budget_s: float = BUDGET_S) -> float:
    """Best of ``repeats`` timed calls after one untimed call (page faults are not bandwidth)."""
    run()
    best, spent = float("inf"), 0.0
    for i in range(repeats):
        start = time.perf_counter()
        run()
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
        if i >= 1 and spent > budget_s:
            break
    return best


def measure_cpu(llc_bytes: int | None, repeats: int = REPEATS) -> dict[str, Any]:
    """Copy (b = a) and triad (a = b + s*c) on float32 CPU tensors with torch's current threads."""
    size = probe_bytes(llc_bytes, CPU_MIN_BYTES, CPU_MAX_BYTES)
    n = size // 4
    a, b, c = torch.ones(n), torch.empty(n), torch.full((n,), 2.0)
    copy_s = _best_seconds(lambda: b.copy_(a), repeats)
    triad_s = _best_seconds(lambda: torch.add(b, c, alpha=3.0, out=a), repeats)
    out = {
        "copy_gbps": gbps(2 * size, copy_s),
        "triad_gbps": gbps(3 * size, triad_s),
        "array_bytes": size,
        "threads": torch.get_num_threads(),
        "repeats": repeats,
        "statistic": "best",
    }
    if llc_bytes and size < 4 * llc_bytes:
        out["note"] = f"arrays capped at {size // MIB} MiB, under 4 x LLC ({llc_bytes // MIB} MiB): partly cacheable"
    return out


def measure_cuda(device: str, l2_bytes: int | None, repeats: int = REPEATS) -> dict[str, Any]:
    """Device-to-device copy, timed with CUDA events (bytes read + written)."""
    size = probe_bytes(l2_bytes, GPU_MIN_BYTES, GPU_MAX_BYTES)
    dev = torch.device(device)
    src = torch.ones(size // 4, device=dev)
    dst = torch.empty_like(src)
    dst.copy_(src)
    torch.cuda.synchronize(dev)
    best = float("inf")
    with torch.cuda.device(dev):
        for _ in range(repeats):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            dst.copy_(src)
            end.record()
            end.synchronize()
            best = min(best, start.elapsed_time(end) / 1000)
    del src, dst
    torch.cuda.empty_cache()
    return {"copy_gbps": gbps(2 * size, best), "array_bytes": size, "repeats": repeats, "statistic": "best"}


def measure_all(llc_bytes: int | None, gpus: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{device: result}; a probe that fails records its error instead of raising."""
    out: dict[str, dict[str, Any]] = {}
    try:
        out["cpu"] = measure_cpu(llc_bytes)
    except Exception as exc:  # out of memory on a small machine must not fail the run
        out["cpu"] = {"error": f"{type(exc).__name__}: {exc}"}
    for gpu in gpus:
        try:
            l2 = None
            if gpu.get("index") is not None:
                l2 = getattr(torch.cuda.get_device_properties(gpu["index"]), "L2_cache_size", None)
            out[gpu["device"]] = measure_cuda(gpu["device"], l2)
        except Exception as exc:
            out[gpu["device"]] = {"error": f"{type(exc).__name__}: {exc}"}
    return out
