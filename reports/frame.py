"""Runs -> one tidy DataFrame: a row per result (an alignment benchmark gives a row per size).

Every later step (tables, changes, plots) filters this frame instead of walking JSON again,
so the reading of ``extra_info`` happens once, here: each kind's record (contract.records)
checks the fields, and one reader per kind (``READERS``) turns them into rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd

from contract import records
from contract.arithmetic import finite as num
from contract.arithmetic import rate
from contract.schema import timing_mode_of
from reports.load import UNKNOWN, Run

KIND_OTHER = "other"  # a benchmark of another suite (or of an unreadable schema)

COLUMNS = (
    "run", "path", "machine_id", "datetime", "key", "name", "fullname", "group", "params", "kind",
    "op", "device", "device_name", "precision", "dtype", "threads", "n", "impl", "depth", "profile", "input_mode",
    "median_s", "iqr_s", "rounds", "flops", "bytes", "gflops", "gbps",
    "penalty", "penalty_lo", "penalty_hi", "ratio", "ratio_lo", "ratio_hi",
    "step_s", "epoch_s", "val_accuracy", "data", "extra",
    "mode", "launch_bound", "timing", "verify_tool", "verify_ratio", "verify_note",
    "cold_penalty", "cold_penalty_lo", "cold_penalty_hi", "stopped_by", "stop_target",
)  # fmt: skip


def text(value: Any, default: str = UNKNOWN) -> str:
    """A display string for a value read from a file ("unknown" when absent)."""
    if value is None or value == "":
        return default
    return str(value)


def raw_data(value: Any) -> list[float] | None:
    """Per-round seconds when saved (``--benchmark-save-data``) and usable, else None."""
    types = set(map(type, value)) if isinstance(value, list) and len(value) >= 2 else {None}
    if not types <= {float, int}:
        return None
    try:  # the saved list itself when it holds floats only: a fleet's raw data is held once
        values = value if types == {float} else list(map(float, value))
    except OverflowError:  # an integer beyond a float's range
        return None
    if not all(map(math.isfinite, values)) or min(values) <= 0:
        return None
    return values


def params_text(bench: dict[str, Any]) -> str:
    """``params`` as "k=v, ..." (older files have none, or only ``param``)."""
    params = bench.get("params")
    if isinstance(params, dict) and params:
        return ", ".join(f"{k}={v}" for k, v in params.items())
    param = bench.get("param")
    return "" if param in (None, "") else str(param)


def size_of(key: Any) -> float:
    """A ``per_size`` key ("1025") as a number, NaN for anything else."""
    key = str(key)
    return num(int(key)) if key.isascii() and key.isdigit() and len(key) < 19 else math.nan


def rate_or_nan(amount: float, seconds: float) -> float:
    value = rate(amount, seconds)
    return math.nan if value is None else value


# --- one reader per kind: checked extra_info -> rows ------------------------------------------

Reader = Callable[[dict[str, Any], dict[str, Any]], list[dict[str, Any]]]
READERS: dict[str, Reader] = {}


def reader(kind: str) -> Callable[[Reader], Reader]:
    """Register the reader of a kind (its record class lives in contract.records)."""

    def register(fn: Reader) -> Reader:
        READERS[kind] = fn
        return fn

    return register


def benchmark_rows(run_index: int, run: Run, bench: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows of one benchmark, and the warnings about its fields.

    A harness benchmark's ``extra_info`` is upgraded and checked against its kind's record first
    (contract.records.check): a bad field becomes missing, with a warning, and the reader of the
    kind sees only well-typed values.
    """
    stats = bench.get("stats") or {}
    fullname = text(bench.get("fullname") or bench.get("name"))
    base: dict[str, Any] = {
        "run": run_index,
        "path": run.path,
        "machine_id": run.machine_id,
        "datetime": run.datetime,
        "key": fullname,
        "name": text(bench.get("name")),
        "fullname": fullname,
        "group": text(bench.get("group"), ""),
        "params": params_text(bench),
        "kind": KIND_OTHER,
        "median_s": num(stats.get("median")),
        "iqr_s": num(stats.get("iqr")),
        "rounds": num(stats.get("rounds")),
        "data": raw_data(stats.get("data")),
    }
    info = bench.get("extra_info")
    kind = records.record_of(info.get("kind")) if isinstance(info, dict) and "schema" in info else None
    if kind is None or kind.name not in READERS:
        return [base], []
    where = f"{run.path}: {fullname}"
    try:
        info = records.upgrade(info)
    except ValueError as exc:
        return [base], [f"{where}: {exc}; shown in the generic table"]
    info, warnings = records.check(kind.record, info, where)
    base |= {
        "kind": kind.name,
        "device": text(info.get("device")),
        "device_name": text(info.get("device_name")),
        "dtype": text(info.get("dtype")),
        "precision": text(info.get("precision") or info.get("dtype")),
        "threads": num(info.get("threads")),
        "extra": info,
    } | timing_columns(info)
    rows = READERS[kind.name](base, info)
    if not rows:
        warnings.append(f"{where}: {kind.name} benchmark without usable results; skipped")
    return rows, warnings


