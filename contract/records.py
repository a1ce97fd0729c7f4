"""One typed record per kind of saved result: bench writes them (``asdict``), reports checks them.

Every record is a keyword-only dataclass, so a writer that forgets a field fails at once, where
the field is missing. A reader never instantiates them: :func:`check` walks a decoded JSON
object against a record's field types and bounds, and returns a copy in which every known field
with the wrong type or an impossible value (NaN, inf, a negative time, a string where a number
belongs) is read as missing, plus one warning per such field. Fields the record does not know
pass through untouched, so a writer may add fields before the reader learns them.

:data:`KINDS` is the one registry keyed by ``extra_info["kind"]``: the record class and the
upgrades that bring an older ``schema`` version to the current one. Adding a kind = one record
class here (decorated with :func:`kind`) and one reader in ``reports.frame``.
"""

from __future__ import annotations

import functools
import math
import types
import typing
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import Any, Union

SCHEMA_VERSION = 1

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]

# Bounds a number must respect, in a field's metadata.
NON_NEGATIVE = {"min": 0.0}
POSITIVE = {"gt": 0.0}
#: A confidence interval: [low, high], positive, low <= high (an inverted or 3-number one is damage).
INTERVAL = {"gt": 0.0, "interval": 1.0}
MAX_INT = 2**63  # larger integers are damage, and would overflow a float downstream


def _nn(default: Any = MISSING) -> Any:
    """A non-negative number (a count, a duration)."""
    return field(default=default, metadata=NON_NEGATIVE) if default is not MISSING else field(metadata=NON_NEGATIVE)


def _pos(default: Any = MISSING) -> Any:
    """A positive number (a size, a per-call time that was measured)."""
    return field(default=default, metadata=POSITIVE) if default is not MISSING else field(metadata=POSITIVE)


# --- the records --------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Timing:
    """``extra_info["timing"]``: how the numbers were taken, so a reader can judge them."""

    clock: str  # "perf_counter", "cuda-synchronize+perf_counter" or "disabled" (smoke pass)
    warmup_calls: int = _nn(0)  # calls made before calibration and timing
    warmup_s: float = _nn(0.0)  # seconds spent warming up
    iterations: int = _pos(1)  # calls per timed round (stats are per call: round time / iterations)
    rounds: int = _pos(1)  # timed rounds
    min_round_s: float | None = _pos(None)  # target round duration used by calibration
    interleaved: bool = False  # rounds alternate several workloads (measure_interleaved)
    policy: dict[str, Any] | None = None  # the TimingPolicy as asdict
    note: str | None = None  # what one round is, where it is not a batch of calls
    mode: str | None = None  # "cpu", "hot", "cold" or "e2e" (contract.schema.TIMING_MODES)
    warmup_settled: bool | None = None  # three warm rounds agreed within 2% before the budget ran out
    epochs: int | None = _nn(None)  # training with --bench-full: whole epochs timed, one per round
    # An interleaved study with a stop rule (bench.timing.StopRule): why it ended
    # (contract.schema.STOP_REASONS), the precision it asked for and its time cap.
    stopped_by: str | None = None
    stop_target: float | None = _pos(None)
    stop_max_s: float | None = _nn(None)
    # CUDA (bench/gpu_timing.py, contract.schema.GPU_TIMING_FIELDS); absent on the CPU.
    modes: list[str] | None = None  # an alignment study's modes: ["hot", "cold"]
    hot_s: float | None = _pos(None)  # short hot median per call, for the launch-bound check
    e2e_s: float | None = _pos(None)  # short host-inclusive median per call
    enqueue_s: float | None = _nn(None)  # host seconds to queue one launch
    launch_bound: bool | None = None  # e2e_s > 1.2 x hot_s
    busy_share: float | None = field(default=None, metadata={"min": 0.0, "max": 1.0})  # hot_s / e2e_s
    graph_calls: int | dict[str, int] | None = field(
        default=None, metadata=POSITIVE
    )  # K per graph ({n: K} interleaved)
    capture: str | None = None  # "cuda-graph" | "blocking-kernel"
    capture_error: str | None = None  # why graph capture failed (then capture is "blocking-kernel")
    blocked_retries: int | None = _nn(None)
    replay_fixed_s: float | None = None  # the replay's fixed cost (t(2K) - t(K)) / K cancelled (noise: any sign)
    uncancelled_samples: int | None = _nn(None)  # samples where the fixed cost could not be cancelled
    l2_bytes: int | None = _pos(None)  # cold: the L2 size
    flush_bytes: int | None = _pos(None)  # cold: the buffer zeroed before each call
    cold: ColdSummary | None = None  # cold: summary of the per-call samples
    cold_calls_per_round: int | None = _pos(None)  # alignment on CUDA: flushed calls per size and round
    launch: dict[str, LaunchCheck] | None = None  # alignment on CUDA: the launch check per size
    cuda_settings: dict[str, Any] | None = None  # cuBLAS flags (bench.gpu_timing.cuda_settings)

    @classmethod
    def disabled(cls) -> Timing:
        """The record of a ``--benchmark-disable`` smoke pass: the body ran once, untimed."""
        return cls(clock="disabled")


