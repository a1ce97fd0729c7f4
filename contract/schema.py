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
KIND_TRAINING_INTERLEAVED = "training-interleaved"  # framework and scratch steps alternated round by round
KIND_WORKLOAD = "workload"  # a user's callable timed by the torch_benchmark fixture (docs/workloads.md)
KIND_WORKLOAD_COMPARE = "workload-compare"  # a user's callables interleaved by torch_benchmark.compare
KIND_JOINT_SEARCH = "joint-search"  # one search of the joint hyperparameter study (strategy x search seed)
KIND_JOINT_BEST = "joint-best"  # the best joint setting found, re-measured over fresh training seeds

KINDS = (
    KIND_MATMUL,
    KIND_ALIGNMENT,
    KIND_TRAINING,
    KIND_STUDY,
    KIND_TRAINING_INTERLEAVED,
    KIND_WORKLOAD,
    KIND_WORKLOAD_COMPARE,
    KIND_JOINT_SEARCH,
    KIND_JOINT_BEST,
)

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
    "clock",  # "perf_counter", "cuda-synchronize+perf_counter" (e2e) or "cuda-events" (hot, cold)
    "warmup_calls",  # calls made before calibration and timing
    "warmup_s",  # seconds spent warming up
    "iterations",  # calls per timed round (stats are per call: round time / iterations)
    "rounds",  # timed rounds
    "min_round_s",  # target round duration used by calibration
)

#: ``extra_info["timing"]["mode"]``: which question the number answers (docs/measurement.md,
#: bench/gpu_timing.py). Written by the matmul and training suites; absent in older runs and
#: smoke passes, where a reader takes "cpu" on the CPU and "e2e" on CUDA (timing_mode_of).
TIMING_MODES = (
    "cpu",  # the CPU's path: batches of calls between perf_counter readings
    "hot",  # CUDA: K calls in a CUDA graph, replays timed with events, replay cost cancelled; operands in L2
    "cold",  # CUDA: L2 flushed (buffer >= 2x L2 zeroed) before each call, events around each call
    "e2e",  # CUDA: eager launches between synchronisations, host included (training steps)
)


def timing_mode_of(timing: Any, device: str) -> str:
    """The mode a timing record names, or what an older record's path was (cpu / e2e)."""
    mode = timing.get("mode") if isinstance(timing, dict) else None
    if mode in TIMING_MODES:
        return mode
    return "e2e" if str(device).startswith("cuda") else "cpu"


#: Extra keys of ``extra_info["timing"]`` on CUDA (hot/cold/e2e); any may be absent or None.
GPU_TIMING_FIELDS = (
    "hot_s",  # short hot median per call (graph replays), taken for the launch-bound check
    "e2e_s",  # short host-inclusive median per call (eager launches between synchronisations)
    "enqueue_s",  # host seconds to queue one launch (read before the closing synchronise)
    "launch_bound",  # bool: e2e_s > 1.2 x hot_s, the host's launch rate sets the pace
    "busy_share",  # hot_s / e2e_s (capped at 1): the GPU's busy share of the host-inclusive time
    "graph_calls",  # hot: calls K per captured graph ({str(n): K} in an alignment benchmark)
    "capture",  # hot: "cuda-graph" | "blocking-kernel" (capture failed: launches queued behind a spin kernel)
    "replay_fixed_s",  # hot: the replay's fixed cost that (t(2K) - t(K)) / K cancelled
    "l2_bytes", "flush_bytes",  # cold: the L2 size and the flush buffer zeroed before each call
    "cold",  # cold: {median_s, min_s, max_s, quantiles: {q20, q50, q80}, samples}
    "cuda_settings",  # {CUBLAS_WORKSPACE_CONFIG, CUDA_LAUNCH_BLOCKING, fp32_precision, preferred_blas_library,
    #                    allow_fp16/bf16_reduced_precision_reduction}
)  # fmt: skip

