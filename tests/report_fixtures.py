"""Realistic saved runs for the report tests, written the way the harness writes them.

The harness's writers are built in parallel with the report, so the report is tested against
files generated here from ``contract.schema`` alone: a CPU-only laptop, a GPU box (cuda:0 with
float32 / float32-tf32 / float16 / bfloat16), older pytest-benchmark layouts, and foreign suites.
Numbers follow simple models (time = work / rate, misaligned sizes pay a penalty) with seeded
noise, so every file is reproducible.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from contract.schema import MACHINE_KEY, SCHEMA_VERSION

SIZES = tuple(range(1024, 1033))
BASE_TIME = datetime(2024, 6, 11, 9, 0, 0)

#: Each profile: machine_info["harness"] and the rates that drive the generated timings.
PROFILES: dict[str, dict[str, Any]] = {
    "laptop": {
        "hostname": "laptop",
        "cpu": "Intel(R) Core(TM) i7-1165G7 @ 2.80GHz",
        "cores": (4, 8),
        "mem_gb": 16,
        "mem_type": "LPDDR4",
        "mem_speed": 4267,
        "bus_bits": None,  # unreadable without root: exercises the "unavailable" path
        "cpu_peak": 300.0,
        "cpu_rate": 180.0,
        "cpu_bw": 18.0,
        "gpus": [],
    },
    "gpubox": {
        "hostname": "gpubox",
        "cpu": "AMD EPYC 7313 16-Core Processor",
        "cores": (16, 32),
        "mem_gb": 256,
        "mem_type": "DDR4",
        "mem_speed": 3200,
        "bus_bits": 512,
        "cpu_peak": 1900.0,
        "cpu_rate": 900.0,
        "cpu_bw": 70.0,
        "gpus": [
            {
                "name": "NVIDIA A100-SXM4-40GB",
                "cc": "8.0",
                "bus": 5120,
                "clock": 1215,
                "mem_gb": 40,
                "sms": 108,
                "peaks": {"float32": 19500.0, "float32-tf32": 156000.0, "float16": 312000.0, "bfloat16": 312000.0},
                "rates": {"float32": 18000.0, "float32-tf32": 110000.0, "float16": 220000.0, "bfloat16": 210000.0},
                "bw": 1400.0,
            }
        ],
    },
}

PRECISION_BYTES = {"float32": 4, "float32-tf32": 4, "float16": 2, "bfloat16": 2}


def machine_id(profile: str) -> str:
    """ "<hostname>-<8 hex>", like the harness's id (stable across runs of one profile)."""
    return f"{PROFILES[profile]['hostname']}-{sum(map(ord, profile)) * 2654435761 % 0xFFFFFFFF:08x}"


