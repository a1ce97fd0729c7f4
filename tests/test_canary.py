"""The drift canary in a real pytest-benchmark session, and its place in the report (issue 15)."""

from __future__ import annotations

import json

import pytest
import torch

from bench import canary
from bench.hardware.readings import parse_proc_stat
from reports.collect import load_runs
from reports.report import build_report

pytest_plugins = ["pytester"]

TWO_BENCHMARKS = """
def test_small(benchmark):
    benchmark(sum, range(10))

def test_larger(benchmark):
    benchmark(sum, range(1000))

def test_not_a_benchmark():
    assert True
"""
ARGS = ("-p", "bench.plugin", "-p", "no:cacheprovider", "--benchmark-autosave", "--benchmark-min-rounds=1",
        "--benchmark-max-time=0.001", "--benchmark-warmup=off", "--bench-devices=cpu")  # fmt: skip


def test_canary_is_recorded_per_run_and_per_benchmark_and_shown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_two=TWO_BENCHMARKS)
    pytester.runpytest(*ARGS).assert_outcomes(passed=3)
    (path,) = pytester.path.glob(".benchmarks/*/*/*.json")
    saved = json.loads(path.read_text())
    assert "canary" not in saved["machine_info"]["harness"]  # this run's, not a fact of the machine
    canary = saved["harness_run"]["canary"]
    labels = [s["label"] for s in canary["samples"]]
    # start, before and after each of the two benchmarks (not the plain test), end
    assert labels[0] == "start" and labels[-1] == "end" and len(labels) == 6
    assert sum(label.startswith("before ") for label in labels) == 2
    assert canary["workload"]["cpu"]["mm_n"] > 0 and canary["drift"]["cpu"] >= 1.0
    for sample in canary["samples"]:
        timing = sample["devices"]["cpu"]
        assert timing["mm_s"] > 0 and timing["copy_s"] > 0
        assert timing["index_s"] == pytest.approx((timing["mm_s"] * timing["copy_s"]) ** 0.5, rel=1e-3)
    for bench in saved["benchmarks"]:
        around = bench["extra_info"]["canary"]
        assert around["before"]["cpu"] > 0 and around["after"]["cpu"] > 0

    report = build_report(load_runs([pytester.path / ".benchmarks"], progress=False), figures=False)
    tables = {t.slug: t.frame for t in report.tables()}
    row = tables["drift"].iloc[0]
    assert row["canary samples"] == 6 and row["canary drift (max/min)"].startswith("cpu ")
    assert row["benchmarks with canary moved > 3%"].endswith("of 2")


def test_no_canary_when_asked_or_timing_is_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_two=TWO_BENCHMARKS)
    pytester.runpytest(*ARGS, "--bench-no-canary").assert_outcomes(passed=3)
    (path,) = pytester.path.glob(".benchmarks/*/*/*.json")
    saved = json.loads(path.read_text())
    assert "canary" not in saved["harness_run"]
    assert all("canary" not in b["extra_info"] for b in saved["benchmarks"])


def test_proc_stat_steal_and_iowait() -> None:
    text = "cpu  100 5 50 1000 20 1 2 30 7 1\ncpu0 50 2 25 500 10 0 1 15 3 0\nintr 1\n"
    assert parse_proc_stat(text) == {"total": 1208, "steal": 30, "iowait": 20, "guest": 8}
    assert parse_proc_stat("cpu  1 2 3 4\n") == {"total": 10, "steal": 0, "iowait": 0, "guest": 0}
    assert parse_proc_stat("") is None and parse_proc_stat("cpu 1 2\n") is None


def test_canary_in_process_records_every_device_and_drift() -> None:
    session = canary.start(["cpu"])
    extra: dict = {}
    with session.around(extra, "test_x"):
        pass
    record = session.record()
    assert [s["label"] for s in record["samples"]] == ["start", "before test_x", "after test_x"]
    assert set(extra["canary"]) == {"before", "after"} and extra["canary"]["before"]["cpu"] > 0
    assert record["drift"]["cpu"] >= 1.0 and "unavailable" not in record
    assert canary.drift([{"devices": {"cpu": {"index_s": 2.0}}}, {"devices": {"cpu": {"index_s": 3.0}}}]) == {
        "cpu": 1.5
    }


def test_a_device_without_a_canary_is_recorded_as_unavailable() -> None:
    session = canary.start(["cuda:99"])  # no such device here (or no CUDA at all)
    assert "cuda:99" in session.unavailable and session.record()["unavailable"]["cuda:99"]
    assert set(session.samples[0]["devices"]) == {"cpu"}


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_canary_is_timed_beside_the_cpu_one() -> None:
    session = canary.start(["cpu", "cuda:0"])
    sample = session.samples[0]["devices"]
    assert set(sample) == {"cpu", "cuda:0"} and sample["cuda:0"]["mm_s"] > 0
