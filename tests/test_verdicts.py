"""Verdicts that hold on shared machines (issue 15) and the regression gate (issue 14, point 4).

Test runs are copies of a real saved run (examples/runs) edited the way a machine or a code change
would move them: every time scaled, the drift canary added or scaled with them.
"""

from __future__ import annotations

import copy
import json
import math
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from reports import changes, drift, verdicts
from reports.cli import main
from reports.collect import load_runs
from reports.frame import results_frame

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = sorted((ROOT / "examples" / "runs").rglob("*.json"))[-1]
CANARY_S = 0.002


def real_run() -> dict:
    return json.loads(EXAMPLE.read_text())


def scale_times(bench: dict, factor: float) -> None:
    """Every time a report reads from one benchmark, multiplied by ``factor``."""
    stats = bench["stats"]
    for key in ("min", "max", "mean", "median", "q1", "q3", "iqr", "stddev", "total"):
        if isinstance(stats.get(key), float):
            stats[key] *= factor
    stats["data"] = [x * factor for x in stats.get("data") or []]
    info = bench["extra_info"]
    for entry in (info.get("per_size") or {}).values():
        entry["median_s"] *= factor
        entry["data"] = [x * factor for x in entry.get("data") or []]
    if isinstance(info.get("step_s"), dict):
        info["step_s"] = {k: v * factor for k, v in info["step_s"].items()}
        info["data"] = {k: [x * factor for x in v] for k, v in info["data"].items()}
    elif isinstance(info.get("step_s"), float):
        info["step_s"] *= factor


def add_canary(run: dict, index_s: float) -> dict:
    """The canary the harness saves: samples in machine_info, before/after around each benchmark."""
    samples = [{"time": 0.0, "label": label, "devices": {"cpu": {"index_s": index_s}}} for label in ("start", "end")]
    run["machine_info"]["harness"]["canary"] = {"samples": samples, "drift": {"cpu": 1.0}}
    for bench in run["benchmarks"]:
        bench["extra_info"]["canary"] = {"before": {"cpu": index_s}, "after": {"cpu": index_s}}
    return run


def later(run: dict, hours: int) -> dict:
    when = datetime.fromisoformat(run["datetime"]) + timedelta(hours=hours)
    run["datetime"] = when.isoformat()
    return run


def write(folder: Path, *runs: dict) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, run in enumerate(runs):
        path = folder / f"{i:04d}.json"
        path.write_text(json.dumps(run))
        paths.append(path)
    return paths


def table_for(folder: Path):
    runs = load_runs([folder], progress=False).runs
    frame, _ = results_frame(runs)
    return changes.changes_table(frame, runs, changes.baseline_pairs(runs))


def slowed(run: dict, factor: float, *, canary: float, only: str | None = None) -> dict:
    out = later(copy.deepcopy(run), 1)
    for bench in out["benchmarks"]:
        if only is None or bench["fullname"] == only:
            scale_times(bench, factor)
    return add_canary(out, canary)


# --- verdicts on edited real runs --------------------------------------------------------------


def test_uniform_machine_slowdown_seen_by_the_canary_is_no_change(tmp_path: Path) -> None:
    base = add_canary(real_run(), CANARY_S)
    write(tmp_path, base, slowed(base, 1.3, canary=CANARY_S * 1.3))
    table = table_for(tmp_path)
    assert len(table) == 88
    assert set(table["verdict"]) == {changes.SAME}
    assert table["machine ratio"].tolist() == pytest.approx([1.3] * 88)
    assert set(table["basis"].str.split(";").str[0]) == {verdicts.BASIS_CANARY}
    # the within-run test alone calls most of them slower: the false alarms this method removes
    assert (table["within-run verdict"] == changes.SLOWER).sum() > 80


def test_real_slowdown_of_one_workload_is_slower(tmp_path: Path) -> None:
    base = add_canary(real_run(), CANARY_S)
    name = "bench/kernels/bench_matmul.py::test_matmul[mm-cpu-float32-1024]"
    assert name in {b["fullname"] for b in base["benchmarks"]}
    write(tmp_path, base, slowed(base, 1.3, canary=CANARY_S, only=name))
    table = table_for(tmp_path)
    flagged = table[table["verdict"] != changes.SAME]
    assert flagged["benchmark"].tolist() == ["test_matmul[mm-cpu-float32-1024]"]
    assert flagged["verdict"].tolist() == [changes.SLOWER]
    assert flagged["normalised ratio"].iloc[0] == pytest.approx(1.3, rel=1e-6)