def harness_record(profile: str, name: str | None = None) -> dict[str, Any]:
    """machine_info["harness"] for a profile, following MACHINE_FIELDS / CPU_FIELDS / ..."""
    p = PROFILES[profile]
    phys, logical = p["cores"]
    bus = p["bus_bits"]
    mem_unavailable = {} if bus else {"bus_width_bits": "no DMI table (/sys/firmware/dmi absent)"}
    gpus = []
    for i, g in enumerate(p["gpus"]):
        gpus.append(
            {
                "device": f"cuda:{i}",
                "index": i,
                "uuid": f"GPU-{i:08d}-0000",
                "name": g["name"],
                "compute_capability": g["cc"],
                "sm_count": g["sms"],
                "memory_bytes": g["mem_gb"] * 2**30,
                "memory_bus_width_bits": g["bus"],
                "memory_clock_mhz": g["clock"],
                "theoretical_gbps": 2 * g["clock"] * 1e6 * g["bus"] / 8 / 1e9,
                "sm_clock_mhz": 1410,
                "pcie_gen": 4,
                "pcie_width": 16,
                "power_limit_w": 400.0,
                "ecc": True,
                "mig": False,
                "driver": "550.54.15",
                "cuda": "12.4",
                "source": "nvml",
                "unavailable": {},
            }
        )
    peaks: dict[str, dict[str, float]] = {"cpu": {"float32": p["cpu_peak"]}}
    bandwidth: dict[str, dict[str, float]] = {"cpu": {"copy_gbps": p["cpu_bw"], "triad_gbps": p["cpu_bw"] * 1.1}}
    for i, g in enumerate(p["gpus"]):
        peaks[f"cuda:{i}"] = dict(g["peaks"])
        bandwidth[f"cuda:{i}"] = {"copy_gbps": g["bw"]}
    return {
        "schema": SCHEMA_VERSION,
        "machine_id": name or machine_id(profile),
        "hostname": p["hostname"],
        "cpu": {
            "vendor": p["cpu"].split()[0].replace("(R)", ""),
            "model": p["cpu"],
            "arch": "x86_64",
            "microarchitecture": None,
            "sockets": 1,
            "physical_cores": phys,
            "logical_cores": logical,
            "isa": ["avx2", "fma"],
            "base_mhz": 2800.0,
            "max_mhz": 4700.0,
            "caches": [
                {"level": 1, "type": "Data", "size_bytes": 48 * 1024, "instances": phys, "shared_by_cpus": 2},
                {"level": 1, "type": "Instruction", "size_bytes": 32 * 1024, "instances": phys, "shared_by_cpus": 2},
                {"level": 2, "type": "Unified", "size_bytes": 1280 * 1024, "instances": phys, "shared_by_cpus": 2},
                {"level": 3, "type": "Unified", "size_bytes": 12 * 2**20, "instances": 1, "shared_by_cpus": logical},
            ],
            "unavailable": {"microarchitecture": "not in the table of known models"},
        },
        "memory": {
            "total_bytes": p["mem_gb"] * 2**30,
            "modules": [
                {
                    "locator": "DIMM 0",
                    "size_bytes": p["mem_gb"] * 2**30,
                    "type": p["mem_type"],
                    "speed_mts": p["mem_speed"],
                    "configured_speed_mts": p["mem_speed"],
                    "data_width_bits": 64,
                }
            ]
            if bus
            else [],
            "channels": bus // 64 if bus else None,
            "bus_width_bits": bus,
            "theoretical_gbps": p["mem_speed"] * bus / 8 / 1000 if bus else None,
            "source": "dmidecode" if bus else None,
            "unavailable": mem_unavailable | ({} if bus else {"theoretical_gbps": "bus width unknown"}),
        },
        "gpus": gpus,
        "peaks": peaks,
        "bandwidth": bandwidth,
        "software": {
            "python": "3.11.2",
            "torch": "2.3.1",
            "torch_cuda": "12.1" if gpus else None,
            "cudnn": "8902" if gpus else None,
            "torchvision": "0.18.1",
            "numpy": "1.26.4",
            "pytest_benchmark": "5.1.0",
            "blas": "MKL 2023.1",
            "threads": {"torch": phys, "interop": phys, "OMP_NUM_THREADS": None, "MKL_NUM_THREADS": None},
        },
        "unavailable": {} if gpus else {"gpus": "no NVML and no CUDA"},
    }


def _stats(data: list[float], iterations: int) -> dict[str, Any]:
    """pytest-benchmark 5.x ``stats`` computed from per-call round times."""
    a = np.asarray(data)
    q1, median, q3 = (float(x) for x in np.percentile(a, [25, 50, 75]))
    iqr = q3 - q1
    mean, std = float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else 0.0
    return {
        "min": float(a.min()),
        "max": float(a.max()),
        "mean": mean,
        "stddev": std,
        "rounds": int(a.size),
        "median": median,
        "iqr": iqr,
        "q1": q1,
        "q3": q3,
        "iqr_outliers": int(((a < q1 - 1.5 * iqr) | (a > q3 + 1.5 * iqr)).sum()),
        "stddev_outliers": int(((a < mean - std) | (a > mean + std)).sum()),
        "outliers": "0;0",
        "ld15iqr": float(a.min()),
        "hd15iqr": float(a.max()),
        "ops": 1.0 / mean,
        "total": float(a.sum() * iterations),
        "iterations": iterations,
        "data": [float(x) for x in a],
    }


def _timing(device: str, iterations: int, rounds: int) -> dict[str, Any]:
    clock = "cuda-synchronize+perf_counter" if device.startswith("cuda") else "perf_counter"
    return {
        "clock": clock,
        "warmup_calls": 3,
        "warmup_s": 0.1,
        "iterations": iterations,
        "rounds": rounds,
        "min_round_s": 0.01,
    }


