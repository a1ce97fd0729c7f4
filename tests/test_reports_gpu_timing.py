"""The report's GPU timing marks: mode, the launch-bound flag, cold penalties and the
--bench-verify agreement, from hand-made saved runs whose answers are known."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reports import tables
from reports.collect import load_runs
from reports.format import display_frame
from reports.frame import LAUNCH_BOUND_MARK, results_frame
from tests import report_fixtures as fx


def gpu_run() -> dict[str, Any]:
    record = fx.harness_record("laptop", "gpubox")
    per_size = {
        str(n): {"iterations": 500, "median_s": t, "data": [t, t, t], "flops": 2 * n * n, "bytes": 2 * n * n,
                 "gflops": 1.0, "gbps": 1.0, "penalty": t / 3e-6, "penalty_ci": [t / 3e-6, t / 3e-6],
                 "cold_median_s": c, "cold_data": [c, c, c], "cold_penalty": c / 9e-6, "cold_penalty_ci": [1.0, 2.0]}
        for n, t, c in ((1024, 3e-6, 9e-6), (1025, 4.5e-6, 18e-6))
    }  # fmt: skip
    common = {"schema": 1, "device": "cuda:0", "device_name": "NVIDIA H100 80GB HBM3", "dtype": "float16",
              "precision": "float16", "op": "mv"}  # fmt: skip
    align = common | {
        "kind": "alignment", "baseline_n": 1024, "sizes": [1024, 1025], "per_size": per_size,
        "timing": {"mode": "hot", "launch_bound": True, "clock": "cuda-events"},
    }  # fmt: skip
    matmul = common | {
        "kind": "matmul", "n": 1024, "flops": 2 * 1024 * 1024, "bytes": 1,
        "timing": {"mode": "cold", "launch_bound": False},
        "verify": {"tool": "triton.testing.do_bench", "median_s": 8e-6, "harness_s": 8.4e-6, "ratio": 1.05},
    }  # fmt: skip
    old = common | {"kind": "matmul", "n": 1025, "flops": 1, "bytes": 1, "timing": {"clock": "x"}}
    benches = [
        {"name": "test_alignment[mv]", "fullname": "b.py::test_alignment[mv]", "group": None, "extra_info": align,
         "stats": {"median": 1e-5, "iqr": 0.0, "rounds": 3}},
        {"name": "test_matmul[1024]", "fullname": "b.py::test_matmul[1024]", "group": None, "extra_info": matmul,
         "stats": {"median": 8.4e-6, "iqr": 0.0, "rounds": 3}},
        {"name": "test_matmul[1025]", "fullname": "b.py::test_matmul[1025]", "group": None, "extra_info": old,
         "stats": {"median": 9e-6, "iqr": 0.0, "rounds": 3}},
    ]  # fmt: skip
    return {"machine_info": {"node": "gpubox", "harness": record}, "benchmarks": benches,
            "datetime": "2024-01-01T00:00:00", "version": "5.2.3"}  # fmt: skip


def frame_of(tmp_path: Path):
    fx.write_json(tmp_path / "gpu.json", gpu_run())
    runs = load_runs([tmp_path], progress=False).runs
    frame, warnings = results_frame(runs)
    assert warnings == []
    return runs, frame


def test_rows_carry_mode_flag_and_verify_and_older_runs_read_as_e2e(tmp_path: Path) -> None:
    _, frame = frame_of(tmp_path)
    by_name = frame.set_index("name")
    assert by_name.loc["test_matmul[1024]", "mode"] == "cold"
    assert by_name.loc["test_matmul[1024]", "verify_ratio"] == 1.05
    assert by_name.loc["test_matmul[1025]", "mode"] == "e2e"  # no mode saved on CUDA: the old eager path
    aligned = frame[frame["kind"] == "alignment"]
    assert set(aligned["timing"]) == {f"hot {LAUNCH_BOUND_MARK}"}
    assert sorted(aligned["cold_penalty"]) == [1.0, 2.0]


def test_alignment_table_shows_cold_penalty_and_marks_launch_bound(tmp_path: Path) -> None:
    _, frame = frame_of(tmp_path)
    (table,) = tables.alignment_tables(tables.penalty_rows(frame))
    machine = frame["machine_id"].iloc[0]
    assert table.frame[(machine, "cold penalty")].tolist() == [1.0, 2.0]
    assert table.frame[(machine, "penalty")].tolist() == [1.0, 1.5]
    assert table.frame[(machine, "timing")].tolist() == [f"hot {LAUNCH_BOUND_MARK}"] * 2
    assert any(note.startswith(LAUNCH_BOUND_MARK) and machine in note for note in table.notes)
    shown = display_frame(table.frame)
    assert any("cold penalty" in str(c) for c in shown.columns)


def test_verify_table_shows_the_agreement(tmp_path: Path) -> None:
    _, frame = frame_of(tmp_path)
    verify = tables.verify_table(frame)
    assert len(verify) == 1
    row = verify.iloc[0]
    assert (row["workload"], row["tool"], row["timing"]) == ("mv n=1024", "triton.testing.do_bench", "cold")
    assert row["ratio"] == 1.05


def test_cpu_only_runs_have_no_gpu_marks(tmp_path: Path) -> None:
    fx.write_json(tmp_path / "r.json", fx.make_run("laptop", training=False))
    frame, _ = results_frame(load_runs([tmp_path], progress=False).runs)
    assert set(frame.loc[frame["kind"] != "other", "mode"]) <= {"cpu", "e2e"}
    assert tables.verify_table(frame).empty
