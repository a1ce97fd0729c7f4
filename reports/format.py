"""Numeric tables -> display strings, by column-name convention (see ``reports.tables``).

Kept apart from the tables so CSV output keeps raw numbers while HTML and Markdown show
"1.23 ms" and "1.012 [1.003, 1.020]".
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

MISSING = "n/a"
CI_LABEL = " (95% CI)"


def fmt_time(seconds: Any) -> str:
    """Seconds with a unit that keeps 3 significant digits: 12.3 µs, 4.56 ms, 1.23 s."""
    value = _float(seconds)
    if math.isnan(value):
        return MISSING
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if abs(value) >= scale or unit == "ns":
            return f"{value / scale:.3g} {unit}"
    return MISSING  # pragma: no cover


def fmt_rate(value: Any) -> str:
    v = _float(value)
    if math.isnan(v):
        return MISSING
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def fmt_ratio(value: Any) -> str:
    v = _float(value)
    return MISSING if math.isnan(v) else f"{v:.3f}"


def fmt_pct(value: Any) -> str:
    v = _float(value)
    return MISSING if math.isnan(v) else f"{100 * v:.1f} %"


def fmt_p(value: Any) -> str:
    v = _float(value)
    if math.isnan(v):
        return MISSING
    return "<0.001" if v < 0.001 else f"{v:.3f}"


def fmt_plain(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float):
        if math.isnan(value):
            return MISSING
        return f"{value:.0f}" if value == int(value) and abs(value) < 1e15 else f"{value:.4g}"
    return str(value)


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def formatter(column: str) -> Any:
    """The display function for a column, chosen by its name."""
    if column.endswith("_s"):
        return fmt_time
    if column.startswith("%"):
        return fmt_pct
    if column == "p-value":
        return fmt_p
    if "GFLOP/s" in column or "GB/s" in column:
        return fmt_rate
    if column in ("penalty", "cold penalty", "scratch/framework") or column.endswith(("ratio", "val accuracy")):
        return fmt_ratio
    return fmt_plain


def header(column: str) -> str:
    """``median_s`` -> ``median``; other names unchanged."""
    return column[:-2] if column.endswith("_s") else column


def display_flat(frame: pd.DataFrame) -> pd.DataFrame:
    """A single-level numeric frame -> strings, with ``X low`` / ``X high`` merged into X."""
    out = {}
    columns = [str(c) for c in frame.columns]
    for column, original in zip(columns, frame.columns, strict=False):
        if column.endswith((" low", " high")) and column.rsplit(" ", 1)[0] in columns:
            continue
        fmt = formatter(column)
        values = [fmt(v) for v in frame[original]]
        low, high = f"{column} low", f"{column} high"
        if low in columns and high in columns:
            lows, highs = frame[low], frame[high]
            values = [
                v if math.isnan(_float(lo)) else f"{v} [{fmt(lo)}, {fmt(hi)}]"
                for v, lo, hi in zip(values, lows, highs, strict=False)
            ]
            out[header(column) + CI_LABEL] = values
        else:
            out[header(column)] = values
    result = pd.DataFrame(out, index=frame.index)
    return result


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Any table -> strings; two-level columns (machine, metric) are formatted group by group."""
    if not isinstance(frame.columns, pd.MultiIndex):
        return display_flat(frame)
    parts = {}
    for top in dict.fromkeys(frame.columns.get_level_values(0)):
        parts[top] = display_flat(frame[top])
    return pd.concat(parts, axis=1)


def flat_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Two-level columns joined as "machine: metric" (for CSV and Markdown)."""
    if not isinstance(frame.columns, pd.MultiIndex):
        return frame
    flat = frame.copy()
    flat.columns = [": ".join(str(p) for p in col) for col in frame.columns]
    return flat
