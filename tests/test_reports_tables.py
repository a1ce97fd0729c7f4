"""Tables computed from small, hand-made inputs whose answers are known."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from contract.stats import RERUN_RUNS
from reports import catalog, tables
from reports.collect import load_runs
from reports.format import display_frame, fmt_time
from reports.frame import results_frame
from tests import report_fixtures as fx


def bench(kind: str, name: str, median: float, data: list[float] | None = None, **extra: Any) -> dict[str, Any]:
    stats = {"median": median, "iqr": 0.0, "rounds": len(data or [1, 1, 1])}
    if data is not None:
        stats["data"] = data
    info = {"schema": 1, "kind": kind, "device": "cpu", "device_name": "cpu", "dtype": "float32", **extra}
    return {"name": name, "fullname": f"m.py::{name}", "group": None, "extra_info": info, "stats": stats}


def known_run() -> dict[str, Any]:
    record = fx.harness_record("laptop", "known")
    record["peaks"] = {"cpu": {"float32": 300.0}}
    record["bandwidth"] = {"cpu": {"copy_gbps": 20.0}}
    record["memory"]["theoretical_gbps"] = 40.0
    mm = dict(op="mm", precision="float32", flops=3e9, bytes=1.0)
    benches = [
        bench("matmul", "mm1024", 0.02, n=1024, gflops=150.0, gbps=1.0, **mm),
        bench("matmul", "mm1025", 0.03, n=1025, gflops=100.0, gbps=1.0, **mm),
        bench("matmul", "mv1024", 0.001, n=1024, op="mv", precision="float32", flops=2e6, bytes=1e7),
        bench("training", "fw1", 0.001, impl="framework", depth=1, step_s=0.001, epoch_s=0.2, val_accuracy=0.85,
              flops_per_step=3e7, profile="seed", input_mode="device-tensors"),
        bench("training", "sc1", 0.002, impl="scratch", depth=1, step_s=0.002, epoch_s=0.4, val_accuracy=0.84,
              flops_per_step=3e7, profile="seed", input_mode="device-tensors"),
        {"name": "test_foreign", "fullname": "t.py::test_foreign", "group": "g", "params": {"a": 1},
         "extra_info": {"whatever": 1}, "stats": {"median": 0.5, "iqr": 0.1, "rounds": 7}},
    ]  # fmt: skip
    return {"machine_info": {"node": "known", "harness": record}, "benchmarks": benches,
            "datetime": "2024-01-01T00:00:00", "version": "5.2.3"}  # fmt: skip


@pytest.fixture
def known(tmp_path: Path):
    fx.write_json(tmp_path / "known.json", known_run())
    runs = load_runs([tmp_path], progress=False).runs
    frame, warnings = results_frame(runs)
    assert warnings == []
    return runs, frame


def test_standalone_matmul_penalty_is_ratio_of_medians(known) -> None:
    _, frame = known
    rows = tables.penalty_rows(frame)
    mm = rows[rows["op"] == "mm"].set_index("n")
    assert mm.loc[1025, "penalty"] == pytest.approx(1.5)
    assert mm.loc[1024, "penalty"] == pytest.approx(1.0)
    assert set(mm["source"]) == {"standalone"}
    mv = rows[rows["op"] == "mv"].set_index("n")
    assert mv.loc[1024, "gbps"] == pytest.approx(1e7 / 0.001 / 1e9)  # derived when absent
    [table] = [t for t in tables.alignment_tables(rows) if t.slug == "alignment-mm-cpu-float32"]
    assert table.frame[("known", "GFLOP/s")].tolist() == [150.0, 100.0]
    assert table.notes and "standalone" in table.notes[0]


def test_interleaved_alignment_is_preferred_and_keeps_its_interval(tmp_path: Path) -> None:
    fx.write_json(tmp_path / "r.json", fx.make_run("laptop", training=False))
    frame, _ = results_frame(load_runs([tmp_path], progress=False).runs)
    rows = tables.penalty_rows(frame)
    assert set(rows["source"]) == {"interleaved"}
    assert len(rows) == 2 * len(fx.SIZES)
    base = rows[rows["n"] == 1024]
    assert base["penalty"].tolist() == [1.0, 1.0]
    assert (rows["penalty_lo"] <= rows["penalty"]).all() and (rows["penalty"] <= rows["penalty_hi"]).all()


def test_a_study_that_hit_its_time_cap_is_named_under_its_table(tmp_path: Path) -> None:
    run = fx.make_run("laptop", training=False)
    for b in run["benchmarks"]:
        info = b["extra_info"]
        if info.get("kind") == "alignment":
            capped = info["op"] == "mm"
            info["timing"] |= {"stopped_by": "time cap" if capped else "precise", "stop_target": 0.01}
    fx.write_json(tmp_path / "r.json", run)
    frame, _ = results_frame(load_runs([tmp_path], progress=False).runs)
    by_slug = {t.slug: t for t in tables.alignment_tables(tables.penalty_rows(frame))}
    mm_notes = [n for n in by_slug["alignment-mm-cpu-float32"].notes if n.startswith(tables.STOPPED_SHORT_NOTE)]
    assert mm_notes == [f"{tables.STOPPED_SHORT_NOTE}: {fx.machine_id('laptop')} (+-1 % asked)"]
    assert not any(tables.STOPPED_SHORT_NOTE in n for n in by_slug["alignment-mv-cpu-float32"].notes)


def _alignment_run(seed: int, hours: int, threads: int | None = None) -> dict[str, Any]:
    run = fx.make_run("laptop", fx.BASE_TIME + timedelta(hours=hours), seed=seed, training=False, matmul=False)
    if threads is not None:
        for b in run["benchmarks"]:
            b["extra_info"]["threads"] = threads
    return run


def _penalties(folder: Path) -> dict[tuple[str, int], float]:
    frame, _ = results_frame(load_runs([folder], progress=False).runs)
    return {(r.op, int(r.n)): r.penalty for r in tables.penalty_rows(frame).itertuples()}


def test_rerun_spread_is_max_over_min_of_the_runs_with_the_same_threads(tmp_path: Path) -> None:
    runs = {"other-threads": _alignment_run(7, 0, threads=1), "a": _alignment_run(1, 1), "b": _alignment_run(2, 2)}
    own = {}
    for name, run in runs.items():  # each run's penalties, read alone
        fx.write_json(tmp_path / name / "r.json", run)
        own[name] = _penalties(tmp_path / name)
        fx.write_json(tmp_path / "all" / f"{name}.json", run)
    frame, _ = results_frame(load_runs([tmp_path / "all"], progress=False).runs)
    rows = tables.penalty_rows(frame)
    assert set(rows["reruns"]) == {2}  # the 1-thread run is another configuration
    for r in rows.itertuples():
        pair = [own["a"][r.op, int(r.n)], own["b"][r.op, int(r.n)]]
        assert r.penalty == pytest.approx(pair[1])  # the newest run's own penalty, unchanged
        assert r.rerun_spread == pytest.approx(max(pair) / min(pair) - 1)
    assert rows.loc[rows["n"] != 1024, "rerun_spread"].gt(0).all()
    [table] = [t for t in tables.alignment_tables(rows) if t.slug == "alignment-mv-cpu-float32"]
    machine = fx.machine_id("laptop")
    assert table.frame[(machine, tables.RERUN_COLUMN)].tolist() == rows[rows["op"] == "mv"]["rerun_spread"].tolist()
    assert [n for n in table.notes if n.startswith(tables.RERUN_COLUMN)] == [f"{tables.RERUN_NOTE} ({machine}: 2 runs)"]


def test_rerun_spread_takes_the_newest_runs_of_the_same_device_model(tmp_path: Path) -> None:
    own = []
    for hours in range(RERUN_RUNS + 2):
        run = _alignment_run(hours + 1, hours)
        fx.write_json(tmp_path / f"alone{hours}" / "r.json", run)
        own.append(_penalties(tmp_path / f"alone{hours}"))
        fx.write_json(tmp_path / "all" / f"{hours:02d}.json", run)
    other = _alignment_run(99, RERUN_RUNS)  # among the newest, but cuda:0 was another model then
    for b in other["benchmarks"]:
        b["extra_info"]["device_name"] = "Another model"
        b["extra_info"]["per_size"] = {n: {**e, "penalty": 3.0} for n, e in b["extra_info"]["per_size"].items()}
    fx.write_json(tmp_path / "all" / "other.json", other)
    frame, _ = results_frame(load_runs([tmp_path / "all"], progress=False).runs)
    rows = tables.penalty_rows(frame)
    assert set(rows["reruns"]) == {RERUN_RUNS}  # not the two oldest, not the other model
    for r in rows[rows["n"] != 1024].itertuples():
        newest = [o[r.op, int(r.n)] for o in own[-RERUN_RUNS:]]
        assert r.rerun_spread == pytest.approx(max(newest) / min(newest) - 1)


def test_one_run_has_no_rerun_spread(tmp_path: Path) -> None:
    fx.write_json(tmp_path / "r.json", _alignment_run(1, 0))
    frame, _ = results_frame(load_runs([tmp_path], progress=False).runs)
    rows = tables.penalty_rows(frame)
    assert set(rows["reruns"]) == {1} and rows["rerun_spread"].isna().all()
    for table in tables.alignment_tables(rows):
        assert tables.RERUN_COLUMN not in table.frame.columns.get_level_values(1)
        assert not any(n.startswith(tables.RERUN_COLUMN) for n in table.notes)


def test_training_ratio_and_accuracy(known) -> None:
    _, frame = known
    table = tables.training_table(frame)
    row = table.iloc[0]
    assert row["scratch/framework"] == pytest.approx(2.0)
    assert row["framework val accuracy"] == pytest.approx(0.85)
    assert row["scratch epoch_s"] == pytest.approx(0.4)


def test_efficiency_fractions(known) -> None:
    runs, frame = known
    table = tables.efficiency_table(frame, runs).set_index("workload")
    assert table.loc["mm n=1024", "% of peak"] == pytest.approx(0.5)
    assert table.loc["mv n=1024", "% of measured"] == pytest.approx(10.0 / 20.0)
    assert table.loc["mv n=1024", "% of theoretical"] == pytest.approx(10.0 / 40.0)
    assert table.loc["training framework seed depth 1 (device-tensors)", "GFLOP/s"] == pytest.approx(30.0)
    assert table.loc["training framework seed depth 1 (device-tensors)", "% of peak"] == pytest.approx(0.1)


def test_generic_table_holds_foreign_benchmarks(known) -> None:
    _, frame = known
    table = tables.generic_table(frame)
    assert table[["name", "group", "params", "median_s", "IQR_s", "rounds", "machine"]].values.tolist() == [
        ["t.py::test_foreign", "g", "a=1", 0.5, 0.1, 7.0, "known"]
    ]


def test_machines_table_shows_unknown_with_reason(known) -> None:
    runs, _ = known
    table = tables.machines_table(runs)
    assert list(table.columns) == ["known"]
    assert table.loc["memory bus width", "known"].startswith("unknown (no DMI table")
    assert table.loc["memory bandwidth, theoretical", "known"] == "40.0 GB/s"
    assert table.loc["GPU 0", "known"].startswith("unknown (no NVML")


def test_gpu_rows_for_gpu_machine(tmp_path: Path) -> None:
    fx.write_json(tmp_path / "g.json", fx.make_run("gpubox", matmul=False, alignment=False))
    table = tables.machines_table(load_runs([tmp_path], progress=False).runs)
    column = table[fx.machine_id("gpubox")]
    assert column["GPU 0 memory bus width"] == "5120 bit"
    assert column["GPU 0 compute capability"] == "8.0"
    assert column["GPU 0 bandwidth, measured (copy)"] == "1400.0 GB/s"


def test_display_merges_intervals_and_formats_times() -> None:
    import pandas as pd

    shown = display_frame(pd.DataFrame({"median_s": [0.0015], "ratio": [1.5], "ratio low": [1.2], "ratio high": [1.8]}))
    assert shown.columns.tolist() == ["median", "ratio (95% CI)"]
    assert shown.iloc[0].tolist() == ["1.5 ms", "1.500 [1.200, 1.800]"]
    assert fmt_time(2.5e-6) == "2.5 µs"


def test_training_ratio_prefers_the_interleaved_benchmark(tmp_path: Path) -> None:
    fx.write_json(tmp_path / "r.json", fx.make_run("laptop", matmul=False, alignment=False))
    frame, _ = results_frame(load_runs([tmp_path], progress=False).runs)
    table = tables.training_table(frame)
    assert table["depth"].tolist() == [1, 2, 3, 4, 5]
    assert set(table["ratio basis"]) == {"interleaved"}
    assert table["scratch/framework"].tolist() == pytest.approx([1.5 + 0.02 * d for d in range(1, 6)])
    assert (table["scratch/framework low"] < table["scratch/framework"]).all()
    assert set(table["profile"]) == {"seed"} and set(table["input mode"]) == {"device-tensors"}


def test_cpu_peak_is_scaled_to_the_threads_used() -> None:
    harness = {"cpu": {"physical_cores": 8}}
    assert tables.cpu_share(harness, {"device": "cpu", "threads": 2.0}) == 0.25
    assert tables.cpu_share(harness, {"device": "cpu", "threads": 16.0}) == 1.0  # hyperthreads add no FMA units
    assert tables.cpu_share(harness, {"device": "cuda:0", "threads": 1.0}) == 1.0
    assert tables.cpu_share({}, {"device": "cpu", "threads": 2.0}) == 1.0  # unknown cores: unscaled


def test_cpu_contention_is_stall_time_over_timed_time() -> None:
    def bench(stall_us: float, seconds: float) -> dict[str, Any]:
        before = {"time": 100.0, "cpu_pressure_some_us": 5_000_000}
        after = {"time": 100.0 + seconds, "cpu_pressure_some_us": 5_000_000 + stall_us}
        return {"extra_info": {"readings": {"before": before, "after": after}}}

    assert catalog.contention([bench(250_000, 1.0), bench(250_000, 4.0)]) == pytest.approx(0.1)
    assert math.isnan(catalog.contention([{"extra_info": {}}, {"name": "foreign"}]))


def test_the_reference_size_and_span_follow_the_measured_sizes() -> None:
    import pandas as pd

    def rows(machine: str, sizes: range) -> pd.DataFrame:
        return pd.DataFrame({"machine_id": machine, "op": "mm", "device": "cpu", "precision": "float32", "n": sizes})

    default = rows("a", range(1024, 1033))
    small = rows("b", range(2, 5))  # a run with --bench-sizes=2-4: no 1024, penalties against n=2
    assert (tables.reference_size(default), tables.size_span(default)) == ("1024", "1024..1032")
    assert (tables.reference_size(small), tables.size_span(small)) == ("2", "2..4")
    assert tables.reference_size(pd.concat([default, small])) == "baseline"
    assert tables.reference_size(default.iloc[:0]) == "1024" and tables.size_span(default.iloc[:0]) == "1024..1032"
