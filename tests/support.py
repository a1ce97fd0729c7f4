"""Helpers for tests that run real pytest-benchmark sessions of the suite in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Options that make a real session fast: tiny budgets, still every step of the core.
TINY_BUDGET = (
    "--benchmark-max-time=0.002",
    "--benchmark-min-rounds=2",
    "--bench-warmup-time=0",
    "--bench-warmup-max-time=0",
    "--bench-min-round-time=0.0005",
    "--bench-align-rounds=3",
    "--bench-align-precision=0",
)


def run_session(*args: str, cwd: Path = ROOT, timeout: int = 600) -> subprocess.CompletedProcess:
    """``python -m pytest ARGS`` from the project root, as a user would run it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def saved_runs(storage: Path) -> list[Path]:
    return sorted(storage.rglob("*.json"))


def load_single_run(storage: Path) -> dict:
    (path,) = saved_runs(storage)
    return json.loads(path.read_text())
