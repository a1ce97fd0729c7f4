"""The roofline's data: every matmul and training case as (FLOP per byte, achieved GFLOP/s) beside
the roofs it cannot pass, the compute roof (nominal peak per precision) and the memory roofs
(measured and theoretical bandwidth x intensity). Pure functions; ``reports.plots`` draws them.

A case left of the ridge (peak / bandwidth) is memory-bound: bandwidth, not arithmetic, limits it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from contract.peaks import usable_peak
from reports.frame import latest, num
from reports.load import Run
from reports.tables import machine_records, penalty_rows, theoretical_gbps

POINT_COLUMNS = (
    "machine",
    "device",
    "precision",
    "kind",
    "workload",
    "intensity",
    "gflops",
    "peak GFLOP/s",
    "measured GB/s",
    "theoretical GB/s",
    "ridge",
    "roof GFLOP/s",
    "% of roof",
    "bound",
)
ROOF_COLUMNS = ("machine", "device", "precision", "peak GFLOP/s", "measured GB/s", "theoretical GB/s", "ridge")

ELEMENT_BYTES = {"float32": 4, "float64": 8, "float16": 2, "bfloat16": 2}


def training_bytes(info: dict[str, Any]) -> float:
    """Modelled memory traffic of one training step (the harness counts no bytes for training).

    Each weight is read twice (forward, backward), its gradient written once, and SGD reads the
    weight and gradient and writes the weight: 6 passes over the parameters. Each hidden activation
    is written and read in the forward and its gradient written and read in the backward: 4 passes
    over batch x hidden units. Input and logits are left out, so this is a floor on the traffic and
    the intensity a ceiling. NaN when the record lacks a count.
    """
    params, batch = num(info.get("params")), num(info.get("batch_size"))
    widths = info.get("widths")
    size = ELEMENT_BYTES.get(str(info.get("dtype")), math.nan)
    if not isinstance(widths, list) or not all(num(w) > 0 for w in widths) or not params > 0 or not batch > 0:
        return math.nan
    return size * (6 * params + 4 * batch * sum(num(w) for w in widths))


def _bound(intensity: float, ridge: float) -> str:
    if math.isnan(intensity) or math.isnan(ridge):
        return "unknown"
    return "memory" if intensity < ridge else "compute"


def roof_at(intensity: float, peak: float, bandwidth: float) -> float:
    """The attainable GFLOP/s at ``intensity``: min(peak, bandwidth x intensity), the roof a case sits under.
    With one limit unknown the other is the roof; NaN when both are."""
    limits = [x for x in (peak, bandwidth * intensity) if x > 0]
    return min(limits) if limits else math.nan


WORKLOAD_KINDS = ("workload", "workload-compare")  # the torch_benchmark fixture's records (docs/workloads.md)


def _cases(results: pd.DataFrame) -> list[dict[str, Any]]:
    """(machine, device, precision, kind, workload, threads, flops, bytes, gflops) of every newest case."""
    cases = []
    for r in penalty_rows(results).itertuples():
        # flops / bytes of one call = (flops / t) / (bytes / t): the two saved rates give the intensity.
        intensity = r.gflops / r.gbps if r.gbps > 0 else math.nan
        cases.append(
            {
                "machine": r.machine_id,
                "device": r.device,
                "precision": r.precision,
                "kind": "matmul",
                "workload": f"{r.op} n={int(r.n)}",
                "threads": r.threads,
                "intensity": intensity,
                "gflops": r.gflops,
            }
        )
    now = latest(results)
    for r in now[now["kind"] == "training"].itertuples():
        info = r.extra if isinstance(r.extra, dict) else {}
        nbytes = training_bytes(info)
        depth = int(r.depth) if not math.isnan(r.depth) else "?"
        cases.append(
            {
                "machine": r.machine_id,
                "device": r.device,
                "precision": r.precision,
                "kind": "training",
                "workload": f"training {r.impl} {r.profile} depth {depth} ({r.input_mode})",
                "threads": r.threads,
                "intensity": r.flops / nbytes if nbytes > 0 else math.nan,
                "gflops": r.gflops,
            }
        )
    for r in now[now["kind"].isin(WORKLOAD_KINDS)].itertuples():
        # A user's workload sits on the roofline once both of its work counts were given.
        if not (r.flops > 0 and r.bytes > 0):
            continue
        cases.append(
            {
                "machine": r.machine_id,
                "device": r.device,
                "precision": r.precision,
                "kind": "workload",
                "workload": r.name,
                "threads": r.threads,
                "intensity": r.flops / r.bytes,
                "gflops": r.gflops,
            }
        )
    return cases


def roofline_points(results: pd.DataFrame, runs: Sequence[Run]) -> pd.DataFrame:
    """One row per newest matmul size, training case and counted user workload: its intensity and
    rate, its machine's roofs, the roof above it, how close it gets (% of roof) and which limit
    binds (memory or compute)."""
    records = machine_records(runs)
    rows = []
    for case in _cases(results):
        harness = records.get(case["machine"], {}).get("harness") or {}
        peak = usable_peak(harness, str(case["device"]), str(case["precision"]), case.pop("threads"))
        measured = num((harness.get("bandwidth") or {}).get(str(case["device"]), {}).get("copy_gbps"))
        theoretical = theoretical_gbps(harness, str(case["device"]))
        ridge = peak / measured if peak > 0 and measured > 0 else math.nan
        roof = roof_at(case["intensity"], peak, measured)
        rows.append(
            case
            | {
                "peak GFLOP/s": peak,
                "measured GB/s": measured,
                "theoretical GB/s": theoretical,
                "ridge": ridge,
                "roof GFLOP/s": roof,
                "% of roof": case["gflops"] / roof if roof > 0 else math.nan,
                "bound": _bound(case["intensity"], ridge),
            }
        )
    frame = pd.DataFrame(rows, columns=list(POINT_COLUMNS))
    return frame.sort_values(["machine", "device", "precision", "kind", "workload"]).reset_index(drop=True)


def roofs(points: pd.DataFrame) -> pd.DataFrame:
    """The roofs of every (machine, device, precision) that has a case: one row each."""
    if points.empty:
        return pd.DataFrame(columns=list(ROOF_COLUMNS))
    return points[list(ROOF_COLUMNS)].drop_duplicates(["machine", "device", "precision"]).reset_index(drop=True)


def roofline_table(points: pd.DataFrame) -> pd.DataFrame:
    """The report's table: per (machine, device, precision, kind), the case closest to its roof and
    the count of memory-bound cases, so the figure's reading is also in text."""
    if points.empty:
        return pd.DataFrame()
    rows = []
    for (machine, device, precision, kind), g in points.groupby(["machine", "device", "precision", "kind"]):
        best = g.loc[g["% of roof"].idxmax()] if g["% of roof"].notna().any() else g.iloc[0]
        rows.append(
            {
                "machine": machine,
                "device": device,
                "precision": precision,
                "kind": kind,
                "cases": len(g),
                "memory-bound": int((g["bound"] == "memory").sum()),
                "closest to its roof": best["workload"],
                "FLOP/byte": best["intensity"],
                "GFLOP/s": best["gflops"],
                "roof GFLOP/s": best["roof GFLOP/s"],
                "% of roof": best["% of roof"],
                "bound": best["bound"],
            }
        )
    return pd.DataFrame(rows)
