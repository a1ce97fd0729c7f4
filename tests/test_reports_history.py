"""History of the headline numbers over a machine's runs: three generated runs, one measured under contention."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from reports import history, plots
from reports.collect import load_runs
from tests import report_fixtures as fx


def contended(run: dict[str, Any], share: float) -> dict[str, Any]:
    """Give every benchmark readings in which some task waited for a CPU ``share`` of the time."""
    for bench in run["benchmarks"]:
        bench["extra_info"]["readings"] = {
            "before": {"time": 100.0, "cpu_pressure_some_us": 0},
            "after": {"time": 110.0, "cpu_pressure_some_us": share * 10 * 1e6},
        }
    return run


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], Any, Any]:
    folder = tmp_path_factory.mktemp("history")
    runs = [
        contended(fx.make_run("laptop", fx.BASE_TIME, seed=1, rounds=8), 0.01),
        contended(fx.make_run("laptop", fx.BASE_TIME + timedelta(days=1), seed=2, rounds=8, slowdown=1.3), 0.4),
        fx.make_run("laptop", fx.BASE_TIME + timedelta(days=2), seed=3, rounds=8),
    ]
    for i, run in enumerate(runs):
        run["commit_info"] = {"id": f"{i + 1:x}" * 40, "dirty": False}
    fx.write_runs(folder, [(fx.storage_name(r, i + 1), r) for i, r in enumerate(runs)])
    loaded = load_runs([str(folder)], progress=False)
    return runs, loaded, history.history_frame(loaded.entries())


def saved(run: dict[str, Any], kind: str, **match: Any) -> dict[str, Any]:
    return next(
        b["extra_info"]
        for b in run["benchmarks"]
        if b["extra_info"]["kind"] == kind and all(b["extra_info"].get(k) == v for k, v in match.items())
    )


def test_every_run_contributes_each_headline(three_runs) -> None:
    _, _, frame = three_runs
    assert set(frame["metric"]) == set(history.METRICS)
    assert frame["datetime"].nunique() == 3
    assert sorted(frame["commit"].unique()) == ["11111111", "22222222", "33333333"]
    penalty = frame[frame["metric"] == history.PENALTY]
    assert 1024 not in set(penalty["point"])  # the baseline is 1 by definition
    assert len(penalty) == 3 * 2 * 8  # 3 runs x (mm, mv) x 8 sizes
    ratio = frame[frame["metric"] == history.RATIO]
    assert len(ratio) == 3 * 5 and set(ratio["point"]) == {1, 2, 3, 4, 5}
    assert len(frame[frame["metric"] == history.MM_RATE]) == 3


def test_values_and_intervals_are_the_saved_ones(three_runs) -> None:
    runs, _, frame = three_runs
    second = frame[frame["commit"] == "22222222"].set_index(["metric", "series", "point"])
    entry = saved(runs[1], "alignment", op="mm")["per_size"]["1031"]
    row = second.loc[(history.PENALTY, "mm cpu float32", 1031.0)]
    assert (row["value"], row["low"], row["high"]) == (entry["penalty"], *entry["penalty_ci"])
    interleaved = saved(runs[1], "training-interleaved", depth=3)
    row = second.loc[(history.RATIO, "cpu seed device-tensors", 3.0)]
    assert (row["value"], row["low"], row["high"]) == (interleaved["ratio"], *interleaved["ratio_ci"])
    mm = saved(runs[1], "matmul", op="mm", n=1024)
    row = second.loc[(history.MM_RATE, "cpu float32", 1024.0)]
    assert row["value"] == pytest.approx(mm["gflops"])
    assert row["low"] <= row["value"] <= row["high"]
    newest = frame[frame["commit"] == "33333333"].set_index(["metric", "series", "point"])
    assert newest.loc[(history.MM_RATE, "cpu float32", 1024.0), "value"] > row["value"]  # run 2 was 1.3x slower


def test_only_the_contended_run_is_marked(three_runs) -> None:
    _, _, frame = three_runs
    by_commit = frame.drop_duplicates("commit").set_index("commit")
    assert by_commit.loc["22222222", "contention"] == pytest.approx(0.4)
    assert by_commit["high contention"].to_dict() == {"11111111": False, "22222222": True, "33333333": False}
    assert math.isnan(by_commit.loc["33333333", "contention"])  # no readings: unknown, not zero


def test_tables_list_runs_newest_first_with_intervals(three_runs) -> None:
    _, _, frame = three_runs
    tables = dict(history.history_tables(frame, newest=2))
    assert list(tables) == list(history.METRICS)
    penalty = tables[history.PENALTY]
    assert list(penalty["commit"]) == ["33333333", "22222222"]  # the newest two of three
    assert list(penalty["contended"]) == ["", "yes"]
    for column in ("mm cpu float32 n=1025", "mm cpu float32 n=1025 low", "mv cpu float32 n=1032 high"):
        assert column in penalty
    assert "cpu seed device-tensors depth 5" in tables[history.RATIO]
    assert "cpu float32 GFLOP/s" in tables[history.MM_RATE]


def test_figures_ring_the_contended_run(three_runs) -> None:
    _, _, frame = three_runs
    figures = plots.history_svgs(frame)
    assert len(figures) == 3
    assert all("high CPU contention" in svg for _, svg in figures)
    assert all(svg.startswith('<svg class="plot"') for _, svg in figures)


def test_empty_history_has_no_tables_or_figures(tmp_path: Path) -> None:
    fx.write_runs(tmp_path, [("x/0001_foreign.json", fx.foreign_run())])
    loaded = load_runs([str(tmp_path)], progress=False)
    frame = history.history_frame(loaded.entries())
    assert frame.empty
    assert history.history_tables(frame) == [] and plots.history_svgs(frame) == []


def test_figures_keep_each_machines_newest_runs(three_runs) -> None:
    _, _, frame = three_runs
    kept = history.newest_runs(frame, 2)
    assert sorted(kept["commit"].unique()) == ["22222222", "33333333"]
    assert len(history.newest_runs(frame, 5)) == len(frame)