def counted_work(info: dict[str, Any], median_s: float) -> dict[str, float]:
    """FLOPs and bytes per call with their rates: the saved rates, else the counts over the median
    (one rule for every kind that counts its work: matmul, an alignment size, a user's workload)."""
    flops, nbytes = num(info.get("flops")), num(info.get("bytes"))
    gflops, gbps = num(info.get("gflops")), num(info.get("gbps"))
    return {
        "flops": flops,
        "bytes": nbytes,
        "gflops": gflops if not math.isnan(gflops) else rate_or_nan(flops, median_s),
        "gbps": gbps if not math.isnan(gbps) else rate_or_nan(nbytes, median_s),
    }


@reader("matmul")
def matmul_rows(base: dict[str, Any], info: dict[str, Any]) -> list[dict[str, Any]]:
    return [base | {"op": text(info.get("op")), "n": num(info.get("n"))} | counted_work(info, base["median_s"])]


@reader("training")
def training_rows(base: dict[str, Any], info: dict[str, Any]) -> list[dict[str, Any]]:
    step = num(info.get("step_s"))
    step = step if not math.isnan(step) else base["median_s"]
    flops = num(info.get("flops_per_step"))
    return [
        base
        | {
            "impl": text(info.get("impl")),
            "depth": num(info.get("depth")),
            "profile": text(info.get("profile")),
            "input_mode": text(info.get("input_mode")),
            "step_s": step,
            "epoch_s": num(info.get("epoch_s")),
            "val_accuracy": num(info.get("val_accuracy")),
            "flops": flops,
            "gflops": rate_or_nan(flops, step),
        }
    ]


