"""Nominal peak FLOP/s per device and precision: arithmetic on the record, no measurement.

These are ceilings for reading a result as a fraction of the machine, labelled nominal:
dense math (no structured sparsity), every core/SM busy at the stated clock, FMA counted as two
operations. Real sustained clocks are lower under wide-vector or tensor-core load.
"""

from __future__ import annotations

import re
from typing import Any

from contract.schema import PRECISIONS

# --- CPU: FLOPs per cycle per core -----------------------------------------------------------
# float32: FMA units x lanes x 2. Intel AVX-512 parts are counted with two 512-bit FMA units
# (Xeon Gold/Platinum and later; some Silver/client parts have one, so this is an upper bound).
# AMD Zen 4 executes AVX-512 on 256-bit units (same rate as AVX2); Zen 5 has full 512-bit units.


def cpu_float32_per_cycle(isa: list[str], vendor: str | None, microarchitecture: str | None) -> tuple[int, str]:
    """(float32 FLOPs per cycle per core, why)."""
    uarch = microarchitecture or ""
    if "avx512f" in isa and not (vendor == "AuthenticAMD" and uarch.startswith(("Zen 4", "Zen 3"))):
        return 64, "2 x 512-bit FMA (16 float32 lanes) x 2"
    if ("avx2" in isa and "fma" in isa) or "avx512f" in isa:
        if uarch in ("Zen", "Zen+"):
            return 16, "Zen 1: 2 x 128-bit FMA x 2"
        return 32, "2 x 256-bit FMA (8 float32 lanes) x 2"
    if "avx" in isa:
        return 16, "256-bit add + 256-bit multiply per cycle, no FMA"
    if "sve" in isa or "neon" in isa:
        return 16, "2 x 128-bit FMA (4 float32 lanes) x 2 (NEON/SVE-128 pipes; wider SVE parts are higher)"
    if "sse2" in isa:
        return 8, "128-bit add + 128-bit multiply per cycle"
    return 2, "scalar FMA (no vector ISA recognised)"


def cpu_half_per_cycle(precision: str, isa: list[str], fp32: int) -> tuple[int, str]:
    """(FLOPs per cycle per core for float16/bfloat16, why): matrix units, native vectors, or fp32."""
    if precision == "bfloat16":
        if "amx_bf16" in isa:
            return 2048, "AMX TMUL: 1024 bfloat16 FMA per cycle x 2"
        if "avx512_bf16" in isa:
            return 2 * fp32, "AVX512_BF16 dot products: 2 x the float32 rate"
        if "bf16" in isa:
            return 2 * fp32, "ARM BF16 dot products: 2 x the float32 rate"
    if precision == "float16":
        if "amx_fp16" in isa:
            return 2048, "AMX-FP16 TMUL: 1024 float16 FMA per cycle x 2"
        if "avx512_fp16" in isa:
            return 2 * fp32, "AVX512-FP16: 32 float16 lanes, 2 x the float32 rate"
        if "asimdhp" in isa:
            return 2 * fp32, "ARM FP16 arithmetic: 2 x the float32 rate"
    return fp32, f"no native {precision} arithmetic: computed in float32, float32 rate"


def cpu_peaks(cpu: dict[str, Any]) -> tuple[dict[str, float], dict[str, str]]:
    """({precision: GFLOP/s}, {precision: formula or reason}) for the CPU; no TF32 on CPUs."""
    cores = cpu.get("physical_cores") or cpu.get("logical_cores")
    clock, clock_name = _cpu_clock(cpu)
    formulas: dict[str, str] = {"float32-tf32": "not applicable: TF32 is a CUDA tensor-core mode"}
    peaks: dict[str, float] = {}
    if not cores or not clock:
        for precision in ("float32", "float16", "bfloat16"):
            formulas[precision] = "unknown: core count or clock not recorded"
        return peaks, formulas
    isa = cpu.get("isa") or []
    fp32, why32 = cpu_float32_per_cycle(isa, cpu.get("vendor"), cpu.get("microarchitecture"))
    for precision in ("float32", "float16", "bfloat16"):
        per_cycle, why = (fp32, why32) if precision == "float32" else cpu_half_per_cycle(precision, isa, fp32)
        peaks[precision] = cores * clock * per_cycle / 1000
        formulas[precision] = f"{cores} cores x {clock:g} MHz ({clock_name}) x {per_cycle} FLOP/cycle ({why})"
    return peaks, formulas


def _cpu_clock(cpu: dict[str, Any]) -> tuple[float | None, str]:
    for key, name in (("max_mhz", "max"), ("base_mhz", "base"), ("reported_mhz", "/proc/cpuinfo cpu MHz")):
        if cpu.get(key):
            return float(cpu[key]), name
    return None, "unknown"