@dataclass(kw_only=True)
class ColdSummary:
    """``timing["cold"]``: the cold per-call samples of a benchmark, summarised."""

    median_s: float = _pos()
    min_s: float = _pos()
    max_s: float = _pos()
    quantiles: dict[str, float] = field(metadata=POSITIVE)  # {"q20": s, "q50": s, "q80": s}
    samples: int = _pos()


@dataclass(kw_only=True)
class LaunchCheck:
    """Hot vs e2e of one callable (bench.gpu_timing.LaunchCheck as asdict)."""

    hot_s: float | None = _pos(None)
    e2e_s: float = _pos()
    enqueue_s: float = _nn()
    launch_bound: bool | None = None
    busy_share: float | None = field(default=None, metadata={"min": 0.0, "max": 1.0})


@dataclass(kw_only=True)
class Common:
    """Keys every harness benchmark carries in ``extra_info``."""

    schema: int  # SCHEMA_VERSION at write time
    kind: str  # a key of KINDS
    device: str  # "cpu", "cuda:0", ...
    device_name: str  # human name: CPU brand or GPU name
    dtype: str  # torch dtype name without "torch.": "float32", "float16", ...
    threads: int = _pos()  # torch.get_num_threads() during the measurement
    timing: Timing


@dataclass(kw_only=True)
class Equivalence:
    """``extra_info["equivalence"]`` of a training benchmark: same losses and parameters, step by step."""

    impls: list[str]  # [reference, candidate]
    steps: int = _nn()  # steps each model took from identical weights on identical batches
    max_loss_rel_diff: float = _nn()  # largest relative loss difference over those steps
    param_rel_diff: float = _nn()  # ||theta_ref - theta_cand|| / ||theta_ref - theta_0|| (L2)
    loss_rtol: float = _nn()
    param_rtol: float = _nn()  # tolerances the check enforced


_REGISTRY: dict[str, Kind] = {}


@dataclass(frozen=True)
class Kind:
    """A registered kind: its record class and its upgrades {old version: step to version + 1}."""

    name: str
    record: type
    upgrades: dict[int, Upgrade]


def kind(name: str, upgrades: dict[int, Upgrade] | None = None) -> Callable[[type], type]:
    """Register a record class under ``extra_info["kind"] == name``."""

    def register(cls: type) -> type:
        _REGISTRY[name] = Kind(name, cls, dict(upgrades or {}))
        cls.KIND = name  # type: ignore[attr-defined]
        return cls

    return register


