"""Command line: ``python -m reports build [PATHS...] [--output F] [--format html|md|csv] [--baseline F]``
and ``python -m reports check [PATHS...] [--baseline RUN] [--threshold 0.05]``.

build exits 0 report written, 2 usage error, no usable input (nothing to report) or an output it cannot or
must not write (a saved run), 1 bad baseline.
check (the regression gate) exits 1 when a benchmark is significantly slower, 0 when none is, 2 on
bad input (no runs, an unreadable baseline).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from reports import changes, render, scope
from reports.catalog_cache import default_dir
from reports.changes import THRESHOLD
from reports.collect import DEFAULT_PATHS, SCOPE_RUNS, Loaded, load_runs
from reports.frame import results_frame
from reports.load import Run
from reports.report import build_report, select_baseline, summary_line

DEFAULT_OUTPUT = {"html": "report.html", "md": "report.md", "csv": "report-csv"}


def fraction(text: str) -> float:
    """A relative change as a fraction: 0.05 is 5 %. NaN would switch the gate off, 5 would mean 500 %."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a fraction from 0 to below 1 (0.05 is 5 %)")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m reports",
        description="Saved benchmark runs of any number of machines: build one report from them (build), or fail "
        "when a benchmark got significantly slower than its baseline (check, for CI).",
    )
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build one report from saved runs of any number of machines")
    b.add_argument(
        "paths",
        nargs="*",
        default=list(DEFAULT_PATHS),
        help="storage folders (searched recursively for *.json), files or globs (default: .benchmarks)",
    )
    b.add_argument(
        "--output", "-o", help="output file (html, md) or folder (csv); default report.html / report.md / report-csv"
    )
    b.add_argument("--format", choices=("html", "md", "csv"), default="html")
    b.add_argument(
        "--baseline",
        help="saved run every machine's newest run is compared with (default: each machine's previous run)",
    )
    b.add_argument(
        "--threshold",
        type=fraction,
        default=THRESHOLD,
        help=f"smallest relative change reported as faster/slower (default {THRESHOLD})",
    )
    b.add_argument("--title", default="Benchmark report")
    b.add_argument("--no-plots", action="store_true", help="tables only (faster)")
    b.add_argument("--quiet", "-q", action="store_true", help="no progress bar, no warnings, only errors")
    cache_options(b)
    c = sub.add_parser(
        "check",
        help="regression gate: exit 1 when any benchmark is significantly slower than its baseline (for CI)",
    )
    c.add_argument("paths", nargs="*", default=list(DEFAULT_PATHS), help="storage folders, files or globs")
    c.add_argument("--baseline", help="saved run to compare with (default: each machine's previous run)")
    c.add_argument(
        "--threshold",
        type=fraction,
        default=THRESHOLD,
        help=f"smallest relative change that can fail the gate (default {THRESHOLD})",
    )
    cache_options(c)
    return p  # fmt: skip


def cache_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--cache-dir",
        type=Path,
        help=f"where the catalogue of saved runs is cached between builds (default: {default_dir()}; "
        "$BENCH_REPORT_CACHE sets it)",
    )
    p.add_argument("--no-cache", action="store_true", help="read every saved run again, write no cache")


def cache_dir(args: argparse.Namespace) -> Path | None:
    return None if args.no_cache else (args.cache_dir or default_dir())


class InputError(Exception):
    """No usable runs, or an unreadable --baseline: the message for stderr."""


class NoRuns(InputError):
    """Nothing to report: no file found, or none readable (exit 2 for both commands)."""


class BadBaseline(InputError):
    """The --baseline file is not a readable run (build exits 1, the gate 2: bad input)."""


def load_input(args: argparse.Namespace, *, progress: bool, warn: bool) -> tuple[Loaded, Run | None]:
    """The runs under ``args.paths`` and the ``--baseline`` run (read in full, whatever its age);
    skipped files are warned about when ``warn``. Raises InputError (NoRuns or BadBaseline)."""
    paths = list(args.paths)
    if args.baseline and args.baseline not in paths:
        paths.append(args.baseline)
    loaded = load_runs(
        paths, progress=progress, keep_raw=[args.baseline] if args.baseline else [], cache_dir=cache_dir(args)
    )
    if warn:
        for path, reason in loaded.skipped:
            print(f"warning: skipped {path}: {reason}", file=sys.stderr)
    if not loaded.runs:
        raise NoRuns(
            f"no saved benchmark runs found in {', '.join(map(str, args.paths))} "
            "(run `pytest bench --benchmark-autosave` first, or pass the folders that hold the .json files)"
        )
    baseline = select_baseline(loaded.runs, args.baseline) if args.baseline else None
    if args.baseline and baseline is None:
        raise BadBaseline(f"--baseline {args.baseline} is not a readable saved run")
    return loaded, baseline