def _penalty(n: int) -> float:
    """Misalignment model: multiples of 8 are fast, odd sizes pay the most."""
    if n % 8 == 0:
        return 1.0 + (n - 1024) / 1024 * 3
    return 1.25 if n % 2 else 1.1


def _work(op: str, n: int, width: int) -> tuple[int, int]:
    if op == "mm":
        return 2 * n**3, 3 * n * n * width
    return 2 * n * n, (n * n + 2 * n) * width


def _bench(name: str, module: str, group: str, extra: dict[str, Any], stats: dict[str, Any]) -> dict[str, Any]:
    return {
        "group": group,
        "name": name,
        "fullname": f"{module}::{name}",
        "params": None,
        "param": name[name.index("[") + 1 : -1] if "[" in name else None,
        "extra_info": extra,
        "options": {
            "disable_gc": False,
            "timer": "perf_counter",
            "min_rounds": 5,
            "max_time": 1.0,
            "min_time": 5e-06,
            "warmup": False,
        },
        "stats": stats,
    }


def _devices(profile: str) -> list[tuple[str, str, list[str], float, float]]:
    """(device, device_name, precisions, bandwidth, rate-by-precision) per device of a profile."""
    p = PROFILES[profile]
    out: list[Any] = [("cpu", p["cpu"], ["float32"], p["cpu_bw"], {"float32": p["cpu_rate"]})]
    for i, g in enumerate(p["gpus"]):
        out.append((f"cuda:{i}", g["name"], list(g["rates"]), g["bw"], g["rates"]))
    return out