@kind("matmul")
@dataclass(kw_only=True)
class Matmul(Common):
    """One op/n/device/precision, timed alone."""

    op: str  # "mm" or "mv"
    n: int = _pos()
    precision: str  # one of PRECISIONS
    tf32: bool  # TF32 math allowed for float32 matmuls
    flops: int = _pos()  # floating-point operations per call (2 n^3 or 2 n^2)
    bytes: int = _pos()  # minimum bytes moved per call
    gflops: float | None = _nn(None)  # flops / median / 1e9 (None in a smoke pass)
    gbps: float | None = _nn(None)  # bytes / median / 1e9
    readings: dict[str, Any] | None = None  # {"before": {...}, "after": {...}} (bench.hardware.readings)
    verify: dict[str, Any] | None = None  # --bench-verify: contract.schema.VERIFY_FIELDS
    tf32_proof: dict[str, Any] | None = None  # float32-tf32 on sm_80+: {tf32_error, ieee_error, factor, tf32_proven}


@dataclass(kw_only=True)
class PerSize:
    """``extra_info["per_size"][str(n)]`` of an alignment benchmark."""

    iterations: int = _pos()  # calls per round for this size
    median_s: float | None = _pos(None)  # median seconds per call over rounds
    data: list[float] = field(default_factory=list, metadata=POSITIVE)  # per-round seconds per call
    flops: int = _pos()
    bytes: int = _pos()
    gflops: float | None = _nn(None)
    gbps: float | None = _nn(None)
    penalty: float | None = _pos(None)  # median over rounds of t(n)/t(baseline) in the same round
    penalty_ci: list[float] | None = field(default=None, metadata=INTERVAL)  # [low, high] 95% bootstrap
    # CUDA: the per-round figures above are hot (graph replays); these are the same size's cold ones.
    cold_median_s: float | None = _pos(None)
    cold_data: list[float] | None = field(default=None, metadata=POSITIVE)
    cold_penalty: float | None = _pos(None)
    cold_penalty_ci: list[float] | None = field(default=None, metadata=INTERVAL)


@kind("alignment")
@dataclass(kw_only=True)
class Alignment(Common):
    """All sizes of one op/device/precision, interleaved round by round."""

    op: str
    precision: str
    tf32: bool
    baseline_n: int = _pos()  # the size every penalty is relative to (contract.arithmetic.baseline_size)
    sizes: list[int] = field(metadata=POSITIVE)  # in the order given
    sizes_left_out: dict[str, str] | None = None  # {str(n): why} sizes that did not fit in memory
    fresh_operands_per_round: bool  # operands copied to new memory before each round
    per_size: dict[str, PerSize]
    readings: dict[str, Any] | None = None  # {"before": {...}, "after": {...}} (bench.hardware.readings)


@dataclass(kw_only=True)
class TrainingConfig(Common):
    """What was trained: shared by both training kinds."""

    depth: int = _nn()  # number of hidden layers
    widths: list[int] = field(metadata=POSITIVE)  # hidden widths
    profile: str  # width profile name: "seed" or "wide"
    input_mode: str  # "device-tensors" | "dataloader"
    dataset: str
    batch_size: int = _pos()
    lr: float = _pos()
    params: int = _pos()  # trainable parameter count
    flops_per_step: int = _pos()  # forward + backward + update
    num_workers: int = _nn(0)  # DataLoader workers (0 with device tensors)
    init: str  # "he" or "normal x <sigma>"; biases zero
    equivalence: Equivalence | None = None
    readings: dict[str, Any] | None = None  # {"before": {...}, "after": {...}} (bench.hardware.readings)


@kind("training")
@dataclass(kw_only=True)
class Training(TrainingConfig):
    """One training step of one MLP implementation, timed alone."""

    impl: str  # "framework" | "scratch" | "framework-compiled"
    steps_per_epoch: int = _pos()
    step_s: float | None = _pos(None)  # median seconds per step (None in a smoke pass)
    epoch_s: float | None = _pos(None)  # step_s * steps_per_epoch, or measured over whole epochs
    epoch_source: str | None = None
    samples_per_s: float | None = _nn(None)
    gflops: float | None = _nn(None)
    trained_steps: int = _nn()
    eval_samples: int = _nn()
    final_loss: float | None = _nn(None)
    val_accuracy: float | None = field(default=None, metadata={"min": 0.0, "max": 1.0})


