"""Loaded runs -> the report's sections (tables, figures, captions): pure, no I/O.

The section list is fixed, so every report has the same shape: an empty section says why
it is empty instead of disappearing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from reports import changes, drift, history, plots, roofline, scope, tables, workloads
from reports import study as study_section
from reports.catalog import Entry
from reports.collect import SCOPE_RUNS, Loaded, default_workers
from reports.drawing import PARALLEL_RUNS, Drawing
from reports.frame import results_frame
from reports.load import Run
from reports.tables import Table


@dataclass
class Section:
    id: str
    title: str
    caption: str
    tables: list[Table] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # (title, inline svg)
    empty: str = ""  # shown when there are no tables and no figures


@dataclass
class Report:
    title: str
    generated: str
    summary: dict[str, int]
    sections: list[Section]
    skipped: list[tuple[str, str]]
    warnings: list[str]

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]


DRIFT_CAPTION = (
    "The drift canary, a fixed matrix product and memory copy timed at the start, before and after every "
    f"benchmark and at the end (each machine's newest {drift.DRIFT_RUNS} runs): max/min of its time over the run "
    "(1.000 = the machine kept its speed). Steal is "
    "the share of CPU time the hypervisor gave to other guests, iowait the share spent waiting for I/O "
    "(/proc/stat); neither shows in the pressure stalls."
)
MOVED_CAPTION = (
    f"Each machine's newest results whose canary moved by more than {drift.DRIFT_MARK:.0%} between the start "
    "and the end of the benchmark: the machine changed speed while they were timed, so read their absolute "
    "times with care."
)


def _table(slug: str, title: str, caption: str, frame: pd.DataFrame) -> list[Table]:
    return [Table(slug, title, caption, frame)] if not frame.empty else []


ROOFLINE_CAPTION = (
    "The roofline (figure above) places every matmul size and training case at its arithmetic intensity "
    "(FLOP per byte moved) and achieved GFLOP/s. Dashed: the nominal peak per precision (the compute roof); solid "
    "grey: measured copy bandwidth x intensity, dotted grey: theoretical bandwidth x intensity (the memory roofs). "
    "Left of the ridge (peak / bandwidth) a case is memory-bound. Matmul bytes are the operands read and the "
    "result written once; training bytes are modelled (weights 6 passes, hidden activations 4), a floor on "
    "the traffic. Above 100 % of the roof: the operands were served from a cache faster than DRAM, or the "
    "nominal peak is understated (see the caption of this section)."
)


def report_results(runs: Sequence[Run], baseline: Run | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The results frame of the runs the sections read (reports.scope): each machine's newest runs,
    the compared pairs, and older runs with benchmarks of their own (history reads the catalogue)."""
    pairs = changes.baseline_pairs(runs, baseline)
    return results_frame(runs, scope.used_runs(runs, SCOPE_RUNS, [r for pair in pairs for r in pair]))


def build_report(
    loaded: Loaded,
    *,
    baseline: Run | None = None,
    threshold: float = changes.THRESHOLD,
    title: str = "Benchmark report",
    figures: bool = True,
    results: tuple[pd.DataFrame, list[str]] | None = None,
    workers: int | None = None,
) -> Report:
    """Every section of the report from the loaded runs (``results``: their results frame and its
    warnings when already built; else the frame of the runs the sections read, reports.scope).

    ``workers``: processes that draw the figures while the tables are computed (reports.drawing;
    default: the CPUs this process may use, for reports of PARALLEL_RUNS runs or more).
    """
    entries = loaded.entries()
    if workers is None:
        workers = default_workers() if len(entries) >= PARALLEL_RUNS else 1
    with Drawing(workers if figures else 1) as drawing:
        return _build(loaded, entries, baseline, threshold, title, figures, results, drawing)


def _training_figures(rows: pd.DataFrame) -> list[tuple[str, str]]:
    svg = plots.training_svg(rows)
    return (
        [] if svg is None else [("scratch/framework with its 95 % interval against depth, by machine and device", svg)]
    )


def _roofline_figures(points: pd.DataFrame, roofs: pd.DataFrame) -> list[tuple[str, str]]:
    svg = plots.roofline_svg(points, roofs)
    return [] if svg is None else [("Roofline per machine and device: achieved GFLOP/s against FLOP per byte", svg)]