def make_run(
    profile: str,
    when: datetime = BASE_TIME,
    *,
    seed: int = 0,
    slowdown: float = 1.0,
    rounds: int = 15,
    save_data: bool = True,
    machine_name: str | None = None,
    training: bool = True,
    matmul: bool = True,
    alignment: bool = True,
) -> dict[str, Any]:
    """One saved run of the project's suite on ``profile`` (a dict ready for json.dump)."""
    rng = np.random.default_rng(seed)
    benches: list[dict[str, Any]] = []

    def noisy(t: float, k: int = rounds) -> list[float]:
        return list(t * slowdown * (1 + np.abs(rng.normal(0, 0.02, k))))

    for device, dname, precisions, bw, rates in _devices(profile):
        common = {"schema": SCHEMA_VERSION, "device": device, "device_name": dname}
        threads = PROFILES[profile]["cores"][0] if device == "cpu" else 1
        for precision in precisions:
            width = PRECISION_BYTES[precision]
            dtype = "float32" if precision.startswith("float32") else precision
            for op in ("mm", "mv"):
                times = {}
                for n in SIZES:
                    flops, nbytes = _work(op, n, width)
                    base = flops / (rates[precision] * 1e9) if op == "mm" else nbytes / (bw * 1e9)
                    times[n] = base * _penalty(n)
                if matmul:
                    for n in SIZES:
                        flops, nbytes = _work(op, n, width)
                        iters = max(1, int(0.01 / times[n]))
                        stats = _stats(noisy(times[n]), iters)
                        med = stats["median"]
                        extra = common | {
                            "kind": "matmul",
                            "dtype": dtype,
                            "threads": threads,
                            "timing": _timing(device, iters, rounds),
                            "op": op,
                            "n": n,
                            "precision": precision,
                            "tf32": precision == "float32-tf32",
                            "flops": flops,
                            "bytes": nbytes,
                            "gflops": flops / med / 1e9,
                            "gbps": nbytes / med / 1e9,
                            "readings": {},
                        }
                        benches.append(
                            _bench(
                                f"test_matmul[{op}-{device}-{precision}-{n}]",
                                "bench/kernels/bench_matmul.py",
                                f"matmul {op} {device} {precision}",
                                extra,
                                stats,
                            )
                        )
                if alignment:
                    per_size: dict[str, Any] = {}
                    drift = 1 + np.abs(rng.normal(0, 0.05, rounds))  # shared by all sizes of a round
                    base_data = None
                    for n in SIZES:
                        flops, nbytes = _work(op, n, width)
                        data = list(np.asarray(noisy(times[n])) * drift)
                        if base_data is None:
                            base_data = data
                        ratios = np.asarray(data) / np.asarray(base_data)
                        med = float(np.median(data))
                        per_size[str(n)] = {
                            "iterations": max(1, int(0.01 / times[n])),
                            "median_s": med,
                            "data": data if save_data else None,
                            "flops": flops,
                            "bytes": nbytes,
                            "gflops": flops / med / 1e9,
                            "gbps": nbytes / med / 1e9,
                            "penalty": float(np.median(ratios)),
                            "penalty_ci": [float(np.quantile(ratios, 0.1)), float(np.quantile(ratios, 0.9))],
                        }
                    extra = common | {
                        "kind": "alignment",
                        "dtype": dtype,
                        "threads": threads,
                        "timing": _timing(device, 1, rounds),
                        "op": op,
                        "precision": precision,
                        "tf32": precision == "float32-tf32",
                        "baseline_n": 1024,
                        "sizes": list(SIZES),
                        "per_size": per_size,
                        "readings": {},
                    }
                    stats = _stats([sum(v["data"] or [v["median_s"]]) for v in per_size.values()][:1] * rounds, 1)
                    benches.append(
                        _bench(
                            f"test_alignment[{op}-{device}-{precision}]",
                            "bench/kernels/bench_matmul.py",
                            f"alignment {op} {device} {precision}",
                            extra,
                            stats,
                        )
                    )
        if training:
            for impl in ("framework", "scratch"):
                for depth in range(1, 6):
                    widths = [max(16, 256 >> i) for i in range(depth)]
                    params = 784 * widths[0] + sum(a * b for a, b in itertools.pairwise(widths)) + widths[-1] * 10
                    flops = 6 * 256 * params
                    rate = rates["float32"] * (0.05 if device == "cpu" else 0.01)
                    step = flops / (rate * 1e9) * (1.6 if impl == "scratch" else 1.0) + 2e-4 * depth
                    stats = _stats(noisy(step), 10)
                    acc = 0.84 + 0.01 * depth - (0.004 if impl == "scratch" else 0.0)
                    extra = common | {
                        "kind": "training",
                        "dtype": "float32",
                        "threads": threads,
                        "timing": _timing(device, 10, rounds),
                        "impl": impl,
                        "depth": depth,
                        "widths": widths,
                        "profile": "seed",
                        "input_mode": "device-tensors",
                        "dataset": "fashion-mnist",
                        "batch_size": 256,
                        "lr": 0.1,
                        "params": params,
                        "flops_per_step": flops,
                        "steps_per_epoch": 235,
                        "step_s": stats["median"],
                        "epoch_s": stats["median"] * 235,
                        "samples_per_s": 256 / stats["median"],
                        "final_loss": 0.45 - 0.01 * depth,
                        "val_accuracy": round(acc, 4),
                    }
                    benches.append(
                        _bench(
                            f"test_training[{impl}-{device}-depth{depth}]",
                            "bench/training/bench_training.py",
                            f"training {device}",
                            extra,
                            stats,
                        )
                    )
        if training:
            for depth in range(1, 6):  # framework and scratch alternated round by round
                ratio = 1.5 + 0.02 * depth
                framework = 1e-3 * depth
                data = {"framework": noisy(framework), "scratch": noisy(framework * ratio)}
                extra = common | {
                    "kind": "training-interleaved",
                    "dtype": "float32",
                    "threads": threads,
                    "timing": _timing(device, 1, rounds) | {"interleaved": True},
                    "depth": depth,
                    "profile": "seed",
                    "input_mode": "device-tensors",
                    "impls": ["framework", "scratch"],
                    "ratio": ratio,
                    "ratio_ci": [ratio - 0.03, ratio + 0.04],
                    "iterations": {"framework": 10, "scratch": 7},
                    "data": data,
                    "step_s": {impl: float(np.median(times)) for impl, times in data.items()},
                }
                benches.append(
                    _bench(
                        f"test_training_ratio[{device}-depth{depth}]",
                        "bench/training/bench_training.py",
                        f"training {device}",
                        extra,
                        _stats(noisy(0.01 * depth), 1),
                    )
                )
    if not save_data:
        for b in benches:
            b["stats"].pop("data", None)
    return {
        "machine_info": {
            "node": PROFILES[profile]["hostname"],
            "processor": "x86_64",
            "machine": "x86_64",
            "python_compiler": "GCC 12.2.0",
            "python_implementation": "CPython",
            "python_implementation_version": "3.11.2",
            "python_version": "3.11.2",
            "python_build": ["main", "Mar 13 2023 12:18:29"],
            "release": "6.1.0-18-amd64",
            "system": "Linux",
            "cpu": {"brand_raw": PROFILES[profile]["cpu"], "count": PROFILES[profile]["cores"][1]},
            MACHINE_KEY: harness_record(profile, machine_name),
        },
        "commit_info": {
            "id": f"{seed:040x}",
            "time": when.isoformat(),
            "author_time": when.isoformat(),
            "dirty": False,
            "project": "torch-bench-harness",
            "branch": "main",
        },
        "benchmarks": benches,
        "datetime": when.isoformat(),
        "version": "5.1.0",
    }


