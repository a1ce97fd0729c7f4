"""Pure functions: tidy results (and machine records) -> the report's tables as DataFrames.

Tables keep numbers numeric (seconds, GFLOP/s, ratios) so CSV output stays usable in a
spreadsheet; ``reports.format`` turns them into display strings for HTML and Markdown.
Column conventions that formatting relies on: ``*_s`` are seconds, ``X low`` / ``X high``
are the interval of column ``X``, ``% ...`` are fractions shown as percentages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from contract.arithmetic import BASELINE_N, baseline_size
from contract.peaks import core_share
from contract.schema import STOPPED_SHORT
from contract.stats import RERUN_RUNS, ratio_of_medians, spread
from reports import workloads
from reports.catalog import Entry
from reports.frame import KIND_OTHER, LAUNCH_BOUND_MARK, latest, num, text, training_groups
from reports.load import UNKNOWN, Run, by_machine

ALIGNMENT_KINDS = ("alignment", "matmul")
GPU_MODES = ("hot", "cold", "e2e")
ALIGNMENT_TIMING_COLUMNS = (
    "mode", "timing", "launch_bound", "cold_penalty", "cold_penalty_lo", "cold_penalty_hi", "stopped_by",
    "stop_target",
)  # fmt: skip
LAUNCH_BOUND_NOTE = (
    "launch-bound: the program's host-inclusive time per call (e2e) exceeds the kernel's own (hot) by more "
    "than 20 %, so the host's launch rate, not the kernel, sets the pace of an eager program"
)


@dataclass
class Table:
    """A titled DataFrame with the caption that says what to read from it."""

    slug: str  # file name for CSV output, anchor in HTML
    title: str
    caption: str
    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)


# --- machines ------------------------------------------------------------------------------


def machine_records(runs: Sequence[Run]) -> dict[str, dict[str, Any]]:
    """Each machine's hardware record from its newest run that has one ({} for other suites)."""
    records: dict[str, dict[str, Any]] = {}
    for machine, machine_runs in by_machine(runs).items():
        with_record = [r for r in machine_runs if r.harness]
        chosen = with_record[-1] if with_record else machine_runs[-1]
        records[machine] = {"harness": chosen.harness, "machine_info": chosen.machine_info}
    return records