def build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        loaded, baseline = load_input(args, progress=not args.quiet, warn=not args.quiet)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, BadBaseline) else 2
    output = Path(args.output or DEFAULT_OUTPUT[args.format])
    problem = output_problem(output, args.format, loaded)
    if problem:
        print(f"error: --output {output}: {problem}", file=sys.stderr)
        return 2
    report = build_report(
        loaded, baseline=baseline, threshold=args.threshold, title=args.title, figures=not args.no_plots
    )
    if not args.quiet:
        for warning in report.warnings[:20]:
            print(f"warning: {warning}", file=sys.stderr)
        if len(report.warnings) > 20:
            print(f"warning: ... and {len(report.warnings) - 20} more (listed in the report)", file=sys.stderr)
    try:
        if args.format == "csv":
            written = render.write_csv(report, output)
            target = f"{output}/ ({len(written)} tables)"
        else:
            text = render.html(report) if args.format == "html" else render.markdown(report)
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
            target = str(output)
    except OSError as exc:
        print(f"error: --output {output}: cannot write it ({exc.strerror or exc})", file=sys.stderr)
        return 2
    print(f"{summary_line(report, target)} ({time.perf_counter() - started:.1f} s)")
    return 0


def output_problem(output: Path, fmt: str, loaded: Loaded) -> str | None:
    """Why the report must not be written to ``output``: never over a saved run (one of the inputs,
    readable or not, or any .json), never a file where a folder goes or the reverse."""
    over_a_run = fmt != "csv" and output.suffix.lower() == ".json"
    if not over_a_run and output.exists():  # only an existing path can be an input: resolve them only then
        inputs = {Path(e.path).resolve() for e in loaded.entries()} | {Path(p).resolve() for p, _ in loaded.skipped}
        over_a_run = output.resolve() in inputs
    if over_a_run:
        return "that is where saved runs go; reports never overwrite one (name an .html, .md or a folder)"
    if fmt == "csv" and output.exists() and not output.is_dir():
        return "--format csv writes a folder of tables, and this is a file"
    if fmt != "csv" and output.is_dir():
        return f"is a folder; name the {fmt} file to write"
    return None


def check(args: argparse.Namespace) -> int:
    """The regression gate: the changes section's verdicts, offenders printed, no report written."""
    try:
        loaded, baseline = load_input(args, progress=False, warn=True)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    pairs = changes.baseline_pairs(loaded.runs, baseline)
    if not pairs:
        why = (
            f"--baseline {args.baseline} is the newest run of its machine (or shares no benchmark with it)"
            if baseline is not None
            else "every machine has a single run (or its runs share no benchmark)"
        )
        print(f"error: nothing to compare: {why}", file=sys.stderr)
        return 2
    # the pairs and the runs before each current one that give the run-to-run spread (changes.HISTORY_RUNS)
    used = scope.used_runs(loaded.runs, SCOPE_RUNS, [r for pair in pairs for r in pair])
    results, _ = results_frame(loaded.runs, used)
    table = changes.changes_table(results, loaded.runs, pairs, threshold=args.threshold)
    slower = changes.offenders(table)
    for row in slower.itertuples(index=False):
        print(
            f"SLOWER {row.machine} {row.benchmark}: {row[table.columns.get_loc('normalised ratio')]:.3f}x "
            f"(measured {row.ratio:.3f}x, machine {row[table.columns.get_loc('machine ratio')]:.3f}x; "
            f"{row.basis})"
        )
    counts = table["verdict"].value_counts()
    print(
        f"{len(slower)} slower, {counts.get(changes.FASTER, 0)} faster, {counts.get(changes.SAME, 0)} no change, "
        f"{counts.get(changes.NO_DATA, 0)} without raw data; {len(pairs)} run pairs compared"
    )
    return 1 if len(slower) else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "build":
        return build(args)
    if args.command == "check":
        return check(args)
    return 2  # pragma: no cover - argparse rejects other commands


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
