"""Field names and versions of a saved run, for both halves: derived from the typed records.

A saved run is an ordinary pytest-benchmark JSON file. The harness adds:

- ``machine_info["harness"]``: the hardware/software record (``contract.records.Machine``), with
  ``schema`` (int) and ``machine_id`` (str).
- each benchmark's ``extra_info``: always ``schema`` and ``kind``; the other keys depend on the
  kind: one record class per kind in ``contract.records``, whose field names the ``*_FIELDS``
  tuples below repeat for code that only needs names.

Bump ``SCHEMA_VERSION`` when a field changes meaning or is renamed, and register an upgrade for
the older version with the kind (``contract.records.kind``) instead of dropping it.
"""

from __future__ import annotations

from typing import Any

from contract import records
from contract.records import field_names

SCHEMA_VERSION = records.SCHEMA_VERSION  # bench and the tests import it from here

#: Key of the harness's record inside pytest-benchmark's ``machine_info``.
MACHINE_KEY = "harness"

# Benchmark kinds (``extra_info["kind"]``): the keys of the registry in contract.records.
KIND_MATMUL = "matmul"  # one op/n/device/precision, timed alone
KIND_ALIGNMENT = "alignment"  # all sizes of one op/device/precision, interleaved round by round
KIND_TRAINING = "training"  # one training step of an MLP implementation
KIND_STUDY = "study"  # a hyperparameter-study point (accuracy questions)
KIND_TRAINING_INTERLEAVED = "training-interleaved"  # framework and scratch steps alternated round by round
KIND_WORKLOAD = "workload"  # a user's callable timed by the torch_benchmark fixture (docs/workloads.md)
KIND_WORKLOAD_COMPARE = "workload-compare"  # a user's callables interleaved by torch_benchmark.compare
KIND_JOINT_SEARCH = "joint-search"  # one search of the joint hyperparameter study (strategy x search seed)
KIND_JOINT_BEST = "joint-best"  # the best joint setting found, re-measured over fresh training seeds

KINDS = tuple(records.registered())

# Matrix-product ops (``extra_info["op"]``).
OP_MM = "mm"  # (n x n) @ (n x n)
OP_MV = "mv"  # (n x n) @ (n x 1), the exercise's "tensor-matrix" product
OPS = (OP_MM, OP_MV)

#: Precision labels used in parameter ids and ``extra_info["precision"]``.
#: ``float32-tf32`` is float32 storage with TF32 tensor-core math allowed (CUDA only).
PRECISIONS = ("float32", "float32-tf32", "float16", "bfloat16")

# The field names of each record, in declaration order (the records say what each one means).
COMMON_FIELDS = field_names(records.Common)
#: The timing keys every timed writer (CPU, CUDA and study paths) fills; records.Timing has the rest.
TIMING_FIELDS = ("clock", "warmup_calls", "warmup_s", "iterations", "rounds", "min_round_s")
MATMUL_FIELDS = field_names(records.Matmul)
ALIGNMENT_FIELDS = field_names(records.Alignment)
PER_SIZE_FIELDS = field_names(records.PerSize)
TRAINING_FIELDS = field_names(records.Training)
EQUIVALENCE_FIELDS = field_names(records.Equivalence)
TRAINING_INTERLEAVED_FIELDS = field_names(records.TrainingInterleaved)
STUDY_FIELDS = field_names(records.Study)

#: ``extra_info["timing"]["mode"]``: which question the number answers (docs/measurement.md,
#: bench/gpu_timing.py). Written by the matmul and training suites; absent in older runs and
#: smoke passes, where a reader takes "cpu" on the CPU and "e2e" on CUDA (timing_mode_of).
TIMING_MODES = (
    "cpu",  # the CPU's path: batches of calls between perf_counter readings
    "hot",  # CUDA: K calls in a CUDA graph, replays timed with events, replay cost cancelled; operands in L2
    "cold",  # CUDA: L2 flushed (buffer >= 2x L2 zeroed) before each call, events around each call
    "e2e",  # CUDA: eager launches between synchronisations, host included (training steps)
)


#: ``extra_info["timing"]["stopped_by"]``: what ended an interleaved study that had a stop rule
#: (bench.timing.StopRule); absent for a fixed round count and in older runs.
STOP_PRECISE = "precise"  # every interval within the precision asked for
STOP_TIME_CAP = "time cap"  # the time cap came first
STOP_ROUND_CAP = "round cap"  # the round cap came first
STOP_REASONS = (STOP_PRECISE, STOP_TIME_CAP, STOP_ROUND_CAP)
STOPPED_SHORT = (STOP_TIME_CAP, STOP_ROUND_CAP)  # ended before the precision it asked for


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

#: Keys of a matmul benchmark that are null unless taken (older runs: absent).
MATMUL_OPTIONAL_FIELDS = (
    "verify",  # --bench-verify: VERIFY_FIELDS
    "tf32_proof",  # float32-tf32 on sm_80+: {tf32_error, ieee_error, factor, tf32_proven}
)

#: CUDA only: the per-round figures of PER_SIZE_FIELDS are hot (graph replays, iterations = K calls
#: per graph); these are the same size's cold figures (L2 flushed before each call) and penalty.
PER_SIZE_COLD_FIELDS = ("cold_median_s", "cold_data", "cold_penalty", "cold_penalty_ci")


#: A user's workload timed by the ``torch_benchmark`` fixture (bench/fixture.py, docs/workloads.md).
WORKLOAD_FIELDS = field_names(records.Workload)

#: ``torch_benchmark.compare``: several implementations of the same work, interleaved round by round;
#: pytest-benchmark's stats describe one whole sweep; the per-workload fields (contract.records) are what count.
WORKLOAD_COMPARE_FIELDS = field_names(records.WorkloadCompare)


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
    """Return ``info`` in the current schema's shape, through its kind's registered upgrades."""
    return records.upgrade(info)


# fmt: off
# ---------------------------------------------------------------------------------------------
# machine_info["harness"]: the hardware/software record, stable facts only (docs/hardware.md).
# A value that could not be read is None, and the reason is in the same object's
# ``unavailable`` dict under the field's name: {"bus_width_bits": None,
# "unavailable": {"bus_width_bits": "no DMI table (/sys/firmware/dmi absent)"}}.
# ---------------------------------------------------------------------------------------------

MACHINE_FIELDS = field_names(records.Machine)
CPU_FIELDS = field_names(records.Cpu)
MEMORY_FIELDS = field_names(records.Memory)
GPU_FIELDS = field_names(records.Gpu)
SOFTWARE_FIELDS = field_names(records.Software)

# This run's values (bandwidth, collection_s, canary, current clocks) are not in machine_info but in
# the saved JSON's top-level ``harness_run`` (contract.volatile: RUN_KEY, RUN_PATHS; older runs kept
# them in machine_info["harness"]).

PEAK_NOTE = (
    "nominal: cores x max clock x FMA width (CPU); GPU: the product's datasheet (dense) where known, "
    "else SMs x max clock x ops/clock/SM (peaks_clock keeps that formula's figure)"
)
# fmt: on