#: ``extra_info["verify"]`` with --bench-verify: the same callable timed by an independent tool.
VERIFY_FIELDS = (
    "tool",  # "torch.utils.benchmark.blocked_autorange" | "triton.testing.do_bench_cudagraph" | "...do_bench"
    "median_s",  # the tool's per-call figure
    "harness_s",  # the harness's median it is compared with
    "ratio",  # harness_s / median_s (1.0: agreement)
    "unavailable",  # why there is no second figure (triton not importable, ...); the others are then absent
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

#: Keys a matmul benchmark has only sometimes.
MATMUL_OPTIONAL_FIELDS = (
    "verify",  # --bench-verify: VERIFY_FIELDS
    "tf32_proof",  # float32-tf32 on sm_80+: {tf32_error, ieee_error, factor, tf32_proven}
)

ALIGNMENT_FIELDS = COMMON_FIELDS + (
    "op",
    "precision",
    "tf32",
    "baseline_n",  # the size every penalty is relative to (1024)
    "sizes",  # list[int], in the order given
    "fresh_operands_per_round",  # bool: operands copied to new memory before each round
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

#: CUDA only: the per-round figures of PER_SIZE_FIELDS are hot (graph replays, iterations = K calls
#: per graph); these are the same size's cold figures (L2 flushed before each call) and penalty.
PER_SIZE_COLD_FIELDS = ("cold_median_s", "cold_data", "cold_penalty", "cold_penalty_ci")

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
    "step_s",  # median seconds per training step (None in a --benchmark-disable smoke pass)
    "epoch_s",  # step_s * steps_per_epoch, or measured when whole epochs ran
    "epoch_source",  # "measured (N whole epochs)" | "step_s x steps_per_epoch"
    "samples_per_s",  # batch_size / step_s
    "gflops",  # flops_per_step / step_s / 1e9
    "num_workers",  # DataLoader workers (input_mode "dataloader"; 0 otherwise)
    "init",  # weight init: "he" (normal x sqrt(2/fan_in)) or "normal x <sigma>"; biases zero
    "trained_steps",  # steps the model took before evaluation (warmup, calibration and timing)
    "eval_samples",  # samples of each split evaluated for final_loss and val_accuracy
    "final_loss",  # mean cross-entropy over the first eval_samples training samples, after timing
    "val_accuracy",  # accuracy over the first eval_samples validation samples, after timing
    "equivalence",  # EQUIVALENCE_FIELDS: the check against the scratch model that ran before timing
    "readings",  # {"before": {...}, "after": {...}} from bench.hardware.sample_readings
)

#: ``extra_info["equivalence"]`` of a training benchmark: same losses and parameters, step by step.
EQUIVALENCE_FIELDS = (
    "impls",  # [reference, candidate]: ["scratch", "framework"] or ["scratch", "framework-compiled"]
    "steps",  # steps each model took from identical weights (bit for bit) on identical batches
    "max_loss_rel_diff",  # largest relative loss difference over those steps
    "param_rel_diff",  # ||theta_ref - theta_cand|| / ||theta_ref - theta_0|| (L2) after them
    "loss_rtol",
    "param_rtol",  # tolerances the check enforced (float32; see bench/training/equivalence.py)
)

#: The drift-proof comparison: one benchmark per (device, profile, depth, input mode) whose rounds
#: alternate framework and scratch steps; pytest-benchmark's stats describe one whole sweep.
TRAINING_INTERLEAVED_FIELDS = COMMON_FIELDS + (
    "depth",
    "widths",
    "profile",
    "input_mode",
    "dataset",
    "batch_size",
    "lr",
    "params",
    "flops_per_step",
    "num_workers",
    "init",  # these eleven as in TRAINING_FIELDS
    "impls",  # ["framework", "scratch"]
    "iterations",  # {impl: steps per round}
    "data",  # {impl: per-round seconds per step, in round order (round i of each is paired)}
    "step_s",  # {impl: median seconds per step}
    "ratio",  # scratch / framework: median over rounds of the per-round ratio (> 1: scratch slower)
    "ratio_ci",  # [low, high] 95% paired bootstrap interval of that median (contract.stats.paired_ratio)
    "equivalence",
    "readings",
)

#: A hyperparameter-study point (bench/study, docs/study.md): one (param, value) of a one-at-a-time
#: sweep, trained once per seed. Per-seed lists are in seed order; the first seed was the warm-up
#: round (its time is outside pytest-benchmark's stats, its accuracy counts).
STUDY_FIELDS = COMMON_FIELDS + (
    "param",  # "hidden_units" | "extra_layer" | "lr" | "activation" | "init"
    "value",  # the swept value: int, bool, float or str
    "setting",  # {hidden_units, extra_layer, lr, activation, init, batch_size}: the whole point
    "profile",  # "quick" | "full"
    "dataset",  # "fashion-mnist" | "digits-8x8" | "synthetic" (a stand-in, not real data)
    "dataset_source",  # the folder read, or how the split was made
    "dataset_note",  # what the data set is, in words ("SYNTHETIC stand-in ..." for the last resort)
    "input_shape",  # [C, H, W] of one sample
    "epochs",
    "batch_size",
    "lr",
    "train_samples",  # size of the training subset trained on
    "val_samples",  # validation samples evaluated after each epoch
    "target_accuracy",  # the accuracy time_to_target_s refers to
    "seeds",  # list[int]
    "val_accuracy",  # list[float] per seed: validation accuracy after the last epoch
    "final_loss",  # list[float | None] per seed: mean cross-entropy on the training subset (None: diverged)
    "train_s",  # list[float] per seed: seconds of training steps (evaluation excluded)
    "time_to_target_s",  # list[float | None] per seed: train_s when validation first reached the target
    "epoch_accuracy",  # list[list[float]] per seed: validation accuracy after each epoch
    "accuracy_mean",  # mean of val_accuracy
    "accuracy_ci",  # [low, high]: 95% Student-t interval of that mean ([None, None] with one seed)
    "interval",  # how accuracy_ci was computed, in words
    "train_s_mean",
    "model",  # STUDY_MODEL_FIELDS: the model actually trained (first seed, right after init)
    "applied",  # bool: the model matched the setting (check_applied found no problem)
    "applied_problems",  # list[str]: what did not match (empty when applied)
)


#: A user's workload timed by the ``torch_benchmark`` fixture (bench/fixture.py, docs/workloads.md).
WORKLOAD_FIELDS = COMMON_FIELDS + (
    "precision",  # dtype name, "float32-tf32" on CUDA with TF32 matmuls allowed: the key of the peak it is read against
    "tf32",  # bool: TF32 matmul math was allowed during the measurement (CUDA)
    "dtype_source",  # "argument" | "result" (the returned tensor's) | "torch default (...)"
    "bound",  # "compute" | "memory" | None: the limit the user asked to read it against
    "flops",  # floating-point operations per call as the user counted them, or None
    "bytes",  # minimum bytes moved per call as the user counted them, or None
    "gflops",  # flops / median / 1e9 (None without flops or in a smoke pass)
    "gbps",  # bytes / median / 1e9
    "readings",
)

#: ``torch_benchmark.compare``: several implementations of the same work, interleaved round by round;
#: pytest-benchmark's stats describe one whole sweep, the per-workload fields below are what count.
WORKLOAD_COMPARE_FIELDS = COMMON_FIELDS + (
    "precision", "tf32", "dtype_source", "bound", "flops", "bytes",  # as in WORKLOAD_FIELDS, shared by all
    "workloads",  # list[str]: the names, in the order given
    "baseline",  # the name every ratio is relative to
    "iterations",  # {name: calls per round}
    "data",  # {name: per-round seconds per call, in round order (round i of each is paired)}
    "median_s",  # {name: median seconds per call}
    "gflops",  # {name: flops / median / 1e9 or None}
    "gbps",  # {name: bytes / median / 1e9 or None}
    "ratio",  # {name: median over rounds of t(name)/t(baseline)} for every name but the baseline (> 1: slower)
    "ratio_ci",  # {name: [low, high]} 95% paired bootstrap interval (contract.stats.paired_ratio)
    "readings",
)  # fmt: skip


def study_value_label(value: Any) -> str:
    """A swept value as benchmark ids and report tables both show it: ``1.0`` -> ``1``,
    ``True`` -> ``yes`` (one function, so a table row always names its benchmark)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


#: ``extra_info["model"]`` of a study point: read back from the built modules, not from the setting.
STUDY_MODEL_FIELDS = (
    "layers",  # ["Flatten", "Linear(784->256)", "ReLU", "Linear(256->10)"]
    "linear_shapes",  # [[in, out], ...] of every nn.Linear
    "hidden_widths",  # out_features of every nn.Linear but the last
    "activations",  # class names of the activation modules found (ReLU, Sigmoid, Tanh, LeakyReLU, PReLU)
    "lazy_modules",  # count of unmaterialised lazy modules (always 0)
    "params",  # parameter count
    "weight_stats",  # per nn.Linear: {fan_in, fan_out, mean, std, min, max, bias_abs_max} right after init
    "optimizer",  # optimiser class name, e.g. "SGD"
    "lr",  # the optimiser's learning rate as it holds it
    "batch_size",  # as the training loop used it
    "init",  # the init law in words
)


#: One search of the joint study (bench/study/bench_study_joint.py, docs/study.md): a strategy with one
#: search seed, a fixed budget of trainings (trials), each trial one training of one training seed.
JOINT_SEARCH_FIELDS = COMMON_FIELDS + (
    "strategy",  # "tpe" (optuna's TPESampler) | "random" (optuna's RandomSampler): same space, same objective
    "sampler",  # the sampler as configured, in words (class, seed, TPE's random start-up trials)
    "optuna",  # optuna's version
    "search_seed",  # int: the sampler's seed
    "budget",  # int: trials (trainings) the search was given
    "space",  # {"lr": [lo, hi] (log), "epochs": [lo, hi], "layers": [lo, hi], "units": [lo, hi] (log)}
    "fixed",  # {activation, init, batch_size}: what the search does not vary (d2l's baseline)
    "profile",  # "quick" | "full"
    "dataset", "dataset_source", "dataset_note", "input_shape",  # as in STUDY_FIELDS
    "train_samples", "val_samples",
    "trials",  # list of JOINT_TRIAL_FIELDS, in trial order
    "best_so_far",  # list[float]: the best validation accuracy after each trial
    "best_trial",  # int: index of the best trial (the first, on ties)
    "best_accuracy",  # float: its validation accuracy
    "best_setting",  # {lr, epochs, layers, units, activation, init, batch_size}
    "applied",  # bool: every trial's model matched its setting
)  # fmt: skip

#: ``extra_info["trials"][i]`` of a joint search: one training, with the model actually built.
JOINT_TRIAL_FIELDS = (
    "number",  # 0-based trial index
    "setting",  # {lr, epochs, layers, units, activation, init, batch_size}
    "seed",  # training seed (initial weights and minibatch order)
    "val_accuracy",  # after the last epoch: the value the search maximised
    "final_loss",  # None when the training diverged
    "train_s",  # seconds of training steps
    "epoch_accuracy",  # validation accuracy after each epoch (its length is the epochs trained)
    "model",  # STUDY_MODEL_FIELDS less "init" (as in the study, read back from the built modules)
    "applied", "applied_problems",  # as in STUDY_FIELDS
)  # fmt: skip

#: The best setting of every joint search of a session, trained again with fresh seeds, and the
#: answers to the exercise's joint question that one session can give.
JOINT_BEST_FIELDS = COMMON_FIELDS + (
    "profile", "dataset", "dataset_source", "dataset_note", "input_shape", "train_samples", "val_samples",
    "setting",  # the best joint setting ({lr, epochs, layers, units, activation, init, batch_size})
    "found_by",  # {"strategy", "search_seed", "trial" (0-based), "val_accuracy"}: where a search found it
    "seeds",  # list[int]: fresh training seeds, none of them used by a search
    "val_accuracy",  # list[float] per fresh seed
    "final_loss", "train_s", "epoch_accuracy",  # per fresh seed, as in STUDY_FIELDS
    "accuracy_mean", "accuracy_ci", "interval",  # as in STUDY_FIELDS
    "model", "applied", "applied_problems",  # as in STUDY_FIELDS
    "best_found",  # the best validation accuracy any search found (the targets are fractions of it)
    "trials_to_target",  # {fraction: {strategy: [trials to reach fraction x best_found, or None, per search seed]}}
    "searches",  # {strategy: [search seeds]} of this session
    "one_at_a_time",  # None, or the best study point of this session on the same data: {point, setting,
    #                   val_accuracy, accuracy_mean, accuracy_ci}
    "joint_minus_one_at_a_time",  # None, or {"difference", "low", "high", "interval"} of the mean accuracies
    "one_at_a_time_note",  # why one_at_a_time is None, or which sweeps it was chosen from
)  # fmt: skip


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


# fmt: off
# ---------------------------------------------------------------------------------------------
# machine_info["harness"]: the hardware/software record (stable facts, plus the measured
# bandwidth, which the harness's machine comparison ignores; see docs/hardware.md).
# A value that could not be read is None, and the reason is in the same object's
# ``unavailable`` dict under the field's name: {"bus_width_bits": None,
# "unavailable": {"bus_width_bits": "no DMI table (/sys/firmware/dmi absent)"}}.
# ---------------------------------------------------------------------------------------------

MACHINE_FIELDS = (
    "schema",  # int
    "machine_id",  # stable readable id: "<short hostname>-<8 hex of the hardware fingerprint>"
    "hostname",
    "fingerprint",  # the facts hashed into machine_id: {cpu_model, arch, sockets, physical_cores,
    #                 logical_cores, memory_gib, gpus: [{name, uuid}]}
    "cpu",  # CPU_FIELDS
    "memory",  # MEMORY_FIELDS
    "gpus",  # list of GPU_FIELDS, in torch's CUDA order
    "peaks",  # {device: {precision: nominal peak GFLOP/s}}; a precision is absent when unknown/unsupported
    "peak_formulas",  # {device: {precision: the arithmetic, or why there is no peak}}, every precision
    "peak_note",  # PEAK_NOTE
    "peaks_clock",  # {cuda:N: {precision: GFLOP/s}} from the clock formula; "peaks" holds the datasheet where known
    "bandwidth",  # {device: BANDWIDTH_FIELDS} measured this run (volatile), or {"error": str}
    "software",  # SOFTWARE_FIELDS
    "unavailable",  # {field: reason} for whole sections (e.g. "gpus": "no CUDA device is visible")
    "collection_s",  # seconds spent collecting the record, bandwidth probes included (volatile)
)

CPU_FIELDS = (
    "vendor",  # "GenuineIntel", "AuthenticAMD", "ARM", ...
    "model",  # brand string
    "arch", "family", "model_number",  # platform.machine(); CPUID family and model (x86)
    "microarchitecture",  # from vendor/family/model (ARM: implementer/part), checked against ISA flags
    "sockets", "physical_cores", "logical_cores",  # sysfs topology, online CPUs
    "isa",  # list of peak-setting features present: avx2, fma, avx512f, avx512_bf16, avx512_fp16,
    #         amx_tile, amx_bf16, amx_fp16, neon, asimdhp, bf16, sve, sve2, sme
    "base_mhz", "max_mhz",  # cpufreq (base_frequency, cpuinfo_max_freq); base also from "@ x GHz"
    "reported_mhz",  # /proc/cpuinfo "cpu MHz" rounded to 10 MHz: the peak clock only when max/base are unknown
    "caches",  # list of {"level": 1, "type": "Data"|"Instruction"|"Unified", "size_bytes": int,
    #              "instances": int, "shared_by_cpus": int}, from sysfs cache topology
    "unavailable",
)

MEMORY_FIELDS = (
    "total_bytes",  # /proc/meminfo MemTotal
    "modules",  # installed modules: list of {"locator", "bank_locator", "size_bytes", "type", "speed_mts",
    #             "configured_speed_mts", "data_width_bits"}
    "channels", "bus_width_bits",
    "channels_basis",  # "channels named in the module locators" | "assumed one module per channel (...)"
    "theoretical_gbps",  # slowest configured speed (MT/s) x bus width / 8
    "source",  # "dmidecode" | "udev" | None
    "unavailable",
)

GPU_FIELDS = (
    "device",  # "cuda:N" as torch names it in this process
    "index", "uuid", "name", "compute_capability", "sm_count", "memory_bytes",
    "memory_bus_width_bits", "memory_clock_mhz",  # max memory clock as NVML reports it
    "theoretical_gbps",  # 2 x memory clock x bus width / 8 (double data rate)
    "sm_clock_mhz",  # max SM clock
    "pcie_gen", "pcie_width",  # max link generation and width (the current link is a reading)
    "power_limit_w", "ecc", "mig", "driver", "cuda",  # cuda: the driver's CUDA version
    "source",  # "nvml" | "torch"
    "unavailable",
)

BANDWIDTH_FIELDS = (
    "copy_gbps",  # bytes read + written per second (STREAM convention, no write-allocate)
    "triad_gbps",  # CPU only: a = b + s*c
    "array_bytes", "repeats", "statistic",  # "best"
    "threads",  # CPU only: torch threads during the probe
    "note",  # optional: why the arrays may be partly cache-resident
)

SOFTWARE_FIELDS = (
    "python", "python_implementation", "os",
    "torch", "torch_cuda", "cudnn", "torchvision", "numpy", "pytest_benchmark", "nvidia_ml_py",
    "blas",  # {"libraries": [BLAS/oneDNN/OpenMP lines of torch.__config__.show()], "build": {BLAS_INFO, ...}}
    "backends",  # {"mkl": bool, "mkldnn": bool, "openmp": bool}
    "threads",  # {"torch": int, "interop": int, "usable_cpus": int, "OMP_NUM_THREADS": str | None, ...}
)

#: ``extra_info["readings"]["before"|"after"]`` (bench.hardware.sample_readings).
READING_FIELDS = (
    "time",  # time.time()
    "cpu_mhz",  # {"mean", "min", "max"} current clocks
    "cpu_mhz_source",  # "scaling_cur_freq" | "/proc/cpuinfo"
    "loadavg_1m",
    "cpu_pressure_some_us",  # /proc/pressure/cpu "some" total: after - before = contention met (us)
    "cpu_ticks",  # /proc/stat "cpu" line: {total, steal, iowait, guest} ticks; d(steal)/d(total) = share stolen
    "gpu",  # CUDA devices: {sm_clock_mhz, memory_clock_mhz, temperature_c, power_w, pstate,
    #         clock_events: [names], pcie_gen_current, unavailable} or {"error": str}
)

#: Dotted machine_info paths that vary run to run: never compared between runs.
VOLATILE_MACHINE_PATHS = (
    "harness.bandwidth",
    "harness.collection_s",
    "harness.canary",  # the drift canary's samples (bench/canary.py)
    "harness.cpu.reported_mhz",  # /proc/cpuinfo "cpu MHz" is cpu0's current clock on bare metal
    "cpu.hz_actual",
    "cpu.hz_actual_friendly",
    "cpu.hz_advertised",
    "cpu.hz_advertised_friendly",
)

PEAK_NOTE = (
    "nominal: cores x max clock x FMA width (CPU); GPU: the product's datasheet (dense) where known, "
    "else SMs x max clock x ops/clock/SM (peaks_clock keeps that formula's figure)"
)
# fmt: on
