"""The roofline's data from hand-made runs whose answers are known, and its figure from generated ones."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from reports import plots, roofline
from reports.collect import load_runs
from reports.frame import results_frame
from tests import report_fixtures as fx


def bench(kind: str, name: str, median: float, **extra: Any) -> dict[str, Any]:
    info = {"schema": 1, "kind": kind, "device": "cpu", "device_name": "cpu", "dtype": "float32", **extra}
    return {"name": name, "fullname": f"m.py::{name}", "group": None, "extra_info": info,
            "stats": {"median": median, "iqr": 0.0, "rounds": 3}}  # fmt: skip


def known_run(threads: int = 4) -> dict[str, Any]:
    """A 4-core CPU: peak 400 GFLOP/s, measured 20 GB/s, theoretical 40 GB/s (ridge at 20 FLOP/byte)."""
    record = fx.harness_record("laptop", "known")
    record["peaks"] = {"cpu": {"float32": 400.0}}
    record["bandwidth"] = {"cpu": {"copy_gbps": 20.0}}
    record["memory"]["theoretical_gbps"] = 40.0
    common = {"precision": "float32", "threads": threads}
    benches = [
        # mm: 200 FLOP/byte, 300 GFLOP/s -> compute-bound, 75 % of the 400 roof
        bench("matmul", "mm1024", 0.01, op="mm", n=1024, flops=3e9, bytes=1.5e7, gflops=300.0, gbps=1.5, **common),
        # mv: 0.5 FLOP/byte, 8 GFLOP/s -> memory-bound under 0.5 x 20 = 10 GFLOP/s: 80 %
        bench("matmul", "mv1024", 0.001, op="mv", n=1024, flops=8e6, bytes=1.6e7, gflops=8.0, gbps=16.0, **common),
        # training: 6 x 1000 + 4 x 10 x 25 = 7000 elements = 28,000 bytes; 2.8e6 FLOP -> 100 FLOP/byte
        bench("training", "fw1", 0.001, impl="framework", depth=2, step_s=0.001, flops_per_step=2.8e6, params=1000,
              widths=[15, 10], batch_size=10, profile="seed", input_mode="device-tensors", threads=threads),
    ]  # fmt: skip
    return {"machine_info": {"node": "known", fx.MACHINE_KEY: record}, "commit_info": {"id": "abc"},
            "benchmarks": benches, "datetime": "2024-06-11T09:00:00", "version": "5.1.0"}  # fmt: skip


def points_of(tmp_path: Path, run: dict[str, Any]) -> Any:
    path = fx.write_json(tmp_path / "known" / "0001_run.json", run)
    loaded = load_runs([str(path)], progress=False)
    results, _ = results_frame(loaded.runs)
    return roofline.roofline_points(results, loaded.runs)


def test_training_bytes_count_weight_and_activation_passes() -> None:
    info = {"params": 1000, "widths": [15, 10], "batch_size": 10, "dtype": "float32"}
    assert roofline.training_bytes(info) == 4 * (6 * 1000 + 4 * 10 * 25)
    assert roofline.training_bytes(info | {"dtype": "bfloat16"}) == 2 * (6 * 1000 + 4 * 10 * 25)
    assert math.isnan(roofline.training_bytes(info | {"widths": None}))
    assert math.isnan(roofline.training_bytes(info | {"params": "many"}))


def test_roof_is_the_lower_of_compute_and_bandwidth() -> None:
    assert roofline.roof_at(0.5, 400.0, 20.0) == 10.0
    assert roofline.roof_at(200.0, 400.0, 20.0) == 400.0
    assert roofline.roof_at(0.5, math.nan, 20.0) == 10.0  # unknown peak: the memory roof alone
    assert math.isnan(roofline.roof_at(0.5, math.nan, math.nan))


def test_points_place_each_case_under_its_roof(tmp_path: Path) -> None:
    points = points_of(tmp_path, known_run()).set_index("workload")
    mm, mv = points.loc["mm n=1024"], points.loc["mv n=1024"]
    assert mm["intensity"] == pytest.approx(200.0)
    assert (mm["roof GFLOP/s"], mm["bound"]) == (400.0, "compute")
    assert mm["% of roof"] == pytest.approx(0.75)
    assert mv["intensity"] == pytest.approx(0.5)
    assert mv["roof GFLOP/s"] == pytest.approx(10.0)
    assert mv["bound"] == "memory"
    assert mv["% of roof"] == pytest.approx(0.8)
    assert (mv["ridge"], mv["theoretical GB/s"]) == (20.0, 40.0)
    (training,) = [w for w in points.index if w.startswith("training")]
    train = points.loc[training]
    assert train["kind"] == "training"
    assert train["intensity"] == pytest.approx(2.8e6 / 28_000)
    assert train["gflops"] == pytest.approx(2.8)
    assert train["bound"] == "compute"


def test_cpu_peak_is_scaled_to_the_threads_used(tmp_path: Path) -> None:
    points = points_of(tmp_path, known_run(threads=1)).set_index("workload")
    assert points.loc["mm n=1024", "peak GFLOP/s"] == pytest.approx(100.0)  # 1 of 4 cores
    assert points.loc["mm n=1024", "ridge"] == pytest.approx(5.0)


def test_roofs_and_table_summarise_each_machine_device_precision(tmp_path: Path) -> None:
    points = points_of(tmp_path, known_run())
    roofs = roofline.roofs(points)
    assert len(roofs) == 1 and roofs.iloc[0]["peak GFLOP/s"] == 400.0
    table = roofline.roofline_table(points).set_index("kind")
    assert table.loc["matmul", "cases"] == 2 and table.loc["matmul", "memory-bound"] == 1
    assert table.loc["matmul", "closest to its roof"] == "mv n=1024"  # 80 % beats 75 %


def test_roofline_figure_has_a_panel_per_machine_and_device(tmp_path: Path) -> None:
    fx.standard_set(tmp_path)
    loaded = load_runs([str(tmp_path)], progress=False)
    results, _ = results_frame(loaded.runs)
    points = roofline.roofline_points(results, loaded.runs)
    assert set(points["bound"]) >= {"memory", "compute"}
    svg = plots.roofline_svg(points, roofline.roofs(points))
    assert svg is not None and svg.startswith('<svg class="plot"')
    for machine in (fx.machine_id("laptop"), fx.machine_id("gpubox")):
        assert f"{machine} · cpu" in svg
    assert f"{fx.machine_id('gpubox')} · cuda:0" in svg
    assert "measured bandwidth" in svg and "theoretical bandwidth" in svg
