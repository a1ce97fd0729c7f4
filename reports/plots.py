"""Figures as inline SVG strings, drawn by seaborn (Agg backend, no files, no fonts to embed).

Every figure is a seaborn FacetGrid with one small panel per machine (and device where it matters),
so ten machines make ten readable panels instead of one panel with a legend of forty lines; colour
tells the series inside a panel apart. Intervals are the saved 95 % intervals, drawn as error bars
(seaborn's own estimators would recompute them from means, which the records do not hold).

The number of figures is fixed by the report's shape, never by the number of files.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.dates import DateFormatter
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

from reports.catalog import MM_RATE, PENALTY, RATIO
from reports.tables import reference_size

STYLE = {
    "svg.fonttype": "none",  # text stays text: small files, selectable, escaped by matplotlib
    "text.parse_math": False,  # a "$" in a machine name must not be read as TeX
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.titley": 1.02,  # a fixed title position: placing it by the ticks above measures them per panel
    "axes.labelsize": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
COLORS = tuple(sns.color_palette("tab10").as_hex())
COL_WRAP = 5  # panels per row: ten machines are two rows of five
MAX_PANELS = 30  # beyond this a figure stops being readable; the rest is listed in the tables
PANEL_HEIGHT = 2.4
CONTENDED = "#d62728"
MARKED_POINTS = 30  # a longer series is a plain line (its intervals still show): markers would cover it
#: Inches around and between a grid's panels: tick labels and the axis label left and below, the
#: panel title above, a panel's own tick labels between panels (panels that do not share y have them).
MARGINS = {"left": 0.85, "bottom": 0.75, "top": 0.35, "wspace": 0.6, "hspace": 0.75}
LEGEND_CHAR_IN = 0.075  # inches per legend character at font size 9, with a little to spare


class Grid(sns.FacetGrid):
    """A FacetGrid laid out by arithmetic, not by measuring its text.

    FacetGrid lays its panels out with ``tight_layout`` when it is made, and a tight bounding box
    at save time draws the figure a second time to measure it: together about half the time of a
    fleet's figures, which have dozens of panels. Panels have a fixed size and font, so fixed
    margins fit them; the legend's width is estimated from its longest label.
    """

    def tight_layout(self, *args: Any, **kwargs: Any) -> Grid:
        return self  # the layout is set once, by fixed_layout, when the legend is known

    def fixed_layout(self, legend: dict[str, Any], title: str) -> plt.Figure:
        """Axes of about the requested panel size, the margins of MARGINS, the legend right of the panels."""
        fig = self.figure
        columns, rows = self._ncol, self._nrow
        size = fig.get_size_inches()  # FacetGrid's: height x aspect per panel, labels included
        width, height = 0.8 * size[0] / columns, 0.75 * size[1] / rows  # the axes alone
        longest = max([len(title), *(len(str(k)) for k in legend)])
        right = 0.9 + LEGEND_CHAR_IN * longest  # handle, padding and text
        m = MARGINS
        total_w = m["left"] + columns * width + (columns - 1) * m["wspace"] + right
        total_h = m["bottom"] + rows * height + (rows - 1) * m["hspace"] + m["top"]
        fig.set_size_inches(total_w, total_h)
        fig.subplots_adjust(
            left=m["left"] / total_w,
            right=1 - right / total_w,
            bottom=m["bottom"] / total_h,
            top=1 - m["top"] / total_h,
            wspace=m["wspace"] / width,
            hspace=m["hspace"] / height,
        )
        fig.legend(
            list(legend.values()),
            list(legend),
            title=title,
            loc="upper left",
            bbox_to_anchor=(1 - (right - 0.1) / total_w, 1 - m["top"] / total_h),
            frameon=False,
        )
        return fig


def to_svg(fig: plt.Figure, salt: str, *, tight: bool = True) -> str:
    """Figure -> an <svg> element ready to inline (no XML prolog, scales with the page).

    ``tight=False`` saves the figure at its own size (a Grid's fixed layout): one drawing, not two.
    """
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt}):  # unique ids when several SVGs share a page
        fig.savefig(buf, format="svg", bbox_inches="tight" if tight else None, metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)  # RDF boilerplate
    # Keep the natural size (a one-panel figure must not be blown up to the page width); CSS
    # lets it shrink on narrow screens.
    return svg.replace("<svg", '<svg class="plot"', 1)


def plain_log(ax: plt.Axes, axis: str = "y") -> None:
    """Log axis with plain tick labels (the default ones are TeX, which svg text cannot show)."""
    getattr(ax, f"set_{axis}scale")("log")
    scale = getattr(ax, f"{axis}axis")
    scale.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    low, high = getattr(ax, f"get_{axis}lim")()
    few_decades = low > 0 and high / low < 30  # label minor ticks too, or the axis shows a single number
    scale.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}") if few_decades else NullFormatter())


def _errorbars(data: pd.DataFrame, *, x: str, y: str, low: str, high: str, color: Any, offset: float = 0.0) -> None:
    """One series: a line through the points, error bars from the saved interval (none where unknown).

    Drawn as one line and one collection of bars rather than ``Axes.errorbar`` (which adds cap
    markers as further artists): a fleet's figures hold thousands of intervals.
    """
    data = data.sort_values(x)
    values = data[y].to_numpy(dtype=float)
    lows = np.fmin(data[low].to_numpy(dtype=float), values)
    highs = np.fmax(data[high].to_numpy(dtype=float), values)
    xs = data[x] + offset if offset else data[x]
    ax = plt.gca()
    ax.plot(xs, values, marker="o" if len(values) <= MARKED_POINTS else "", ms=3, lw=1.1, color=color)
    known = np.isfinite(lows) & np.isfinite(highs)
    if known.any():
        ax.vlines(np.asarray(xs)[known], lows[known], highs[known], colors=[color], lw=0.8)


def _contended(data: pd.DataFrame, *, x: str, y: str, **_: Any) -> None:
    """Ring the runs measured under high CPU contention."""
    marked = data[data["high contention"].astype(bool)]
    if not marked.empty:
        plt.gca().scatter(
            marked[x],
            marked[y],
            s=60,
            facecolors="none",
            edgecolors=CONTENDED,
            linewidths=1.2,
            zorder=5,
            label="high CPU contention",
        )


def facets(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    low: str,
    high: str,
    col: str,
    hue: str,
    hue_title: str,
    xlabel: str,
    ylabel: str,
    salt: str,
    reference: float | None = None,
    dodge: float = 0.0,
    extra: Callable[..., None] | None = None,
    sharey: bool = True,
) -> str | None:
    """A panel per ``col`` value (wrapped), a coloured series per ``hue`` value with error bars."""
    data = data.dropna(subset=[y])
    if data.empty:
        return None
    panels = sorted(data[col].unique())[:MAX_PANELS]
    data = data[data[col].isin(panels)]
    hues = sorted(data[hue].unique())
    palette = dict(
        zip(
            hues,
            sns.color_palette("tab10", len(hues)) if len(hues) <= 10 else sns.color_palette("husl", len(hues)),
            strict=True,
        )
    )
    with plt.rc_context(STYLE), sns.axes_style("whitegrid", STYLE):
        grid = Grid(
            data,
            col=col,
            col_order=panels,
            col_wrap=min(COL_WRAP, len(panels)),
            height=PANEL_HEIGHT,
            aspect=1.35,
            sharey=sharey,
            despine=True,
        )
        for i, level in enumerate(hues):
            offset = dodge * (i - (len(hues) - 1) / 2) if len(hues) > 1 else 0.0
            for panel, ax in grid.axes_dict.items():
                sub = data[(data[col] == panel) & (data[hue] == level)]
                if not sub.empty:
                    plt.sca(ax)
                    _errorbars(sub, x=x, y=y, low=low, high=high, color=palette[level], offset=offset)
        legend = {str(h): plt.Line2D([], [], color=palette[h], marker="o", ms=4) for h in hues}
        if extra is not None:
            for panel, ax in grid.axes_dict.items():
                plt.sca(ax)
                extra(data[data[col] == panel], x=x, y=y)
            if "high contention" in data and data["high contention"].astype(bool).any():
                legend["high CPU contention"] = plt.Line2D([], [], ls="", marker="o", ms=7, mfc="none", mec=CONTENDED)
        for ax in grid.axes.flat:
            if reference is not None:
                ax.axhline(reference, color="black", lw=0.7)
            if pd.api.types.is_datetime64_any_dtype(data[x]):
                ax.xaxis.set_major_locator(MaxNLocator(3))
                ax.xaxis.set_major_formatter(DateFormatter("%m-%d\n%H:%M"))
        grid.set_titles(col_template="{col_name}")
        grid.set_axis_labels(xlabel, ylabel)
        return to_svg(grid.fixed_layout(legend, hue_title), salt, tight=False)


def _label(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    return frame[columns].astype(str).agg(" · ".join, axis=1)


def alignment_svgs(rows: pd.DataFrame) -> list[tuple[str, str]]:
    """(title, svg) per matrix op: the penalty t(n)/t(1024) with its interval against n, a panel per
    machine, a colour per device and precision."""
    out = []
    if rows.empty:
        return out
    for op, group in rows.groupby("op", sort=True):
        reference = reference_size(group)
        group = group.assign(panel=group["machine_id"], series=_label(group, ["device", "precision"]))
        svg = facets(
            group,
            x="n",
            y="penalty",
            low="penalty_lo",
            high="penalty_hi",
            col="panel",
            hue="series",
            hue_title="device · precision",
            xlabel="n",
            ylabel=f"t(n) / t({reference})",
            salt=f"align-{op}",
            reference=1.0,
            dodge=0.12,
        )
        if svg:
            label = "matrix-vector, memory-bound" if op == "mv" else "matrix-matrix, compute-bound"
            out.append((f"{op} ({label}): penalty t(n)/t({reference}) with its 95 % interval, by machine", svg))
    return out


def training_svg(table: pd.DataFrame) -> str | None:
    """scratch/framework with its interval against depth: a panel per machine and device, a colour per
    width profile and input mode. Drawn from ``tables.training_table`` so figure and table agree."""
    if table.empty or "scratch/framework" not in table:
        return None
    data = table.assign(panel=_label(table, ["machine", "device"]), series=_label(table, ["profile", "input mode"]))
    return facets(
        data,
        x="depth",
        y="scratch/framework",
        low="scratch/framework low",
        high="scratch/framework high",
        col="panel",
        hue="series",
        hue_title="profile · input mode",
        xlabel="depth (hidden layers)",
        ylabel="scratch / framework",
        salt="training",
        reference=1.0,
        dodge=0.08,
    )


#: A roofline point's marker by kind (reports.roofline): the harness's own cases and a user's workload.
ROOFLINE_MARKERS = {"matmul": "o", "training": "X", "workload": "s"}


def roofline_svg(points: pd.DataFrame, roofs: pd.DataFrame) -> str | None:
    """A log-log roofline per machine and device: cases as points (colour = precision, marker = kind),
    the compute roof per precision (dashed, from the ridge on), the measured memory roof (solid grey)
    and the theoretical one (dotted grey)."""
    points = points[(points["intensity"] > 0) & (points["gflops"] > 0)]
    if points.empty:
        return None
    points = points.assign(panel=_label(points, ["machine", "device"]))
    roofs = roofs.assign(panel=_label(roofs, ["machine", "device"]))
    panels = sorted(points["panel"].unique())[:MAX_PANELS]
    precisions = sorted(points["precision"].unique())
    palette = dict(zip(precisions, sns.color_palette("tab10", len(precisions)), strict=True))
    with plt.rc_context(STYLE), sns.axes_style("whitegrid", STYLE):
        grid = Grid(
            points[points["panel"].isin(panels)],
            col="panel",
            col_order=panels,
            col_wrap=min(COL_WRAP, len(panels)),
            height=PANEL_HEIGHT + 0.4,
            aspect=1.2,
            sharex=True,
            sharey=False,
        )
        for panel, ax in grid.axes_dict.items():
            sns.scatterplot(
                data=points[points["panel"] == panel],
                ax=ax,
                x="intensity",
                y="gflops",
                hue="precision",
                hue_order=precisions,
                palette=palette,
                style="kind",
                style_order=list(ROOFLINE_MARKERS),
                markers=ROOFLINE_MARKERS,
                s=22,
                edgecolor="none",
                legend=False,
            )
        span = np.array([points["intensity"].min() / 3, points["intensity"].max() * 3])
        for panel, ax in grid.axes_dict.items():
            for roof in roofs[roofs["panel"] == panel].to_dict("records"):
                peak, measured, theoretical = roof["peak GFLOP/s"], roof["measured GB/s"], roof["theoretical GB/s"]
                if peak > 0:
                    start = peak / measured if measured > 0 else span[0]
                    ax.plot(
                        [max(start, span[0]), span[1]], [peak, peak], "--", lw=1, color=palette.get(roof["precision"])
                    )
                for bandwidth, style in ((measured, "-"), (theoretical, ":")):
                    if bandwidth > 0:
                        top = min(span[1], peak / bandwidth) if peak > 0 else span[1]
                        ax.plot([span[0], top], [bandwidth * span[0], bandwidth * top], style, lw=1, color="0.45")
            ax.set_xscale("log")
            plain_log(ax, "y")
            ax.yaxis.set_minor_formatter(NullFormatter())  # panels do not share y: minor labels would collide
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        grid.set_titles(col_template="{col_name}")
        grid.set_axis_labels("FLOP per byte", "GFLOP/s")
        legend = {str(p): plt.Line2D([], [], color=palette[p], marker="o", ls="--") for p in precisions}
        legend |= {
            **{kind: plt.Line2D([], [], color="0.3", marker=m, ls="") for kind, m in ROOFLINE_MARKERS.items()},
            "measured bandwidth": plt.Line2D([], [], color="0.45", ls="-"),
            "theoretical bandwidth": plt.Line2D([], [], color="0.45", ls=":"),
        }
        return to_svg(grid.fixed_layout(legend, "precision (roof dashed)"), "roofline", tight=False)


#: The order of the history figures (reports.history's headlines).
HISTORY_ORDER = (MM_RATE, PENALTY, RATIO)


def history_svgs(history: pd.DataFrame) -> list[tuple[str, str]]:
    """(title, svg) per headline: its value over each machine's runs with the interval, contended
    runs ringed in red. Penalties get a panel per machine and op/device/precision, a colour per n."""
    from reports.history import newest_runs

    out = []
    history = newest_runs(history)
    history = history[history["datetime"].notna()]  # a run without a date has no place on a time axis (tables keep it)
    if history.empty:
        return out
    specs = (
        (MM_RATE, ["machine", "device"], "series", "precision", "GFLOP/s", "mm at n=1024: GFLOP/s over runs"),
        (PENALTY, ["machine", "series"], "point", "size", "t(n) / t(1024)", "penalty t(n)/t(1024) per size over runs"),
        (
            RATIO,
            ["machine", "series"],
            "point",
            "depth",
            "scratch / framework",
            "scratch/framework per depth over runs",
        ),
    )
    for metric, panel, hue, hue_title, ylabel, title in specs:
        data = history[history["metric"] == metric]
        if data.empty:
            continue
        if metric == MM_RATE:  # a CPU and a GPU differ 100-fold: a panel per device keeps both readable
            split = data["series"].str.split(" ", n=1, expand=True)
            data = data.assign(device=split[0], series=split[1])
        data = data.assign(panel=_label(data, panel), hue=data[hue].map(_point_label(metric)))
        panels = data["panel"].nunique()
        if panels > MAX_PANELS:
            title += f" (the first {MAX_PANELS} of {panels} panels; the tables below list every one)"
        svg = facets(
            data,
            x="datetime",
            y="value",
            low="low",
            high="high",
            col="panel",
            hue="hue",
            hue_title=hue_title,
            xlabel="run",
            ylabel=ylabel,
            salt=f"history-{metric}",
            reference=None if metric == MM_RATE else 1.0,
            extra=_contended,
            sharey=metric != MM_RATE,
        )
        if svg:
            out.append((title + " (red ring: high CPU contention)", svg))
    return out


def _point_label(metric: str) -> Callable[[Any], str]:
    def label(value: Any) -> str:
        if isinstance(value, float) and not math.isnan(value):
            return {PENALTY: "n={}", RATIO: "depth {}"}.get(metric, "{}").format(int(value))
        return str(value)

    return label
