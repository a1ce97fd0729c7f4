"""GPU facts per CUDA device, from NVML (nvidia-ml-py), matched to torch's devices by UUID.

NVML numbers devices physically and ignores CUDA_VISIBLE_DEVICES, so each torch device is
matched to its NVML handle through the UUID. Every NVML query is one small call that turns
NVMLError (NotSupported on GeForce for ECC, on MIG slices for clocks, ...) into a reason;
``derive_gpu`` is pure and builds the record's entry from those values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# NVML queries: field -> (function name in pynvml, extra args after the handle, converter).
_NVML_FIELDS: dict[str, tuple[str, tuple[Any, ...], Callable[[Any], Any]]] = {
    "name": ("nvmlDeviceGetName", (), lambda v: v.decode() if isinstance(v, bytes) else v),
    "memory_bytes": ("nvmlDeviceGetMemoryInfo", (), lambda v: int(v.total)),
    "memory_bus_width_bits": ("nvmlDeviceGetMemoryBusWidth", (), int),
    "memory_clock_mhz": ("nvmlDeviceGetMaxClockInfo", ("NVML_CLOCK_MEM",), int),
    "sm_clock_mhz": ("nvmlDeviceGetMaxClockInfo", ("NVML_CLOCK_SM",), int),
    "compute_capability": ("nvmlDeviceGetCudaComputeCapability", (), lambda v: f"{v[0]}.{v[1]}"),
    "pcie_gen": ("nvmlDeviceGetMaxPcieLinkGeneration", (), int),
    "pcie_width": ("nvmlDeviceGetMaxPcieLinkWidth", (), int),
    "power_limit_w": ("nvmlDeviceGetEnforcedPowerLimit", (), lambda v: v / 1000),
    "ecc": ("nvmlDeviceGetEccMode", (), lambda v: bool(v[0])),
    "mig": ("nvmlDeviceGetMigMode", (), lambda v: bool(v[0])),
}


def normalise_uuid(uuid: Any) -> str:
    """Torch prints "8f2c...", NVML "GPU-8f2c..."; compare without the prefix, lower case."""
    text = str(uuid).strip().lower()
    for prefix in ("gpu-", "mig-"):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def cuda_version_text(version: int | None) -> str | None:
    """NVML's CUDA driver version (12040) as "12.4"."""
    return None if not version else f"{version // 1000}.{(version % 1000) // 10}"


def theoretical_gbps(memory_clock_mhz: float | None, bus_width_bits: int | None) -> float | None:
    """2 x memory clock x bus width / 8: NVML's memory clock counts one edge of a double-data-rate bus.

    Checks: H100 SXM 2619 MHz x 5120 bits -> 3352 GB/s; RTX 4090 10501 MHz x 384 bits -> 1008 GB/s.
    """
    if not memory_clock_mhz or not bus_width_bits:
        return None
    return 2 * memory_clock_mhz * 1e6 * bus_width_bits / 8 / 1e9


def derive_gpu(
    device: str,
    index: int,
    uuid: str | None,
    nvml: dict[str, Any],
    nvml_errors: dict[str, str],
    torch_props: dict[str, Any],
    versions: dict[str, Any],
    source: str,
) -> dict[str, Any]:
    """One GPU_FIELDS entry from NVML values (where read) and torch's device properties (fallback)."""
    unavailable = dict(nvml_errors)
    entry: dict[str, Any] = {"device": device, "index": index, "uuid": uuid}
    fallbacks = {
        "name": torch_props.get("name"),
        "memory_bytes": torch_props.get("total_memory"),
        "compute_capability": torch_props.get("compute_capability"),
        "memory_bus_width_bits": torch_props.get("memory_bus_width"),
        # cudaDeviceProp.memoryClockRate is in kHz, same edge-counting as NVML's MHz.
        "memory_clock_mhz": torch_props["memory_clock_rate"] / 1000 if torch_props.get("memory_clock_rate") else None,
        "sm_clock_mhz": torch_props["clock_rate"] / 1000 if torch_props.get("clock_rate") else None,
    }
    for field in _NVML_FIELDS:
        value = nvml.get(field)
        if value is None and fallbacks.get(field) is not None:
            value = fallbacks[field]
            unavailable.pop(field, None)
        entry[field] = value
        if value is None and field not in unavailable:
            unavailable[field] = "not reported by NVML or torch"
    entry["sm_count"] = torch_props.get("multi_processor_count")
    if entry["sm_count"] is None:
        unavailable["sm_count"] = "torch device properties unavailable"
    entry["theoretical_gbps"] = theoretical_gbps(entry["memory_clock_mhz"], entry["memory_bus_width_bits"])
    if entry["theoretical_gbps"] is None:
        unavailable["theoretical_gbps"] = "memory clock or bus width unknown"
    entry["driver"] = versions.get("driver")
    entry["cuda"] = versions.get("cuda")
    for key in ("driver", "cuda"):
        if entry[key] is None:
            unavailable[key] = versions.get(f"{key}_error") or "not reported"
    entry["source"] = source
    entry["unavailable"] = unavailable
    return entry


