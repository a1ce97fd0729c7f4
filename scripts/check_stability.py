"""Stability: do separate runs of the alignment study give the same penalty ratios?

Runs the alignment study (``pytest bench/kernels -k alignment``) in N separate sessions and
prints each size's penalty t(n)/t(1024) per run and the spread (max/min - 1) across runs.
``--pin 0`` runs each session on CPU 0 only (``os.sched_setaffinity``, as ``taskset -c 0`` does)
with torch's threads set to the pinned count: the scheduler cannot move the work between cores.

    python scripts/check_stability.py [--runs 3] [--ops mv,mm] [--pin CPUS] [-- extra pytest args]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_cpus(text: str) -> set[int]:
    """``"0"``, ``"0,2"`` or ``"0-3"`` (taskset's list syntax) -> CPU numbers."""
    cpus: set[int] = set()
    for part in (p.strip() for p in text.split(",") if p.strip()):
        lo, _, hi = part.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()) or (hi and int(hi) < int(lo)):
            raise argparse.ArgumentTypeError(f"bad CPU list {text!r}: use N, N,M or N-M")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    if not cpus:
        raise argparse.ArgumentTypeError("no CPU given")
    return cpus


def pinned_args(cpus: set[int] | None) -> list[str]:
    """Options that keep torch's thread pool within the pinned CPUs (more threads would time-slice)."""
    return [] if cpus is None else [f"--bench-threads={len(cpus)}"]


def run_alignment(out: Path, ops: str, extra: list[str], cpus: set[int] | None = None) -> tuple[dict, float]:
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
        *pinned_args(cpus),
        *extra,
    ]
    pin = None if cpus is None else (lambda: os.sched_setaffinity(0, cpus))
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True, preexec_fn=pin)
    elapsed = time.perf_counter() - start
    return json.loads(out.read_text()), elapsed


def stop_summary(info: dict) -> str:
    """Rounds, why they ended and the widest penalty interval of one study, in a line."""
    timing, sizes = info.get("timing", {}), info["per_size"].values()
    widest = max((e["penalty_ci"][1] - e["penalty_ci"][0]) / 2 / e["penalty"] for e in sizes)
    base = info["per_size"][str(info["baseline_n"])]["median_s"]
    canary = info.get("canary") or {}
    speed = [canary.get(when, {}).get(info["device"]) for when in ("before", "after")]
    drift = f", canary {speed[0] * 1e3:.2f} -> {speed[1] * 1e3:.2f} ms" if None not in speed else ""
    return (
        f"{timing.get('rounds')} rounds, ended by {timing.get('stopped_by', 'fixed rounds')}, "
        f"widest +-{widest:.1%}, t({info['baseline_n']}) {base * 1e6:.1f} us{drift}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ops", default="mm,mv")
    parser.add_argument("--pin", type=parse_cpus, default=None, metavar="CPUS", help="run on these CPUs: 0, 0,2, 0-3")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR", help="keep each run's JSON in DIR")
    parser.add_argument("extra", nargs="*", help="more pytest options, after --")
    args = parser.parse_args()
    if args.pin and not args.pin <= os.sched_getaffinity(0):
        parser.error(f"--pin: CPUs {sorted(args.pin - os.sched_getaffinity(0))} are not available here")
    penalties: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for i in range(args.runs):
            run, elapsed = run_alignment(folder / f"stability-{stamp}-run{i + 1}.json", args.ops, args.extra, args.pin)
            where = f", pinned to CPU {','.join(map(str, sorted(args.pin)))}" if args.pin else ""
            print(f"run {i + 1}: {elapsed:.1f} s{where}", flush=True)
            for bench in run["benchmarks"]:
                info = bench["extra_info"]
                key = f"{info['op']} {info['device']} {info['precision']}"
                print(f"  {key}: {stop_summary(info)}", flush=True)
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
