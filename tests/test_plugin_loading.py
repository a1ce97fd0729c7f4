"""The plugin loads once however it is reached: the pytest11 entry point's module, the checkout's
conftest.py and ``-p bench.plugin`` all name the same plugin; without torch the entry point is quiet."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import ROOT, run_session

pytest_plugins = ["pytester"]

COUNT = """
import sys


def test_registered_once(request, torch_benchmark):
    manager = request.config.pluginmanager
    plugins = [plugin for _, plugin in manager.list_name_plugin()]
    assert plugins.count(sys.modules["bench.plugin"]) == 1
    assert plugins.count(sys.modules["bench.fixture"]) == 1
    assert manager.get_plugin("bench.plugin") is sys.modules["bench.plugin"]
"""


@pytest.mark.parametrize(
    "how",
    [
        ("-p", "bench.entry_point"),  # what the installed package's entry point loads (same name)
        ("-p", "bench.entry_point", "-p", "bench.plugin"),
        ("-p", "bench.plugin", "-p", "bench.entry_point"),
    ],
)
def test_loaded_once_with_the_checkout_conftest(pytester: pytest.Pytester, how: tuple[str, ...]) -> None:
    pytester.makeconftest('pytest_plugins = ["bench.plugin"]')  # as the checkout's root conftest.py
    pytester.makepyfile(test_count=COUNT)
    result = pytester.runpytest("-p", "no:cacheprovider", *how, "--benchmark-disable")
    result.assert_outcomes(passed=1)
    assert "--bench-compare-rounds" in pytester.runpytest("-p", "no:cacheprovider", *how, "--help").stdout.str()


def test_entry_point_without_torch_loads_nothing_and_says_why() -> None:
    """python -S: no site-packages, so neither torch nor pytest-benchmark (the base install's situation)."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import bench.entry_point as e; "
        "print(e.pytest_plugins, e.MISSING); print(e.pytest_report_header(None))"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", code, str(ROOT)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "[] ('torch', 'pytest_benchmark')"
    assert "plugin not loaded (torch, pytest_benchmark not installed" in out[1]
    assert "torch-bench-harness[bench]" in out[1]


def test_entry_point_with_torch_loads_the_plugin() -> None:
    import bench.entry_point as entry

    assert entry.MISSING == () and entry.pytest_plugins == ["bench.plugin"]
    assert entry.pytest_report_header(None) is None


def test_pyproject_declares_the_entry_point() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"bench.entry_point": "bench.entry_point"}


def test_with_pytest_benchmark_blocked_the_plugin_stays_out_of_the_way(pytester: pytest.Pytester) -> None:
    """An installed plugin in a project whose own tests run with ``-p no:benchmark``: they still run
    (pluggy would refuse the harness's pytest-benchmark hooks as unknown if they were not optional)."""
    pytester.makepyfile(test_plain="def test_plain():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "bench.entry_point", "-p", "no:benchmark")
    result.assert_outcomes(passed=1)


def test_the_benchmarks_with_pytest_benchmark_blocked_say_what_is_missing() -> None:
    done = run_session("bench/kernels", "--collect-only", "-q", "-p", "no:benchmark", "-o", "addopts=")
    assert done.returncode == 4  # a usage error, not an INTERNALERROR
    assert "pytest-benchmark is not loaded (-p no:benchmark?)" in done.stdout + done.stderr