def study_run(when: datetime = BASE_TIME) -> dict[str, Any]:
    """A run with hyperparameter-study points (kind == "study", contract.schema.STUDY_FIELDS): an lr sweep."""
    run = make_run("laptop", when, matmul=False, alignment=False, training=False)
    for i, lr in enumerate((0.01, 0.1, 1.0)):
        accuracy = [0.60 + 0.15 * i + 0.01 * s for s in range(3)]
        train_s = [12.5 + i + 0.1 * s for s in range(3)]
        extra = {
            "schema": SCHEMA_VERSION,
            "kind": "study",
            "device": "cpu",
            "device_name": "cpu",
            "dtype": "float32",
            "threads": 4,
            "timing": _timing("cpu", 1, 3),
            "param": "lr",
            "value": lr,
            "setting": {"hidden_units": 256, "extra_layer": False, "lr": lr, "activation": "relu", "init": "normal"},
            "profile": "quick",
            "dataset": "digits-8x8",
            "epochs": 30,
            "batch_size": 256,
            "lr": lr,
            "seeds": [0, 1, 2],
            "val_accuracy": accuracy,
            "final_loss": [1.0 - 0.3 * i] * 3,
            "train_s": train_s,
            "time_to_target_s": [None, 5.0, 2.0][i : i + 1] * 3,
            "target_accuracy": 0.8,
            "accuracy_mean": sum(accuracy) / 3,
            "accuracy_ci": [accuracy[0] - 0.01, accuracy[2] + 0.01],
            "train_s_mean": sum(train_s) / 3,
            "model": {"activations": ["ReLU"], "hidden_widths": [256], "lr": lr},
            "applied": True,
            "applied_problems": [],
        }
        run["benchmarks"].append(
            _bench(f"test_study[lr-{lr}]", "bench/study/bench_study.py", "study lr", extra, _stats(train_s[1:], 1))
        )
    return run


def foreign_run(when: datetime = BASE_TIME, node: str = "ci-runner") -> dict[str, Any]:
    """Another project's pytest-benchmark 5.x run: arbitrary extra_info, no harness record."""
    benches = []
    for i, name in enumerate(["test_parse", "test_render[small]", "test_render[large]"]):
        stats = _stats(list(1e-4 * (i + 1) * (1 + 0.01 * np.arange(8))), 100)
        b = _bench(name, "tests/test_perf.py", "io" if i else None, {"note": "foreign", "size": i}, stats)
        b["params"] = {"size": ["small", "large"][i - 1]} if i else None
        benches.append(b)
    return {
        "machine_info": {"node": node, "machine": "x86_64", "python_version": "3.12.1"},
        "commit_info": {"id": "abc", "dirty": True},
        "benchmarks": benches,
        "datetime": when.isoformat(),
        "version": "5.2.3",
    }


