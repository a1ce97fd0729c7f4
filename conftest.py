"""Thin on purpose: the harness's options, fixtures and pytest-benchmark hooks live in bench/plugin.py.

A checkout runs without installing the package; when it is installed too, its pytest11 entry point
loads the same ``bench.plugin`` under the same name, and pytest registers it once.
"""

pytest_plugins = ["bench.plugin"]


def pytest_configure(config) -> None:
    """The benchmarks are pytest-benchmark tests: with it blocked, say so once instead of an error per test."""
    if not config.pluginmanager.hasplugin("benchmark"):
        import pytest

        raise pytest.UsageError(
            "torch benchmark harness: pytest-benchmark is not loaded (-p no:benchmark?); the benchmarks and "
            "the harness's tests need it"
        )
