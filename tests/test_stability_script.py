"""scripts/check_stability.py: its CPU-list parsing and a real pinned alignment session."""

from __future__ import annotations

import argparse
import importlib.util
import os
from pathlib import Path

import pytest

from tests.support import ROOT, TINY_BUDGET

spec = importlib.util.spec_from_file_location("check_stability", ROOT / "scripts" / "check_stability.py")
check_stability = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_stability)


def test_cpu_lists_use_tasksets_syntax():
    assert check_stability.parse_cpus("0") == {0}
    assert check_stability.parse_cpus("0,2-3") == {0, 2, 3}
    for bad in ("", "a", "3-1", "1-x"):
        with pytest.raises(argparse.ArgumentTypeError):
            check_stability.parse_cpus(bad)
    assert check_stability.pinned_args({0, 2}) == ["--bench-threads=2"] and check_stability.pinned_args(None) == []


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs os.sched_setaffinity (Linux)")
def test_pinned_session_runs_on_one_cpu_with_one_thread(tmp_path: Path):
    cpu = min(os.sched_getaffinity(0))
    extra = ["--bench-sizes=1024,1025", *TINY_BUDGET]
    run, _ = check_stability.run_alignment(tmp_path / "run.json", "mv", extra, {cpu})
    (bench,) = run["benchmarks"]
    assert bench["extra_info"]["threads"] == 1
    assert set(bench["extra_info"]["per_size"]) == {"1024", "1025"}
    # One line of how the study went: rounds, why it ended, its widest interval, its machine's speed.
    line = check_stability.stop_summary(bench["extra_info"])
    assert line.startswith("3 rounds, ended by fixed rounds, widest +-") and " t(1024) " in line
    assert ("canary" in line) == bool(bench["extra_info"].get("canary"))
