"""Scale: a year of nightly runs on a fleet. Generate saved runs from real ones, then load and render.

Writes MACHINES x RUNS files into a temporary folder (each a real saved run of examples/runs with
its machine id, date and commit changed), then times each step of ``python -m reports build``
(load, results frame, the other sections with their figures, HTML) twice: cold (an empty
catalogue cache: every file is parsed) and warm (the nightly case: the cache holds every run but
the newest one per machine). Reads the peak resident memory of this process. A benchmark, not a
test: the figures depend on the machine and its load.

    python scripts/check_scale.py [--machines 20] [--runs 500] [--no-figures] [--keep DIR] [--workers N]

Exits 1 when a build exceeds --limit-s (default 60) or the peak memory --limit-gib (2).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reports.collect import default_workers, load_runs  # noqa: E402
from reports.render import html  # noqa: E402
from reports.report import build_report, report_results  # noqa: E402

SOURCES = (ROOT / "examples" / "runs",)
MACHINE, WHEN, COMMIT = "@@MACHINE@@", "@@WHEN@@", "@@COMMIT@@"


def templates(sources: tuple[Path, ...]) -> list[str]:
    """Each real run as JSON text with placeholders for what differs between generated runs."""
    out = []
    for path in sorted(p for source in sources for p in source.rglob("*.json")):
        doc = json.loads(path.read_text())
        doc["machine_info"]["harness"]["machine_id"] = MACHINE
        doc["machine_info"]["node"] = MACHINE
        doc["datetime"] = WHEN
        doc.setdefault("commit_info", {})["id"] = COMMIT
        out.append(json.dumps(doc))
    if not out:
        raise SystemExit(f"no saved runs under {', '.join(map(str, sources))}")
    return out


def generate(folder: Path, machines: int, runs: int, sources: tuple[Path, ...] = SOURCES) -> int:
    """MACHINES x RUNS files, one a night per machine, cycling through the real runs."""
    texts = templates(sources)
    start = datetime(2025, 1, 1, 2, 0, tzinfo=timezone.utc)
    for m in range(machines):
        machine = f"fleet-{m:02d}-{m:08x}"
        target = folder / machine
        target.mkdir(parents=True)
        for r in range(runs):
            when = (start + timedelta(days=r, minutes=m)).isoformat()
            text = texts[(m + r) % len(texts)]
            text = text.replace(MACHINE, machine).replace(WHEN, when).replace(COMMIT, f"{m:04x}{r:036x}")
            (target / f"{r + 1:04d}_run.json").write_text(text)
    return machines * runs


def peak_gib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size of this process, or of its largest finished worker process
    (``RUSAGE_CHILDREN``); Linux reports ru_maxrss in KiB."""
    return resource.getrusage(who).ru_maxrss / 2**20


def measure(folder: Path, figures: bool, cache: Path, workers: int) -> dict[str, float]:
    """Seconds per step of a report build over ``folder``, and the peak memory after each."""
    steps: dict[str, float] = {}
    start = time.perf_counter()
    loaded = load_runs([folder], progress=False, cache_dir=cache, workers=workers)
    steps["load_s"] = time.perf_counter() - start
    mark = time.perf_counter()
    results = report_results(loaded.runs)  # the step build_report starts with, timed on its own
    steps["frame_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    report = build_report(loaded, figures=figures, results=results)
    steps["report_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    page = html(report)
    steps["html_s"] = time.perf_counter() - mark
    steps["total_s"] = steps["load_s"] + steps["frame_s"] + steps["report_s"] + steps["html_s"]
    steps["runs"] = len(loaded.entries())
    steps["read_in_full"] = len(loaded.runs)
    steps["html_mib"] = len(page.encode()) / 2**20
    steps["peak_gib"] = peak_gib()
    steps["worker_gib"] = peak_gib(resource.RUSAGE_CHILDREN)
    # at most the build and every worker at their peaks at once (forked workers share pages, so less)
    steps["bound_gib"] = steps["peak_gib"] + workers * steps["worker_gib"]
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--machines", type=int, default=20)
    parser.add_argument("--runs", type=int, default=500, help="runs per machine")
    parser.add_argument(
        "--no-figures", dest="figures", action="store_false", help="tables only (`reports build --no-plots`)"
    )
    parser.add_argument("--keep", type=Path, help="generate into this (new) folder and keep it")
    parser.add_argument("--limit-s", type=float, default=60.0)
    parser.add_argument("--limit-gib", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=default_workers(), help="processes that index the files")
    args = parser.parse_args(argv)
    if args.machines < 1 or args.runs < 1:
        parser.error("--machines and --runs must be >= 1")
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        folder = args.keep or Path(tmp) / "runs"
        mark = time.perf_counter()
        count = generate(folder, args.machines, args.runs)
        print(f"generated {count} runs ({args.machines} machines x {args.runs}) in {time.perf_counter() - mark:.1f} s")
        cache = Path(tmp) / "cache"
        newest = [sorted(machine.glob("*.json"))[-1] for machine in sorted(folder.iterdir())]
        ok = True
        for label in ("cold", "warm"):
            if label == "warm":  # last night's runs arrive: one new file per machine, not yet cached
                for path in newest:
                    path.write_bytes(path.read_bytes())
            steps = measure(folder, args.figures, cache, args.workers)
            print(
                f"{label}: {int(steps['runs'])} runs ({int(steps['read_in_full'])} read in full): "
                f"load {steps['load_s']:.1f} s, frame {steps['frame_s']:.1f} s, "
                f"report {steps['report_s']:.1f} s{'' if args.figures else ' (no figures)'}, "
                f"html {steps['html_s']:.1f} s ({steps['html_mib']:.1f} MiB); "
                f"build total {steps['total_s']:.1f} s, peak memory {steps['peak_gib']:.2f} GiB "
                f"(largest worker {steps['worker_gib']:.2f} GiB; all at once at most {steps['bound_gib']:.2f} GiB)"
            )
            ok = ok and steps["total_s"] <= args.limit_s and steps["bound_gib"] <= args.limit_gib
    limits = f"({args.limit_s:.0f} s, {args.limit_gib:.1f} GiB), {args.workers} workers"
    print(f"{'within' if ok else 'OVER'} the limits {limits}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
