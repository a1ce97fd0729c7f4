"""The terminal summary: its content from a real ``pytest bench`` session, and its pure formatting."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from pathlib import Path

import pytest

from bench.summary import (
    REPORT_COMMAND,
    TITLE,
    interval,
    peak_lines,
    penalty_lines,
    ratio_lines,
    rerun_lines,
    saved_studies,
    stop_note,
    summary_lines,
)
from contract.stats import RERUN_RUNS
from tests.support import TINY_BUDGET, run_session, saved_runs

#: The smallest session that writes every kind the summary reads: an alignment study per op, one
#: standalone matmul (a rate against the peak) and one interleaved training comparison at two depths.
SELECTION = "test_alignment or test_matmul and 1024 or test_training_interleaved and seed and device-tensors"


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    storage = tmp_path_factory.mktemp("storage")
    proc = run_session(
        "bench/kernels",
        "bench/training",
        "-k",
        SELECTION,
        "--benchmark-autosave",
        f"--benchmark-storage=file://{storage}",
        "--bench-devices=cpu",
        "--bench-sizes=1024,1025,1032",
        "--bench-train-rounds=3",
        "--bench-train-val-samples=64",
        *TINY_BUDGET,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout, storage


def test_real_session_prints_the_answers(session: tuple[str, Path]) -> None:
    out, storage = session
    assert TITLE in out
    summary = out[out.index(TITLE) :]
    (saved,) = saved_runs(storage)
    run = json.loads(saved.read_text())
    records = {b["name"]: b["extra_info"] for b in run["benchmarks"]}

    # Every alignment study: its worst size, with the interval the record holds.
    for op in ("mm", "mv"):
        per_size = records[f"test_alignment[{op}-cpu-float32]"]["per_size"]
        worst = max(("1025", "1032"), key=lambda n: per_size[n]["penalty"])
        expected = interval(per_size[worst]["penalty"], *per_size[worst]["penalty_ci"])
        assert f"{op} cpu float32" in summary
        assert f"worst n={worst}: {expected}" in summary
    assert re.search(r"^\s+n\s+1025\s+1032$", summary, re.M)  # the per-size grid, aligned

    # scratch/framework by depth, from the interleaved records.
    ratios = [i for i in records.values() if i["kind"] == "training-interleaved"]
    assert ratios
    assert "cpu seed device-tensors" in summary
    depths = sorted(i["depth"] for i in ratios)
    assert re.search(r"^\s+depth\s+" + r"\s+".join(map(str, depths)) + "$", summary, re.M)
    for info in ratios:
        assert f"{info['ratio']:.3f}" in summary

    # The best share of the peak, the saved file and the command that builds the report.
    assert re.search(r"cpu\s+\d+\.\d % of [\d,]+ GFLOP/s \(float32\)", summary)
    assert f"saved: {saved}" in summary
    assert f"python -m reports build {storage}" in summary
    assert "Name (time in" in out  # pytest-benchmark's own tables are still printed


def test_short_summary_keeps_one_line_per_answer(session: tuple[str, Path]) -> None:
    _, storage = session
    (saved,) = saved_runs(storage)
    run = json.loads(saved.read_text())
    records = [b["extra_info"] for b in run["benchmarks"]]
    long = summary_lines(records, run["machine_info"]["harness"], str(saved), str(storage))
    short = summary_lines(records, run["machine_info"]["harness"], str(saved), str(storage), short=True)
    assert len(short) < len(long)
    assert not any(line.strip().startswith(("n ", "95% low", "depth ")) for line in short)
    assert sum("worst n=" in line for line in short) == 2
    assert any(line.startswith("report: ") for line in short)


def test_quiet_session_prints_the_short_form(tmp_path: Path) -> None:
    proc = run_session(
        "bench/kernels",
        "-q",
        "-k",
        "test_alignment and mm",
        "--bench-devices=cpu",
        "--bench-sizes=1024,1025",
        *TINY_BUDGET,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = proc.stdout[proc.stdout.index(TITLE) :]
    assert "mm cpu float32" in summary and "worst n=1025:" in summary
    assert "95% low" not in summary
    assert "not saved: add --benchmark-autosave" in summary
    assert "no hardware record" in summary  # nothing saved, so no peak to compare with


def test_smoke_pass_prints_no_answers(tmp_path: Path) -> None:
    """One untimed round per size is no penalty: the summary says so instead of printing one."""
    proc = run_session(
        "bench/kernels", "-k", "test_alignment and mm", "--bench-devices=cpu", "--bench-sizes=1024,1025",
        "--benchmark-disable",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = proc.stdout[proc.stdout.index(TITLE) :]
    assert "timing disabled (--benchmark-disable)" in summary
    assert "worst n=" not in summary


def alignment(op: str, penalties: dict[int, tuple[float, float, float]]) -> dict:
    return {
        "kind": "alignment",
        "op": op,
        "device": "cpu",
        "precision": "float32",
        "threads": 2,
        "baseline_n": 1024,
        "per_size": {
            str(n): {"penalty": p, "penalty_ci": [lo, hi], "gflops": 100.0 * n / 1024}
            for n, (p, lo, hi) in penalties.items()
        },
    }


def test_rerun_lines_give_the_largest_spread_over_runs_of_the_same_study() -> None:
    now = alignment("mv", {1024: (1.0, 1.0, 1.0), 1025: (1.08, 1.07, 1.09), 1032: (1.00, 0.99, 1.01)})
    before = alignment("mv", {1024: (1.0, 1.0, 1.0), 1025: (1.01, 1.0, 1.02), 1032: (1.02, 1.01, 1.03)})
    other_threads = {**alignment("mv", {1025: (2.0, 2.0, 2.0)}), "threads": 1}
    other_op = alignment("mm", {1025: (3.0, 3.0, 3.0)})
    (line,) = rerun_lines([now], [before, other_threads, other_op])
    assert " ".join(line.split()) == "mv cpu float32 2 runs: largest spread 6.9 % at n=1025 (1.010 .. 1.080)"
    assert rerun_lines([now], [other_threads, other_op]) == []  # nothing to compare with
    assert rerun_lines([now], []) == []
    other_model = {**alignment("mv", {1025: (2.0, 2.0, 2.0)}), "device_name": "another model"}
    assert rerun_lines([now], [other_model]) == []  # the same device name, another device behind it


def test_rerun_lines_count_the_runs_of_the_size_they_name_within_the_newest() -> None:
    only_1025 = alignment("mv", {1024: (1.0, 1.0, 1.0), 1025: (1.10, 1.1, 1.1)})
    now = alignment("mv", {1024: (1.0, 1.0, 1.0), 1032: (1.00, 0.99, 1.01)})
    before = alignment("mv", {1024: (1.0, 1.0, 1.0), 1032: (1.02, 1.01, 1.03)})
    (line,) = rerun_lines([now], [only_1025, only_1025, before])  # 1025 is not this run's: not named
    assert " ".join(line.split()) == "mv cpu float32 2 runs: largest spread 2.0 % at n=1032 (1.000 .. 1.020)"
    baseline_only = alignment("mv", {1024: (1.0, 1.0, 1.0)})
    assert rerun_lines([baseline_only], [only_1025, before]) == []  # this run measured no penalty
    far = alignment("mv", {1024: (1.0, 1.0, 1.0), 1032: (1.50, 1.5, 1.5)})
    newer = [alignment("mv", {1024: (1.0, 1.0, 1.0), 1032: (1.01, 1.0, 1.02)})] * (RERUN_RUNS - 1)
    (line,) = rerun_lines([now], [far, *newer])  # the oldest run is beyond the newest RERUN_RUNS
    assert f"{RERUN_RUNS} runs: largest spread 1.0 % at n=1032" in " ".join(line.split())


def test_saved_studies_read_the_machine_folder_and_name_what_they_skip(session: tuple[str, Path], tmp_path) -> None:
    _, storage = session
    (saved,) = saved_runs(storage)
    copy = tmp_path / "machine" / "a" / "0001_x.json"
    copy.parent.mkdir(parents=True)
    shutil.copy(saved, copy)
    (tmp_path / "machine" / "a" / "0002_cut.json").write_text(saved.read_text()[:500])
    studies, skipped = saved_studies(tmp_path / "machine", exclude=None)
    assert sorted(i["op"] for i in studies) == ["mm", "mv"]
    assert len(skipped) == 1 and "0002_cut.json: not a readable saved run (JSONDecodeError)" in skipped[0]
    assert saved_studies(tmp_path / "machine", exclude=copy)[0] == []  # the run just saved is not "earlier"


def test_saved_studies_come_oldest_run_first_whatever_the_file_times(session: tuple[str, Path], tmp_path) -> None:
    _, storage = session
    (saved,) = saved_runs(storage)
    doc = json.loads(saved.read_text())
    for name, when, threads in (
        ("0001_old.json", "2026-01-01T00:00:00", 7),
        ("0002_new.json", "2026-02-01T00:00:00", 8),
    ):
        for bench in doc["benchmarks"]:
            bench["extra_info"]["threads"] = threads
        (tmp_path / name).write_text(json.dumps({**doc, "datetime": when}))
    os.utime(tmp_path / "0001_old.json", (2e9, 2e9))  # copied later, without -p: the newer file time
    studies, _ = saved_studies(tmp_path, exclude=None)
    assert [i["threads"] for i in studies] == [7, 7, 8, 8]


def test_a_second_saved_run_prints_the_rerun_spread(session: tuple[str, Path], tmp_path: Path) -> None:
    """A real session saving beside an earlier run of this machine (and a damaged file)."""
    _, storage = session
    (saved,) = saved_runs(storage)
    earlier = tmp_path / saved.relative_to(storage)  # the machine's folder, as the harness nests it
    earlier.parent.mkdir(parents=True)
    shutil.copy(saved, earlier)
    (earlier.parent / "0000_damaged.json").write_text("{")
    proc = run_session(
        "bench/kernels",
        "-k",
        "test_alignment and mv",
        "--benchmark-autosave",
        f"--benchmark-storage={tmp_path}",  # a plain path, as pytest-benchmark also takes it
        "--bench-devices=cpu",
        "--bench-sizes=1024,1025,1032",
        *TINY_BUDGET,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = proc.stdout[proc.stdout.index(TITLE) :]
    (new,) = set(saved_runs(tmp_path)) - {earlier, earlier.parent / "0000_damaged.json"}
    assert f"saved: {new}" in summary
    assert "rerun spread: the same study in this machine's saved runs" in summary
    assert re.search(r"mv cpu float32\s+2 runs: largest spread \d+\.\d % at n=10(25|32)", summary)
    assert "0000_damaged.json: not a readable saved run" in summary
    assert "mm cpu float32" not in summary.split("rerun spread")[1].split("saved:")[0]  # mm was not rerun


def test_penalty_lines_name_the_worst_size_and_skip_the_baseline() -> None:
    record = alignment("mm", {1024: (1.0, 1.0, 1.0), 1025: (1.2, 1.1, 1.3), 1032: (1.05, 1.0, 1.1)})
    lines = penalty_lines([record])
    assert lines[0].split() == ["mm", "cpu", "float32", "worst", "n=1025:", "1.200", "[1.100,", "1.300]"]
    assert lines[1].split() == ["n", "1025", "1032"]
    assert lines[3].split() == ["95%", "low", "1.100", "1.000"]
    assert len({len(line) for line in lines[1:]}) == 1  # aligned grid
    assert penalty_lines([record], short=True) == lines[:1]


def test_a_study_says_whether_it_reached_its_precision() -> None:
    reached = {"rounds": 420, "stopped_by": "precise", "stop_target": 0.01, "stop_max_s": 60.0}
    capped = {"rounds": 108, "stopped_by": "time cap", "stop_target": 0.01, "stop_max_s": 60.0}
    assert stop_note(reached) == "   (420 rounds to +-1%)"
    assert stop_note(capped) == "   (108 rounds: time cap before +-1%)"
    assert stop_note({"rounds": 40, "stopped_by": "fixed rounds"}) == stop_note(None) == ""
    record = alignment("mv", {1024: (1.0, 1.0, 1.0), 1025: (1.1, 1.0, 1.2)})
    record["timing"] = capped
    assert penalty_lines([record])[0].endswith("1.100 [1.000, 1.200]   (108 rounds: time cap before +-1%)")


def test_penalty_lines_say_when_a_smoke_pass_left_no_penalties() -> None:
    record = alignment("mv", {1024: (1.0, 1.0, 1.0)}) | {"per_size": {"1024": {"penalty": None}}}
    assert "no penalties" in penalty_lines([record])[0]


def test_ratio_lines_group_by_device_profile_and_input_mode() -> None:
    def point(depth: int, ratio: float, mode: str = "device-tensors") -> dict:
        return {
            "kind": "training-interleaved",
            "device": "cpu",
            "profile": "seed",
            "input_mode": mode,
            "depth": depth,
            "ratio": ratio,
            "ratio_ci": [ratio - 0.1, ratio + 0.1],
        }

    records = [point(3, 1.3), point(1, 1.1), point(1, 1.0, "dataloader"), {"kind": "training-interleaved"}]
    lines = ratio_lines(records)
    assert lines[0].strip() == "cpu seed dataloader"
    assert lines[5].strip() == "cpu seed device-tensors"
    assert lines[6].split() == ["depth", "1", "3"]
    assert lines[7].split() == ["ratio", "1.100", "1.300"]
    short = ratio_lines(records, short=True)
    assert len(short) == 2
    assert "depth 1 1.100 [1.000, 1.200], depth 3 1.300 [1.200, 1.400]" in short[1]


def test_peak_lines_scale_the_cpu_peak_to_the_threads_used() -> None:
    harness = {"peaks": {"cpu": {"float32": 800.0}}, "cpu": {"physical_cores": 8}}
    record = alignment("mm", {1024: (1.0, 1.0, 1.0), 1032: (1.0, 1.0, 1.0)})  # 2 threads of 8 cores
    (line,) = peak_lines([record], harness)
    best = 100.0 * 1032 / 1024
    assert f"{100 * best / 200:5.1f} % of 200 GFLOP/s (float32): mm n=1032" in line
    assert "no hardware record" in peak_lines([record], None)[0]
    assert "above 100 %" not in " ".join(peak_lines([record], harness))
    formula = "2 cores x 1996 MHz (/proc/cpuinfo cpu MHz) x 16 FLOP/cycle (2 x 128-bit FMA)"
    turbo = {"peaks": {"cpu": {"float32": 0.5}}, "peak_formulas": {"cpu": {"float32": formula}}, "cpu": {}}
    best_line, why = peak_lines([record], turbo)  # 2 threads of 2 cores: the whole peak, below the result
    assert (
        "%" in best_line
        and why.strip()
        == f"above 100 %: the peak is understated (the CPU ran above the clock it was computed at: {formula})"
    )
    assert "no result" in peak_lines([record], {"peaks": {}})[0]


def test_interval_without_bounds_shows_the_value_alone() -> None:
    assert interval(1.5, math.nan, math.nan) == "1.500"
    assert interval(1.5, 1.25, 1.75) == "1.500 [1.250, 1.750]"


def test_a_json_file_outside_the_current_folder_is_named_in_full(tmp_path: Path) -> None:
    """``--benchmark-json`` without autosave: the summary names the file where it is, and the report
    command reads that file (pytest-benchmark hands the option over as a Path)."""
    out = tmp_path / "sub" / "out.json"
    out.parent.mkdir()
    proc = run_session(
        "bench/kernels",
        "-k",
        "test_alignment and mv",
        f"--benchmark-json={out}",
        "--bench-devices=cpu",
        "--bench-sizes=1024,1025",
        *TINY_BUDGET,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = proc.stdout[proc.stdout.index(TITLE) :]
    assert out.is_file() and f"saved: {out}" in summary
    assert REPORT_COMMAND.format(folder=out) in summary


def test_the_penalty_header_names_the_size_the_penalties_divide_by() -> None:
    small = {**alignment("mm", {2: (1.0, 1.0, 1.0), 3: (1.1, 1.0, 1.2)}), "baseline_n": 2}
    (header, *_) = summary_lines([small], None, None, None)
    assert header == "misalignment: penalty t(n)/t(2), 95% interval (interleaved rounds)"
    (header, *_) = summary_lines([small, alignment("mv", {1025: (1.1, 1.0, 1.2)})], None, None, None)
    assert header.startswith("misalignment: penalty t(n)/t(baseline)")