@kind("training-interleaved")
@dataclass(kw_only=True)
class TrainingInterleaved(TrainingConfig):
    """Framework and scratch steps alternated round by round; stats describe one whole sweep."""

    impls: list[str]  # ["framework", "scratch"]
    iterations: dict[str, int] = field(metadata=POSITIVE)  # {impl: steps per round}
    data: dict[str, list[float]] = field(metadata=POSITIVE)  # {impl: per-round seconds per step}
    step_s: dict[str, float] = field(metadata=POSITIVE)  # {impl: median seconds per step}
    ratio: float | None = _pos(None)  # scratch / framework: median of per-round ratios
    ratio_ci: list[float] | None = field(default=None, metadata=INTERVAL)  # paired bootstrap [low, high]


@kind("study")
@dataclass(kw_only=True)
class Study(Common):
    """A hyperparameter-study point: one (param, value) of a sweep, trained once per seed."""

    param: str  # "hidden_units" | "extra_layer" | "lr" | "activation" | "init"
    value: bool | int | float | str  # the swept value
    setting: dict[str, Any]  # {hidden_units, extra_layer, lr, activation, init, batch_size}
    profile: str  # "quick" | "full"
    dataset: str
    dataset_source: str
    dataset_note: str
    input_shape: list[int] = field(metadata=POSITIVE)
    epochs: int = _pos()
    batch_size: int = _pos()
    lr: float = _pos()
    train_samples: int = _pos()
    val_samples: int = _pos()
    target_accuracy: float = field(metadata={"min": 0.0, "max": 1.0})
    seeds: list[int]
    val_accuracy: list[float] = field(metadata={"min": 0.0, "max": 1.0})  # per seed
    final_loss: list[float | None] = field(metadata=NON_NEGATIVE)  # per seed (None: diverged)
    train_s: list[float] = field(metadata=NON_NEGATIVE)  # per seed: seconds of training steps
    time_to_target_s: list[float | None] = field(metadata=NON_NEGATIVE)
    epoch_accuracy: list[list[float]]  # per seed, per epoch
    accuracy_mean: float | None = None
    accuracy_ci: list[float | None]  # [low, high] 95% Student-t ([None, None] with one seed)
    interval: str
    train_s_mean: float = _nn()
    model: dict[str, Any]  # the model actually trained (STUDY_MODEL_FIELDS)
    applied: bool
    applied_problems: list[str]


@kind("workload")
@dataclass(kw_only=True)
class Workload(Common):
    """A user's callable timed by the ``torch_benchmark`` fixture (bench/fixture.py, docs/workloads.md)."""

    precision: str  # dtype name, "float32-tf32" on CUDA with TF32 matmuls allowed: the key of its peak
    tf32: bool | None = None  # TF32 matmul math was allowed during the measurement (CUDA)
    dtype_source: str | None = None  # "argument" | "result" | "torch default (...)"
    bound: str | None = None  # "compute" | "memory" | None: the limit the user asked to read it against
    flops: float | None = _pos(None)  # floating-point operations per call as the user counted them
    bytes: float | None = _pos(None)  # minimum bytes moved per call as the user counted them
    gflops: float | None = _nn(None)
    gbps: float | None = _nn(None)
    readings: dict[str, Any] | None = None


@kind("workload-compare")
@dataclass(kw_only=True)
class WorkloadCompare(Common):
    """``torch_benchmark.compare``: a user's implementations of the same work, interleaved round by round."""

    precision: str
    tf32: bool | None = None
    dtype_source: str | None = None
    bound: str | None = None
    flops: float | None = _pos(None)  # shared by every implementation
    bytes: float | None = _pos(None)
    workloads: list[str]  # the names, in the order given
    baseline: str  # the name every ratio is relative to
    iterations: dict[str, Any]  # {name: calls per round}
    data: dict[str, Any]  # {name: per-round seconds per call, rounds paired}
    median_s: dict[str, Any]  # {name: median seconds per call}
    gflops: dict[str, Any] | None = None  # {name: GFLOP/s or None}
    gbps: dict[str, Any] | None = None
    ratio: dict[str, Any]  # {name: median of t(name)/t(baseline)} for every name but the baseline
    ratio_ci: dict[str, Any]  # {name: [low, high]} paired bootstrap
    readings: dict[str, Any] | None = None