def v25_run() -> dict[str, Any]:
    """pytest-benchmark 2.5 layout: no params/param/extra_info, no raw data, group None."""
    return {
        "commit_info": {"id": "98a371badf8daa50eb83ecfd889eac2143c9cf8d", "dirty": False},
        "version": "2.5.0",
        "benchmarks": [
            {
                "stats": {
                    "q1": 19.8,
                    "q3": 20.5,
                    "iterations": 1,
                    "min": 19.5,
                    "max": 21.5,
                    "median": 19.8,
                    "iqr": 0.7,
                    "stddev_outliers": 2,
                    "stddev": 0.63,
                    "outliers": "2;0",
                    "iqr_outliers": 0,
                    "rounds": 10,
                    "mean": 20.1,
                },
                "fullname": "tests/test_func/test_perf.py::test_engine",
                "group": None,
                "name": "test_engine",
                "options": {"disable_gc": False, "warmup": False, "timer": "time", "min_rounds": 10},
            }
        ],
        "machine_info": {"node": "jenkins", "machine": "x86_64", "python_version": "2.7.3"},
        "datetime": "2015-08-11T03:15:07.221370",
    }


def v3_run() -> dict[str, Any]:
    """pytest-benchmark 3.x layout: params/extra_info present, stats without data or ops."""
    return {
        "machine_info": {"node": "old-box", "processor": "x86_64", "cpu": {"brand": "Intel Xeon"}},
        "commit_info": {"id": "5b78858e", "dirty": True},
        "benchmarks": [
            {
                "group": None,
                "name": "test_xfast_parametrized[0]",
                "fullname": "tests/test_normal.py::test_xfast_parametrized[0]",
                "params": {"foo": 0},
                "param": "0",
                "extra_info": {},
                "options": {"min_time": 2.5e-05, "max_time": 1.0, "min_rounds": 5, "timer": "perf_counter"},
                "stats": {
                    "min": 2.18e-07,
                    "max": 1.33e-05,
                    "mean": 2.61e-07,
                    "stddev": 2.64e-07,
                    "rounds": 9710,
                    "median": 2.2e-07,
                    "iqr": 1.88e-08,
                    "q1": 2.18e-07,
                    "q3": 2.37e-07,
                    "iqr_outliers": 1726,
                    "stddev_outliers": 160,
                    "outliers": "160;1726",
                    "ld15iqr": 2.18e-07,
                    "hd15iqr": 2.67e-07,
                    "iterations": 431,
                },
            }
        ],
        "datetime": "2017-03-01T10:00:00.000000",
        "version": "3.0.0",
    }


def write_json(path: Path, obj: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))
    return path


def write_runs(folder: Path, runs: Iterable[tuple[str, dict[str, Any]]]) -> list[Path]:
    """Write (relative name, run) pairs under ``folder`` the way pytest-benchmark stores them."""
    return [write_json(folder / name, run) for name, run in runs]


def storage_name(run: dict[str, Any], counter: int) -> str:
    """``<machine>/<NNNN>_<commit>_<date>.json``, like ``--benchmark-autosave`` does."""
    mid = run["machine_info"].get(MACHINE_KEY, {}).get("machine_id", "unknown")
    stamp = run["datetime"].replace("-", "").replace(":", "").replace("T", "_")[:15]
    return f"{mid}/{counter:04d}_{run['commit_info']['id'][:8]}_{stamp}.json"


def standard_set(folder: Path) -> list[Path]:
    """Two runs of each machine (the second a little slower on the GPU box), a study, a foreign run."""
    runs = [
        make_run("laptop", BASE_TIME, seed=1),
        make_run("laptop", BASE_TIME + timedelta(days=1), seed=2),
        make_run("gpubox", BASE_TIME, seed=3),
        make_run("gpubox", BASE_TIME + timedelta(days=1), seed=4, slowdown=1.3),
        study_run(BASE_TIME + timedelta(hours=3)),
    ]
    named = [(storage_name(r, i + 1), r) for i, r in enumerate(runs)]
    named.append(("ci-runner/0001_foreign.json", foreign_run()))
    return write_runs(folder, named)


