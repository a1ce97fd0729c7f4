"""Property-based test of the data contract: damaged real runs never break the report.

Each example takes real saved runs (examples/runs, ../shared/runs when present), trimmed to a
few benchmarks of every kind so one report builds quickly, applies 1-4 mutations anywhere in the
JSON tree (a deleted key, a wrong type, NaN/inf, a huge or negative number, nested garbage,
hostile text), and builds and renders the whole report beside an intact earlier run of the same
machine. It must never raise, and hostile text must always come out escaped.

Examples: ``FUZZ_EXAMPLES`` reports without figures (default 40) and ``FUZZ_FIGURE_EXAMPLES`` with
the matplotlib figures (default 3: drawing is ten times slower), together under a minute on a quiet
core. The acceptance run: ``FUZZ_EXAMPLES=1000 python -m pytest tests/test_contract_fuzz.py -q``.
"""

from __future__ import annotations

import copy
import json
import math
import os
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.collect import Loaded
from reports.load import parse_run
from reports.render import html
from reports.report import build_report

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "examples" / "runs", ROOT.parent / "shared" / "runs")  # shared/ lies beside the checkout
HOSTILE = '<script>alert("fuzz")</script>'
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FIGURE_EXAMPLES = int(os.environ.get("FUZZ_FIGURE_EXAMPLES", "3"))
PER_KIND = 1  # benchmarks kept per kind and run: enough to reach every reader and table


def _trim(doc: dict[str, Any]) -> dict[str, Any]:
    """The run with PER_KIND benchmarks of each kind (and of other suites), raw data shortened."""
    kept: dict[Any, int] = {}
    benchmarks = []
    for bench in doc["benchmarks"]:
        kind = (bench.get("extra_info") or {}).get("kind")
        if kept.get(kind, 0) < PER_KIND:
            kept[kind] = kept.get(kind, 0) + 1
            benchmarks.append(bench)
    return doc | {"benchmarks": benchmarks}


@cache
def real_docs() -> tuple[dict[str, Any], ...]:
    """One trimmed document per distinct set of kinds, parsed once for the whole session."""
    docs, seen = [], set()
    for source in SOURCES:
        for path in sorted(source.rglob("*.json")) if source.is_dir() else []:
            doc = json.loads(path.read_text())
            kinds = frozenset((b.get("extra_info") or {}).get("kind") for b in doc["benchmarks"])
            if kinds not in seen:
                seen.add(kinds)
                docs.append(_trim(doc))
    assert docs, "no saved runs to mutate"
    return tuple(docs)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([math.nan, math.inf, -math.inf, -1, -1e-9, 0, 1e308, -1e308, 10**30, 2**64, 1.5]),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([HOSTILE, "", "nan", "1024", "-1", "x" * 500, "\u202e\u0000", "{{ 7*7 }}"]),
    st.text(max_size=20),
)
garbage = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8) | st.just(HOSTILE), inner),
    max_leaves=12,
)


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return list(node)
    if isinstance(node, list):
        return list(range(len(node)))
    return []


@st.composite
def mutated(draw: st.DrawFn) -> tuple[int, dict[str, Any], list[str]]:
    """(which real run, a deep copy of it with 1-4 mutations, their descriptions for failures)."""
    index = draw(st.integers(0, len(real_docs()) - 1))
    doc = copy.deepcopy(real_docs()[index])
    done = []
    for _ in range(draw(st.integers(1, 4))):
        parent, key, path = None, None, []
        node: Any = doc
        # Walk down: stop at a random depth, preferring the deep fields the readers use.
        while _children(node) and (parent is None or draw(st.integers(0, 9)) > 1):
            key = draw(st.sampled_from(_children(node)))
            parent, node = node, node[key]
            path.append(key)
        if parent is None:
            continue
        action = draw(st.sampled_from(["delete", "replace", "replace", "hostile-key"]))
        if action == "delete":
            del parent[key]
        elif action == "hostile-key" and isinstance(parent, dict):
            parent[HOSTILE] = parent.pop(key)
        else:
            parent[key] = draw(garbage)
        done.append(f"{action} {'/'.join(map(str, path))}")
    return index, doc, done


