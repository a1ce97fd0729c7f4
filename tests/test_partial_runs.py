"""A session cut short saves what finished and says so; the report marks that run partial.

Real pytest-benchmark sessions in a subprocess (pytester), interrupted by a benchmark that raises
KeyboardInterrupt as Ctrl-C would, or stopped by -x; the saved file goes through the report's loader.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.partial import partial_reason, stop_reason
from reports.catalog import entry_of
from reports.load import load_file
from reports.tables import runs_table
from tests.support import ROOT

pytest_plugins = ["pytester"]

BENCHMARKS = """
def test_a(benchmark):
    benchmark(sum, range(10))

def test_b(benchmark):
    {stop}
    benchmark(sum, range(10))

def test_c(benchmark):
    benchmark(sum, range(10))
"""
ARGS = ("-p", "bench.plugin", "-p", "no:cacheprovider", "--benchmark-autosave", "--benchmark-storage=runs",
        "--benchmark-min-rounds=1", "--benchmark-max-time=0.001", "--benchmark-warmup=off")  # fmt: skip


@pytest.fixture(autouse=True)
def _importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the subprocess imports bench.plugin from the project root


def saved(root: Path) -> tuple[Path, dict]:
    (path,) = sorted(root.glob("runs/*/*/*.json"))
    return path, json.loads(path.read_text())


def run(pytester: pytest.Pytester, stop: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_bench=BENCHMARKS.format(stop=stop))
    return pytester.runpytest_subprocess(*ARGS, *args)


def test_interrupted_run_is_saved_and_marked_partial(pytester: pytest.Pytester) -> None:
    result = run(pytester, "raise KeyboardInterrupt")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    path, doc = saved(pytester.path)
    assert [b["name"] for b in doc["benchmarks"]] == ["test_a"]  # test_b never finished, test_c never ran
    assert doc["partial"] is True
    assert doc["partial_reason"].startswith("interrupted (Ctrl-C")
    assert doc["partial_reason"].endswith("after 1 of 3 tests")

    loaded, _ = load_file(path)
    assert loaded is not None and loaded.partial == doc["partial_reason"]
    assert loaded.label.endswith("(partial)")
    (row,) = runs_table([entry_of(loaded)]).to_dict("records")
    assert row["partial runs"].startswith("1: newest ") and "interrupted" in row["partial runs"]


def test_stopped_by_maxfail_is_partial(pytester: pytest.Pytester) -> None:
    result = run(pytester, "assert False", "-x")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    _, doc = saved(pytester.path)
    assert doc["partial"] is True and doc["partial_reason"].startswith("stopped early")

    assert [b["name"] for b in doc["benchmarks"]] == ["test_a"]  # test_b failed before timing, test_c never ran


def test_the_terminal_says_the_saved_run_is_partial(pytester: pytest.Pytester) -> None:
    """A harness benchmark (the torch_benchmark fixture) then a failure under -x: the summary's saved
    line carries the reason the file carries."""
    pytester.makepyfile(
        test_bench="""
import torch

def test_a(torch_benchmark):
    x = torch.ones(64)
    torch_benchmark(lambda: x + 1, device="cpu", group="add")

def test_b():
    assert False

def test_c():
    pass
"""
    )
    result = pytester.runpytest_subprocess(*ARGS, "-x", "--bench-warmup-time=0", "--bench-warmup-max-time=0")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    _, doc = saved(pytester.path)
    assert doc["partial_reason"] == "stopped early: stopping after 1 failures, after 2 of 3 tests"
    assert f"(partial: {doc['partial_reason']})" in result.stdout.str()


def test_a_stop_after_the_last_test_is_not_partial(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_bench=BENCHMARKS.format(stop="pass") + "\ndef test_d():\n    assert False\n")
    assert pytester.runpytest_subprocess(*ARGS, "-x").ret == pytest.ExitCode.TESTS_FAILED
    _, doc = saved(pytester.path)
    assert len(doc["benchmarks"]) == 3 and "partial" not in doc  # -x stopped nothing: all 4 tests ran


def test_a_whole_run_is_not_partial(pytester: pytest.Pytester) -> None:
    assert run(pytester, "pass").ret == pytest.ExitCode.OK
    path, doc = saved(pytester.path)
    assert len(doc["benchmarks"]) == 3 and "partial" not in doc
    loaded, _ = load_file(path)
    assert loaded is not None and loaded.partial is None and not loaded.label.endswith("(partial)")
    assert runs_table([entry_of(loaded)]).loc[0, "partial runs"] == "none"


def test_stop_reasons() -> None:
    assert stop_reason(pytest.ExitCode.OK, False, False) is None
    assert stop_reason(pytest.ExitCode.TESTS_FAILED, False, False) is None  # failures alone: every test ran
    assert stop_reason(pytest.ExitCode.INTERRUPTED, False, False).startswith("interrupted")
    assert stop_reason(pytest.ExitCode.TESTS_FAILED, "stopping after 1 failures", False) == (
        "stopped early: stopping after 1 failures"
    )
    assert partial_reason("interrupted", 2, 9) == "interrupted, after 2 of 9 tests"