def scale_set(folder: Path, count: int = 1000, rounds: int = 10) -> list[Path]:
    """``count`` runs spread over four machines: one generated run per machine, re-timed per copy."""
    templates = [
        make_run("laptop", rounds=rounds, seed=1),
        make_run("gpubox", rounds=rounds, seed=2),
        make_run("laptop", rounds=rounds, seed=3, machine_name="laptop-2"),
        make_run("gpubox", rounds=rounds, seed=4, machine_name="gpubox-2"),
    ]
    paths = []
    for i in range(count):
        run = copy.copy(templates[i % len(templates)])
        when = BASE_TIME + timedelta(hours=i)
        run["datetime"] = when.isoformat()
        run["commit_info"] = {"id": f"{i:040x}", "dirty": False}
        paths.append(write_json(folder / storage_name(run, i + 1), run))
    return paths


def _retimed(value: Any, factor: float, keys: frozenset[str]) -> Any:
    """A copy of a saved record with every time under ``keys`` multiplied and every rate divided by ``factor``."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("gflops", "gbps", "samples_per_s") and isinstance(item, int | float):
                out[key] = item / factor
            elif key in keys and isinstance(item, int | float) and not isinstance(item, bool):
                out[key] = item * factor
            elif key in keys and isinstance(item, list):
                out[key] = [x * factor if isinstance(x, int | float) else x for x in item]
            elif key in keys and isinstance(item, dict):  # step_s / data per implementation
                out[key] = {k: _retimed({key: v}, factor, keys)[key] for k, v in item.items()}
            else:
                out[key] = _retimed(item, factor, keys)
        return out
    if isinstance(value, list):
        return [_retimed(item, factor, keys) for item in value]
    return value


TIMED_KEYS = frozenset(("min", "max", "mean", "median", "iqr", "q1", "q3", "stddev", "total", "data", "median_s",
                        "step_s", "epoch_s", "ld15iqr", "hd15iqr"))  # fmt: skip


def fleet_set(folder: Path, real_runs: Iterable[Path], machines: int = 10, runs_per_machine: int = 3) -> list[Path]:
    """A fleet made from real saved runs: ``machines`` machines (two of them the generated GPU box),
    each with ``runs_per_machine`` runs a day apart. Every CPU machine is a real run re-timed by its
    own speed factor, its peaks scaled alike and its penalties widened or narrowed; the middle run
    of every third machine is marked as measured under 30 % CPU contention."""
    real = [json.loads(Path(p).read_text()) for p in real_runs]
    if not real:
        raise ValueError("fleet_set needs at least one real saved run")
    rng = np.random.default_rng(7)
    named = []
    for m in range(machines):
        name = f"fleet-{m:02d}"
        for r in range(runs_per_machine):
            when = BASE_TIME + timedelta(days=r, hours=m)
            if m >= machines - 2:  # the GPU boxes: generated, slower on the last run
                run = make_run("gpubox", when, seed=100 * m + r, machine_name=name, rounds=8,
                               slowdown=1.15 if r == runs_per_machine - 1 else 1.0)  # fmt: skip
            else:
                factor = float(0.5 + 0.15 * m + rng.normal(0, 0.01))
                run = _retimed(copy.deepcopy(real[(m + r) % len(real)]), factor, TIMED_KEYS)
                harness = run["machine_info"]["harness"]
                harness["machine_id"] = name
                harness["peaks"] = {d: {p: v / factor for p, v in ps.items()} for d, ps in harness["peaks"].items()}
                spread = 0.5 + 0.25 * (m % 5)  # how much misalignment costs on this machine
                for bench in run["benchmarks"]:
                    for entry in (bench["extra_info"].get("per_size") or {}).values():
                        entry["penalty"] = 1 + (entry["penalty"] - 1) * spread
                        entry["penalty_ci"] = [1 + (x - 1) * spread for x in entry["penalty_ci"]]
                    readings = bench["extra_info"].get("readings") or {}
                    if m % 3 == 0 and r == 1 and "after" in readings and "before" in readings:
                        elapsed = readings["after"]["time"] - readings["before"]["time"]
                        readings["after"]["cpu_pressure_some_us"] = (
                            readings["before"]["cpu_pressure_some_us"] + 0.3 * elapsed * 1e6
                        )
            run["datetime"] = when.isoformat()
            run["commit_info"] = {"id": f"{m:02x}{r:038x}", "dirty": False, "time": when.isoformat()}
            named.append((storage_name(run, r + 1), run))
    return write_runs(folder, named)