@kind("joint-search")
@dataclass(kw_only=True)
class JointSearch(Common):
    """One search of the joint hyperparameter study (strategy x search seed), every trial recorded."""

    strategy: str  # "tpe" | "random"
    sampler: str
    optuna: str | None = None
    search_seed: int
    budget: int = _pos()
    space: dict[str, Any]
    fixed: dict[str, Any]
    profile: str
    dataset: str
    trials: list[dict[str, Any]]  # contract.schema.JOINT_TRIAL_FIELDS, in trial order
    best_so_far: list[float] = field(metadata={"min": 0.0, "max": 1.0})
    best_trial: int | None = _nn(None)
    best_accuracy: float | None = None
    best_setting: dict[str, Any] | None = None
    applied: bool


@kind("joint-best")
@dataclass(kw_only=True)
class JointBest(Common):
    """The best joint setting of a session, trained again with fresh seeds, and what it answers."""

    profile: str
    dataset: str
    setting: dict[str, Any]
    found_by: dict[str, Any]
    seeds: list[int]
    val_accuracy: list[float] = field(metadata={"min": 0.0, "max": 1.0})
    accuracy_mean: float | None = None
    accuracy_ci: list[float | None]
    best_found: float | None = None
    trials_to_target: dict[str, Any]
    searches: dict[str, Any]
    one_at_a_time: dict[str, Any] | None = None
    joint_minus_one_at_a_time: dict[str, Any] | None = None
    applied: bool


@dataclass(kw_only=True)
class Benchmark:
    """One entry of pytest-benchmark's ``benchmarks`` list: its own fields that a report reads."""

    name: str | None = None
    fullname: str | None = None
    group: str | None = None
    params: dict[str, Any] | None = None
    param: str | None = None
    extra_info: dict[str, Any] | None = None  # checked per kind (KINDS) once the report reads it


@dataclass(kw_only=True)
class Stats:
    """pytest-benchmark's ``stats`` of one benchmark: the fields a report reads (its own format)."""

    median: float = _nn()  # seconds per call; a benchmark without a usable median is dropped
    min: float | None = _nn(None)
    max: float | None = _nn(None)
    mean: float | None = _nn(None)
    stddev: float | None = _nn(None)
    iqr: float | None = _nn(None)
    rounds: int | None = _pos(None)
    iterations: int | None = _pos(None)
    data: list[float] | None = field(default=None, metadata=NON_NEGATIVE)  # per-round seconds per call


# --- the hardware record (machine_info["harness"]) ----------------------------------------------


@dataclass(kw_only=True)
class Cpu:
    vendor: str | None = None
    model: str | None = None
    arch: str | None = None
    family: int | None = None
    model_number: int | None = None
    microarchitecture: str | None = None
    sockets: int | None = _pos(None)
    physical_cores: int | None = _pos(None)
    logical_cores: int | None = _pos(None)
    isa: list[str] | None = None
    base_mhz: float | None = _pos(None)
    max_mhz: float | None = _pos(None)
    reported_mhz: float | None = _pos(None)
    caches: list[dict[str, Any]] | None = None
    unavailable: dict[str, str] | None = None


@dataclass(kw_only=True)
class Memory:
    total_bytes: int | None = _pos(None)
    modules: list[dict[str, Any]] | None = None
    channels: int | None = _pos(None)
    bus_width_bits: int | None = _pos(None)
    channels_basis: str | None = None
    theoretical_gbps: float | None = _pos(None)
    source: str | None = None
    unavailable: dict[str, str] | None = None


