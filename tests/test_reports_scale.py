"""A fleet's runs: old runs' raw rounds are dropped while loading, and the results frame covers only
the runs the sections read (reports.scope). Real saved runs of examples/runs, renamed per machine
and night by scripts/check_scale.py's generator."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from reports import scope
from reports.collect import load_runs
from reports.frame import results_frame
from reports.load import drop_raw_data
from tests.support import ROOT

spec = importlib.util.spec_from_file_location("check_scale", ROOT / "scripts" / "check_scale.py")
check_scale = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_scale)


def raw_lists(run) -> dict[str, int]:
    """Where ``run`` still holds per-round data: 'stats', 'per_size <op> <n>', 'impl' -> count."""
    found: dict[str, int] = {}
    for bench in run.benchmarks:
        info = bench.get("extra_info") or {}
        if isinstance(bench["stats"].get("data"), list):
            key = f"stats {info.get('kind')} {info.get('op')} {info.get('n')}"
            found[key] = found.get(key, 0) + 1
        for size, entry in (info.get("per_size") or {}).items():
            if "data" in entry:
                key = f"per_size {info.get('op')} {size}"
                found[key] = found.get(key, 0) + 1
        if isinstance(info.get("data"), dict):
            found["impl"] = found.get("impl", 0) + 1
    return found


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fleet")
    assert check_scale.generate(folder, machines=2, runs=5) == 10
    return folder


def test_drop_raw_data_keeps_medians_and_the_mm_1024_rounds_history_uses(fleet: Path) -> None:
    run = load_runs([fleet], progress=False, raw_runs=10).runs[-1]
    before = raw_lists(run)
    assert before["impl"] > 0 and any(k.startswith("per_size mv") for k in before)  # the real run has them
    medians = [b["stats"]["median"] for b in run.benchmarks]
    drop_raw_data(run)
    after = raw_lists(run)
    assert after == {k: v for k, v in before.items() if k in ("per_size mm 1024", "stats matmul mm 1024")}
    assert after.get("per_size mm 1024", 0) > 0
    assert [b["stats"]["median"] for b in run.benchmarks] == medians


def test_loading_keeps_raw_data_for_the_newest_runs_and_the_pinned_baseline(fleet: Path) -> None:
    pinned = sorted((fleet / "fleet-00-00000000").glob("*.json"))[0]
    loaded = load_runs([fleet], progress=False, raw_runs=2, keep_raw=[pinned])
    assert len(loaded.runs) == 10 and not loaded.skipped
    for machine in {r.machine_id for r in loaded.runs}:
        runs = [r for r in loaded.runs if r.machine_id == machine]  # oldest first
        whole = [("impl" in raw_lists(r)) for r in runs]
        if machine.startswith("fleet-00"):
            assert whole == [True, False, False, True, True]  # the baseline, then the 2 newest
        else:
            assert whole == [False, False, False, True, True]
    full = load_runs([fleet], progress=False)
    assert [len(r.benchmarks) for r in loaded.runs] == [len(r.benchmarks) for r in full.runs]
    assert loaded.warnings == full.warnings


def test_the_frame_covers_the_newest_runs_the_pairs_and_runs_with_benchmarks_of_their_own(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    newest = sorted((ROOT / "examples" / "runs").rglob("*.json"))[-1]
    (source / newest.name).write_bytes(newest.read_bytes())
    check_scale.generate(tmp_path / "fleet", machines=2, runs=5, sources=(source,))  # one suite every night
    runs = load_runs([tmp_path / "fleet"], progress=False).runs
    first = runs[0]
    # the oldest run of machine 0 holds a benchmark no newer run has: it stays in scope
    first.benchmarks = first.benchmarks + [first.benchmarks[0] | {"fullname": "only::in_the_oldest_run"}]
    used = scope.used_runs(runs, newest=2, also=[runs[1]])
    assert used == [0, 1, 3, 4, 8, 9]
    frame, _ = results_frame(runs, used)
    assert sorted(frame["run"].unique()) == used  # run stays the index into all runs
    assert set(frame.loc[frame["run"] == 8, "path"]) == {runs[8].path}
    assert "only::in_the_oldest_run" in set(frame["fullname"])
