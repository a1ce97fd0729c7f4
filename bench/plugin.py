"""The harness's pytest plugin: options, shared fixtures and pytest-benchmark hooks.

Loaded by the ``pytest11`` entry point of an installed package (bench/entry_point.py), by the root
``conftest.py`` of a checkout, and by ``-p bench.plugin``: all under this module's name, so once.
Logic lives in the modules named for it; this file only wires it in.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
import torch

from bench import hardware, partial
from bench.devices import DeviceChoice, resolve_devices
from bench.options import DEFAULT_SIZES, parse_devices, parse_list, parse_sizes
from bench.timing import TimingPolicy
from contract.schema import OPS, PRECISIONS

# Plugins wired here, so this file stays the one place they are registered:
# - bench.fixture: your own workloads (issue 17), the torch_benchmark fixture and its option, docs/workloads.md;
# - bench.summary: the answers at the end of a session (issue 14), records kept as benchmarks finish.
pytest_plugins = ["bench.fixture", "bench.summary"]

T = TypeVar("T")

_SESSION_CACHE = pytest.StashKey[dict]()

CPU_DEFAULT_PRECISIONS = ("float32",)
CUDA_DEFAULT_PRECISIONS = PRECISIONS


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bench", "torch benchmark harness")
    add = group.addoption
    add(
        "--bench-devices",
        default=os.environ.get("BENCH_DEVICES", "all"),
        help="devices to measure: all, cpu, cuda, cuda:N, comma separated (default: all; env BENCH_DEVICES)",
    )
    add(
        "--bench-sizes",
        default=os.environ.get("BENCH_SIZES", "1024-1032"),
        help="matrix sizes n: N-M ranges and/or a comma list (default: 1024-1032; the d2l exercise used "
        "1024,1025,1026,1028,1032; env BENCH_SIZES)",
    )
    add("--bench-ops", default="all", help=f"matrix ops: {', '.join(OPS)} or all (default: all)")
    add(
        "--bench-cpu-precisions",
        default=",".join(CPU_DEFAULT_PRECISIONS),
        help=f"precisions on the CPU: {', '.join(PRECISIONS)} (default: float32)",
    )
    add(
        "--bench-cuda-precisions",
        default="all",
        help=f"precisions on CUDA: {', '.join(PRECISIONS)} or all (default: all)",
    )
    add(
        "--bench-threads",
        type=int,
        default=None,
        help="torch CPU threads (default: torch's choice); recorded with every result",
    )
    add(
        "--bench-warmup-time",
        type=float,
        default=0.1,
        help="seconds of warmup before calibration and timing, always applied (default: 0.1)",
    )
    add(
        "--bench-warmup-max-time",
        type=float,
        default=1.0,
        help="after --bench-warmup-time, warm rounds go on until three agree within 2%%, for at most this "
        "many seconds (default: 1.0)",
    )
    add(
        "--bench-min-round-time",
        type=float,
        default=0.01,
        help="calibrate calls per round so one round lasts at least this many seconds; the CPU alignment study "
        "uses at most 0.002 (default: 0.01)",
    )
    add(
        "--bench-align-rounds",
        type=int,
        default=40,
        help="interleaved rounds of the alignment study: at least this many on the CPU, exactly this many on CUDA "
        "(default: 40)",
    )
    add(
        "--bench-align-precision",
        type=float,
        default=0.01,
        help="CPU alignment study: after its rounds, go on until every penalty's 95%% interval is within this "
        "relative half-width; 0: exactly --bench-align-rounds (default: 0.01)",
    )
    add(
        "--bench-align-max-time",
        type=float,
        default=60.0,
        help="CPU alignment study: stop once its rounds have lasted this many seconds (operand copies included), "
        "precise or not; its first --bench-align-rounds always run, and count (default: 60)",
    )
    add(
        "--bench-full",
        action="store_true",
        default=False,
        help="training: time whole epochs instead of a bounded number of steps",
    )
    add(
        "--bench-full-epochs",
        type=int,
        default=2,
        help="training with --bench-full: whole epochs timed per benchmark, a count, never a time budget (default: 2)",
    )
    add(
        "--bench-data-root",
        default=os.environ.get("FASHION_MNIST_ROOT"),
        help="folder holding FashionMNIST/raw (torchvision layout); default: env FASHION_MNIST_ROOT, "
        "else a synthetic learnable data set",
    )
    # Training (issue 4): parsed and validated in bench/training/options.py.
    add("--bench-train-batch-size", type=int, default=256, help="training: minibatch size (default: 256)")
    add("--bench-train-lr", type=float, default=0.1, help="training: SGD learning rate (default: 0.1)")
    add(
        "--bench-train-wide-width",
        type=int,
        default=None,
        help="training: hidden width of the 'wide' profile (default: 1024, 4096 with --bench-full)",
    )
    add(
        "--bench-train-input-modes",
        default="device-tensors,dataloader",
        help="training: device-tensors, dataloader or both, comma separated (default: both)",
    )
    add("--bench-train-workers", type=int, default=0, help="training: DataLoader num_workers (default: 0)")
    add(
        "--bench-train-val-samples",
        type=int,
        default=None,
        help="training: samples of each split evaluated after timing (default: 2000; 0 or --bench-full: all)",
    )
    add(
        "--bench-train-rounds",
        type=int,
        default=25,
        help="training: interleaved framework/scratch rounds of the comparison benchmark (default: 25)",
    )
    add(
        "--bench-compile",
        action="store_true",
        default=False,
        help="training: also time the framework model under torch.compile (slow to compile on a CPU)",
    )
    add(
        "--bench-study",
        action="store_true",
        default=False,
        help="also run the opt-in hyperparameter study (same as selecting -m study)",
    )
    # GPU timing modes and the independent cross-check (issue 10): bench/gpu_timing.py, bench/verify.py.
    add(
        "--bench-gpu-mode",
        default="hot",
        choices=("hot", "cold", "e2e"),
        help="CUDA matmul timing: hot (CUDA-graph replays, operands in L2), cold (L2 flushed before each call) "
        "or e2e (eager launches, host included); default: hot. The alignment study reports hot and cold",
    )
    add(
        "--bench-verify",
        action="store_true",
        default=False,
        help="also time each matmul with an independent tool (torch.utils.benchmark on the CPU, triton's "
        "do_bench_cudagraph/do_bench on CUDA) and save the ratio",
    )
    # Hyperparameter study (issue 7): parsed and validated in bench/study/options.py.
    add(
        "--bench-study-full",
        action="store_true",
        default=False,
        help="study: the exercise's full ranges (hidden units 64..8192, lr 0.001..1), more epochs and seeds",
    )
    add(
        "--bench-study-data",
        default="auto",
        help="study data: auto, fashion-mnist, digits-8x8 or synthetic (default auto: Fashion-MNIST with "
        "--bench-data-root, else scikit-learn's digits, else synthetic)",
    )
    add("--bench-study-seeds", type=int, default=None, help="study: seeds per point (default: 3 quick, 5 full)")
    add(
        "--bench-study-epochs",
        type=int,
        default=None,
        help="study: epochs per training, every data set (default: per profile and data set)",
    )
    add(
        "--bench-study-train-samples",
        type=int,
        default=None,
        help="study: bound on training samples (default: 12000 quick, all full)",
    )
    # Joint hyperparameter search (issue 16): parsed and validated in bench/study/joint_options.py;
    # it shares the study's --bench-study-full, --bench-study-data and --bench-study-train-samples.
    add(
        "--bench-study-joint",
        action="store_true",
        default=False,
        help="also run the opt-in joint search of lr, epochs, layers and units: TPE vs random (same as -m joint)",
    )
    add(
        "--bench-study-joint-trials",
        type=int,
        default=None,
        help="joint search: trainings per search, every strategy (default: 12 quick, 60 full)",
    )
    add(
        "--bench-study-joint-search-seeds",
        type=int,
        default=None,
        help="joint search: searches per strategy, one per sampler seed (default: 3 quick, 5 full)",
    )
    add(
        "--bench-study-joint-seeds",
        type=int,
        default=None,
        help="joint search: fresh training seeds that re-measure the best setting (default: 5 quick, 10 full)",
    )
    add(
        "--bench-study-joint-epochs",
        default=None,
        help="joint search: epochs range searched, LOW-HIGH, every data set (default: per profile and data set)",
    )


@dataclass(frozen=True)
class BenchOptions:
    """The parsed options, validated once per session."""

    devices: tuple[DeviceChoice, ...]
    sizes: tuple[int, ...]
    ops: tuple[str, ...]
    cpu_precisions: tuple[str, ...]
    cuda_precisions: tuple[str, ...]
    threads: int | None
    align_rounds: int
    align_precision: float
    align_max_s: float
    full: bool
    data_root: str | None

    def precisions_for(self, device: DeviceChoice) -> tuple[str, ...]:
        return self.cuda_precisions if device.is_cuda else self.cpu_precisions


def named(parse: Callable[[str], T], value: str, option: str, env: str) -> T:
    """``parse(value)``, its error naming the option, and the variable when the value came from there
    (a stale ``export BENCH_SIZES=...`` is otherwise a puzzle)."""
    try:
        return parse(value)
    except ValueError as exc:
        source = f"${env}={value!r}" if os.environ.get(env) == value else option
        raise ValueError(f"{source}: {exc}") from None


def parse_options(config: pytest.Config) -> BenchOptions:
    """The --bench-* options shared by every suite (a ValueError names the bad value)."""
    get = config.getoption
    cpu_precisions = parse_list(get("bench_cpu_precisions"), PRECISIONS, "precision")
    if "float32-tf32" in cpu_precisions:
        raise ValueError("float32-tf32 is a CUDA mode; the CPU has no TF32")
    threads = get("bench_threads")
    if threads is not None and threads < 1:
        raise ValueError(f"--bench-threads must be >= 1, got {threads}")
    align_rounds = get("bench_align_rounds")
    if align_rounds < 2:
        raise ValueError(f"--bench-align-rounds must be >= 2, got {align_rounds}")
    align_precision, align_max_s = get("bench_align_precision"), get("bench_align_max_time")
    if not 0 <= align_precision < 1:
        raise ValueError(f"--bench-align-precision must be in [0, 1) (0: fixed rounds), got {align_precision}")
    if not (math.isfinite(align_max_s) and align_max_s >= 0):
        raise ValueError(f"--bench-align-max-time must be a finite number of seconds >= 0, got {align_max_s}")
    data_root = get("bench_data_root")
    if data_root and not Path(data_root).is_dir():
        raise ValueError(
            f"--bench-data-root (or FASHION_MNIST_ROOT) {data_root}: no such folder; it holds FashionMNIST/raw, "
            "or leave it unset for the synthetic set"
        )
    return BenchOptions(
        devices=tuple(resolve_devices(named(parse_devices, get("bench_devices"), "--bench-devices", "BENCH_DEVICES"))),
        sizes=named(parse_sizes, get("bench_sizes"), "--bench-sizes", "BENCH_SIZES")
        if get("bench_sizes")
        else DEFAULT_SIZES,
        ops=parse_list(get("bench_ops"), OPS, "op"),
        cpu_precisions=cpu_precisions,
        cuda_precisions=parse_list(get("bench_cuda_precisions"), PRECISIONS, "precision"),
        threads=threads,
        align_rounds=align_rounds,
        align_precision=align_precision,
        align_max_s=align_max_s,
        full=get("bench_full"),
        data_root=data_root,
    )


def once_per_session(config: pytest.Config, name: str, build: Callable[[], T]) -> T:
    """``build()`` once per session, cached on the config: collection asks for options in every
    module. A ValueError (a bad option value) becomes a usage error, not a failed test."""
    cache = config.stash.setdefault(_SESSION_CACHE, {})
    if name not in cache:
        try:
            cache[name] = build()
        except ValueError as exc:
            raise pytest.UsageError(f"torch benchmark harness: {exc}") from None
    return cache[name]


def bench_options(config: pytest.Config) -> BenchOptions:
    return once_per_session(config, "options", lambda: parse_options(config))


def seconds_option(config: pytest.Config, name: str, *, positive: bool = False) -> float:
    """A time option's value; NaN, infinity or a negative (or zero where ``positive``) is a usage error
    naming the option (NaN would pass every comparison and switch a cap or a budget off)."""
    value = float(config.getoption(name))
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        flag = "--" + name.replace("_", "-")
        raise ValueError(f"{flag} must be a finite number of seconds {'> 0' if positive else '>= 0'}, got {value}")
    return value


def timing_policy_from(config: pytest.Config) -> TimingPolicy:
    return once_per_session(
        config,
        "timing",
        lambda: TimingPolicy(
            warmup_s=seconds_option(config, "bench_warmup_time"),
            warmup_max_s=seconds_option(config, "bench_warmup_max_time"),
            min_round_s=seconds_option(config, "bench_min_round_time", positive=True),
            max_time_s=seconds_option(config, "benchmark_max_time"),
            min_rounds=config.getoption("benchmark_min_rounds"),
        ),
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cuda: needs a CUDA device (skipped without one, with the reason)")
    config.addinivalue_line("markers", "study: the opt-in hyperparameter study (pytest bench -m study)")
    if not config.pluginmanager.hasplugin("benchmark"):
        return  # pytest-benchmark blocked: nothing here can run (the checkout's conftest.py says so)
    bench_options(config)  # fail fast on bad values, before collection: a usage error, not a test error
    timing_policy_from(config)
    from bench.training.options import parse_training_options  # the suite's module imports this one

    parse_training_options(config)
    threads = config.getoption("bench_threads")
    if threads:
        torch.set_num_threads(threads)
    hardware.configure(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The hyperparameter study is opt-in: deselect it unless asked for."""
    if config.getoption("bench_study") or "study" in (config.getoption("markexpr") or ""):
        return
    keep = [item for item in items if item.get_closest_marker("study") is None]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


