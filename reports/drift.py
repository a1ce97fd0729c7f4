"""How much the machine itself moved while it measured: the drift canary, steal and iowait.

Pure functions over loaded runs and their benchmarks' ``extra_info``. The canary (bench/canary.py)
is a fixed workload timed at the start, around every benchmark and at the end of a run; its
time is the run's machine-speed index. Steal and iowait come from /proc/stat ticks recorded beside
the pressure stalls (``readings.before/after.cpu_ticks``).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from contract.stats import overlaps, ratio_of_medians
from reports.frame import num, training_groups
from reports.load import Run, by_machine

#: A benchmark whose canary moved by more than this between its start and its end is marked.
DRIFT_MARK = 0.03


def canary_device(device: Any) -> str:
    """The canary key of a benchmark's device: "cpu", or "cuda:N" ("cuda" alone is cuda:0)."""
    text = str(device)
    return "cuda:0" if text == "cuda" else text if text.startswith("cuda:") else "cpu"


def run_samples(run: Run) -> list[dict[str, Any]]:
    canary = run.harness.get("canary")
    samples = canary.get("samples") if isinstance(canary, dict) else None
    return [s for s in samples if isinstance(s, dict)] if isinstance(samples, list) else []


def sample_indexes(samples: Sequence[dict[str, Any]], device: str) -> list[float]:
    """The canary index (seconds) of ``device`` in every sample that has one."""
    out = []
    for sample in samples:
        entry = (sample.get("devices") or {}).get(device) if isinstance(sample.get("devices"), dict) else None
        value = num(entry.get("index_s")) if isinstance(entry, dict) else math.nan
        if value > 0:
            out.append(value)
    return out


def run_index(run: Run, device: str) -> float:
    """The run's typical canary time on ``device`` (median over its samples); NaN without a canary."""
    values = sample_indexes(run_samples(run), canary_device(device))
    return statistics.median(values) if values else math.nan


def run_drift(run: Run) -> dict[str, float]:
    """max/min of the canary over the run, per device (recomputed from the samples)."""
    samples = run_samples(run)
    devices = sorted({d for s in samples for d in (s.get("devices") or {}) if isinstance(s.get("devices"), dict)})
    out = {}
    for device in devices:
        values = sample_indexes(samples, device)
        if values:
            out[device] = max(values) / min(values)
    return out


#: Samples on each side of a benchmark's own two that its smoothed canary takes the median of.
WINDOW = 3


def sample_positions(run: Run) -> dict[str, list[int]]:
    """Where each benchmark's "before"/"after" canary samples sit in the run's samples, by nodeid."""
    out: dict[str, list[int]] = {}
    for i, sample in enumerate(run_samples(run)):
        label = str(sample.get("label", ""))
        for prefix in ("before ", "after "):
            if label.startswith(prefix):
                out.setdefault(label[len(prefix) :], []).append(i)
    return out


def smoothed_index(
    run: Run, positions: dict[str, list[int]], fullname: str, device: Any, window: int = WINDOW
) -> float:
    """The machine's speed around one benchmark: the median canary of its own two samples and the
    ``window`` samples on each side. One canary can still catch a burst; the median of a few
    neighbours follows a lasting change of speed but not a burst. NaN where the run has no samples."""
    where = positions.get(fullname)
    if not where:
        return math.nan
    samples = run_samples(run)
    values = sample_indexes(samples[max(0, min(where) - window) : max(where) + window + 1], canary_device(device))
    return statistics.median(values) if values else math.nan


def benchmark_canary(extra: Any, device: Any) -> tuple[float, float]:
    """(before, after) canary seconds around one benchmark, NaN where not recorded."""
    canary = extra.get("canary") if isinstance(extra, dict) else None
    if not isinstance(canary, dict):
        return math.nan, math.nan
    key = canary_device(device)
    values = []
    for side in ("before", "after"):
        entry = canary.get(side)
        values.append(num(entry.get(key)) if isinstance(entry, dict) else math.nan)
    return values[0], values[1]


def local_index(extra: Any, device: Any) -> float:
    """The machine's speed around one benchmark: the faster of the two canaries beside it (an
    interruption only ever slows a canary, so the minimum is the robust one); NaN without both."""
    before, after = benchmark_canary(extra, device)
    return min(before, after) if before > 0 and after > 0 else math.nan


def moved(extra: Any, device: Any) -> float:
    """How far the canary moved during one benchmark: max/min - 1 of before and after."""
    before, after = benchmark_canary(extra, device)
    return max(before, after) / min(before, after) - 1 if before > 0 and after > 0 else math.nan


def tick_share(first: Any, last: Any, field: str) -> float:
    """Growth of one /proc/stat counter (steal, iowait) over the growth of all CPU ticks."""
    if not isinstance(first, dict) or not isinstance(last, dict):
        return math.nan
    total = num(last.get("total")) - num(first.get("total"))
    part = num(last.get(field)) - num(first.get(field))
    return part / total if total > 0 and part >= 0 else math.nan


def benchmark_tick_share(extra: Any, field: str) -> float:
    """Share of CPU time ``field`` (steal, iowait) took while one benchmark was timed."""
    readings = extra.get("readings") if isinstance(extra, dict) else None
    if not isinstance(readings, dict):
        return math.nan
    before, after = readings.get("before"), readings.get("after")
    return tick_share(
        before.get("cpu_ticks") if isinstance(before, dict) else None,
        after.get("cpu_ticks") if isinstance(after, dict) else None,
        field,
    )


