"""Machine identity and per-machine storage across two real pytest sessions (in-process pytester)."""

from __future__ import annotations

import json

import pytest

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
    second = pytester.runpytest(*ARGS, "--benchmark-compare")
    second.assert_outcomes(passed=1)
    # bandwidth differs between the two runs; the stable facts do not, so no warning
    assert "machine_info differs" not in second.stdout.str() + second.stderr.str()

    runs = saved_runs(pytester.path)
    assert [p.name[:4] for p in runs] == ["0001", "0002"]
    folders = {p.parent.parent.name for p in runs}
    records = [json.loads(p.read_text())["machine_info"]["harness"] for p in runs]
    assert len(folders) == 1
    assert {r["machine_id"] for r in records} == folders  # .benchmarks/<machine_id>/<platform>/
    assert records[0]["fingerprint"] == records[1]["fingerprint"]
    assert runs[0].parent.name.startswith(("Linux", "Darwin", "Windows"))
    assert all("bandwidth" in r and r["cpu"]["caches"] is not None for r in records)


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
