"""examples/custom-activation, as a user gets it: this package and the example installed into a fresh
environment (no checkout on the path, the plugin reached through its pytest11 entry point), its
benchmarks saved, and a report built from the saved run that shows its workloads in the efficiency
and comparison sections, not only in the generic table."""

from __future__ import annotations

import math
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.support import ROOT, TINY_BUDGET

pytestmark = pytest.mark.slow

EXAMPLE = ROOT / "examples" / "custom-activation"
HARNESS_FILES = ("pyproject.toml", "README.md", "bench", "reports", "contract")
IGNORE = shutil.ignore_patterns("__pycache__", ".benchmarks", "*.egg-info", "build")


def run(*cmd: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONPATH"))}
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result


def fresh_environment(tmp: Path) -> Path:
    """A venv on top of the running interpreter's packages (torch is not reinstalled): a .pth file
    puts them after the venv's own site-packages, so what pip installs into the venv wins."""
    env = tmp / "env"
    run(sys.executable, "-m", "venv", "--without-pip", env, cwd=tmp)
    python = env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp).stdout.strip())
    (purelib / "running_interpreter.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return python


def install(python: Path, source: Path, cwd: Path) -> None:
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-build-isolation",
        "--no-index", "--ignore-installed", source, cwd=cwd)  # fmt: skip


def test_example_project_installs_runs_and_reports(tmp_path: Path) -> None:
    harness = tmp_path / "harness"  # a copy: building in place would write build/ and *.egg-info into the checkout
    harness.mkdir()
    for name in HARNESS_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, harness / name, ignore=IGNORE)
        else:
            shutil.copy2(ROOT / name, harness / name)
    example = tmp_path / "custom-activation"
    shutil.copytree(EXAMPLE, example, ignore=IGNORE)
    python = fresh_environment(tmp_path)
    install(python, harness, tmp_path)
    install(python, example, tmp_path)

    where = run(python, "-c", "import bench, custom_activation; print(bench.__file__)", cwd=tmp_path).stdout
    assert str(tmp_path / "env") in where and str(ROOT) not in where  # the installed copy, not this checkout

    storage = tmp_path / "storage"
    session = run(python, "-m", "pytest", "-p", "no:cacheprovider", "--benchmark-autosave",
                  f"--benchmark-storage={storage}", *TINY_BUDGET, "--bench-compare-rounds=3", cwd=example)  # fmt: skip
    assert " passed" in session.stdout and "failed" not in session.stdout
    assert len(list(storage.rglob("*.json"))) == 1

    csv = tmp_path / "csv"
    run(python, "-m", "reports", "build", storage, "--format", "csv", "--output", csv, "--quiet", cwd=tmp_path)
    html = tmp_path / "report.html"
    run(python, "-m", "reports", "build", storage, "--output", html, "--quiet", cwd=tmp_path)

    efficiency = pd.read_csv(csv / "efficiency__efficiency.csv").set_index("workload")
    mine = efficiency.loc[["test_gelu_fused[cpu]", "test_gelu_two_ways[cpu] composed (baseline)",
                           "test_gelu_two_ways[cpu] fused (vs composed)"]]  # fmt: skip
    assert (mine["GB/s"] > 0).all() and (mine["GFLOP/s"] > 0).all()
    assert mine["% of measured"].notna().all()
    assert mine["% of measured"].to_numpy() == pytest.approx((mine["GB/s"] / mine["measured GB/s"]).to_numpy())

    comparisons = pd.read_csv(csv / "workloads__comparisons.csv").set_index("workload")
    cpu = comparisons[comparisons["device"] == "cpu"]
    assert cpu.loc["composed", "reading"] == "baseline" and cpu.loc["composed", "ratio"] == 1
    fused = cpu.loc["fused"]
    assert fused["ratio low"] <= fused["ratio"] <= fused["ratio high"] and math.isfinite(fused["ratio"])
    assert fused["reading"] in ("faster", "slower", "no clear difference")

    timed = pd.read_csv(csv / "workloads__timed.csv")
    assert timed.loc[timed["workload"] == "test_gelu_fused[cpu]", "bound"].tolist() == ["memory"]
    assert not (csv / "other__other.csv").exists()  # nothing fell through to the generic table
    page = html.read_text()
    assert 'id="workloads-comparisons"' in page and "test_gelu_two_ways[cpu]" in page
