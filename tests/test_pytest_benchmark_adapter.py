"""The adapter's private accesses, against the installed pytest-benchmark (and no pluggy internals).

Each test fails by name when an upgrade moves what the adapter touches, so the ``<6`` pin on
pytest-benchmark can be lifted by running this file against the new version.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from bench import pytest_benchmark_adapter as adapter

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def importable_project(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sessions run in a temporary folder: the project must stay importable there."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))


def test_the_fixture_reads_the_clock_the_adapter_sets(pytester: pytest.Pytester) -> None:
    """A real session: a clock that advances 1 s per reading gives 1 s per round."""
    pytester.makepyfile(
        textwrap.dedent(
            """
            import itertools
            from bench.pytest_benchmark_adapter import median_seconds, round_data, use_clock

            def test_clock(benchmark):
                ticks = itertools.count()
                use_clock(benchmark, lambda: float(next(ticks)))
                benchmark.pedantic(lambda: None, rounds=3, iterations=1)
                benchmark.extra_info["median"] = median_seconds(benchmark)
                benchmark.extra_info["rounds"] = round_data(benchmark)
            """
        )
    )
    out = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--benchmark-json=out.json", "--benchmark-save-data")
    out.assert_outcomes(passed=1)
    saved = json.loads(Path(pytester.path / "out.json").read_text())["benchmarks"][0]
    assert saved["stats"]["median"] == 1.0
    assert saved["extra_info"]["median"] == 1.0  # median_seconds reads the same statistic
    assert saved["extra_info"]["rounds"] == saved["stats"]["data"] == [1.0, 1.0, 1.0]


def test_recorded_rounds_are_the_rounds_pytest_benchmark_reports(pytester: pytest.Pytester) -> None:
    """Rounds timed by the harness, replayed: stats.data holds exactly them; a later call (the
    cprofile pass) runs the real work once."""
    pytester.makepyfile(
        textwrap.dedent(
            """
            import time
            from bench.pytest_benchmark_adapter import record_rounds, round_data

            def test_replay(benchmark):
                later = []
                record_rounds(benchmark, [0.5, 1.5, 1.0], time.perf_counter, lambda: later.append(1))
                benchmark.extra_info["rounds"] = round_data(benchmark)
                benchmark.extra_info["later_calls"] = len(later)
            """
        )
    )
    out = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--benchmark-json=out.json", "--benchmark-save-data")
    out.assert_outcomes(passed=1)
    saved = json.loads(Path(pytester.path / "out.json").read_text())["benchmarks"][0]
    assert saved["stats"]["data"] == saved["extra_info"]["rounds"] == [0.5, 1.5, 1.0]
    assert saved["stats"]["median"] == 1.0 and saved["stats"]["rounds"] == 3
    assert saved["extra_info"]["later_calls"] == 0  # no cprofile pass: the real work did not run again
    assert saved["options"]["timer"] == "perf_counter"  # the clock that really timed the rounds, not the replay


def test_a_cprofile_pass_runs_the_real_work_once_more(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            import time
            from bench.pytest_benchmark_adapter import record_rounds, round_data

            LATER = []

            def test_replay(benchmark):
                record_rounds(benchmark, [0.5, 1.5], time.perf_counter, lambda: LATER.append(1))
                benchmark.extra_info["rounds"] = round_data(benchmark)

            def test_after():
                assert LATER == [1]
            """
        )
    )
    out = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--benchmark-cprofile=tottime")
    out.assert_outcomes(passed=2)


def test_gc_is_off_while_the_harness_times_only_when_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            import gc
            from bench.pytest_benchmark_adapter import gc_as_asked

            def test_gc(benchmark, request):
                with gc_as_asked(benchmark):
                    inside = gc.isenabled()
                asked = request.config.getoption("benchmark_disable_gc")
                assert inside is not asked
                assert gc.isenabled()
                benchmark.pedantic(lambda: None, rounds=1)
            """
        )
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--benchmark-disable-gc").assert_outcomes(passed=1)


def test_recording_no_round_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one round"):
        adapter.record_rounds(object(), [], "perf_counter")


def test_median_is_none_when_timing_is_disabled(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        textwrap.dedent(
            """
            from bench.pytest_benchmark_adapter import median_seconds, round_data

            def test_disabled(benchmark):
                benchmark.pedantic(lambda: None, rounds=1, iterations=1)
                assert median_seconds(benchmark) is None
                assert round_data(benchmark) == []
            """
        )
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--benchmark-disable").assert_outcomes(passed=1)


def test_pytest_benchmark_keeps_its_own_machine_comparison(pytestconfig: pytest.Config) -> None:
    """No private pluggy access: pytest-benchmark's comparison stays, the harness adds none."""
    hook = pytestconfig.pluginmanager.hook.pytest_benchmark_compare_machine_info
    names = [getattr(impl.plugin, "__name__", "") for impl in hook.get_hookimpls()]
    assert names == ["pytest_benchmark.plugin"]


def test_missing_private_api_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="_timer"):
        adapter.use_clock(object(), lambda: 0.0)
