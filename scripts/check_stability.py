"""Stability: do separate runs of the alignment study give the same penalty ratios?

Runs the alignment study (``pytest bench/kernels -k alignment``) in N separate sessions and
prints each size's penalty t(n)/t(1024) per run and the spread (max/min - 1) across runs.

    python scripts/check_stability.py [--runs 3] [--ops mv,mm] [-- extra pytest args]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_alignment(out: Path, ops: str, extra: list[str]) -> tuple[dict, float]:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "bench/kernels",
        "-k",
        "alignment",
        "-q",
        "-p",
        "no:cacheprovider",
        "--bench-devices=cpu",
        f"--bench-ops={ops}",
        f"--benchmark-json={out}",
        *extra,
    ]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    return json.loads(out.read_text()), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ops", default="mm,mv")
    parser.add_argument("extra", nargs="*", help="more pytest options, after --")
    args = parser.parse_args()
    penalties: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            run, elapsed = run_alignment(Path(tmp) / f"run{i}.json", args.ops, args.extra)
            print(f"run {i + 1}: {elapsed:.1f} s")
            for bench in run["benchmarks"]:
                info = bench["extra_info"]
                key = f"{info['op']} {info['device']} {info['precision']}"
                for n, entry in info["per_size"].items():
                    penalties.setdefault(key, {}).setdefault(n, []).append(entry["penalty"])
    worst = 0.0
    for key, sizes in penalties.items():
        print(f"\n{key}: penalty t(n)/t({min(sizes, key=int)}) per run, spread = max/min - 1")
        for n, values in sizes.items():
            spread = max(values) / min(values) - 1
            worst = max(worst, spread)
            print(f"  n={n}: " + "  ".join(f"{v:.3f}" for v in values) + f"   spread {spread * 100:.1f}%")
    print(f"\nlargest spread across runs: {worst * 100:.1f}%")


if __name__ == "__main__":
    main()