@dataclass(kw_only=True)
class Gpu:
    device: str | None = None
    index: int | None = _nn(None)
    uuid: str | None = None
    name: str | None = None
    compute_capability: str | None = None
    sm_count: int | None = _pos(None)
    memory_bytes: int | None = _pos(None)
    memory_bus_width_bits: int | None = _pos(None)
    memory_clock_mhz: float | None = _pos(None)
    theoretical_gbps: float | None = _pos(None)
    sm_clock_mhz: float | None = _pos(None)
    pcie_gen: int | None = _pos(None)
    pcie_width: int | None = _pos(None)
    power_limit_w: float | None = _pos(None)
    ecc: bool | None = None
    mig: bool | str | None = None
    driver: str | None = None
    cuda: str | None = None  # the driver's CUDA version
    source: str | None = None  # "nvml" | "torch"
    unavailable: dict[str, str] | None = None


@dataclass(kw_only=True)
class Software:
    python: str | None = None
    python_implementation: str | None = None
    os: str | None = None
    torch: str | None = None
    torch_cuda: str | None = None
    cudnn: str | int | None = None
    torchvision: str | None = None
    numpy: str | None = None
    pytest_benchmark: str | None = None
    nvidia_ml_py: str | None = None
    blas: dict[str, Any] | str | None = None  # {"libraries": [...], "build": {BLAS_INFO, ...}}; older runs: a line
    backends: dict[str, Any] | None = None  # {"mkl": bool, "mkldnn": bool, "openmp": bool}
    threads: dict[str, Any] | None = None  # {"torch": int, "interop": int, "usable_cpus": int, ...}


@dataclass(kw_only=True)
class Machine:
    """The stable facts about a machine. ``bandwidth`` and ``collection_s`` are this run's: saved in
    ``harness_run`` (:class:`MachineRun`) and read back here by reports (older runs kept them here)."""

    schema: int
    machine_id: str
    hostname: str | None = None
    fingerprint: dict[str, Any] | None = None
    cpu: Cpu | None = None
    memory: Memory | None = None
    gpus: list[Gpu] | None = None
    peaks: dict[str, dict[str, float]] | None = field(default=None, metadata=POSITIVE)
    peak_formulas: dict[str, dict[str, str]] | None = None
    peak_note: str | None = None
    bandwidth: dict[str, Any] | None = None  # {device: {copy_gbps, ...}} or {"error": str}
    software: Software | None = None
    unavailable: dict[str, str] | None = None
    collection_s: float | None = _nn(None)


@dataclass(kw_only=True)
class MachineRun:
    """The saved JSON's top-level ``harness_run``: this run's values of the machine record (contract/volatile.py)."""

    bandwidth: dict[str, Any] | None = None
    collection_s: float | None = _nn(None)
    canary: dict[str, Any] | None = None  # bench/canary.py
    cpu: dict[str, Any] | None = None  # {"reported_mhz": ...}
    pycpuinfo: dict[str, Any] | None = None  # py-cpuinfo's hz_actual / hz_advertised (+ _friendly)


# --- the registry --------------------------------------------------------------------------------


def registered() -> dict[str, Kind]:
    """Every kind, keyed by ``extra_info["kind"]`` (a copy: register with :func:`kind`)."""
    return dict(_REGISTRY)


def record_of(name: Any) -> Kind | None:
    return _REGISTRY.get(name) if isinstance(name, str) else None


def field_names(cls: type) -> tuple[str, ...]:
    """A record's field names in declaration order (the ``*_FIELDS`` tuples of contract.schema)."""
    return tuple(f.name for f in fields(cls))


def upgrade(info: dict[str, Any]) -> dict[str, Any]:
    """``info`` in the current schema's shape, through its kind's upgrades; ValueError when the
    version is newer than this reader or has no path to the current one."""
    version = info.get("schema")
    registered_kind = record_of(info.get("kind"))
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(f"unknown extra_info schema {version!r}")
    if version > SCHEMA_VERSION:
        raise ValueError(f"extra_info schema {version} is newer than this reader ({SCHEMA_VERSION})")
    upgrades = registered_kind.upgrades if registered_kind else {}
    while version < SCHEMA_VERSION:
        step = upgrades.get(version)
        if step is None:
            raise ValueError(f"no upgrade from extra_info schema {version} for kind {info.get('kind')!r}")
        info = step(dict(info)) | {"schema": version + 1}
        version += 1
    return info


# --- the validator -------------------------------------------------------------------------------

