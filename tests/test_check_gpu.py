"""scripts/check_gpu.py: its pure parts, and the whole script run for real with --dry-run."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

SCRIPT = ROOT / "scripts" / "check_gpu.py"


def load_script():
    spec = importlib.util.spec_from_file_location("check_gpu", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("check_gpu", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_cases_are_the_issues_and_tolerances_are_per_op():
    check_gpu = load_script()
    cases = check_gpu.cases("cuda:0")
    mm = [(c.precision, c.n) for c in cases if c.op == "mm"]
    assert len(mm) == 12 and {p for p, _ in mm} == {"float16", "bfloat16", "float32-tf32", "float32"}
    assert {n for _, n in mm} == {1024, 1025, 1032}
    assert [(c.op, c.precision, c.n) for c in cases if c.op == "mv"] == [
        ("mv", "float32", 1024),
        ("mv", "float16", 1024),
    ]
    assert check_gpu.agreement("mm", 1.049) is True and check_gpu.agreement("mm", 0.94) is False
    assert check_gpu.agreement("mv", 1.09) is True and check_gpu.agreement("mv", 1.11) is False
    assert check_gpu.agreement("mm", None) is None


@pytest.mark.slow
def test_dry_run_passes_on_the_cpu(tmp_path: Path):
    out = tmp_path / "check.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    cmd = [sys.executable, str(SCRIPT), "--dry-run", "--max-time", "0.01", "--output", str(out)]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["dry_run"] is True and result["device"] == "cpu"
    assert len(result["checks"]) == 14
    for check in result["checks"]:
        assert check["mode"] == "cpu" and check["harness_s"] > 0
        assert check["tool"] == "torch.utils.benchmark.blocked_autorange" and check["ratio"] > 0
    assert "not applicable" in result["tf32"]["status"]
    assert result["pytest_cuda"]["returncode"] in (0, 5)
    assert "mm float16 n=128" in proc.stdout and "pytest -m cuda" in proc.stdout
