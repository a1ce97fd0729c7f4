"""Field names and versions of a saved run: written once here, read by both halves.

A saved run is an ordinary pytest-benchmark JSON file. The harness adds:

- ``machine_info["harness"]``: the hardware/software record (see docs/schema.md), with
  ``schema`` (int) and ``machine_id`` (str).
- each benchmark's ``extra_info``: always ``schema`` and ``kind``; the other keys depend on
  the kind and are listed in the ``*_FIELDS`` tuples below.

Bump ``SCHEMA_VERSION`` when a field changes meaning or is renamed, and teach
``reports`` to read the older version (``upgrade_extra_info``) instead of dropping it.
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 1

#: Key of the harness's record inside pytest-benchmark's ``machine_info``.
MACHINE_KEY = "harness"

# Benchmark kinds (``extra_info["kind"]``).
KIND_MATMUL = "matmul"  # one op/n/device/precision, timed alone
KIND_ALIGNMENT = "alignment"  # all sizes of one op/device/precision, interleaved round by round
KIND_TRAINING = "training"  # one training step of an MLP implementation
KIND_STUDY = "study"  # a hyperparameter-study point (accuracy questions)

KINDS = (KIND_MATMUL, KIND_ALIGNMENT, KIND_TRAINING, KIND_STUDY)

# Matrix-product ops (``extra_info["op"]``).
OP_MM = "mm"  # (n x n) @ (n x n)
OP_MV = "mv"  # (n x n) @ (n x 1), the exercise's "tensor-matrix" product
OPS = (OP_MM, OP_MV)

#: Precision labels used in parameter ids and ``extra_info["precision"]``.
#: ``float32-tf32`` is float32 storage with TF32 tensor-core math allowed (CUDA only).
PRECISIONS = ("float32", "float32-tf32", "float16", "bfloat16")

#: Keys every harness benchmark carries in ``extra_info``.
COMMON_FIELDS = (
    "schema",  # int, SCHEMA_VERSION at write time
    "kind",  # one of KINDS
    "device",  # "cpu", "cuda:0", ...
    "device_name",  # human name: CPU brand or GPU name
    "dtype",  # torch dtype name without "torch.": "float32", "float16", ...
    "threads",  # torch.get_num_threads() during the measurement
    "timing",  # dict, see TIMING_FIELDS
)

#: ``extra_info["timing"]``: how the numbers were taken, so a reader can judge them.
TIMING_FIELDS = (
    "clock",  # "perf_counter" or "cuda-synchronize+perf_counter"
    "warmup_calls",  # calls made before calibration and timing
    "warmup_s",  # seconds spent warming up
    "iterations",  # calls per timed round (stats are per call: round time / iterations)
    "rounds",  # timed rounds
    "min_round_s",  # target round duration used by calibration
)

MATMUL_FIELDS = COMMON_FIELDS + (
    "op",
    "n",
    "precision",  # one of PRECISIONS
    "tf32",  # bool: TF32 math allowed for float32 matmuls
    "flops",  # floating-point operations per call (2 n^3 or 2 n^2)
    "bytes",  # minimum bytes moved per call (inputs read once, output written once)
    "gflops",  # flops / median / 1e9
    "gbps",  # bytes / median / 1e9
    "readings",  # dict of before/after samples (clocks, temperature, ...), may be empty
)

ALIGNMENT_FIELDS = COMMON_FIELDS + (
    "op",
    "precision",
    "tf32",
    "baseline_n",  # the size every penalty is relative to (1024)
    "sizes",  # list[int], in the order given
    "per_size",  # {str(n): PER_SIZE_FIELDS}
    "readings",
)

#: ``extra_info["per_size"][str(n)]`` of an alignment benchmark.
PER_SIZE_FIELDS = (
    "iterations",  # calls per round for this size
    "median_s",  # median seconds per call over rounds
    "data",  # per-round seconds per call, in round order (rounds are paired across sizes)
    "flops",
    "bytes",
    "gflops",
    "gbps",
    "penalty",  # median over rounds of t(n)/t(baseline) in the same round
    "penalty_ci",  # [low, high] 95% bootstrap interval of that median
)

TRAINING_FIELDS = COMMON_FIELDS + (
    "impl",  # "framework" | "scratch" | "framework-compiled"
    "depth",  # number of hidden layers
    "widths",  # list[int] hidden widths
    "profile",  # width profile name: "seed" (256,128,...) or "wide"
    "input_mode",  # "device-tensors" | "dataloader"
    "dataset",  # "fashion-mnist" | "synthetic" | ...
    "batch_size",
    "lr",
    "params",  # trainable parameter count
    "flops_per_step",  # forward + backward + update, counted by the formula in the docs
    "steps_per_epoch",
    "step_s",  # median seconds per training step
    "epoch_s",  # step_s * steps_per_epoch, or measured when whole epochs ran
    "samples_per_s",
    "final_loss",
    "val_accuracy",
)


def is_harness_benchmark(bench: dict[str, Any]) -> bool:
    """True for a benchmark written by this harness (others go to the generic table)."""
    info = bench.get("extra_info") or {}
    return isinstance(info, dict) and info.get("kind") in KINDS and "schema" in info


def upgrade_extra_info(info: dict[str, Any]) -> dict[str, Any]:
    """Return ``info`` in the current schema's shape (identity while only v1 exists)."""
    version = info.get("schema")
    if version == SCHEMA_VERSION:
        return info
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise ValueError(f"extra_info schema {version} is newer than this reader ({SCHEMA_VERSION})")
    raise ValueError(f"unknown extra_info schema {version!r}")