# --- GPU: dense FLOPs per clock per SM, by compute capability ----------------------------------
# float16/bfloat16/TF32 are tensor-core rates with the full-rate accumulate of data-centre and
# workstation parts. GeForce cards and some Ada/Ampere workstation parts (L40, A10) run FP32
# accumulation - what torch uses - at half these rates. Sources: NVIDIA architecture whitepapers
# (V100 125 TF fp16 = 80 SMs x 1530 MHz x 1024; A100 312 TF = 108 x 1410 x 2048; H100 SXM
# 989 TF = 132 x 1830 x 4096; RTX 4090 82.6 TF fp32 = 128 x 2520 x 256).
GPU_OPS_PER_CLOCK_PER_SM: dict[str, dict[str, int | None]] = {
    "7.0": {"float32": 128, "float32-tf32": None, "float16": 1024, "bfloat16": None},  # Volta V100
    "7.5": {"float32": 128, "float32-tf32": None, "float16": 1024, "bfloat16": None},  # Turing T4, RTX 20
    "8.0": {"float32": 128, "float32-tf32": 1024, "float16": 2048, "bfloat16": 2048},  # A100, A30
    "8.6": {"float32": 256, "float32-tf32": 512, "float16": 1024, "bfloat16": 1024},  # RTX 30, A40, A6000
    "8.9": {"float32": 256, "float32-tf32": 512, "float16": 1024, "bfloat16": 1024},  # Ada: RTX 40, L40S, L4
    "9.0": {"float32": 256, "float32-tf32": 2048, "float16": 4096, "bfloat16": 4096},  # Hopper H100, H200
    "10.0": {"float32": 256, "float32-tf32": 4096, "float16": 8192, "bfloat16": 8192},  # Blackwell B200
    "12.0": {"float32": 256, "float32-tf32": 512, "float16": 1024, "bfloat16": 1024},  # RTX 50, RTX PRO 6000
}

# NVML's max SM clock is above the clock NVIDIA quotes tensor-core peaks at (H100 SXM: 1980 vs
# 1830 MHz), so these peaks sit ~8% above the datasheet and efficiency reads that much lower.
TENSOR_CLOCK_NOTE = "; above the datasheet figure when the max clock exceeds the tensor-core rating clock"

_NO_TENSOR = {
    "float32-tf32": "no TF32 before sm_80: float32 with TF32 allowed runs as float32",
    "bfloat16": "no bfloat16 tensor cores before sm_80",
}


def gpu_peaks(gpu: dict[str, Any]) -> tuple[dict[str, float], dict[str, str]]:
    """({precision: GFLOP/s}, {precision: formula or reason}) for one GPU entry of the record."""
    cc, sms, clock = gpu.get("compute_capability"), gpu.get("sm_count"), gpu.get("sm_clock_mhz")
    table = GPU_OPS_PER_CLOCK_PER_SM.get(cc or "")
    peaks: dict[str, float] = {}
    formulas: dict[str, str] = {}
    for precision in PRECISIONS:
        if table is None or not sms or not clock:
            formulas[precision] = (
                f"unknown: compute capability {cc} not in the table"
                if table is None
                else "unknown: SM count or max SM clock not recorded"
            )
            continue
        per_sm = table[precision]
        note = ""
        if per_sm is None and precision == "float32-tf32":
            per_sm, note = table["float32"], f" ({_NO_TENSOR[precision]})"
        if per_sm is None:
            formulas[precision] = f"not supported: {_NO_TENSOR.get(precision, 'no table entry')}"
            continue
        peaks[precision] = sms * clock * per_sm / 1000
        formulas[precision] = (
            f"{sms} SMs x {clock:g} MHz (max SM clock) x {per_sm} FLOP/clock/SM (sm_{cc.replace('.', '')}){note}"
            + (TENSOR_CLOCK_NOTE if precision != "float32" else "")
        )
    return peaks, formulas