def run_tick_share(run: Run, field: str) -> float:
    """Share of CPU time ``field`` took over the whole run: from the canary's first and last
    samples, else summed over the benchmarks' readings."""
    samples = [s for s in run_samples(run) if isinstance(s.get("cpu_ticks"), dict)]
    if len(samples) >= 2:
        return tick_share(samples[0]["cpu_ticks"], samples[-1]["cpu_ticks"], field)
    part = total = 0.0
    for bench in run.benchmarks:
        readings = (bench.get("extra_info") or {}).get("readings") if isinstance(bench, dict) else None
        if not isinstance(readings, dict):
            continue
        first = (readings.get("before") or {}).get("cpu_ticks") if isinstance(readings.get("before"), dict) else None
        last = (readings.get("after") or {}).get("cpu_ticks") if isinstance(readings.get("after"), dict) else None
        share = tick_share(first, last, field)
        if not math.isnan(share):
            grown = num(last.get("total")) - num(first.get("total"))
            part, total = part + share * grown, total + grown
    return part / total if total > 0 else math.nan


def benchmark_moves(run: Run) -> list[tuple[str, float, float, float]]:
    """(name, canary before, after, moved) of every benchmark of a run that recorded its canary."""
    out = []
    for bench in run.benchmarks:
        extra = bench.get("extra_info") if isinstance(bench, dict) else None
        device = extra.get("device") if isinstance(extra, dict) else None
        before, after = benchmark_canary(extra, device)
        if before > 0 and after > 0:
            out.append((str(bench.get("fullname") or bench.get("name")), before, after, moved(extra, device)))
    return out


#: Runs per machine in the drift table: a fleet's year of nightly runs would not fit a page.
DRIFT_RUNS = 5


def drift_table(runs: Sequence[Run], mark: float = DRIFT_MARK, newest: int = DRIFT_RUNS) -> pd.DataFrame:
    """Per run (each machine's ``newest``): the canary's drift (max/min) per device, steal and
    iowait shares, and how many benchmarks were measured while the canary moved more than ``mark``."""
    rows = []
    for machine, machine_runs in by_machine(runs).items():
        for run in machine_runs[-newest:]:
            moves = [m for *_, m in benchmark_moves(run)]
            rows.append(
                {
                    "machine": machine,
                    "run": run.label,
                    "canary samples": len(run_samples(run)),
                    "canary drift (max/min)": ", ".join(f"{d} {v:.3f}" for d, v in run_drift(run).items())
                    or "no canary",
                    "% steal": run_tick_share(run, "steal"),
                    "% iowait": run_tick_share(run, "iowait"),
                    f"benchmarks with canary moved > {mark:.0%}": (
                        f"{sum(m > mark for m in moves)} of {len(moves)}" if moves else "n/a"
                    ),
                }
            )
    return pd.DataFrame(rows)


def moved_table(runs: Sequence[Run], mark: float = DRIFT_MARK) -> pd.DataFrame:
    """The benchmarks of each machine's newest run measured while the canary moved more than ``mark``."""
    rows = [
        {"machine": machine, "benchmark": name, "canary before_s": before, "canary after_s": after,
         "% canary moved": value}
        for machine, machine_runs in by_machine(runs).items()
        for name, before, after, value in benchmark_moves(machine_runs[-1])
        if value > mark
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["machine", "benchmark", "canary before_s", "canary after_s", "% canary moved"])
    return frame.sort_values(["machine", "% canary moved"], ascending=[True, False]).reset_index(drop=True)


def standalone_disagreements(results: pd.DataFrame) -> list[str]:
    """Where the two standalone training benchmarks (framework, scratch, timed minutes apart) give a
    scratch/framework ratio whose interval misses the interleaved ratio's interval: the machine
    changed speed between them, and only the interleaved (paired) figure is trustworthy."""
    notes = []
    for (machine, device, profile, mode, depth), timed, paired in training_groups(results):
        fw, sc = timed.get("framework"), timed.get("scratch")
        if paired is None or fw is None or sc is None or math.isnan(paired.ratio_lo):
            continue
        if fw.data is not None and sc.data is not None:
            point = float(np.median(sc.data) / np.median(fw.data))
            if paired.ratio_lo <= point <= paired.ratio_hi:
                continue  # its interval holds the point, so it overlaps: no bootstrap needed
            est = ratio_of_medians(sc.data, fw.data)
            value, interval = est.value, (est.low, est.high)
        elif fw.step_s > 0:
            value = sc.step_s / fw.step_s
            interval = (value, value)
        else:
            continue
        if overlaps(interval, (paired.ratio_lo, paired.ratio_hi)) is False:
            notes.append(
                f"{machine} {device} {profile}/{mode} depth {int(depth)}: the standalone medians give "
                f"scratch/framework {value:.3f} [{interval[0]:.3f}, {interval[1]:.3f}], outside the interleaved "
                f"{paired.ratio:.3f} [{paired.ratio_lo:.3f}, {paired.ratio_hi:.3f}]: the machine drifted between "
                "the two standalone benchmarks; read the interleaved figure."
            )
    return notes
