"""Thin on purpose: the harness's options, fixtures and pytest-benchmark hooks live in bench/plugin.py."""

pytest_plugins = ["bench.plugin"]
