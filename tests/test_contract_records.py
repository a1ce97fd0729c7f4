"""The typed records, their checker, the kind registry and the shared arithmetic (contract/)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime

import pytest

from contract import records, schema
from contract.arithmetic import baseline_size, finite, rate
from reports import frame
from reports.load import Run

WHERE = "run.json: test_x"


def matmul_info(**changes: object) -> dict:
    info = asdict(
        records.Matmul(
            schema=1, kind="matmul", device="cpu", device_name="cpu", dtype="float32", threads=4,
            timing=records.Timing(clock="perf_counter", warmup_calls=3, warmup_s=0.1, iterations=10, rounds=5),
            op="mm", n=1024, precision="float32", tf32=False, flops=2 * 1024**3, bytes=3 * 4 * 1024**2,
            gflops=100.0, gbps=1.0,
        )
    )  # fmt: skip
    return info | changes


def test_a_written_record_checks_clean_and_unchanged() -> None:
    info = matmul_info()
    checked, warnings = records.check(records.Matmul, info, WHERE)
    assert warnings == [] and checked == info


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("n", "1024", "expected int"),
        ("n", 1024.5, "expected int"),
        ("n", 2**70, "expected int"),
        ("n", -1, "outside > 0"),
        ("gflops", math.nan, "not finite"),
        ("gflops", math.inf, "not finite"),
        ("gflops", True, "expected float"),
        ("op", 3, "expected str"),
        ("tf32", None, "is null"),
    ],
)
def test_a_bad_field_is_read_as_missing_with_a_warning(field: str, value: object, why: str) -> None:
    checked, warnings = records.check(records.Matmul, matmul_info(**{field: value}), WHERE)
    assert checked[field] is None
    assert len(warnings) == 1 and warnings[0].startswith(f"{WHERE}: field '{field}'") and why in warnings[0]
    assert checked["device"] == "cpu"  # the other fields stay


def test_nested_records_are_checked_field_by_field() -> None:
    info = matmul_info()
    info["timing"] = info["timing"] | {"warmup_s": -1.0, "mode": "hot"}
    checked, warnings = records.check(records.Matmul, info, WHERE)
    assert checked["timing"]["warmup_s"] is None and checked["timing"]["rounds"] == 5
    assert checked["timing"]["mode"] == "hot"  # a field added by a newer writer passes through
    assert warnings == [f"{WHERE}: field 'timing.warmup_s' is float -1.0, outside >= 0; read as missing"]


def test_a_bad_per_size_entry_drops_only_that_size() -> None:
    entry = asdict(
        records.PerSize(iterations=1, median_s=1e-3, data=[1e-3, 1e-3], flops=1, bytes=1, penalty=1.0,
                        penalty_ci=[1.0, 1.0])
    )  # fmt: skip
    per_size = {"1024": entry, "1025": entry | {"data": [1e-3, -5.0]}, "1026": "garbage"}
    checked, warnings = records.check(records.Alignment, {"per_size": per_size}, WHERE)
    assert checked["per_size"]["1024"] == entry
    assert checked["per_size"]["1025"]["data"] is None and checked["per_size"]["1025"]["median_s"] == 1e-3
    assert "1026" not in checked["per_size"]
    assert len(warnings) == 2


@pytest.mark.parametrize("ci", [[2.0, 0.5], [1.0, 1.1, 1.2], [1.0]])
def test_an_interval_that_is_not_low_high_is_read_as_missing(ci: list[float]) -> None:
    entry = asdict(records.PerSize(iterations=1, median_s=1e-3, flops=1, bytes=1, penalty=1.06, penalty_ci=[1.0, 1.1]))
    checked, warnings = records.check(records.PerSize, entry | {"penalty_ci": ci}, WHERE)
    assert checked["penalty_ci"] is None and checked["penalty"] == 1.06
    why = "is a list, expected an interval [low, high] with low <= high; read as missing"
    assert warnings == [f"{WHERE}: field 'penalty_ci' {why}"]
    assert records.check(records.PerSize, entry | {"penalty_ci": [1.0, 1.0]}, WHERE)[1] == []


def test_whole_floats_count_as_integers_and_non_objects_are_empty() -> None:
    assert records.check(records.Matmul, matmul_info(n=1024.0), WHERE)[1] == []
    checked, warnings = records.check(records.Matmul, [1, 2], WHERE)
    assert checked == {} and "expected an object" in warnings[0]


def test_field_tuples_are_derived_from_the_records() -> None:
    assert records.field_names(records.Matmul) == schema.MATMUL_FIELDS
    assert set(schema.COMMON_FIELDS) < set(schema.MATMUL_FIELDS) and "readings" in schema.MATMUL_FIELDS
    assert schema.KINDS == (
        "matmul", "alignment", "training", "training-interleaved", "study",
        "workload", "workload-compare", "joint-search", "joint-best",
    )  # fmt: skip
    assert records.field_names(records.Workload) == schema.WORKLOAD_FIELDS
    assert set(records.field_names(records.JointSearch)) <= set(schema.JOINT_SEARCH_FIELDS)
    assert set(records.field_names(records.JointBest)) <= set(schema.JOINT_BEST_FIELDS)
    assert set(schema.TIMING_FIELDS) <= set(asdict(records.Timing.disabled()))
    assert schema.OPS == ("mm", "mv") and "float32-tf32" in schema.PRECISIONS


def test_upgrades_run_in_order_and_newer_files_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def rename_n(info: dict) -> dict:
        return info | {"n": info.pop("size")}

    old = records.registered()["matmul"]
    monkeypatch.setitem(records._REGISTRY, "matmul", records.Kind("matmul", old.record, {0: rename_n}))
    upgraded = records.upgrade({"schema": 0, "kind": "matmul", "size": 1025})
    assert upgraded == {"schema": 1, "kind": "matmul", "n": 1025}
    with pytest.raises(ValueError, match="newer than this reader"):
        records.upgrade({"schema": 2, "kind": "matmul"})
    with pytest.raises(ValueError, match="no upgrade"):
        records.upgrade({"schema": -1, "kind": "matmul"})


def test_adding_a_kind_is_one_record_class_and_one_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "_REGISTRY", dict(records._REGISTRY))
    monkeypatch.setattr(frame, "READERS", dict(frame.READERS))

    @records.kind("conv")
    @dataclass(kw_only=True)
    class Conv(records.Common):
        kernel: int = records._pos()

    @frame.reader("conv")
    def conv_rows(base: dict, info: dict) -> list[dict]:
        return [base | {"n": frame.num(info.get("kernel"))}]

    timing = records.Timing(clock="perf_counter")
    good = asdict(Conv(schema=1, kind="conv", device="cpu", device_name="c", dtype="float32", threads=1,
                       timing=timing, kernel=3))  # fmt: skip
    bench = {"name": "a", "fullname": "t.py::a", "stats": {"median": 1.0}}
    bad = bench | {"fullname": "t.py::b", "extra_info": good | {"kernel": "x"}}
    run = Run("r.json", "m", datetime(2024, 1, 1), "5.1", {}, {}, [bench | {"extra_info": good}, bad])
    results, warnings = frame.results_frame([run])
    assert list(results["kind"]) == ["conv", "conv"] and results["n"].iloc[0] == 3
    assert math.isnan(results["n"].iloc[1]) and warnings == [
        "r.json: t.py::b: field 'kernel' is str 'x', expected int; read as missing"
    ]


def test_baseline_size_is_1024_else_the_smallest() -> None:
    assert baseline_size([1025, 1024, 1032]) == 1024
    assert baseline_size([1032, 1030, 1031]) == 1030
    with pytest.raises(ValueError):
        baseline_size([])


@pytest.mark.parametrize(
    ("amount", "seconds", "expected"),
    [
        (2e9, 2.0, 1.0),
        (1e9, None, None),
        (1e9, 0.0, None),
        (0, 1.0, None),
        (1e9, math.nan, None),
        (1e308, 1e-300, None),
    ],
)
def test_rate_is_none_without_a_usable_time(amount: float, seconds: float | None, expected: float | None) -> None:
    assert rate(amount, seconds) == expected


def test_finite_reads_only_finite_numbers() -> None:
    assert finite(3) == 3.0 and finite(2.5) == 2.5
    assert all(math.isnan(finite(v)) for v in (None, "1", True, math.inf, 10**400, [1]))


def test_gpu_timing_fields_are_typed_and_checked_on_read() -> None:
    """The CUDA paths write their timing through records.Timing: a misspelt field fails at write time,
    and a damaged one is a warning on read."""
    from bench.record import timing_dict

    hot = timing_dict(clock="EventClock", mode="hot", hot_s=2e-5, e2e_s=3e-5, enqueue_s=4e-6, launch_bound=True,
                      busy_share=0.66, graph_calls=64, capture="cuda-graph", replay_fixed_s=-1e-7)  # fmt: skip
    assert set(schema.GPU_TIMING_FIELDS) >= {"hot_s", "graph_calls", "capture"} and "l2_bytes" not in hot
    assert hot["iterations"] == 1 and "cold" not in hot  # defaults kept, None left out
    with pytest.raises(TypeError, match="hot_seconds"):
        timing_dict(clock="EventClock", hot_seconds=1.0)
    assert set(schema.GPU_TIMING_FIELDS) <= set(records.field_names(records.Timing))

    damaged = hot | {"hot_s": -1.0, "busy_share": 3.0, "graph_calls": {"1024": "many"}, "capture": 7,
                     "cold": {"median_s": float("nan"), "min_s": 1e-5, "max_s": 2e-5, "quantiles": {}, "samples": 3},
                     "launch": {"1024": {"e2e_s": 1e-5, "enqueue_s": -1.0}}, "extra": "kept"}  # fmt: skip
    cleaned, problems = records.check(records.Timing, damaged, "run.json: timing")
    assert cleaned["hot_s"] is None and cleaned["busy_share"] is None and cleaned["graph_calls"] is None
    assert cleaned["capture"] is None and cleaned["cold"]["median_s"] is None
    assert cleaned["launch"]["1024"]["enqueue_s"] is None and cleaned["extra"] == "kept"
    assert cleaned["e2e_s"] == 3e-5 and cleaned["replay_fixed_s"] == -1e-7  # intact fields untouched
    assert len(problems) == 6 and all(p.startswith("run.json: timing: field ") for p in problems)
