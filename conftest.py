"""Thin on purpose: the harness's options, fixtures and pytest-benchmark hooks live in bench/plugin.py.

A checkout runs without installing the package; when it is installed too, its pytest11 entry point
loads the same ``bench.plugin`` under the same name, and pytest registers it once.
"""

pytest_plugins = ["bench.plugin"]