@reader("study")
def study_rows(base: dict[str, Any], info: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per point; reports.study expands the per-seed lists from ``extra``."""
    return [base | {"val_accuracy": num(info.get("val_accuracy"))}]


@reader("workload")
def workload_rows(base: dict[str, Any], info: dict[str, Any]) -> list[dict[str, Any]]:
    """A user's workload (the torch_benchmark fixture): read like a matmul, by its own work counts."""
    return [base | counted_work(info, base["median_s"])]


@reader("workload-compare")
def workload_compare_rows(base: dict[str, Any], info: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per implementation of a torch_benchmark.compare record, each with its ratio to the
    baseline (NaN for the baseline itself); like interleaved training, the benchmark's own stats
    time a whole sweep, so runs are compared per implementation."""

    def field(name: str) -> dict[str, Any]:
        value = info.get(name)
        return value if isinstance(value, dict) else {}

    medians, data, ratios, intervals = field("median_s"), field("data"), field("ratio"), field("ratio_ci")
    names = info.get("workloads") if isinstance(info.get("workloads"), list) else sorted(set(medians) | set(data))
    rows = []
    for impl in map(str, names):
        times, median = raw_data(data.get(impl)), num(medians.get(impl))
        work = {"flops": info.get("flops"), "bytes": info.get("bytes"), "gflops": field("gflops").get(impl),
                "gbps": field("gbps").get(impl)}  # fmt: skip
        low, high = pair(intervals.get(impl))
        rows.append(
            base
            | {
                "key": f"{base['fullname']} workload={impl}",
                "name": f"{base['name']} {impl}",
                "impl": impl,
                "median_s": median,
                "iqr_s": math.nan,
                "rounds": float(len(times)) if times else math.nan,
            }
            | counted_work(work, median)
            | {
                "ratio": num(ratios.get(impl)),
                "ratio_lo": low,
                "ratio_hi": high,
                "data": times,
            }
        )
    return rows or [base | {"impl": UNKNOWN, "data": None}]


@reader("joint-search")
@reader("joint-best")
def joint_rows(base: dict[str, Any], info: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per record; reports.joint reads the trials and answers from ``extra``."""
    return [base]


@reader("training-interleaved")
def interleaved_rows(base: dict[str, Any], info: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per implementation of an interleaved training benchmark, each carrying the paired
    scratch/framework ratio. The benchmark's own ``stats`` time a whole sweep, whose length
    follows each run's calibration; per-implementation step times are what runs can be compared on.
    """
    low, high = pair(info.get("ratio_ci"))
    step = info.get("step_s") or {}
    data = info.get("data") or {}
    shared = base | {
        "depth": num(info.get("depth")),
        "profile": text(info.get("profile")),
        "input_mode": text(info.get("input_mode")),
        "ratio": num(info.get("ratio")),
        "ratio_lo": low,
        "ratio_hi": high,
        "iqr_s": math.nan,
    }
    rows = []
    for impl in sorted(set(step) | set(data), key=str):
        times = raw_data(data.get(impl))
        rows.append(
            shared
            | {
                "key": f"{base['fullname']} impl={impl}",
                "name": f"{base['name']} {impl}",
                "impl": str(impl),
                "median_s": num(step.get(impl)),
                "step_s": num(step.get(impl)),
                "rounds": float(len(times)) if times else math.nan,
                "data": times,
            }
        )
    return rows or [shared | {"impl": UNKNOWN, "data": None}]


LAUNCH_BOUND_MARK = "\u2691 launch-bound"  # a small flag beside the timing mode


def timing_columns(info: dict[str, Any]) -> dict[str, Any]:
    """Which question the figure answers (timing mode), the launch-bound flag and the
    --bench-verify ratio of a harness benchmark; older runs read as their path was (cpu/e2e)."""
    timing = info.get("timing") if isinstance(info.get("timing"), dict) else {}
    verify = info.get("verify") if isinstance(info.get("verify"), dict) else {}
    mode = timing_mode_of(timing, text(info.get("device"), ""))
    launch_bound = timing.get("launch_bound") is True
    return {
        "mode": mode,
        "launch_bound": launch_bound,
        "timing": f"{mode} {LAUNCH_BOUND_MARK}" if launch_bound else mode,
        "verify_tool": text(verify.get("tool"), ""),
        "verify_ratio": num(verify.get("ratio")),
        "verify_note": text(verify.get("unavailable"), ""),
        "stopped_by": text(timing.get("stopped_by"), ""),  # a study with a precision target: what ended it
        "stop_target": num(timing.get("stop_target")),
    }


def pair(value: Any) -> tuple[float, float]:
    """A saved [low, high] interval, or two NaNs when absent or malformed."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return num(value[0]), num(value[1])
    return math.nan, math.nan


@reader("alignment")
def per_size_rows(base: dict[str, Any], info: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per size of an alignment benchmark (its own ``stats`` summarise all sizes)."""
    rows = []
    for size, entry in (info.get("per_size") or {}).items():
        low, high = pair(entry.get("penalty_ci"))
        median = num(entry.get("median_s"))
        data = raw_data(entry.get("data"))
        rows.append(
            base
            | {
                "key": f"{base['fullname']} n={size}",
                "op": text(info.get("op")),
                "n": size_of(size),
                "median_s": median,
                "iqr_s": math.nan,
                "rounds": float(len(data)) if data else math.nan,
            }
            | counted_work(entry, median)
            | {
                "penalty": num(entry.get("penalty")),
                "penalty_lo": low,
                "penalty_hi": high,
                "data": data,
                "cold_penalty": num(entry.get("cold_penalty")),
                "cold_penalty_lo": pair(entry.get("cold_penalty_ci"))[0],
                "cold_penalty_hi": pair(entry.get("cold_penalty_ci"))[1],
            }
        )
    return rows


def results_frame(runs: Sequence[Run], only: Iterable[int] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """All results of all runs (or of the runs at indices ``only``; ``run`` stays the index into
    ``runs``) as one DataFrame (columns: COLUMNS), and reading warnings."""
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    for index in range(len(runs)) if only is None else only:
        run = runs[index]
        for bench in run.benchmarks:
            bench_rows, bench_warnings = benchmark_rows(index, run, bench)
            rows.extend(bench_rows)
            warnings.extend(bench_warnings)
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    for column in ("threads", "n", "depth", "median_s", "iqr_s", "rounds", "flops", "bytes", "gflops", "gbps",
                   "penalty", "penalty_lo", "penalty_hi", "ratio", "ratio_lo", "ratio_hi", "step_s", "epoch_s",
                   "val_accuracy"):  # fmt: skip
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    frame["datetime"] = pd.to_datetime(frame["datetime"])
    return frame, warnings


def latest(frame: pd.DataFrame) -> pd.DataFrame:
    """The newest result of each benchmark on each machine: what "this machine now" means.

    Runs that measured only part of the suite still contribute the parts they measured.
    """
    if frame.empty:
        return frame
    ordered = frame.sort_values(["datetime", "run"], na_position="first", kind="stable")
    return ordered.drop_duplicates(["machine_id", "key"], keep="last")


TRAINING_GROUP = ["machine_id", "device", "profile", "input_mode", "depth"]
_TRAINING_COLUMNS = [*TRAINING_GROUP, "kind", "impl", "step_s", "epoch_s", "val_accuracy", "ratio", "ratio_lo",
                     "ratio_hi", "data"]  # fmt: skip


def training_groups(results: pd.DataFrame) -> list[tuple[tuple[Any, ...], dict[str, Any], Any]]:
    """Each machine's newest training results per (machine, device, profile, input mode, depth),
    sorted: (key, the standalone rows by implementation (sorted), one interleaved row or None).

    One pass over a narrow frame: pandas grouping with per-group filters cost a fleet seconds.
    """
    now = latest(results)
    now = now[now["kind"].isin(["training", "training-interleaved"]) & now["depth"].notna()][_TRAINING_COLUMNS]
    groups: dict[tuple[Any, ...], tuple[dict[str, Any], list[Any]]] = {}
    for row in now.sort_values("impl", kind="stable").itertuples(index=False):
        timed, paired = groups.setdefault(tuple(getattr(row, k) for k in TRAINING_GROUP), ({}, []))
        if row.kind == "training":
            timed[str(row.impl)] = row
        elif not paired:
            paired.append(row)
    return [(key, timed, paired[0] if paired else None) for key, (timed, paired) in sorted(groups.items())]