def test_runs_without_a_canary_are_normalised_by_the_suite_median(tmp_path: Path) -> None:
    base = real_run()
    current = later(copy.deepcopy(base), 1)
    for bench in current["benchmarks"]:
        scale_times(bench, 1.25)
    write(tmp_path, base, current)
    table = table_for(tmp_path)
    assert set(table["verdict"]) == {changes.SAME}
    assert table["machine ratio"].tolist() == pytest.approx([1.25] * len(table))
    assert set(table["basis"].str.split(";").str[0]) == {verdicts.BASIS_SUITE}


def test_history_sets_the_noise_band(tmp_path: Path) -> None:
    """Four earlier runs whose benchmarks wander run to run (log-normal, sd 5 %): a 12 % change of
    everything against an unchanged canary stays inside the machine's spread; a doubling does not."""
    rng = np.random.default_rng(7)
    base = add_canary(real_run(), CANARY_S)
    name = "bench/kernels/bench_matmul.py::test_matmul[mm-cpu-float32-1025]"
    history = [add_canary(later(copy.deepcopy(base), h), CANARY_S) for h in range(4)]
    for run in history:
        for bench in run["benchmarks"]:
            scale_times(bench, float(np.exp(rng.normal(0, 0.05))))
    write(tmp_path / "a", *history, later(slowed(history[-1], 1.12, canary=CANARY_S), 4))
    table = table_for(tmp_path / "a")
    assert table["basis"].str.contains("history of 4 runs").all()
    assert set(table["verdict"]) == {changes.SAME}
    assert (table["% noise band"] > 0.12).all()

    write(tmp_path / "b", *history, later(slowed(history[-1], 2.0, canary=CANARY_S, only=name), 4))
    table = table_for(tmp_path / "b")
    assert table.loc[table["verdict"] != changes.SAME, "benchmark"].tolist() == ["test_matmul[mm-cpu-float32-1025]"]


# --- the regression gate ---------------------------------------------------------------------


