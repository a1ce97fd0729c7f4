"""The report reads torch_benchmark records like its own suites: from a real saved run (one pytest-benchmark
session in a subprocess), through the tidy frame, into the efficiency, changes and workloads sections."""

from __future__ import annotations

import copy
import json
import math
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from reports import render, workloads
from reports.changes import SAME, baseline_pairs, changes_table
from reports.collect import load_runs
from reports.frame import results_frame
from reports.load import parse_run
from reports.report import build_report
from reports.tables import efficiency_table, generic_table
from tests.support import TINY_BUDGET, run_session

SESSION = """
import torch

X = torch.randn(128, 128)


def test_alone(torch_benchmark):
    torch_benchmark(lambda: X @ X, flops=2 * 128**3, bytes=3 * 128 * 128 * 4, bound="compute", group="mm")


def test_uncounted(torch_benchmark):
    torch_benchmark(lambda: X.sum())


def test_ways(torch_benchmark):
    torch_benchmark.compare({"at": lambda: X @ X, "mm": lambda: torch.mm(X, X)}, baseline="at", flops=2 * 128**3)
"""

ALONE, WAYS = "test_alone", "test_ways"


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("workloads")
    (folder / "test_session.py").write_text(SESSION)
    storage = folder / "storage"
    result = run_session(
        "-p", "bench.plugin", str(folder / "test_session.py"), f"--rootdir={folder}", "--benchmark-save-data",
        "--benchmark-autosave", f"--benchmark-storage=file://{storage}", *TINY_BUDGET, "--bench-compare-rounds=4",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (path,) = storage.rglob("*.json")
    return path


def frame_of(path: Path):
    loaded = load_runs([path], progress=False)
    frame, warnings = results_frame(loaded.runs)
    assert warnings == []
    return loaded, frame


def test_frame_rows(saved_run: Path) -> None:
    _, frame = frame_of(saved_run)
    alone = frame[frame["name"] == ALONE].iloc[0]
    assert alone["kind"] == "workload" and alone["precision"] == "float32"
    assert alone["gflops"] == pytest.approx(2 * 128**3 / alone["median_s"] / 1e9)
    ways = frame[frame["kind"] == "workload-compare"].set_index("impl")
    assert list(ways.index) == ["at", "mm"]
    assert list(ways["key"]) == [f"{ways['fullname'].iloc[0]} workload={w}" for w in ("at", "mm")]
    assert math.isnan(ways.loc["at", "ratio"])
    assert ways.loc["mm", "ratio_lo"] <= ways.loc["mm", "ratio"] <= ways.loc["mm", "ratio_hi"]
    assert (ways["rounds"] == 4).all() and ways["data"].map(len).tolist() == [4, 4]
    assert generic_table(frame).empty  # nothing falls through to "other benchmarks"


def test_efficiency_reads_workloads_against_the_machine(saved_run: Path) -> None:
    loaded, frame = frame_of(saved_run)
    table = efficiency_table(frame, loaded.runs).set_index("workload")
    rows = table.loc[[ALONE, f"{WAYS} at (baseline)", f"{WAYS} mm (vs at)"]]
    assert (rows["GFLOP/s"] > 0).all()
    assert "test_uncounted" not in table.index  # no work counted: nothing to read against a limit
    assert math.isnan(rows.loc[f"{WAYS} mm (vs at)", "GB/s"])  # the comparison counted FLOPs only
    peaks = rows["peak GFLOP/s"]
    assert rows["% of peak"].to_numpy() == pytest.approx((rows["GFLOP/s"] / peaks).to_numpy(), nan_ok=True)
    assert rows.loc[ALONE, "% of measured"] == pytest.approx(rows.loc[ALONE, "GB/s"] / rows.loc[ALONE, "measured GB/s"])


def test_counted_workloads_sit_on_the_roofline(saved_run: Path) -> None:
    from reports.plots import roofline_svg
    from reports.roofline import roofline_points, roofs

    loaded, frame = frame_of(saved_run)
    points = roofline_points(frame, loaded.runs)
    mine = points[points["kind"] == "workload"].set_index("workload")
    assert list(mine.index) == [ALONE]  # the comparison counted no bytes, test_uncounted nothing
    assert mine.loc[ALONE, "intensity"] == pytest.approx(2 * 128**3 / (3 * 128 * 128 * 4))
    assert mine.loc[ALONE, "gflops"] > 0 and mine.loc[ALONE, "bound"] in ("memory", "compute", "unknown")
    assert "<svg" in (roofline_svg(points, roofs(points)) or "")  # drawn with its own marker


def test_workload_and_comparison_tables(saved_run: Path) -> None:
    _, frame = frame_of(saved_run)
    timed = workloads.workloads_table(frame).set_index("workload")
    assert list(timed.index) == [ALONE, "test_uncounted"]
    assert (timed.loc[ALONE, "bound"], timed.loc[ALONE, "group"]) == ("compute", "mm")
    assert set(timed["timing"]) == {"cpu"}  # the timing mode, as the built-in suites show it
    assert timed.loc["test_uncounted", "bound"] == "" and math.isnan(timed.loc["test_uncounted", "GFLOP/s"])

    comparisons = workloads.comparison_table(frame).set_index("workload")
    assert comparisons["comparison"].tolist() == [WAYS, WAYS] and set(comparisons["timing"]) == {"cpu"}
    assert (comparisons.loc["at", "ratio"], comparisons.loc["at", "reading"]) == (1.0, "baseline")
    mm = comparisons.loc["mm"]
    assert mm["reading"] == workloads.reading(mm["ratio"], mm["ratio low"], mm["ratio high"], False)


@pytest.mark.parametrize(
    "ratio, low, high, baseline, expected",
    [
        (1.0, math.nan, math.nan, True, "baseline"),
        (1.3, 1.1, 1.5, False, "slower"),
        (0.7, 0.6, 0.8, False, "faster"),
        (1.02, 0.97, 1.08, False, "no clear difference"),
        (1.0, 1.0, 1.0, False, "no clear difference"),
        (1.2, math.nan, math.nan, False, "no interval"),
    ],
)
def test_reading(ratio: float, low: float, high: float, baseline: bool, expected: str) -> None:
    assert workloads.reading(ratio, low, high, baseline) == expected


def test_run_over_run_changes_cover_each_workload(saved_run: Path, tmp_path: Path) -> None:
    """A second run of the same machine (the saved file, an hour later): every workload and every
    implementation of the comparison gets a verdict, from its own raw rounds."""
    doc = json.loads(saved_run.read_text())
    later = copy.deepcopy(doc)
    later["datetime"] = (datetime.fromisoformat(doc["datetime"]) + timedelta(hours=1)).isoformat()
    runs = [parse_run(str(tmp_path / name), d)[0] for name, d in (("a.json", doc), ("b.json", later))]
    frame, _ = results_frame(runs)
    table = changes_table(frame, runs, baseline_pairs(runs))
    changed = dict(zip(table["benchmark"], table["verdict"], strict=True))
    assert {changed[name] for name in (ALONE, f"{WAYS} at", f"{WAYS} mm")} == {SAME}


def test_report_section_and_rendering(saved_run: Path) -> None:
    loaded, _ = frame_of(saved_run)
    report = build_report(loaded, figures=False)
    (section,) = [s for s in report.sections if s.id == "workloads"]
    assert [t.slug for t in section.tables] == ["timed", "comparisons"]
    page = render.html(report)
    assert 'id="workloads-comparisons"' in page and 'id="workloads-timed"' in page
    assert "ratio (95% CI)" in render.markdown(report)


def test_malformed_records_degrade_to_missing_values(saved_run: Path, tmp_path: Path) -> None:
    """A damaged compare record (no intervals, data not a list, unknown field types) still shows its
    implementations, with what could not be read left empty."""
    doc = json.loads(saved_run.read_text())
    for bench in doc["benchmarks"]:
        info = bench["extra_info"]
        if info["kind"] == "workload-compare":
            info.update(ratio_ci="broken", data={"at": "x", "mm": None}, gflops=None, median_s={"at": "slow"})
        if info["kind"] == "workload":
            info.update(flops="many", gflops=None)
    run, _ = parse_run(str(tmp_path / "damaged.json"), doc)
    frame, _ = results_frame([run])
    ways = workloads.comparison_table(frame).set_index("workload")
    assert list(ways.index) == ["at", "mm"]
    assert math.isnan(ways.loc["at", "median_s"]) and math.isnan(ways.loc["mm", "ratio low"])
    assert ways.loc["mm", "reading"] == "no interval"
    alone = frame[frame["name"] == ALONE].iloc[0]
    assert math.isnan(alone["flops"]) and math.isnan(alone["gflops"])