# pytest-benchmark's hooks are optional: with it blocked (-p no:benchmark) the plugin still loads,
# and the checkout's conftest.py says what is missing instead of pluggy's "unknown hook".
@pytest.hookimpl(optionalhook=True)
def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    hardware.update_machine_info(config, machine_info)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int):
    """Outside pytest-benchmark's own wrapper, which saves the run: note an early stop first."""
    partial.record_stop(session, exitstatus)
    yield


@pytest.hookimpl(optionalhook=True)
def pytest_benchmark_update_json(config: pytest.Config, benchmarks: list, output_json: dict) -> None:
    partial.mark_partial(config, output_json)
    hardware.add_run_values(config, output_json)


@pytest.fixture(scope="session")
def bench_opts(pytestconfig: pytest.Config) -> BenchOptions:
    return bench_options(pytestconfig)


@pytest.fixture(scope="session")
def timing_policy(pytestconfig: pytest.Config) -> TimingPolicy:
    return timing_policy_from(pytestconfig)


# --- Drift canary (issue 15): bench/canary.py, timed at the start, around each benchmark, at the end.
# Hook functions carry their own names (specname), so other blocks may implement the same hooks.
_CANARY = pytest.StashKey[object]()


@pytest.hookimpl(specname="pytest_addoption")
def pytest_addoption_canary(parser: pytest.Parser) -> None:
    parser.getgroup("bench").addoption(
        "--bench-no-canary",
        action="store_true",
        default=False,
        help="do not time the drift canary (a few ms before and after every benchmark)",
    )