Checker = Callable[[Any, str, list[str]], tuple[bool, Any]]


def check(cls: type, data: Any, where: str) -> tuple[dict[str, Any], list[str]]:
    """``data`` checked against record ``cls``: a copy with every bad known field set to None
    (missing), unknown fields untouched, and a warning per bad field naming ``where`` and it."""
    if not isinstance(data, dict):
        return {}, [f"{where}: expected an object, got {_type_name(data)}; read as empty"]
    problems: list[str] = []
    cleaned = _record_checker(cls)(data, "", problems)[1]
    return cleaned, [f"{where}: {p}" for p in problems]


@functools.cache
def _record_checker(cls: type) -> Checker:
    """One checker per record class, built once from its type hints (a run holds thousands of
    records: the hints are read here, not per value)."""
    hints = typing.get_type_hints(cls)
    checks = [(f.name, _checker(hints[f.name], _meta_key(f.metadata))) for f in fields(cls)]

    def check_record(value: Any, prefix: str, problems: list[str]) -> tuple[bool, Any]:
        out = dict(value)
        for name, checker in checks:
            if name in value:
                ok, cleaned = checker(value[name], f"{prefix}{name}", problems)
                out[name] = cleaned if ok else None
        return True, out

    return check_record


def _meta_key(meta: Any) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((k, v) for k, v in meta.items() if k in ("min", "gt", "max", "interval")))


def _bad(problems: list[str], name: str, value: Any, tp: Any, why: str = "") -> tuple[bool, Any]:
    problems.append(f"field {name!r} is {_describe(value)}, {why or 'expected ' + _type_text(tp)}; read as missing")
    return False, None


def _ordered(pair: list[Any]) -> bool:
    """low <= high, when both are numbers (a wrong type is the element checker's to name)."""
    low, high = pair
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)
    return not numbers or not (low > high)


@functools.cache
def _checker(tp: Any, meta: tuple[tuple[str, float], ...]) -> Checker:
    """A function (value, field name, problems) -> (ok, cleaned value) for one field type."""
    bounds = dict(meta)
    origin = typing.get_origin(tp)
    if tp is Any:
        return lambda value, name, problems: (True, value)
    if origin in (Union, types.UnionType):
        options = [t for t in typing.get_args(tp) if t is not type(None)]
        nullable = len(options) < len(typing.get_args(tp))
        inner = [(t, _checker(t, meta)) for t in options]
        if len(inner) == 1:  # the common ``X | None``: the option's checker names the type itself
            only = inner[0][1]
            return lambda value, name, problems: (
                (True, None) if value is None and nullable else only(value, name, problems)
            )

        def check_union(value: Any, name: str, problems: list[str]) -> tuple[bool, Any]:
            if value is None:
                return (True, None) if nullable else _bad(problems, name, value, tp)
            for option, checker in inner:
                if _shape_fits(option, value):
                    return checker(value, name, problems)
            return _bad(problems, name, value, tp)

        return check_union
    if is_dataclass(tp):
        record = _record_checker(tp)

        def check_nested(value: Any, name: str, problems: list[str]) -> tuple[bool, Any]:
            if not isinstance(value, dict):
                return _bad(problems, name, value, tp)
            return record(value, f"{name}.", problems)

        return check_nested
    if origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        element = _checker(item, tuple((k, v) for k, v in meta if k != "interval"))
        interval = bool(bounds.get("interval"))

        def check_list(value: Any, name: str, problems: list[str]) -> tuple[bool, Any]:
            if not isinstance(value, list):
                return _bad(problems, name, value, tp)
            if interval and not (len(value) == 2 and _ordered(value)):
                return _bad(problems, name, value, tp, "expected an interval [low, high] with low <= high")
            if item in (int, float) and _numbers_fit(item, value, bounds):
                return True, value  # the common case (raw per-round data), checked at C speed
            cleaned = []
            for i, entry in enumerate(value):
                ok, entry = element(entry, f"{name}[{i}]", problems)
                if not ok:
                    return False, None
                cleaned.append(entry)
            return True, cleaned

        return check_list
    if origin is dict:
        _, item = typing.get_args(tp) or (str, Any)
        element = _checker(item, meta)
        droppable = is_dataclass(item)  # a bad entry of a record map drops that entry only

        def check_dict(value: Any, name: str, problems: list[str]) -> tuple[bool, Any]:
            if not isinstance(value, dict):
                return _bad(problems, name, value, tp)
            if item is Any:
                return True, value
            cleaned: dict[Any, Any] = {}
            for key, entry in value.items():
                ok, entry = element(entry, f"{name}[{key!r}]", problems)
                if ok:
                    cleaned[key] = entry
                elif not droppable:
                    return False, None
            return True, cleaned

        return check_dict

    if tp in (int, float):
        whole = tp is int

        def check_number(value: Any, name: str, problems: list[str]) -> tuple[bool, Any]:
            kind = type(value)
            if kind is int:
                fits = -MAX_INT <= value <= MAX_INT
            elif kind is float:
                fits = math.isfinite(value) and (not whole or (value.is_integer() and abs(value) <= MAX_INT))
            else:  # bool, str, containers, subclasses: the slow, exact test
                fits = _shape_fits(tp, value)
            if not fits:
                return _bad(problems, name, value, tp)
            if bounds and not _in_bounds(value, bounds):
                return _bad(problems, name, value, tp, f"outside {_bounds_text(bounds)}")
            return True, value

        return check_number

    def check_scalar(value: Any, name: str, problems: list[str]) -> tuple[bool, Any]:
        if type(value) is tp:
            return True, value
        if value is None or not _shape_fits(tp, value):
            return _bad(problems, name, value, tp)
        if tp in (int, float) and not _in_bounds(value, bounds):
            return _bad(problems, name, value, tp, f"outside {_bounds_text(bounds)}")
        return True, value

    return check_scalar