def _get(obj: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(obj, dict):
            obj = obj.get(key)
        elif isinstance(obj, list) and isinstance(key, int) and -len(obj) <= key < len(obj):
            obj = obj[key]
        else:
            return None
    return obj


def _show(section: Any, key: str, fmt: Any = str) -> str:
    """A record's field for display: the value, or "unknown (reason)" from ``unavailable``."""
    value = _get(section, key)
    if value is None or value == "" or value == []:
        reason = _get(section, "unavailable", key)
        return f"{UNKNOWN} ({reason})" if reason else UNKNOWN
    try:
        return fmt(value)
    except (TypeError, ValueError):
        return str(value)


def fmt_bytes(value: Any) -> str:
    value = float(value)
    if not math.isfinite(value):
        return UNKNOWN
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" or value == int(value) else f"{value:.1f} {unit}"
        value /= 1024
    return str(value)  # pragma: no cover


def fmt_caches(caches: Any) -> str:
    if not isinstance(caches, list):
        return str(caches)
    parts = []
    for c in caches:
        if not isinstance(c, dict):
            continue
        kind = {"Data": "d", "Instruction": "i"}.get(str(c.get("type")), "")
        size = fmt_bytes(c["size_bytes"]) if isinstance(c.get("size_bytes"), int | float) else UNKNOWN
        count = f" x{c['instances']}" if isinstance(c.get("instances"), int) and c["instances"] > 1 else ""
        parts.append(f"L{c.get('level', '?')}{kind} {size}{count}")
    return ", ".join(parts) or UNKNOWN


def _gbps(value: Any) -> str:
    return f"{float(value):.1f} GB/s"


def blas_summary(blas: Any) -> str:
    """torch's BLAS/LAPACK/oneDNN build facts in one short line (the record keeps them all)."""
    if not isinstance(blas, dict):
        return str(blas)
    build = blas.get("build") if isinstance(blas.get("build"), dict) else {}
    parts = [f"BLAS {build['BLAS_INFO']}" if build.get("BLAS_INFO") else ""]
    for line in blas.get("libraries") or []:
        entry = str(line)
        if "MKL-DNN" in entry or "oneDNN" in entry:
            parts.append(entry.split(" (")[0].replace("Intel(R) ", ""))
        elif entry.startswith("CPU capability usage"):
            parts.append(entry.replace("CPU capability usage: ", "kernels "))
    return ", ".join(p for p in parts if p) or UNKNOWN


def machines_table(runs: Sequence[Run]) -> pd.DataFrame:
    """Rows = hardware and software facts, one column per machine_id (all values as text)."""
    columns: dict[str, dict[str, str]] = {}
    for machine, record in machine_records(runs).items():
        h, info = record["harness"], record["machine_info"]
        cpu, mem, sw = h.get("cpu") or {}, h.get("memory") or {}, h.get("software") or {}
        bw = h.get("bandwidth") or {}
        col: dict[str, str] = {}
        col["CPU"] = _show(cpu, "model") if cpu else text(_get(info, "cpu", "brand_raw"))
        col["cores (physical / logical)"] = f"{_show(cpu, 'physical_cores')} / {_show(cpu, 'logical_cores')}"
        col["max clock"] = _show(cpu, "max_mhz", lambda v: f"{float(v):.0f} MHz")
        col["ISA"] = _show(cpu, "isa", lambda v: ", ".join(map(str, v)))
        col["caches"] = _show(cpu, "caches", fmt_caches)
        col["memory size"] = _show(mem, "total_bytes", fmt_bytes)
        modules = mem.get("modules") if isinstance(mem.get("modules"), list) else []
        types = sorted({str(m.get("type")) for m in modules if isinstance(m, dict) and m.get("type")})
        speeds = sorted({m.get("configured_speed_mts") for m in modules if isinstance(m, dict)} - {None}, key=str)
        col["memory type"] = " / ".join(types) or UNKNOWN
        col["memory speed"] = " / ".join(f"{s} MT/s" for s in speeds) or UNKNOWN
        col["memory bus width"] = _show(mem, "bus_width_bits", lambda v: f"{v} bit")
        col["memory channels"] = _show(mem, "channels")
        col["memory bandwidth, theoretical"] = _show(mem, "theoretical_gbps", _gbps)
        col["memory bandwidth, measured (copy)"] = _show(bw.get("cpu") or {}, "copy_gbps", _gbps)
        gpus = h.get("gpus") if isinstance(h.get("gpus"), list) else []
        if not gpus:
            col["GPU 0"] = _show(h, "gpus") if h else UNKNOWN
        for i, gpu in enumerate(g for g in gpus if isinstance(g, dict)):
            device = str(gpu.get("device") or f"cuda:{i}")
            p = f"GPU {i}"
            col[p] = f"{_show(gpu, 'name')} ({device})"
            col[f"{p} memory"] = _show(gpu, "memory_bytes", fmt_bytes)
            col[f"{p} memory bus width"] = _show(gpu, "memory_bus_width_bits", lambda v: f"{v} bit")
            col[f"{p} memory clock"] = _show(gpu, "memory_clock_mhz", lambda v: f"{v} MHz")
            col[f"{p} bandwidth, theoretical"] = _show(gpu, "theoretical_gbps", _gbps)
            col[f"{p} bandwidth, measured (copy)"] = _show(bw.get(device) or {}, "copy_gbps", _gbps)
            col[f"{p} compute capability"] = _show(gpu, "compute_capability")
            col[f"{p} SMs"] = _show(gpu, "sm_count")
            col[f"{p} driver / CUDA"] = f"{_show(gpu, 'driver')} / {_show(gpu, 'cuda')}"
        for key in ("python", "torch", "torch_cuda", "cudnn", "numpy", "pytest_benchmark"):
            col[f"software: {key}"] = (
                _show(sw, key) if sw else text(info.get("python_version") if key == "python" else None)
            )
        col["software: blas"] = _show(sw, "blas", blas_summary)
        col["software: threads"] = _show(
            sw,
            "threads",
            lambda v: ", ".join(f"{k}={x}" for k, x in v.items() if x is not None) if isinstance(v, dict) else str(v),
        )
        columns[machine] = col
    order = {key: i for i, key in enumerate(dict.fromkeys(k for col in columns.values() for k in col))}
    rank = {key: (2 if key.startswith("software") else 1 if key.startswith("GPU") else 0, order[key]) for key in order}
    frame = pd.DataFrame(columns).reindex(sorted(order, key=rank.__getitem__))
    frame.index.name = "machine_id"
    return frame.fillna("")


def runs_table(entries: Sequence[Entry]) -> pd.DataFrame:
    """Per machine: how many runs, the time span, the newest commit, the writer's version
    (from the catalogue, so a fleet's old runs count without being read in full)."""
    rows = []
    for machine, machine_runs in by_machine(entries).items():
        dates = [r.datetime for r in machine_runs if r.datetime]
        newest = machine_runs[-1]
        rows.append(
            {
                "machine": machine,
                "runs": len(machine_runs),
                "first": min(dates).strftime("%Y-%m-%d %H:%M") if dates else UNKNOWN,
                "last": max(dates).strftime("%Y-%m-%d %H:%M") if dates else UNKNOWN,
                "newest commit": newest.commit[:12],
                "pytest-benchmark": ", ".join(sorted({r.version for r in machine_runs})),
                "benchmarks (newest run)": newest.benchmarks,
                "hardware record": "yes" if any(r.harness for r in machine_runs) else "no",
                "% CPU contention (newest run)": newest.contention,
                "partial runs": _partial_runs(machine_runs),
            }
        )
    return pd.DataFrame(rows)


def _partial_runs(machine_runs: Sequence[Entry]) -> str:
    """How many runs stopped early (Ctrl-C, -x) and saved only what finished; the newest says why."""
    partial = [r for r in machine_runs if r.partial]
    if not partial:
        return "none"
    newest = partial[-1]
    return f"{len(partial)}: newest {newest.label.split(' @ ', 1)[1]}, {newest.partial}"


# --- alignment -----------------------------------------------------------------------------


def throughput_unit(op: str) -> tuple[str, str]:
    """(column, unit) of the rate that matters: GB/s for the memory-bound matrix-vector product."""
    return ("gbps", "GB/s") if op == "mv" else ("gflops", "GFLOP/s")


def penalty_rows(results: pd.DataFrame) -> pd.DataFrame:
    """Per (machine, op, device, precision, n): median, rates and penalty vs the baseline size.

    Interleaved alignment benchmarks are preferred (paired rounds give tight penalties); a
    machine without one falls back to its standalone per-size matmul benchmarks, whose penalty
    is an unpaired ratio of medians with a bootstrap interval when raw data were saved.
    """
    now = latest(results)
    now = now[now["kind"].isin(ALIGNMENT_KINDS) & now["n"].notna()]
    keys = ["machine_id", "op", "device", "precision"]
    parts = []
    for _, group in now.groupby(keys, sort=True):
        aligned = group[group["kind"] == "alignment"]
        if not aligned.empty:
            part = aligned.assign(source="interleaved")
        else:
            part = group[group["kind"] == "matmul"].assign(source="standalone")
            part = part.assign(
                **dict(zip(("penalty", "penalty_lo", "penalty_hi"), _standalone_penalty(part), strict=False))
            )
        parts.append(part.drop_duplicates("n", keep="last"))
    columns = [*keys, "device_name", "threads", "n", "median_s", "gflops", "gbps", "penalty", "penalty_lo",
               "penalty_hi", "source", *ALIGNMENT_TIMING_COLUMNS, "reruns", "rerun_spread"]  # fmt: skip
    if not parts:
        return pd.DataFrame(columns=columns)
    spreads = rerun_spread(results, keys)
    out = pd.concat(parts, ignore_index=True).merge(spreads, how="left", on=[*keys, "device_name", "threads", "n"])
    out.loc[out["source"] != "interleaved", ["reruns", "rerun_spread"]] = math.nan
    out = out.reindex(columns=columns)
    return out.sort_values([*keys, "n"]).reset_index(drop=True)


def reference_size(rows: pd.DataFrame) -> str:
    """The size the penalties in ``rows`` divide by: 1024 as a rule (contract.arithmetic.baseline_size),
    the smallest size of a study that left 1024 out, "baseline" when studies differ."""
    if rows.empty:
        return str(BASELINE_N)
    groups = rows.dropna(subset=["n"]).groupby(["machine_id", "op", "device", "precision"], dropna=False)
    bases = {baseline_size(int(n) for n in group["n"]) for _, group in groups}
    return str(bases.pop()) if len(bases) == 1 else "baseline"


def size_span(rows: pd.DataFrame) -> str:
    """``1024..1032``: the sizes the alignment rows cover (the default range when there are none)."""
    sizes = rows["n"].dropna() if "n" in rows else pd.Series(dtype=float)
    return "1024..1032" if sizes.empty else f"{int(sizes.min())}..{int(sizes.max())}"


def rerun_spread(results: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per study and size: how many saved runs measured it and max/min - 1 of their penalties (NaN
    below two runs), over the study's newest ``RERUN_RUNS`` runs (by datetime) with the same device
    model and thread count.

    A run's interval says how well that run knows its own penalty; this says how far a rerun lands.
    On a shared VM it is the wider of the two: the host's state moves between runs
    (docs/measurement.md), and a machine-to-machine difference smaller than it is not the machines'.
    """
    studies = results[(results["kind"] == "alignment") & results["n"].notna() & results["penalty"].notna()]
    study = [*keys, "device_name", "threads"]
    by = [*study, "n"]
    if studies.empty:
        return pd.DataFrame(columns=[*by, "reruns", "rerun_spread"])
    runs = studies.drop_duplicates([*study, "run"]).sort_values(["datetime", "run"], na_position="first")
    newest = runs.groupby(study, dropna=False).tail(RERUN_RUNS)[[*study, "run"]]
    studies = studies.merge(newest, on=[*study, "run"])
    agg = studies.groupby(by, dropna=False).agg(reruns=("run", "nunique"), penalties=("penalty", list))
    agg = agg.reset_index()
    agg["rerun_spread"] = [spread(p) for p in agg["penalties"]]
    return agg[[*by, "reruns", "rerun_spread"]]


def _standalone_penalty(part: pd.DataFrame) -> tuple[list[float], list[float], list[float]]:
    """median(n) / median(baseline) per row (contract.arithmetic.baseline_size, the harness's own
    rule), with a ratio-of-medians interval when raw data exist."""
    base = part[part["n"] == baseline_size(part["n"])].iloc[0]
    values, lows, highs = [], [], []
    for row in part.itertuples():
        if row.data is not None and base["data"] is not None:
            est = ratio_of_medians(row.data, base["data"])
            values.append(est.value), lows.append(est.low), highs.append(est.high)
        else:
            values.append(row.median_s / base["median_s"]), lows.append(math.nan), highs.append(math.nan)
    return values, lows, highs


STOPPED_SHORT_NOTE = (
    "Ended by a cap (its time cap, or the round cap) before every penalty was within the precision it asked "
    "for (wider intervals: a noisy machine; --bench-align-max-time gives it longer)"
)


RERUN_COLUMN = "% rerun spread"
RERUN_NOTE = (
    f"{RERUN_COLUMN}: max/min - 1 of the size's penalty over the machine's newest {RERUN_RUNS} saved runs of this "
    "study with the same device model and thread count. The interval says how well the newest run knows its "
    "penalty; this says how far a rerun lands (wider on a shared VM, whose host moves between runs): a difference "
    "between machines smaller than it is not the machines'"
)


def stopped_short(machine: str, rows: pd.DataFrame) -> list[str]:
    """``machine (±1 % asked)`` when this machine's study stopped at a cap (time, or the round
    cap) before its precision, else nothing."""
    stopped = rows[rows["stopped_by"].isin(STOPPED_SHORT)]
    if stopped.empty:
        return []
    target = stopped["stop_target"].iloc[0]
    return [f"{machine} (+-{target * 100:g} % asked)" if math.isfinite(target) else machine]


def alignment_tables(rows: pd.DataFrame) -> list[Table]:
    """One table per (op, device, precision): rows n, a column group per machine."""
    tables = []
    for (op, device, precision), group in rows.groupby(["op", "device", "precision"], sort=True):
        rate, unit = throughput_unit(str(op))
        pieces = {}
        standalone: list[str] = []
        launch_bound: list[str] = []
        capped: list[str] = []
        reran: list[str] = []
        for machine, m in group.groupby("machine_id", sort=True):
            piece = m.set_index("n")[["median_s", rate, "penalty", "penalty_lo", "penalty_hi"]]
            piece.columns = ["median_s", unit, "penalty", "penalty low", "penalty high"]
            if m["cold_penalty"].notna().any():  # CUDA: the hot figures above, the cold penalty beside them
                piece = piece.assign(**{"cold penalty": m["cold_penalty"].to_numpy(),
                                        "cold penalty low": m["cold_penalty_lo"].to_numpy(),
                                        "cold penalty high": m["cold_penalty_hi"].to_numpy()})  # fmt: skip
            if m["mode"].isin(GPU_MODES).any():
                piece = piece.assign(timing=m["timing"].fillna("").to_numpy())
            if m["rerun_spread"].notna().any():
                piece = piece.assign(**{RERUN_COLUMN: m["rerun_spread"].to_numpy()})
                reran.append(f"{machine}: {int(m['reruns'].max())} runs")
            if (m["launch_bound"] == True).any():  # noqa: E712 - a column of objects (True/False/NaN)
                launch_bound.append(str(machine))
            pieces[machine] = piece
            if (m["source"] == "standalone").any():
                standalone.append(str(machine))
            capped.extend(stopped_short(str(machine), m))
        frame = pd.concat(pieces, axis=1)
        frame.index = frame.index.astype(int)
        frame.index.name = "n"
        notes = []
        if standalone:
            notes.append("From standalone per-size runs (no interleaved alignment benchmark): " + ", ".join(standalone))
        if launch_bound:
            notes.append(f"{LAUNCH_BOUND_MARK}: {LAUNCH_BOUND_NOTE} ({', '.join(launch_bound)})")
        if capped:
            notes.append(f"{STOPPED_SHORT_NOTE}: {', '.join(capped)}")
        if reran:
            notes.append(f"{RERUN_NOTE} ({', '.join(reran)})")
        label = "matrix-vector" if op == "mv" else "matrix-matrix"
        tables.append(
            Table(
                slug=f"alignment-{op}-{device}-{precision}".replace(":", ""),
                title=f"{op} ({label}) on {device}, {precision}",
                caption="",
                frame=frame,
                notes=notes,
            )
        )
    return tables


# --- training ------------------------------------------------------------------------------


TRAINING_KEYS = ["machine", "device", "profile", "input mode", "depth"]


def training_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per (machine, device, width profile, input mode, depth): step and epoch time by
    implementation, the scratch/framework ratio with its 95 % interval, and validation accuracy.

    The ratio comes from the interleaved benchmark when the run has one (rounds of both
    implementations alternated, paired bootstrap: drift divides out); otherwise from the two
    separately timed benchmarks (ratio of medians, unpaired bootstrap), and ``ratio basis`` says which.
    """
    rows = []
    for (machine, device, profile, mode, depth), timed, paired in training_groups(results):
        row: dict[str, Any] = dict(zip(TRAINING_KEYS, (machine, device, profile, mode, int(depth)), strict=True))
        for impl, r in timed.items():
            row[f"{impl} step_s"] = r.step_s
            row[f"{impl} epoch_s"] = r.epoch_s
        ratio = low = high = math.nan
        basis = UNKNOWN
        fw, sc = timed.get("framework"), timed.get("scratch")
        if paired is not None and not math.isnan(paired.ratio):
            ratio, low, high, basis = paired.ratio, paired.ratio_lo, paired.ratio_hi, "interleaved"
        elif fw is not None and sc is not None:
            basis = "separate runs"
            if fw.data is not None and sc.data is not None:
                est = ratio_of_medians(sc.data, fw.data)
                ratio, low, high = est.value, est.low, est.high
            elif fw.step_s > 0:
                ratio = sc.step_s / fw.step_s
        row["scratch/framework"] = ratio
        row["scratch/framework low"] = low
        row["scratch/framework high"] = high
        row["ratio basis"] = basis
        for impl, r in timed.items():
            row[f"{impl} val accuracy"] = r.val_accuracy
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    steps = sorted(c for c in frame.columns if c.endswith(" step_s"))
    epochs = sorted(c for c in frame.columns if c.endswith(" epoch_s"))
    ratio_cols = ["scratch/framework", "scratch/framework low", "scratch/framework high", "ratio basis"]
    acc = sorted(c for c in frame.columns if c.endswith(" val accuracy"))
    return frame[TRAINING_KEYS + steps + ratio_cols + epochs + acc]


# --- efficiency ----------------------------------------------------------------------------


def theoretical_gbps(harness: dict[str, Any], device: str) -> float:
    if device == "cpu":
        value = _get(harness, "memory", "theoretical_gbps")
    else:
        gpus = harness.get("gpus") if isinstance(harness.get("gpus"), list) else []
        value = next((g.get("theoretical_gbps") for g in gpus if isinstance(g, dict) and g.get("device") == device),
                     None)  # fmt: skip
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan


def cpu_share(harness: dict[str, Any], row: dict[str, Any]) -> float:
    """The fraction of a CPU's nominal peak that the run's threads can reach (``contract.peaks.core_share``)."""
    return core_share(str(row["device"]), num(row.get("threads")), num(_get(harness, "cpu", "physical_cores")))


def efficiency_table(results: pd.DataFrame, runs: Sequence[Run]) -> pd.DataFrame:
    """Each workload's best throughput as a fraction of the machine's limits.

    Matmuls are summarised by their best size of n = 1024..1032 (the alignment tables show
    the rest); training by each implementation and depth. Peaks are nominal (datasheet-style)
    FLOP/s per device and precision; bandwidth is the copy bandwidth measured in the same run
    and, where the record has it, the theoretical one.
    """
    records = machine_records(runs)
    aligned = penalty_rows(results)
    rows = []
    for (machine, op, device, precision), g in aligned.groupby(["machine_id", "op", "device", "precision"]):
        rate, _ = throughput_unit(str(op))
        best = g.loc[g[rate].idxmax()] if g[rate].notna().any() else g.iloc[0]
        rows.append(
            {
                "machine": machine,
                "device": device,
                "precision": precision,
                "workload": f"{op} n={int(best['n'])}",
                "timing": best["timing"],
                "threads": best["threads"],
                "GFLOP/s": best["gflops"],
                "GB/s": best["gbps"],
            }
        )
    now = latest(results)
    for r in now[now["kind"] == "training"].itertuples():
        depth = int(r.depth) if not math.isnan(r.depth) else "?"
        rows.append(
            {
                "machine": r.machine_id,
                "device": r.device,
                "precision": r.dtype,
                "workload": f"training {r.impl} {r.profile} depth {depth} ({r.input_mode})",
                "timing": r.timing,
                "threads": r.threads,
                "GFLOP/s": r.gflops,
                "GB/s": math.nan,
            }
        )
    rows.extend(workloads.efficiency_rows(results))  # users' own workloads (torch_benchmark)
    for row in rows:
        harness = records.get(row["machine"], {}).get("harness") or {}
        peak = num(_get(harness, "peaks", row["device"], row["precision"])) * cpu_share(harness, row)
        measured = num(_get(harness, "bandwidth", row["device"], "copy_gbps"))
        theoretical = theoretical_gbps(harness, row["device"])
        row |= {
            "peak GFLOP/s": peak,
            "% of peak": row["GFLOP/s"] / peak if peak > 0 else math.nan,
            "measured GB/s": measured,
            "% of measured": row["GB/s"] / measured if measured > 0 else math.nan,
            "theoretical GB/s": theoretical,
            "% of theoretical": row["GB/s"] / theoretical if theoretical > 0 else math.nan,
        }
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values(["machine", "device", "precision", "workload"]).reset_index(drop=True)


def verify_table(results: pd.DataFrame) -> pd.DataFrame:
    """--bench-verify: each matmul's harness figure against an independent tool's (ratio 1: agreement)."""
    now = latest(results)
    tool = now["verify_tool"]  # all-NaN (float) when no run verified: compare as objects
    named = tool.notna() & (tool.astype(object).astype(str) != "")
    now = now[(now["kind"] == "matmul") & (named | now["verify_ratio"].notna())]
    rows = [
        {
            "machine": r.machine_id,
            "device": r.device,
            "precision": r.precision,
            "workload": f"{r.op} n={int(r.n)}" if not math.isnan(r.n) else r.op,
            "timing": r.timing,
            "tool": r.verify_tool,
            "harness_s": r.median_s,
            "ratio": r.verify_ratio,
            "note": r.verify_note,
        }
        for r in now.itertuples()
    ]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values(["machine", "device", "precision", "workload"]).reset_index(drop=True)


# --- other suites, study -------------------------------------------------------------------


def generic_table(results: pd.DataFrame) -> pd.DataFrame:
    """Benchmarks without the harness's extra_info: the newest result per machine and name."""
    now = latest(results)
    now = now[now["kind"] == KIND_OTHER]
    frame = pd.DataFrame(
        {
            "name": now["fullname"],
            "group": now["group"],
            "params": now["params"],
            "median_s": now["median_s"],
            "IQR_s": now["iqr_s"],
            "rounds": now["rounds"],
            "machine": now["machine_id"],
            "run": now["datetime"].dt.strftime("%Y-%m-%d %H:%M").fillna(UNKNOWN),
        }
    )
    return frame.sort_values(["machine", "group", "name"]).reset_index(drop=True)