@pytest.hookimpl(specname="pytest_sessionstart")
def pytest_sessionstart_canary(session: pytest.Session) -> None:
    config = session.config
    if config.getoption("bench_no_canary") or config.getoption("benchmark_disable", False):
        return
    from bench import canary

    devices = [d.name for d in bench_options(config).devices if d.skip_reason is None]
    config.stash[_CANARY] = canary.start(devices)


@pytest.hookimpl(wrapper=True, specname="pytest_runtest_call")
def pytest_runtest_call_canary(item: pytest.Item):
    canary = item.config.stash.get(_CANARY, None)
    fixture = getattr(item, "funcargs", {}).get("benchmark")
    if canary is None or fixture is None or not getattr(fixture, "enabled", False):
        return (yield)
    with canary.around(fixture.extra_info, item.nodeid):
        return (yield)


@pytest.hookimpl(specname="pytest_benchmark_update_json", optionalhook=True)
def pytest_benchmark_update_json_canary(config: pytest.Config, benchmarks: list, output_json: dict) -> None:
    from contract.volatile import RUN_KEY

    canary = config.stash.get(_CANARY, None)
    if canary is None:
        return
    if not canary.samples or canary.samples[-1]["label"] != "end":
        canary.sample("end")
    output_json.setdefault(RUN_KEY, {})["canary"] = canary.record()
