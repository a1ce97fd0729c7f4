"""A user's workload: argument checks and the records ``torch_benchmark`` writes (no pytest here).

Every check raises before anything is timed, with a message that names the argument and what to
pass instead: a wrong FLOP count or device would otherwise surface only as a strange efficiency
in a report built weeks later.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping
from typing import Any

import torch

from bench.devices import resolve_devices, synchronize
from bench.gpu_timing import GPU_MODES, timing_mode
from contract.arithmetic import rate
from contract.stats import paired_ratio

#: The limit a workload may ask to be read against, and the count each one needs.
BOUNDS = {"compute": "flops", "memory": "bytes"}


class WorkloadError(RuntimeError):
    """The user's callable failed on its first, untimed call."""


def resolve_device(device: str | torch.device) -> tuple[str, str | None]:
    """(device name as records spell it, why it cannot run here or None).

    Only devices the timing core synchronises are accepted: timing an asynchronous device
    (mps, xpu, ...) with a host clock would measure launches, not work.
    """
    text = str(device).strip().lower()
    if text == "cpu":
        return "cpu", None
    if text == "cuda" or (text.startswith("cuda:") and text[5:].isdigit()):
        name = "cuda:0" if text == "cuda" else text
        (choice,) = resolve_devices((name,))
        return choice.name, choice.skip_reason
    raise ValueError(f"torch_benchmark: unknown device {device!r}; use 'cpu', 'cuda' or 'cuda:N'")


def gpu_mode(device: str, requested: str) -> str:
    """The timing mode (bench/gpu_timing.py) for a workload: ``cpu`` off CUDA, else the requested
    ``hot``, ``cold`` or ``e2e``. A wrong name fails on every machine, not only where CUDA runs."""
    if requested not in GPU_MODES:
        raise ValueError(f"torch_benchmark: mode={requested!r}; use {', '.join(map(repr, GPU_MODES))}")
    return timing_mode(device, requested)