def intact_before(index: int) -> dict[str, Any]:
    """The unmutated run, dated earlier (so the changes section compares the damaged one with it),
    plus a benchmark of another suite named with hostile text: the generic table always shows it."""
    doc = copy.deepcopy(real_docs()[index])
    other = {"name": HOSTILE, "fullname": f"other.py::{HOSTILE}", "group": HOSTILE, "params": {"x": HOSTILE},
             "stats": {"median": 0.5, "iqr": 0.01, "rounds": 3, "data": [0.4, 0.5, 0.6]}}  # fmt: skip
    return doc | {"datetime": "2000-01-01T00:00:00", "benchmarks": [*doc["benchmarks"], other]}


def _report_html(docs: list[tuple[str, Any]], figures: bool) -> str:
    loaded = Loaded()
    for path, doc in docs:
        run, reason = parse_run(path, doc)
        if run is None:
            loaded.skipped.append((path, reason))
        else:
            loaded.runs.append(run)
            loaded.warnings.extend(run.warnings)
    return html(build_report(loaded, figures=figures))


def check_report(case: tuple[int, dict[str, Any], list[str]], figures: bool) -> None:
    index, doc, mutations = case
    page = _report_html([("intact.json", intact_before(index)), (f"damaged {HOSTILE}.json", doc)], figures)
    assert HOSTILE not in page, mutations  # escaped wherever it landed
    assert "&lt;script&gt;alert(&#34;fuzz&#34;)&lt;/script&gt;" in page  # ... and it did land, escaped


SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "derandomize": EXAMPLES < 1000,  # CI: the same examples every time; the long run explores
    "print_blob": True,
}


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(mutated())
def test_damaged_runs_never_break_the_report(case: tuple[int, dict[str, Any], list[str]]) -> None:
    check_report(case, figures=False)


@settings(max_examples=FIGURE_EXAMPLES, **SETTINGS)
@given(mutated())
def test_damaged_runs_never_break_the_figures(case: tuple[int, dict[str, Any], list[str]]) -> None:
    """The same with matplotlib figures drawn: ten times slower, so fewer examples."""
    check_report(case, figures=True)


def test_a_bad_field_becomes_a_warning_naming_file_and_field() -> None:
    doc = copy.deepcopy(next(d for d in real_docs() if any(b["extra_info"]["kind"] == "matmul"
                                                           for b in d["benchmarks"])))  # fmt: skip
    matmul = next(b for b in doc["benchmarks"] if b["extra_info"]["kind"] == "matmul")
    matmul["extra_info"]["gflops"] = math.inf
    matmul["extra_info"]["n"] = HOSTILE
    matmul["extra_info"]["flops"] = -5
    matmul["extra_info"]["added_by_a_newer_writer"] = {"kept": True}
    run, _ = parse_run("damaged.json", doc)
    assert run is not None
    from reports.frame import results_frame

    frame, warnings = results_frame([run])
    mine = [w for w in warnings if w.startswith("damaged.json: " + matmul["fullname"])]
    assert len(mine) == 3, warnings
    assert any("'gflops'" in w and "not finite" in w for w in mine)
    assert any("'n'" in w and "expected int" in w for w in mine)
    assert any("'flops'" in w and "outside > 0" in w for w in mine)
    row = frame[frame["fullname"] == matmul["fullname"]].iloc[0]
    assert math.isnan(row["n"]) and math.isnan(row["flops"]) and math.isnan(row["gflops"])
    assert row["extra"]["added_by_a_newer_writer"] == {"kept": True}  # unknown fields pass through
    assert len(frame) > 1  # the other benchmarks of the run still read


def test_real_runs_match_the_contract_without_warnings() -> None:
    """What bench writes is exactly what the records describe: no field of a real run is rejected."""
    from reports.frame import results_frame

    runs = [parse_run(f"real{i}.json", doc)[0] for i, doc in enumerate(real_docs())]
    assert all(r is not None and r.warnings == [] for r in runs)
    _, warnings = results_frame(runs)
    assert warnings == []