def test_gate_fails_on_a_30_percent_slowdown(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    base = add_canary(real_run(), CANARY_S)
    write(tmp_path, base, slowed(base, 1.3, canary=CANARY_S))
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "SLOWER" in out and "test_matmul[mm-cpu-float32-1024]" in out and "88 slower" in out


def test_a_copy_of_a_run_is_read_once_and_hides_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A backup folder with a copy of the newest run, and a folder spelt two ways: each run counts once,
    so the newest run still pairs with the one before it and the gate still fails."""
    base = add_canary(real_run(), CANARY_S)
    _, newest = write(tmp_path / "runs", base, slowed(base, 1.3, canary=CANARY_S))
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "copy.json").write_bytes(newest.read_bytes())
    spelt = tmp_path / "runs" / ".." / "runs"
    loaded = load_runs([tmp_path / "runs", spelt, tmp_path / "backup"], progress=False)
    assert len(loaded.runs) == 2
    assert loaded.skipped == [(str(tmp_path / "backup" / "copy.json"), f"the same run as {newest} (machine, date "
                               "and benchmarks): read once")]  # fmt: skip
    assert main(["check", str(tmp_path / "runs"), str(spelt), str(tmp_path / "backup")]) == 1
    assert "88 slower" in capsys.readouterr().out
    # a --baseline that is the copy is the run it names, not "unreadable"
    assert main(["check", str(tmp_path / "runs"), "--baseline", str(tmp_path / "backup" / "copy.json")]) == 2
    assert "is the newest run of its machine" in capsys.readouterr().err


@pytest.mark.parametrize("threshold", ["nan", "5", "-0.1", "abc"])
def test_a_threshold_that_is_not_a_fraction_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture, threshold: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(tmp_path), f"--threshold={threshold}"])
    assert exit_info.value.code == 2 and "a fraction from 0 to below 1 (0.05 is 5 %)" in capsys.readouterr().err


def test_gate_passes_identical_runs(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    base = add_canary(real_run(), CANARY_S)
    write(tmp_path, base, later(copy.deepcopy(base), 1))
    assert main(["check", str(tmp_path)]) == 0
    assert "0 slower" in capsys.readouterr().out


def test_gate_with_explicit_baseline_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    base = add_canary(real_run(), CANARY_S)
    base_path, _ = write(tmp_path / "runs", base, slowed(base, 1.3, canary=CANARY_S))
    assert main(["check", str(tmp_path / "runs"), "--baseline", str(base_path)]) == 1
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text(base_path.read_text()[:1000])
    assert main(["check", str(tmp_path / "runs"), "--baseline", str(corrupt)]) == 2
    assert "not a readable saved run" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "nothing-here")]) == 2
    write(tmp_path / "single", base)
    assert main(["check", str(tmp_path / "single")]) == 2


# --- pure functions ------------------------------------------------------------------------------


def test_spread_estimators() -> None:
    assert verdicts.robust_sd([0.0] * 10 + [1.0]) == 0.0  # one real change does not widen the band
    assert math.isnan(verdicts.robust_sd([0.1, 0.2]))
    assert verdicts.robust_sd([-1.0, 0.0, 1.0, -1.0, 1.0]) == pytest.approx(1.4826)
    assert verdicts.common_shift([0.2] * 6 + [0.9]) == pytest.approx(0.2)
    assert math.isnan(verdicts.history_sd([0.1, 0.2]))
    assert verdicts.history_sd([0.0, 0.1, 0.2]) == pytest.approx(0.1)
    # one step of median polish recovers each run's shift
    logs = {f"b{i}": {0: float(i), 1: i + 0.5, 2: i - 0.25} for i in range(5)}
    assert verdicts.run_effects(logs) == pytest.approx({0: 0.0, 1: 0.5, 2: -0.25})
    # a quiet benchmark is held to the machine's typical spread
    spread = verdicts.spread_from_history({"quiet": 0.001, "a": 0.05, "b": 0.05})
    assert spread["quiet"] == pytest.approx(math.sqrt(2) * 0.05)
    assert verdicts.beyond_noise(0.2, 0.05) is True and verdicts.beyond_noise(0.1, 0.05) is False
    assert verdicts.beyond_noise(0.2, math.nan) is None
    assert verdicts.band(0.1) == pytest.approx(math.exp(0.3) - 1)


def test_canary_readers() -> None:
    extra = {"device": "cpu", "canary": {"before": {"cpu": 0.002}, "after": {"cpu": 0.0025}}}
    assert drift.benchmark_canary(extra, "cpu") == (0.002, 0.0025)
    assert drift.local_index(extra, "cpu") == 0.002
    assert drift.moved(extra, "cpu") == pytest.approx(0.25)
    assert math.isnan(drift.moved({"canary": "garbage"}, "cpu"))
    assert drift.canary_device("cuda") == "cuda:0" and drift.canary_device(None) == "cpu"
    assert drift.tick_share({"total": 100, "steal": 5}, {"total": 300, "steal": 25}, "steal") == pytest.approx(0.1)
    assert math.isnan(drift.tick_share({"total": 100}, {"total": 100}, "steal"))


def test_standalone_medians_that_contradict_the_interleaved_ratio_are_called_out(tmp_path: Path) -> None:
    run = real_run()
    target = "bench/training/bench_training.py::test_training[cpu-seed-d2-device-tensors-scratch]"
    scale_times(next(b for b in run["benchmarks"] if b["fullname"] == target), 1.5)
    write(tmp_path, run)
    frame, _ = results_frame(load_runs([tmp_path], progress=False).runs)
    notes = drift.standalone_disagreements(frame)
    assert any("seed/device-tensors depth 2" in note and "read the interleaved figure" in note for note in notes)


def test_a_benchmark_whose_canary_moved_is_listed_as_a_percentage(tmp_path: Path) -> None:
    from reports.format import display_frame

    run = add_canary(real_run(), CANARY_S)
    moved = run["benchmarks"][0]
    moved["extra_info"]["canary"] = {"before": {"cpu": CANARY_S}, "after": {"cpu": CANARY_S * 1.085}}
    write(tmp_path, run)
    table = drift.moved_table(load_runs([tmp_path], progress=False).runs)
    assert table["benchmark"].tolist() == [moved["fullname"]]
    assert table["% canary moved"].iloc[0] == pytest.approx(0.085)
    shown = display_frame(table)["% canary moved"].iloc[0]
    assert shown.replace(" ", "") == "8.5%", shown
