"""A/A check: how often does the changes section call a change when nothing changed?

Runs the suite N times on the same commit (or reads runs already saved), then judges each run
against the one before it, as the report does, with only the runs before it as history, and
counts the verdicts other than "no change": every one is a false alarm. Both methods are
counted: the within-run test alone (the method before issue 15) and the verdicts normalised by
the machine and held to its run-to-run spread (reports/verdicts.py).

    python scripts/check_verdicts.py [--runs 3] [--quick] [--keep DIR] [-- extra pytest args]
    python scripts/check_verdicts.py --saved PATHS...      # no measuring: judge saved runs
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reports import changes  # noqa: E402
from reports.collect import load_runs  # noqa: E402
from reports.frame import results_frame  # noqa: E402
from reports.load import by_machine  # noqa: E402

#: A small subset for --quick: 8 per-size matmul benchmarks (mm and mv at 4 sizes), short budgets.
QUICK = ("bench/kernels/bench_matmul.py", "-k", "test_matmul", "--bench-devices=cpu", "--bench-sizes=1024-1027",
         "--benchmark-max-time=0.25", "--bench-warmup-time=0.05")  # fmt: skip
FULL = ("bench",)
CHANGED = (changes.SLOWER, changes.FASTER)


def measure(storage: Path, runs: int, quick: bool, extra: Sequence[str]) -> None:
    """``runs`` separate sessions of the same commit, each saved (raw data included) into ``storage``."""
    selection = QUICK if quick else FULL
    for i in range(runs):
        cmd = [sys.executable, "-m", "pytest", *selection, "-q", "-p", "no:cacheprovider", "--benchmark-autosave",
               f"--benchmark-storage={storage}", *extra]  # fmt: skip
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"run {i + 1} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        print(f"run {i + 1}/{runs}: {time.perf_counter() - start:.0f} s", flush=True)


def false_alarms(paths: Sequence[str]) -> list[dict]:
    """Per machine and run (from the second on): benchmarks judged, and the verdicts other than
    "no change" by each method. Each run is judged with only the runs before it loaded."""
    loaded = load_runs(paths, progress=False)
    rows = []
    for machine, runs in by_machine(loaded.runs).items():
        for j in range(1, len(runs)):
            upto = runs[: j + 1]
            frame, _ = results_frame(upto)
            pairs = changes.baseline_pairs(upto)  # the run before it that shares a benchmark, as the report
            if not pairs:
                continue
            table = changes.changes_table(frame, upto, pairs)
            judged = table[table["verdict"] != changes.NO_DATA]
            rows.append(
                {
                    "machine": machine,
                    "pair": f"{pairs[0][0].label} -> {runs[j].label[-16:]}",
                    "judged": len(judged),
                    "old": int(judged["within-run verdict"].isin(CHANGED).sum()),
                    "new": int(judged["verdict"].isin(CHANGED).sum()),
                    "basis": ", ".join(sorted(set(judged["basis"]))),
                }
            )
    return rows


def report(rows: Sequence[dict]) -> str:
    lines = [f"{'pair':<60} {'judged':>6} {'old':>12} {'new':>12}  basis"]
    for r in rows:
        lines.append(f"{r['pair']:<60} {r['judged']:>6} {_rate(r['old'], r['judged']):>12} "
                     f"{_rate(r['new'], r['judged']):>12}  {r['basis']}")  # fmt: skip
    judged = sum(r["judged"] for r in rows)
    old, new = sum(r["old"] for r in rows), sum(r["new"] for r in rows)
    lines.append(f"{'all pairs':<60} {judged:>6} {_rate(old, judged):>12} {_rate(new, judged):>12}")
    return "\n".join(lines)


def _rate(count: int, total: int) -> str:
    return f"{count} ({100 * count / total:.1f}%)" if total else "n/a"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="sessions of the same commit (default 3)")
    parser.add_argument("--quick", action="store_true", help="8 short CPU matmul benchmarks instead of the suite")
    parser.add_argument("--keep", help="save the runs here (default: a temporary folder)")
    parser.add_argument("--saved", nargs="+", help="judge runs already saved instead of measuring")
    parser.add_argument("extra", nargs="*", help="more pytest options, after --")
    args = parser.parse_args(argv)
    if args.saved:
        rows = false_alarms(args.saved)
    else:
        if args.runs < 2:
            parser.error("--runs must be at least 2")
        with tempfile.TemporaryDirectory() as tmp:
            storage = Path(args.keep or tmp)
            measure(storage, args.runs, args.quick, args.extra)
            rows = false_alarms([str(storage)])
    if not rows:
        print("error: no machine has two runs to compare", file=sys.stderr)
        return 2
    print(report(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
