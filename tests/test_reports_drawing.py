"""Figures drawn in worker processes (reports.drawing) are the figures drawn in this one."""

from __future__ import annotations

import pandas as pd

from reports.collect import load_runs
from reports.drawing import Drawing
from reports.report import build_report
from tests.support import ROOT


def _figure(x: int) -> list[tuple[str, str]]:
    return [(f"figure {x}", "<svg/>" * x)]


def test_drawing_in_workers_returns_each_job_in_order() -> None:
    with Drawing(workers=3) as drawing:
        assert drawing._pool is not None  # really other processes
        got = [drawing.submit(_figure, x) for x in (1, 2, 3)]
        assert [g() for g in got] == [_figure(1), _figure(2), _figure(3)]
    with Drawing(workers=1) as drawing:
        assert drawing._pool is None and drawing.submit(_figure, 2)() == _figure(2)


def test_a_report_drawn_in_workers_equals_one_drawn_here() -> None:
    loaded = load_runs([ROOT / "examples" / "runs"], progress=False)
    here = build_report(loaded, workers=1)
    there = build_report(loaded, workers=2)
    assert [s.id for s in there.sections] == [s.id for s in here.sections]
    drawn = [(s.id, [title for title, _ in s.figures]) for s in here.sections if s.figures]
    assert {"alignment", "training", "efficiency", "history"} <= {sid for sid, _ in drawn}
    for mine, theirs in zip(here.sections, there.sections, strict=True):
        assert theirs.figures == mine.figures, mine.id  # the same SVG, byte for byte
        assert len(theirs.tables) == len(mine.tables)
        for table, same in zip(theirs.tables, mine.tables, strict=True):
            pd.testing.assert_frame_equal(table.frame, same.frame)