# ---------------------------------------------------------------------------------------------
# machine_info["harness"]: the hardware/software record (stable facts, plus the measured
# bandwidth, which pytest-benchmark's machine comparison is told to ignore).
# A value that could not be read is None, and the reason is in the same object's
# ``unavailable`` dict under the field's name: {"bus_width_bits": None,
# "unavailable": {"bus_width_bits": "no DMI table (/sys/firmware/dmi absent)"}}.
# ---------------------------------------------------------------------------------------------

MACHINE_FIELDS = (
    "schema",  # int
    "machine_id",  # stable readable id: "<hostname>-<8 hex of the hardware fingerprint>"
    "hostname",
    "cpu",  # CPU_FIELDS
    "memory",  # MEMORY_FIELDS
    "gpus",  # list of GPU_FIELDS, in torch's CUDA order
    "peaks",  # {device: {precision: nominal peak GFLOP/s}}, see PEAK_NOTE
    "bandwidth",  # {device: {"copy_gbps": float, "triad_gbps": float | absent}} measured this run
    "software",  # SOFTWARE_FIELDS
    "unavailable",  # {field: reason} for whole sections (e.g. "gpus": "no NVML and no CUDA")
)

CPU_FIELDS = (
    "vendor", "model", "arch", "microarchitecture", "sockets", "physical_cores", "logical_cores",
    "isa",  # list of peak-setting features present: avx2, fma, avx512f, amx_tile, neon, sve, ...
    "base_mhz", "max_mhz",
    "caches",  # list of {"level": 1, "type": "Data"|"Instruction"|"Unified", "size_bytes": int,
    #              "instances": int, "shared_by_cpus": int}
    "unavailable",
)

MEMORY_FIELDS = (
    "total_bytes",
    "modules",  # list of {"locator", "size_bytes", "type", "speed_mts", "configured_speed_mts", "data_width_bits"}
    "channels", "bus_width_bits",
    "theoretical_gbps",  # configured speed (MT/s) x bus width / 8
    "source",  # "dmidecode" | "udev" | None
    "unavailable",
)

GPU_FIELDS = (
    "device",  # "cuda:N" as torch names it in this process
    "index", "uuid", "name", "compute_capability", "sm_count", "memory_bytes",
    "memory_bus_width_bits", "memory_clock_mhz",  # max memory clock as NVML reports it
    "theoretical_gbps",  # 2 x memory clock x bus width / 8 (double data rate)
    "sm_clock_mhz", "pcie_gen", "pcie_width", "power_limit_w", "ecc", "mig", "driver", "cuda",
    "source",  # "nvml" | "torch"
    "unavailable",
)

SOFTWARE_FIELDS = (
    "python", "torch", "torch_cuda", "cudnn", "torchvision", "numpy", "pytest_benchmark",
    "blas",  # BLAS / oneDNN summary from torch's build config
    "threads",  # {"torch": int, "interop": int, "OMP_NUM_THREADS": str | None, "MKL_NUM_THREADS": ...}
)

PEAK_NOTE = "nominal: cores x max clock x FMA width (CPU) or SMs x clock x ops/clock/SM (GPU)"