def torch_properties(index: int) -> dict[str, Any]:
    """torch.cuda.get_device_properties as plain data (attributes vary by torch version)."""
    import torch

    props = torch.cuda.get_device_properties(index)
    names = (
        "name",
        "total_memory",
        "multi_processor_count",
        "memory_bus_width",
        "memory_clock_rate",
        "clock_rate",
        "L2_cache_size",
        "uuid",
    )
    out = {name: getattr(props, name, None) for name in names}
    out["compute_capability"] = f"{props.major}.{props.minor}"
    out["uuid"] = str(out["uuid"]) if out["uuid"] is not None else None
    return out


def nvml_values(pynvml: Any, handle: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Query every NVML field of one device: (values, {field: why it is missing})."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, (func_name, args, convert) in _NVML_FIELDS.items():
        try:
            func = getattr(pynvml, func_name)
            raw = func(handle, *(getattr(pynvml, a) for a in args))
            values[field] = convert(raw)
        except Exception as exc:  # NVMLError_NotSupported, NoPermission, missing symbol in old bindings
            errors[field] = f"NVML {func_name}: {exc or type(exc).__name__}"
    return values, errors


def nvml_versions(pynvml: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        driver = pynvml.nvmlSystemGetDriverVersion()
        out["driver"] = driver.decode() if isinstance(driver, bytes) else driver
    except Exception as exc:
        out["driver"], out["driver_error"] = None, f"NVML: {exc}"
    try:
        out["cuda"] = cuda_version_text(pynvml.nvmlSystemGetCudaDriverVersion())
    except Exception as exc:
        out["cuda"], out["cuda_error"] = None, f"NVML: {exc}"
    return out


_NVML_STATE: dict[str, Any] = {}


def nvml() -> tuple[Any | None, str | None]:
    """The initialised pynvml module (once per process), or (None, why not)."""
    if "module" not in _NVML_STATE:
        try:
            import pynvml

            pynvml.nvmlInit()
            _NVML_STATE["module"], _NVML_STATE["error"] = pynvml, None
        except Exception as exc:  # ImportError, NVMLError_LibraryNotFound, DriverNotLoaded
            _NVML_STATE["module"], _NVML_STATE["error"] = None, f"NVML unavailable: {exc or type(exc).__name__}"
    return _NVML_STATE["module"], _NVML_STATE["error"]


def nvml_handles_by_uuid(pynvml: Any) -> dict[str, Any]:
    """Every NVML device's handle keyed by normalised UUID."""
    handles = {}
    for i in range(pynvml.nvmlDeviceGetCount()):
        handle = pynvml.nvmlDeviceGetHandleByIndex(i)
        uuid = pynvml.nvmlDeviceGetUUID(handle)
        handles[normalise_uuid(uuid.decode() if isinstance(uuid, bytes) else uuid)] = handle
    return handles


def nvml_handle_for(index: int) -> Any | None:
    """The NVML handle of torch's cuda:index (cached), or None."""
    cache = _NVML_STATE.setdefault("by_torch_index", {})
    if index not in cache:
        cache[index] = None
        module, _ = nvml()
        if module is not None:
            try:
                uuid = normalise_uuid(torch_properties(index)["uuid"])
                cache[index] = nvml_handles_by_uuid(module).get(uuid)
            except Exception:
                cache[index] = None
    return cache[index]


def collect_gpus(cuda_reason: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """(entries in torch's CUDA order, None) or ([], why there are none)."""
    if cuda_reason:
        return [], cuda_reason
    import torch

    module, nvml_error = nvml()
    handles: dict[str, Any] = {}
    if module is not None:
        try:
            handles = nvml_handles_by_uuid(module)
        except Exception as exc:
            nvml_error = f"NVML device enumeration failed: {exc}"
    versions = (
        nvml_versions(module)
        if module is not None
        else {"driver": None, "cuda": None, "driver_error": nvml_error, "cuda_error": nvml_error}
    )
    gpus = []
    for index in range(torch.cuda.device_count()):
        props = torch_properties(index)
        handle = handles.get(normalise_uuid(props["uuid"])) if props.get("uuid") else None
        if handle is not None:
            values, errors = nvml_values(module, handle)
            source = "nvml"
        else:
            why = nvml_error or f"no NVML device with UUID {props.get('uuid')}"
            values, errors, source = {}, dict.fromkeys(_NVML_FIELDS, why), "torch"
        gpus.append(derive_gpu(f"cuda:{index}", index, props.get("uuid"), values, errors, props, versions, source))
    return gpus, None
