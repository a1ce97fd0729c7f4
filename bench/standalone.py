"""A pytest-benchmark fixture outside a pytest session, for the scripts that check the core.

The scripts (check_fidelity, check_gpu) time calls through the harness's real path
(bench.timing.measure, bench.gpu_timing.measure_gpu) into a real ``BenchmarkFixture``; building
one needs its constructor, which is not public API, so that access lives here alone.
"""

from __future__ import annotations

import inspect
import time
from types import SimpleNamespace
from typing import Any

from pytest_benchmark.fixture import BenchmarkFixture
from pytest_benchmark.logger import Logger
from pytest_benchmark.utils import NameWrapper

from bench.timing import TimingPolicy


def standalone_fixture(policy: TimingPolicy, name: str = "standalone") -> tuple[BenchmarkFixture, list]:
    """(fixture, stats list): after a measurement, ``stats[0].stats`` holds pytest-benchmark's stats."""
    stats: list[Any] = []
    options = dict(
        disable_gc=False,
        timer=NameWrapper(time.perf_counter),
        min_rounds=policy.min_rounds,
        min_time=0.000005,
        max_time=policy.max_time_s,
        warmup=False,
        warmup_iterations=0,
        calibration_precision=10,
        add_stats=stats.append,
        logger=Logger(Logger.QUIET),
        warner=None,
        disabled=False,
        cprofile=False,
        cprofile_loops=None,
        cprofile_dump=None,
        precision=None,  # pytest-benchmark >= 5.3
        confidence=None,
    )
    accepted = inspect.signature(BenchmarkFixture).parameters
    node = SimpleNamespace(name=name, nodeid=name, _nodeid=name)
    return BenchmarkFixture(node, **{k: v for k, v in options.items() if k in accepted}), stats


def median_of(stats: list) -> float:
    """The per-call median of the one measurement a standalone fixture took."""
    if len(stats) != 1:
        raise RuntimeError(f"expected one measurement in the standalone fixture, found {len(stats)}")
    return float(stats[0].stats.median)