def work_count(argument: str, value: Any) -> int | float | None:
    """A per-call FLOP or byte count: None, or a positive finite number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"torch_benchmark: {argument}= must be a positive number per call, got {value!r}")
    return value


def check_bound(bound: str | None, flops: float | None, nbytes: float | None) -> None:
    """``bound`` asks for efficiency against a limit: the count that limit needs must be given."""
    if bound is None:
        return
    if bound not in BOUNDS:
        raise ValueError(f"torch_benchmark: bound={bound!r}; use 'compute' (needs flops=), 'memory' (bytes=) or None")
    needed = BOUNDS[bound]
    if (flops if needed == "flops" else nbytes) is None:
        limit = "peak FLOP/s" if bound == "compute" else "memory bandwidth"
        raise ValueError(
            f"torch_benchmark: bound={bound!r} asks for efficiency against the {limit}, which needs "
            f"{needed}= (the {'floating-point operations' if needed == 'flops' else 'bytes moved'} of one call)"
        )


def check_callable(name: str, fn: Any) -> Callable[[], Any]:
    if not callable(fn):
        raise TypeError(f"torch_benchmark: workload {name!r} is a {type(fn).__name__}, not a callable")
    return fn


def first_call(name: str, fn: Callable[[], Any], device: str) -> Any:
    """Call ``fn`` once, untimed, synchronised (a CUDA error surfaces here, not in a timed round)."""
    try:
        result = fn()
        synchronize(device)
    except Exception as exc:
        raise WorkloadError(
            f"torch_benchmark: workload {name!r} raised {type(exc).__name__}: {exc} on its first (untimed) call; "
            "nothing was timed"
        ) from exc
    return result


def result_tensor(result: Any) -> torch.Tensor | None:
    """The first tensor in what a workload returned (a tensor, or a tuple/list/dict holding one)."""
    if isinstance(result, torch.Tensor):
        return result
    values = result.values() if isinstance(result, Mapping) else result if isinstance(result, list | tuple) else ()
    return next((v for v in values if isinstance(v, torch.Tensor)), None)


def check_result_device(name: str, result: Any, device: str) -> None:
    """A result on another device than the one declared means the wrong clock would time it."""
    tensor = result_tensor(result)
    if tensor is not None and tensor.device != torch.device(device):
        raise ValueError(
            f"torch_benchmark: workload {name!r} returned a tensor on {tensor.device}, but device={device!r}; "
            "pass the device the work runs on (the fixture does not move data)"
        )


def workload_dtype(dtype: torch.dtype | str | None, result: Any) -> tuple[torch.dtype, str]:
    """(dtype, where it came from): the argument, else the returned tensor's, else torch's default."""
    if dtype is not None:
        resolved = getattr(torch, dtype, None) if isinstance(dtype, str) else dtype
        if not isinstance(resolved, torch.dtype):
            raise ValueError(f"torch_benchmark: dtype={dtype!r} is not a torch dtype (e.g. torch.float16 or 'float16')")
        return resolved, "argument"
    tensor = result_tensor(result)
    if tensor is not None:
        return tensor.dtype, "result"
    return torch.get_default_dtype(), "torch default (the workload returned no tensor; pass dtype=)"


def tf32_allowed() -> bool:
    """TF32 matmul math in force (read through the new API where it exists: torch >= 2.9 raises on
    reading the legacy flag after the new one was set)."""
    matmul = torch.backends.cuda.matmul
    if hasattr(matmul, "fp32_precision"):
        return matmul.fp32_precision == "tf32"
    return bool(matmul.allow_tf32)


def precision_label(dtype: torch.dtype, device: str, tf32: bool) -> str:
    """The key of the peak a workload is read against (contract.schema.PRECISIONS where it is one)."""
    name = str(dtype).removeprefix("torch.")
    return "float32-tf32" if name == "float32" and tf32 and device.startswith("cuda") else name


def workload_fields(
    *,
    precision: str,
    tf32: bool,
    dtype_source: str,
    bound: str | None,
    flops: float | None,
    nbytes: float | None,
) -> dict[str, Any]:
    """The fields both workload kinds share (contract.schema.WORKLOAD_FIELDS), rates aside."""
    return {
        "precision": precision,
        "tf32": tf32,
        "dtype_source": dtype_source,
        "bound": bound,
        "flops": flops,
        "bytes": nbytes,
    }


def rates(flops: float | None, nbytes: float | None, seconds: float | None) -> dict[str, float | None]:
    return {
        "gflops": rate(flops, seconds) if flops is not None else None,
        "gbps": rate(nbytes, seconds) if nbytes is not None else None,
    }


def comparison_fields(
    data: Mapping[str, list[float]],
    iterations: Mapping[str, int],
    baseline: str,
    flops: float | None,
    nbytes: float | None,
    timed: bool,
) -> dict[str, Any]:
    """Per-workload medians and rates, and each ratio to the baseline with its paired interval.

    In a smoke pass (``timed`` False: one untimed round) there is nothing to compare: ratios are None.
    """
    medians = {k: float(statistics.median(v)) for k, v in data.items()}
    per_rate = {k: rates(flops, nbytes, medians[k] if timed else None) for k in data}
    ratio: dict[str, float | None] = {}
    ratio_ci: dict[str, list[float] | None] = {}
    for name, values in data.items():
        if name == baseline:
            continue
        if timed:
            estimate = paired_ratio(values, data[baseline])
            ratio[name], ratio_ci[name] = estimate.value, estimate.as_list()
        else:
            ratio[name], ratio_ci[name] = None, None
    return {
        "workloads": list(data),
        "baseline": baseline,
        "iterations": dict(iterations),
        "data": {k: list(v) for k, v in data.items()},
        "median_s": medians,
        "gflops": {k: r["gflops"] for k, r in per_rate.items()},
        "gbps": {k: r["gbps"] for k, r in per_rate.items()},
        "ratio": ratio,
        "ratio_ci": ratio_ci,
    }


def check_workloads(workloads: Any, baseline: Any) -> dict[str, Callable[[], Any]]:
    """``compare``'s mapping: at least two named callables, the baseline one of them."""
    if not isinstance(workloads, Mapping):
        raise TypeError(
            f"torch_benchmark.compare: workloads must be a dict of name -> callable, got {type(workloads).__name__}"
        )
    if not workloads:
        raise ValueError("torch_benchmark.compare: no workloads given; pass e.g. {'eager': f, 'compiled': g}")
    bad = [k for k in workloads if not isinstance(k, str) or not k]
    if bad:
        raise ValueError(f"torch_benchmark.compare: workload names must be non-empty strings, got {bad!r}")
    if len(workloads) < 2:
        raise ValueError(f"torch_benchmark.compare: only {list(workloads)}; a comparison needs two workloads or more")
    if baseline not in workloads:
        raise ValueError(
            f"torch_benchmark.compare: baseline={baseline!r} is not one of the workloads {list(workloads)}"
        )
    return {name: check_callable(name, fn) for name, fn in workloads.items()}


def check_rounds(rounds: Any, source: str) -> int:
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 2:
        raise ValueError(f"torch_benchmark.compare: {source} must be an integer >= 2 (paired rounds), got {rounds!r}")
    return rounds