def _shape_fits(tp: Any, value: Any) -> bool:
    """Does the value have the type's shape (contents are checked by the type's checker)?"""
    if tp is Any:
        return True
    if is_dataclass(tp):
        return isinstance(value, dict)
    origin = typing.get_origin(tp) or tp
    if origin in (Union, types.UnionType):
        return any(_shape_fits(t, value) for t in typing.get_args(tp) if t is not type(None))
    if isinstance(value, bool):
        return origin is bool
    if origin is float:
        return isinstance(value, int | float) and math.isfinite(value)
    if origin is int:  # a whole float (3e9 written by another tool) counts as an integer
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        return whole and abs(value) <= MAX_INT
    return isinstance(value, origin)


def _numbers_fit(item: type, values: list[Any], bounds: dict[str, float]) -> bool:
    """Every element a finite number of the item type within the bounds (False: check one by one)."""
    if not values:
        return True
    if not set(map(type, values)) <= ({float, int} if item is float else {int}):
        return False
    low, high = min(values), max(values)
    finite = math.isfinite(low) and math.isfinite(high) and abs(low) <= MAX_INT and abs(high) <= MAX_INT
    return finite and _in_bounds(low, bounds) and _in_bounds(high, bounds)


def _in_bounds(value: float, meta: Any) -> bool:
    if "min" in meta and value < meta["min"]:
        return False
    if "gt" in meta and value <= meta["gt"]:
        return False
    return not ("max" in meta and value > meta["max"])


def _bounds_text(meta: Any) -> str:
    parts = [f">= {meta['min']:g}" if "min" in meta else "", f"> {meta['gt']:g}" if "gt" in meta else ""]
    parts.append(f"<= {meta['max']:g}" if "max" in meta else "")
    return " and ".join(p for p in parts if p)


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _describe(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return f"not finite ({value})"
    if isinstance(value, dict | list):
        return f"a {_type_name(value)}"
    text = repr(value)
    return f"{_type_name(value)} {text[:40] + '...' if len(text) > 40 else text}"


def _type_text(tp: Any) -> str:
    if is_dataclass(tp):
        return "an object"
    text = getattr(tp, "__name__", None) if typing.get_origin(tp) is None else None
    return text or str(tp).replace("typing.", "")