def _build(
    loaded: Loaded,
    entries: list[Entry],
    baseline: Run | None,
    threshold: float,
    title: str,
    figures: bool,
    results: tuple[pd.DataFrame, list[str]] | None,
    drawing: Drawing,
) -> Report:
    def draw(fn: Callable[..., list[tuple[str, str]]], *args: Any) -> Callable[[], list[tuple[str, str]]]:
        return drawing.submit(fn, *args) if figures else list

    runs = loaded.runs
    pairs = changes.baseline_pairs(runs, baseline)
    results, warnings = results if results is not None else report_results(runs, baseline)
    history_rows = history.history_frame(entries)
    # one job per headline (a figure of a panel per machine), the longest drawing first
    history_parts = {
        m: draw(plots.history_svgs, history_rows[history_rows["metric"] == m])
        for m in (history.PENALTY, history.RATIO, history.MM_RATE)
    }

    def history_figures() -> list[tuple[str, str]]:
        return [figure for m in plots.HISTORY_ORDER for figure in history_parts[m]()]

    overview = Section(
        "runs",
        "Runs loaded",
        "What went into this report: saved runs per machine and their time span. Sections 2-4 use each "
        "machine's newest result of every benchmark; section 5 compares runs. CPU contention is the share of "
        "timed time in which some task waited for a CPU (Linux pressure stall information): well above a few "
        "percent, the machine was shared while it measured, so trust its ratios more than its absolute times.",
        _table("runs", "Runs per machine", "", tables.runs_table(entries))
        + _table("drift", "Machine drift per run", DRIFT_CAPTION, drift.drift_table(runs))
        + _table("drift-moved", "Benchmarks measured while the machine changed speed", MOVED_CAPTION,
                 drift.moved_table(runs)),
    )  # fmt: skip

    machines = Section(
        "machines",
        "1. Machines side by side",
        "One column per machine (its newest hardware record). Read the memory bus width and bandwidth rows "
        "first: memory-bound results (matrix-vector, small training steps) scale with them, compute-bound "
        "ones with cores, clocks and the GPU. 'unknown (reason)' means the harness could not read that value.",
        _table("machines", "Hardware and software", "", tables.machines_table([r for r in runs if r.harness])),
        empty="No run has a hardware record (machine_info.harness): these files come from another suite.",
    )

    align_rows = tables.penalty_rows(results)
    reference = tables.reference_size(align_rows)
    alignment = Section(
        "alignment",
        f"2. Matmul alignment (n = {tables.size_span(align_rows)})",
        "Does a size that is not a multiple of 8/16/32 cost time? Each table is one op, device and precision; "
        f"columns per machine: median time per call, throughput, and the penalty t(n)/t({reference}) with its 95 % "
        "interval; "
        "an interval above 1 is a real cost, and a rerun spread (with two or more saved runs) says how far another run "
        "of the same machine landed. Matrix-vector "
        "products are memory-bound, so they are shown in GB/s; matrix-matrix products in GFLOP/s. On CUDA the "
        "figures are hot (CUDA-graph replays, operands in L2) with the cold penalty (L2 flushed) beside them, and "
        "\u2691 marks a launch-bound result.",
        tables.alignment_tables(align_rows),
        empty="No matmul or alignment benchmarks found.",
    )
    alignment_figures = draw(plots.alignment_svgs, align_rows)

    training_rows = tables.training_table(results)
    training_tables = _table("training", "Training by depth", "", training_rows)
    for table in training_tables:  # issue 15: standalone medians that contradict the interleaved ratio
        table.notes.extend(drift.standalone_disagreements(results))
    training = Section(
        "training",
        "3. Framework vs scratch (MLP training by depth)",
        "Time per step and per epoch of the framework and from-scratch implementations, and their ratio with "
        "a 95 % interval (above 1: scratch is slower). Accuracy alongside shows both learn the same thing; "
        "a ratio that grows with depth means per-layer overhead dominates.",
        training_tables,
        empty="No training benchmarks found.",
    )
    training_figures = draw(_training_figures, training_rows)

    points = roofline.roofline_points(results, runs)
    roofline_figures = draw(_roofline_figures, points, roofline.roofs(points))
    efficiency = Section(
        "efficiency",
        "4. Efficiency against the hardware's limits",
        "How close each workload gets to the machine: compute-bound matrix products should approach the "
        "nominal peak FLOP/s, memory-bound ones (mv) the measured copy bandwidth. Peaks are nominal "
        "(cores x clock x FMA width, or the GPU's datasheet rate); a CPU peak is scaled to the cores the run's "
        "threads could use. Matmuls show their best n; your own workloads (section 8) appear under their test "
        "names when the test counted their FLOPs or bytes. Above 100 % means "
        "the limit is understated, not that physics broke: a CPU peak taken at a reported base clock when the "
        "turbo clock is unknown (as in most VMs), or an n=1024 matrix-vector operand (4 MB in float32) served "
        "from a cache larger than it, faster than the DRAM copy bandwidth.",
        _table("efficiency", "Fraction of peak and of bandwidth", "", tables.efficiency_table(results, runs))
        + _table(
            "verify",
            "Cross-check against an independent timer (--bench-verify)",
            "harness / tool for the same call: torch.utils.benchmark on the CPU, triton's do_bench_cudagraph "
            "(hot) or do_bench (cold) on CUDA; 1.00 is agreement.",
            tables.verify_table(results),
        )
        + _table(
            "roofline", "Roofline: the case closest to its roof", ROOFLINE_CAPTION, roofline.roofline_table(points)
        ),
        empty="No harness results with a hardware record found.",
    )

    change_table = changes.changes_table(results, runs, pairs, threshold=threshold)
    listed, folded = changes.listed_changes(change_table)
    summary_tables = _table("changes-summary", "Verdicts per machine", "", changes.verdict_counts(change_table))
    # kept when every row folded: the note says so, and the CSV still has the table's columns
    change_tables = [Table("changes", "Changes", "", listed)] if not change_table.empty else []
    if folded:
        change_tables[0].notes.append(f"{folded} benchmarks with no change are not listed.")
    change_section = Section(
        "changes",
        "5. Changes between runs",
        ("Each machine's newest run against "
         + (f"the chosen baseline {baseline.label}" if baseline else "its previous run (by datetime)")
         + ". " + changes.test_description(threshold)
         + " 'no raw data' means a run was saved without --benchmark-save-data, so no verdict is possible."),
        summary_tables + change_tables,
        empty="Nothing to compare: every machine has a single run (or the runs share no benchmark).",
    )  # fmt: skip

    history_section = Section(
        "history",
        "6. History over runs",
        "The headline numbers of every run of each machine, by date and commit, with their 95 % intervals: "
        "the penalty t(n)/t(1024) per size, scratch/framework per depth, and mm GFLOP/s at n=1024. Runs in "
        f"which some task waited for a CPU more than {history.HIGH_CONTENTION:.0%} of the timed time are "
        "ringed in red in the figures and marked 'yes' under 'contended': a step there may be the neighbours, "
        f"not the code. The figures show each machine's newest {history.FIGURE_RUNS} runs, the tables its newest "
        f"{history.TABLE_RUNS}.",
        [Table(f"history-{i}", metric, "", frame) for i, (metric, frame) in
         enumerate(history.history_tables(history_rows))],
        empty="No alignment, interleaved training or mm n=1024 results found.",
    )  # fmt: skip

    other = Section(
        "other",
        "7. Other benchmarks",
        "Benchmarks without the harness's extra_info (other pytest-benchmark suites, older files): the newest "
        "result per machine and name, as pytest-benchmark measured it.",
        _table("other", "Other benchmarks", "", tables.generic_table(results)),
        empty="None: every benchmark came from this harness.",
    )

    study_tables, _ = study_section.section_parts(results, with_figures=False)
    study_figures = draw(study_section.section_figures, results[results["kind"].isin(study_section.KINDS)])
    study = Section(
        "study",
        "8. Hyperparameter study",
        study_section.SECTION_CAPTION,
        study_tables,
        empty="No study records (run `pytest bench --bench-study --benchmark-autosave` to make some).",
    )

    own_workloads = Section(
        "workloads",
        "9. Your workloads (torch_benchmark)",
        workloads.SECTION_CAPTION,
        _table("timed", "Workloads timed alone", "", workloads.workloads_table(results))
        + _table("comparisons", "Comparisons: ratio to the baseline", "", workloads.comparison_table(results)),
        empty="No torch_benchmark records: docs/workloads.md shows how to benchmark your own workload.",
    )

    summary = {
        "runs": len(entries),
        "machines": len({e.machine_id for e in entries}),
        "benchmarks": sum(e.benchmarks for e in entries),
        "skipped files": len(loaded.skipped),
    }
    return Report(
        title=title,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        summary=summary,
        sections=_with_figures(
            [
                (alignment, alignment_figures),
                (training, training_figures),
                (efficiency, roofline_figures),
                (history_section, history_figures),
                (study, study_figures),
            ],
            [
                overview,
                machines,
                alignment,
                training,
                efficiency,
                change_section,
                history_section,
                other,
                study,
                own_workloads,
            ],
        ),
        skipped=list(loaded.skipped),
        warnings=list(loaded.warnings) + warnings,
    )


def _with_figures(
    drawn: list[tuple[Section, Callable[[], list[tuple[str, str]]]]], sections: list[Section]
) -> list[Section]:
    """The sections, each given the figures drawn for it (waiting for the drawing processes)."""
    for section, figures in drawn:
        section.figures = figures()
    return sections


def summary_line(report: Report, output: str) -> str:
    s = report.summary
    return (
        f"{output}: {s['runs']} runs, {s['machines']} machines, {s['benchmarks']} benchmarks, "
        f"{s['skipped files']} skipped files"
    )


def select_baseline(runs: Sequence[Run], path: str) -> Run | None:
    """The loaded run whose file is ``path`` (compared by resolved path)."""
    from pathlib import Path

    target = Path(path).resolve()
    return next((r for r in runs if Path(r.path).resolve() == target), None)
