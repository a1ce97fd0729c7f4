"""Figures as inline SVG strings (Agg backend, no files, no fonts to embed).

The number of figures is fixed by the report's shape (one per matrix op, one for training),
never by the number of files, so a folder of 1,000 runs renders as fast as one of ten.
"""

from __future__ import annotations

import io
import re
from itertools import cycle

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter, NullFormatter

from reports.tables import throughput_unit

STYLE = {
    "svg.fonttype": "none",  # text stays text: small files, selectable, escaped by matplotlib
    "text.parse_math": False,  # a "$" in a machine name must not be read as TeX
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f")
MAX_LINES = 24  # beyond this a legend stops being readable; extra series are dropped with a note


def to_svg(fig: plt.Figure, salt: str) -> str:
    """Figure -> an <svg> element ready to inline (no XML prolog, scales with the page)."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt}):  # unique ids when several SVGs share a page
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)  # RDF boilerplate
    # Keep the natural size (a one-panel figure must not be blown up to the page width); CSS
    # lets it shrink on narrow screens.
    return svg.replace("<svg", '<svg class="plot"', 1)


def plain_log(ax: plt.Axes) -> None:
    """Log y-axis with plain tick labels (the default ones are TeX, which svg text cannot show)."""
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    low, high = ax.get_ylim()
    few_decades = low > 0 and high / low < 30  # label minor ticks too, or the axis shows a single number
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}") if few_decades else NullFormatter())


def alignment_svgs(rows: pd.DataFrame) -> list[tuple[str, str]]:
    """(title, svg) per matrix op: throughput against n, a panel per precision, a line per machine+device."""
    out = []
    if rows.empty:
        return out
    with plt.rc_context(STYLE):
        for op, group in rows.groupby("op", sort=True):
            rate, unit = throughput_unit(str(op))
            precisions = sorted(group["precision"].unique())
            fig, axes = plt.subplots(1, len(precisions), figsize=(3.4 * len(precisions) + 1, 3.2), squeeze=False)
            handles = {}
            series = list(group.groupby(["machine_id", "device"], sort=True))
            colors = dict(zip([k for k, _ in series], cycle(COLORS)))
            for ax, precision in zip(axes[0], precisions, strict=False):
                sub = group[group["precision"] == precision]
                for i, ((machine, device), line) in enumerate(sub.groupby(["machine_id", "device"], sort=True)):
                    if i >= MAX_LINES:
                        break
                    line = line.sort_values("n")
                    label = f"{machine} {device}"
                    (h,) = ax.plot(line["n"], line[rate], marker="o", ms=3, lw=1.2, color=colors[(machine, device)])
                    handles[label] = h
                values = sub[rate].dropna()
                ax.set_ylim(auto=True)
                if not values.empty and values.max() > 20 * values.min() > 0:
                    plain_log(ax)
                else:
                    ax.ticklabel_format(axis="y", style="plain", useOffset=False)
                ax.set_title(str(precision))
                ax.set_xlabel("n")
                ax.set_xticks(sorted(sub["n"].dropna().unique().astype(int))[::2] or [1024])
            axes[0][0].set_ylabel(unit)
            fig.legend(handles.values(), handles.keys(), loc="lower center", ncol=min(4, len(handles)) or 1,
                       frameon=False, bbox_to_anchor=(0.5, -0.02 - 0.06 * ((len(handles) - 1) // 4)))  # fmt: skip
            fig.tight_layout(rect=(0, 0.12 + 0.06 * ((len(handles) - 1) // 4), 1, 1))
            label = "matrix-vector, memory-bound" if op == "mv" else "matrix-matrix, compute-bound"
            out.append((f"{op} ({label}): {unit} against n", to_svg(fig, f"align-{op}")))
    return out


def training_svg(table: pd.DataFrame) -> str | None:
    """Step time against depth (framework solid, scratch dashed) and the scratch/framework ratio
    with its interval, one colour per (machine, device, width profile, input mode).

    Drawn from ``tables.training_table`` so the figure and the table can never disagree.
    """
    if table.empty or "depth" not in table:
        return None
    with plt.rc_context(STYLE):
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
        keys = ["machine", "device", "profile", "input mode"]
        series = list(table.groupby(keys, sort=True))[:MAX_LINES]
        styles = {"framework": "-", "scratch": "--"}
        step_columns = [c for c in table.columns if c.endswith(" step_s")]
        for i, (key, g) in enumerate(series):
            color = COLORS[i % len(COLORS)]
            g = g.sort_values("depth")
            name = " ".join(str(k) for k in key)
            for column in step_columns:
                impl = column.removesuffix(" step_s")
                left.plot(g["depth"], g[column] * 1e3, styles.get(impl, ":"), marker="o", ms=3, color=color,
                          label=f"{name} {impl}")  # fmt: skip
            ratio = g["scratch/framework"]
            if ratio.notna().any():
                err = [
                    (ratio - g["scratch/framework low"]).clip(lower=0),
                    (g["scratch/framework high"] - ratio).clip(lower=0),
                ]
                right.errorbar(g["depth"], ratio, yerr=[e.fillna(0) for e in err], marker="o", ms=3, capsize=2,
                               color=color, label=name)  # fmt: skip
        steps = table[step_columns].stack().dropna() if step_columns else pd.Series(dtype=float)
        if not steps.empty and steps.max() > 30 * steps.min() > 0:
            plain_log(left)
        left.set_xlabel("depth (hidden layers)")
        left.set_ylabel("ms per step")
        left.set_title("time per training step")
        right.axhline(1.0, color="black", lw=0.8)
        right.set_xlabel("depth (hidden layers)")
        right.set_ylabel("scratch / framework")
        right.set_title("scratch / framework (above 1: scratch slower)")
        for ax in (left, right):
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)
        fig.tight_layout()
        return to_svg(fig, "training")
