"""Report -> HTML (Jinja2, autoescaped), Markdown, or a folder of CSV files.

Every string that came from a saved file reaches the page through Jinja2's autoescaping; the
only markup inserted unescaped is the SVG that matplotlib wrote (it escapes its own text).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from reports.changes import FASTER, NO_DATA, SAME, SLOWER
from reports.format import display_frame, flat_columns
from reports.report import Report
from reports.tables import Table

TEMPLATES = Path(__file__).with_name("templates")
VERDICT_CLASSES = {SLOWER: "slower", FASTER: "faster", SAME: "same", NO_DATA: "nodata"}


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["verdict_class"] = lambda value: VERDICT_CLASSES.get(str(value), "")
    return env


def table_view(table: Table) -> dict[str, Any]:
    """A table as header rows of (text, colspan) and body rows of cells, for the template."""
    shown = display_frame(table.frame)
    index_name = shown.index.name
    show_index = index_name is not None or isinstance(table.frame.columns, pd.MultiIndex)
    if isinstance(shown.columns, pd.MultiIndex):
        top: list[tuple[str, int]] = []
        for name in shown.columns.get_level_values(0):
            if top and top[-1][0] == str(name):
                top[-1] = (top[-1][0], top[-1][1] + 1)
            else:
                top.append((str(name), 1))
        headers = [top, [(str(c), 1) for c in shown.columns.get_level_values(1)]]
    else:
        headers = [[(str(c), 1) for c in shown.columns]]
    rows = [
        (str(idx), [str(v) for v in values])
        for idx, values in zip(shown.index, shown.itertuples(index=False), strict=False)
    ]
    return {
        "slug": table.slug,
        "title": table.title,
        "caption": table.caption,
        "notes": table.notes,
        "index_name": str(index_name or ""),
        "show_index": show_index,
        "headers": headers,
        "rows": rows,
        "wide": len(shown.columns) > 8,
    }


def html(report: Report) -> str:
    """One self-contained page: inline CSS and SVG, no scripts, no external resources."""
    sections = []
    for section in report.sections:
        sections.append(
            {
                "id": section.id,
                "title": section.title,
                "caption": section.caption,
                "empty": section.empty,
                "tables": [table_view(t) for t in section.tables],
                "figures": [(title, Markup(svg)) for title, svg in section.figures],  # matplotlib-escaped
            }
        )
    template = environment().get_template("report.html.j2")
    return template.render(report=report, sections=sections)


def md_cell(value: Any) -> str:
    """A Markdown table cell: pipes, newlines and HTML metacharacters neutralised."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"\s*\n\s*", " ", text).replace("|", "\\|")


def md_table(table: Table) -> str:
    shown = flat_columns(display_frame(table.frame))
    show_index = shown.index.name is not None or isinstance(table.frame.columns, pd.MultiIndex)
    columns = ([str(shown.index.name or "")] if show_index else []) + [str(c) for c in shown.columns]
    lines = ["| " + " | ".join(md_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    for idx, values in zip(shown.index, shown.itertuples(index=False), strict=False):
        cells = ([idx] if show_index else []) + list(values)
        lines.append("| " + " | ".join(md_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def markdown(report: Report) -> str:
    """The report's tables as GitHub Markdown (figures are left to the HTML report)."""
    out = [f"# {md_cell(report.title)}", "", f"Generated {report.generated}. " + _summary_text(report), ""]
    for section in report.sections:
        out += [f"## {md_cell(section.title)}", "", md_cell(section.caption), ""]
        if not section.tables:
            out += [f"_{md_cell(section.empty)}_", ""]
        for table in section.tables:
            if table.title:
                out += [f"### {md_cell(table.title)}", ""]
            if table.caption:
                out += [md_cell(table.caption), ""]
            out += [*(f"_{md_cell(n)}_" for n in table.notes), md_table(table), ""]
    if report.skipped:
        out += ["## Skipped files", ""] + [f"- `{md_cell(p)}`: {md_cell(r)}" for p, r in report.skipped] + [""]
    return "\n".join(out)


def write_csv(report: Report, folder: Path) -> list[Path]:
    """One CSV per table, ``<section>__<table>.csv`` with raw numbers (seconds, fractions). Tables of
    an earlier build in the same folder that this one does not have are removed (only files named
    that way), so the folder is one report, not a mix of two."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for section in report.sections:
        for table in section.tables:
            path = folder / f"{section.id}__{table.slug}.csv"
            frame = flat_columns(table.frame)
            frame.to_csv(path, index=frame.index.name is not None or isinstance(table.frame.columns, pd.MultiIndex))
            written.append(path)
    for stale in set(folder.glob("*__*.csv")) - set(written):
        stale.unlink()
    return written


def _summary_text(report: Report) -> str:
    return ", ".join(f"{v} {k}" for k, v in report.summary.items())
