"""Machine identity and per-machine storage across two real pytest sessions (in-process pytester)."""

from __future__ import annotations

import json
import warnings

import pytest
from pytest_benchmark.logger import PytestBenchmarkWarning

pytest_plugins = ["pytester"]

TINY = """
def test_tiny(benchmark):
    benchmark(sum, range(10))
"""
ARGS = (
    "-p",
    "bench.plugin",
    "-p",
    "no:cacheprovider",
    "--benchmark-autosave",
    "--benchmark-min-rounds=1",
    "--benchmark-max-time=0.001",
    "--benchmark-warmup=off",
)


def saved_runs(root) -> list:
    return sorted(root.glob(".benchmarks/*/*/*.json"))


def test_two_sessions_share_one_machine_folder_and_id(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_tiny=TINY)
    pytester.runpytest(*ARGS).assert_outcomes(passed=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        second = pytester.runpytest(*ARGS, "--benchmark-compare")
    second.assert_outcomes(passed=1)
    assert "Comparing against" in second.stdout.str() + second.stderr.str()  # the comparison ran
    # this run's values differ between the two runs but live outside machine_info: pytest-benchmark's
    # own comparison, the only one, finds nothing to warn about
    assert not [w for w in caught if "machine_info is different" in str(w.message)]
    assert "machine_info is different" not in second.stdout.str() + second.stderr.str()

    runs = saved_runs(pytester.path)
    assert [p.name[:4] for p in runs] == ["0001", "0002"]
    folders = {p.parent.parent.name for p in runs}
    records = [json.loads(p.read_text())["machine_info"]["harness"] for p in runs]
    assert len(folders) == 1
    assert {r["machine_id"] for r in records} == folders  # .benchmarks/<machine_id>/<platform>/
    assert records[0]["fingerprint"] == records[1]["fingerprint"]
    assert runs[0].parent.name.startswith(("Linux", "Darwin", "Windows"))
    assert all("bandwidth" not in r and r["cpu"]["caches"] is not None for r in records)
    run_values = [json.loads(p.read_text())["harness_run"] for p in runs]
    assert all(v["bandwidth"]["cpu"]["copy_gbps"] > 0 and v["collection_s"] > 0 for v in run_values)


def test_a_changed_stable_fact_still_warns(pytester: pytest.Pytester) -> None:
    """pytest-benchmark's comparison is live: edit a stable fact of the saved run, compare, get warned."""
    pytester.makepyfile(test_tiny=TINY)
    pytester.runpytest(*ARGS, "--benchmark-storage=runs").assert_outcomes(passed=1)
    (path,) = sorted(pytester.path.glob("runs/*/*/*.json"))
    saved = json.loads(path.read_text())
    saved["machine_info"]["harness"]["cpu"]["model"] = "another CPU"
    path.write_text(json.dumps(saved))
    with pytest.warns(PytestBenchmarkWarning, match="machine_info is different"):
        second = pytester.runpytest(*ARGS, "--benchmark-storage=runs", "--benchmark-compare")
    second.assert_outcomes(passed=1)


def test_a_given_storage_also_gets_the_machine_folder(pytester: pytest.Pytester) -> None:
    """Machines sharing one --benchmark-storage must not collide: runs go to <storage>/<machine_id>/."""
    pytester.makepyfile(test_tiny=TINY)
    pytester.runpytest(*ARGS, "--benchmark-storage=runs").assert_outcomes(passed=1)
    pytester.runpytest(*ARGS, f"--benchmark-storage=file://{pytester.path / 'runs'}").assert_outcomes(passed=1)
    runs = sorted(pytester.path.glob("runs/*/*/*.json"))
    assert [p.name[:4] for p in runs] == ["0001", "0002"]  # one machine folder, numbered on
    machine_id = json.loads(runs[0].read_text())["machine_info"]["harness"]["machine_id"]
    assert {p.parent.parent.name for p in runs} == {machine_id}
    assert not (pytester.path / ".benchmarks").exists()