# --- GPU: datasheet peaks by product (dense, no structured sparsity), TFLOP/s ----------------------
# NVIDIA's datasheets quote tensor-core rates at a rating clock below NVML's max SM clock, so the
# clock formula above overstates them (~8% on H100); where the product is known the datasheet
# figure is the peak, and the clock formula is kept as a second, labelled figure (peaks_clock).
# fp16/bf16 are dense tensor rates with FP32 accumulate (what torch uses: GeForce parts run it at
# half their FP16-accumulate rate). Sparse datasheet figures are halved. Patterns are matched in
# order against the device name (NVML / torch), case-insensitively: specific variants first.
DATASHEET_TFLOPS: tuple[tuple[str, str, dict[str, float]], ...] = (
    (r"H100.*NVL", "H100 NVL", {"float32": 60.0, "float32-tf32": 417.5, "float16": 835.5, "bfloat16": 835.5}),
    (r"H100.*PCIe", "H100 PCIe", {"float32": 51.2, "float32-tf32": 378.0, "float16": 756.0, "bfloat16": 756.0}),
    (r"H100", "H100 SXM", {"float32": 66.9, "float32-tf32": 494.7, "float16": 989.4, "bfloat16": 989.4}),
    (r"GH200", "GH200", {"float32": 66.9, "float32-tf32": 494.7, "float16": 989.4, "bfloat16": 989.4}),
    (r"H200.*NVL", "H200 NVL", {"float32": 60.0, "float32-tf32": 417.5, "float16": 835.5, "bfloat16": 835.5}),
    (r"H200", "H200 SXM", {"float32": 66.9, "float32-tf32": 494.7, "float16": 989.4, "bfloat16": 989.4}),
    (r"A100.*PCIE", "A100 PCIe", {"float32": 19.5, "float32-tf32": 156.0, "float16": 312.0, "bfloat16": 312.0}),
    (r"A100", "A100 SXM", {"float32": 19.5, "float32-tf32": 156.0, "float16": 312.0, "bfloat16": 312.0}),
    (r"\bL40S\b", "L40S", {"float32": 91.6, "float32-tf32": 183.0, "float16": 362.05, "bfloat16": 362.05}),
    (r"\bL40\b", "L40", {"float32": 90.5, "float32-tf32": 90.5, "float16": 181.0, "bfloat16": 181.0}),
    (r"\bL4\b", "L4", {"float32": 30.3, "float32-tf32": 60.0, "float16": 121.0, "bfloat16": 121.0}),
    (r"\bA10\b", "A10", {"float32": 31.2, "float32-tf32": 62.5, "float16": 125.0, "bfloat16": 125.0}),
    (r"\bA40\b", "A40", {"float32": 37.4, "float32-tf32": 74.8, "float16": 149.7, "bfloat16": 149.7}),
    (r"RTX 4090", "GeForce RTX 4090", {"float32": 82.6, "float32-tf32": 82.6, "float16": 165.2, "bfloat16": 165.2}),
    (r"RTX 3090", "GeForce RTX 3090", {"float32": 35.6, "float32-tf32": 35.6, "float16": 71.0, "bfloat16": 71.0}),
    (r"V100", "V100", {"float32": 15.7, "float32-tf32": 15.7, "float16": 125.0}),
    (r"\bT4\b", "T4", {"float32": 8.1, "float32-tf32": 8.1, "float16": 65.0}),
)


def datasheet_product(name: str | None) -> tuple[str, dict[str, float]] | None:
    """(product label, {precision: TFLOP/s}) for a device name, or None when the product is unknown."""
    if not name:
        return None
    for pattern, label, values in DATASHEET_TFLOPS:
        if re.search(pattern, name, re.IGNORECASE):
            return label, values
    return None


def gpu_datasheet_peaks(gpu: dict[str, Any]) -> tuple[dict[str, float], dict[str, str], dict[str, float]]:
    """(peaks, formulas, clock-formula peaks) of one GPU: the datasheet where the product is known,
    the clock formula otherwise; the clock formula is always returned as the second figure."""
    clock_values, clock_formulas = gpu_peaks(gpu)
    product = datasheet_product(gpu.get("name"))
    if product is None:
        formulas = {p: f"clock formula (product not in the datasheet table): {f}" for p, f in clock_formulas.items()}
        return clock_values, formulas, clock_values
    label, sheet = product
    peaks: dict[str, float] = {}
    formulas: dict[str, str] = {}
    for precision in PRECISIONS:
        clock_text = (
            f"{clock_values[precision] / 1000:.1f} TFLOP/s ({clock_formulas[precision]})"
            if precision in clock_values
            else clock_formulas[precision]
        )
        if precision not in sheet:
            formulas[precision] = f"not on the {label} datasheet; clock formula: {clock_text}"
            continue
        peaks[precision] = sheet[precision] * 1000
        formulas[precision] = f"datasheet {label}: {sheet[precision]:g} TFLOP/s dense; clock formula: {clock_text}"
    return peaks, formulas, clock_values


def all_peaks(
    cpu: dict[str, Any], gpus: list[dict[str, Any]]
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, str]]]:
    """Peaks and formulas for every device of the record, keyed "cpu", "cuda:0", ...; GPUs from
    their datasheet where the product is known (clock_peaks gives the clock formula's figures)."""
    peaks, formulas = {}, {}
    peaks["cpu"], formulas["cpu"] = cpu_peaks(cpu)
    for gpu in gpus:
        peaks[gpu["device"]], formulas[gpu["device"]], _ = gpu_datasheet_peaks(gpu)
    return peaks, formulas


def clock_peaks(gpus: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """The clock formula's figures per GPU (SMs x max SM clock x ops/clock/SM): the second figure."""
    return {gpu["device"]: gpu_peaks(gpu)[0] for gpu in gpus}
