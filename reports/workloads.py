"""Users' own workloads (the ``torch_benchmark`` fixture): pure tables over the tidy results.

Kinds ``workload`` (one callable timed alone) and ``workload-compare`` (implementations interleaved,
one row per implementation in the frame). Their efficiency rows join the report's efficiency table;
run-over-run changes come from the generic changes table, which compares every row by key.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from contract.schema import KIND_WORKLOAD, KIND_WORKLOAD_COMPARE
from reports.frame import latest

WORKLOAD_KINDS = (KIND_WORKLOAD, KIND_WORKLOAD_COMPARE)

SLOWER, FASTER, SAME, BASELINE = "slower", "faster", "no clear difference", "baseline"

SECTION_CAPTION = (
    "Workloads of your own, timed by the torch_benchmark fixture with the same core as the built-in "
    "suites (warmup, calibration, device synchronisation; docs/workloads.md): each machine's newest result. "
    "GFLOP/s and GB/s come from the FLOP and byte counts the test gave, so they are only as right as those "
    "counts; the efficiency section reads them against the machine's peak and bandwidth. A comparison "
    "interleaves its implementations round by round and gives each one's median per-round time ratio to "
    "the baseline with a 95 % paired bootstrap interval (above 1: slower than the baseline); an interval "
    "that holds 1 is no clear difference. Run-over-run changes are in the changes section."
)


def _newest(results: pd.DataFrame, kind: str) -> pd.DataFrame:
    now = latest(results)
    return now[now["kind"] == kind]


def _label(row: Any) -> str:
    if row.kind == KIND_WORKLOAD:
        return str(row.name)
    return f"{row.name} (baseline)" if row.impl == _baseline(row) else f"{row.name} (vs {_baseline(row)})"


def _baseline(row: Any) -> str:
    extra = row.extra if isinstance(row.extra, dict) else {}
    return str(extra.get("baseline", "?"))


def _bound(row: Any) -> str:
    extra = row.extra if isinstance(row.extra, dict) else {}
    return str(extra.get("bound") or "")


def efficiency_rows(results: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for the efficiency table (its columns): every workload with a FLOP or byte count,
    each implementation of a comparison on its own row."""
    now = latest(results)
    now = now[now["kind"].isin(WORKLOAD_KINDS)]
    rows = []
    for r in now.itertuples():
        if math.isnan(r.gflops) and math.isnan(r.gbps):
            continue  # no work counted: nothing to read against a limit
        rows.append(
            {
                "machine": r.machine_id,
                "device": r.device,
                "precision": r.precision,
                "workload": _label(r),
                "timing": r.timing,
                "threads": r.threads,
                "GFLOP/s": r.gflops,
                "GB/s": r.gbps,
            }
        )
    return rows


def workloads_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per machine, each single workload's newest median, spread, rates and the bound it asked for."""
    now = _newest(results, KIND_WORKLOAD)
    rows = [
        {
            "machine": r.machine_id,
            "device": r.device,
            "precision": r.precision,
            "workload": r.name,
            "group": r.group,
            "timing": r.timing,
            "median_s": r.median_s,
            "IQR_s": r.iqr_s,
            "rounds": r.rounds,
            "GFLOP/s": r.gflops,
            "GB/s": r.gbps,
            "bound": _bound(r),
        }
        for r in now.itertuples()
    ]
    frame = pd.DataFrame(rows)
    return frame.sort_values(["machine", "device", "workload"]).reset_index(drop=True) if rows else frame


def reading(ratio: float, low: float, high: float, is_baseline: bool) -> str:
    """What a ratio to the baseline says, by its interval: faster, slower or no clear difference."""
    if is_baseline:
        return BASELINE
    if math.isnan(low) or math.isnan(high):
        return "no interval"
    if low > 1:
        return SLOWER
    if high < 1:
        return FASTER
    return SAME


def comparison_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per machine and comparison, one row per implementation: median time, rates, and the ratio to
    the baseline with its interval (the baseline's own row reads 1)."""
    now = _newest(results, KIND_WORKLOAD_COMPARE)
    rows = []
    for r in now.itertuples():
        is_baseline = r.impl == _baseline(r)
        ratio = 1.0 if is_baseline else r.ratio
        rows.append(
            {
                "machine": r.machine_id,
                "device": r.device,
                "precision": r.precision,
                "comparison": str(r.name).removesuffix(f" {r.impl}"),
                "workload": r.impl,
                "timing": r.timing,
                "median_s": r.median_s,
                "GFLOP/s": r.gflops,
                "GB/s": r.gbps,
                "ratio": ratio,
                "ratio low": math.nan if is_baseline else r.ratio_lo,
                "ratio high": math.nan if is_baseline else r.ratio_hi,
                "reading": reading(ratio, r.ratio_lo, r.ratio_hi, is_baseline),
                "rounds": r.rounds,
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values(["machine", "device", "comparison"], kind="stable").reset_index(drop=True)
