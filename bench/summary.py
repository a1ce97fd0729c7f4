"""The answers at the end of ``pytest bench``: what misalignment costs, what the framework costs
against hand-written code, how far this machine's saved runs of the same alignment study spread,
how close the best result came to the peak, where the run was saved.

pytest-benchmark's tables time whole sweeps for the interleaved benchmarks, which answers nothing;
the answers are in the records the benchmarks wrote (``extra_info``). They are collected as each
benchmark finishes and formatted by the pure functions below; the hooks at the bottom are the only
code that touches pytest. Registered by ``bench/plugin.py``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from bench.hardware.storage import storage_folder
from bench.partial import reason_of
from contract.peaks import usable_peak
from contract.schema import STOP_PRECISE
from contract.stats import RERUN_RUNS, spread

_RECORDS = pytest.StashKey[list[dict[str, Any]]]()
_SAVED = pytest.StashKey[dict[str, Any]]()
_STARTED = pytest.StashKey[float]()

TITLE = "torch benchmark harness: answers"
REPORT_COMMAND = "python -m reports build {folder} --output report.html"
#: Saved runs the rerun spread reads at most, the newest: a year of nightly runs would slow every summary.
RERUN_FILES = 20


# --- pure formatting ----------------------------------------------------------------------------


def interval(value: float, low: float, high: float) -> str:
    """``1.070 [1.060, 1.080]``: the form the report and the study summary use."""
    if not math.isfinite(low) or not math.isfinite(high):
        return f"{value:.3f}"
    return f"{value:.3f} [{low:.3f}, {high:.3f}]"


def _num(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value) if math.isfinite(value) else math.nan


def _ci(value: Any) -> tuple[float, float]:
    if isinstance(value, list | tuple) and len(value) == 2:
        return _num(value[0]), _num(value[1])
    return math.nan, math.nan


def _grid(label_width: int, rows: Sequence[tuple[str, Sequence[str]]], width: int = 6) -> list[str]:
    """Rows of right-aligned cells under one another (a label column, then ``width``-wide cells)."""
    width = max([width, *(len(c) for _, cells in rows for c in cells)])
    return [f"    {label:<{label_width}}" + " ".join(f"{c:>{width}}" for c in cells) for label, cells in rows]


def _series_key(info: dict[str, Any]) -> tuple[str, str, str]:
    return str(info.get("op")), str(info.get("device")), str(info.get("precision"))


def _alignment_studies(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The session's alignment study records, by op, device and precision."""
    return sorted((r for r in records if r.get("kind") == "alignment"), key=_series_key)


def _label(info: dict[str, Any]) -> str:
    return f"{info.get('op')} {info.get('device')} {info.get('precision')}"


def penalty_lines(records: Iterable[dict[str, Any]], short: bool = False) -> list[str]:
    """Per op/device/precision of the interleaved alignment study: the worst size, and (unless
    ``short``) the penalty t(n)/t(baseline) with its 95 % interval for every size."""
    lines: list[str] = []
    for info in _alignment_studies(records):
        base = info.get("baseline_n", 1024)
        others = _penalised_sizes(info)
        label = _label(info)
        if not others:
            lines.append(f"  {label:<24} no penalties (a smoke pass, or only the baseline size)")
            continue
        n, worst = max(others, key=lambda item: _num(item[1].get("penalty")))
        worst_text = interval(_num(worst["penalty"]), *_ci(worst.get("penalty_ci")))
        lines.append(f"  {label:<24} worst n={n}: {worst_text}{stop_note(info.get('timing'))}")
        if short:
            continue
        ci = [_ci(e.get("penalty_ci")) for _, e in others]
        lines += _grid(
            9,
            [
                ("n", [str(n) for n, _ in others]),
                (f"t/t({base})", [f"{_num(e.get('penalty')):.3f}" for _, e in others]),
                ("95% low", [f"{low:.3f}" for low, _ in ci]),
                ("95% high", [f"{high:.3f}" for _, high in ci]),
            ],
        )
    return lines


def _penalised_sizes(info: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """(n, per-size entry) of every size but the baseline whose penalty is a number, by n."""
    per_size = info.get("per_size") if isinstance(info.get("per_size"), dict) else {}
    base = info.get("baseline_n", 1024)
    sizes = sorted((int(n), e) for n, e in per_size.items() if str(n).isdigit() and isinstance(e, dict))
    return [(n, e) for n, e in sizes if n != base and math.isfinite(_num(e.get("penalty")))]


def _study_key(info: dict[str, Any]) -> tuple[str, ...]:
    """One configuration of the study: runs with another thread count, or another model behind the
    same device name (``cuda:0`` under another CUDA_VISIBLE_DEVICES), answer another question."""
    return (*_series_key(info), str(info.get("device_name")), str(info.get("threads")))


def rerun_lines(records: Iterable[dict[str, Any]], earlier: Sequence[dict[str, Any]]) -> list[str]:
    """Per alignment study of this session: how far the same study (op, device and its model,
    precision, threads) lands over its newest ``RERUN_RUNS`` runs on this machine, this one
    included (``earlier``: oldest first), as the largest max/min - 1 of a size this run measured.
    A run's interval says how well it knows its own penalty; on a shared VM the host's state moves
    between runs, and this is the figure to compare machines against."""
    lines = []
    for info in _alignment_studies(records):
        own = dict(_penalised_sizes(info))
        same = [e for e in earlier if _study_key(e) == _study_key(info)][-(RERUN_RUNS - 1) :]
        by_n = {n: [_num(entry["penalty"])] for n, entry in own.items()}
        for run in same:
            for n, entry in _penalised_sizes(run):
                if n in by_n:
                    by_n[n].append(_num(entry["penalty"]))
        spreads = {n: spread(v) for n, v in by_n.items()}
        spreads = {n: s for n, s in spreads.items() if math.isfinite(s)}
        if not spreads:
            continue
        n = max(spreads, key=lambda size: spreads[size])
        values = by_n[n]
        lines.append(
            f"  {_label(info):<24} {len(values)} runs: largest spread {100 * spreads[n]:.1f} % at n={n} "
            f"({min(values):.3f} .. {max(values):.3f})"
        )
    return lines


def stop_note(timing: Any) -> str:
    """How a study with a precision target ended, so a loose answer says it hit the time cap."""
    if not isinstance(timing, dict) or not isinstance(timing.get("stop_target"), (int, float)):
        return ""
    target, rounds = f"+-{timing['stop_target'] * 100:g}%", timing.get("rounds")
    if timing.get("stopped_by") == STOP_PRECISE:
        return f"   ({rounds} rounds to {target})"
    return f"   ({rounds} rounds: {timing.get('stopped_by')} before {target})"


def ratio_lines(records: Iterable[dict[str, Any]], short: bool = False) -> list[str]:
    """Per device, width profile and input mode: scratch/framework by depth with its 95 % interval
    (from the interleaved training benchmarks); ``short`` keeps the shallowest and deepest."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for info in records:
        if info.get("kind") == "training-interleaved" and math.isfinite(_num(info.get("ratio"))):
            key = (str(info.get("device")), str(info.get("profile")), str(info.get("input_mode")))
            groups.setdefault(key, []).append(info)
    lines = []
    for key in sorted(groups):
        points = sorted(groups[key], key=lambda i: _num(i.get("depth")))
        label = " ".join(key)
        if short:
            ends = [points[0], points[-1]] if len(points) > 1 else points
            text = ", ".join(
                f"depth {i.get('depth')} {interval(_num(i['ratio']), *_ci(i.get('ratio_ci')))}" for i in ends
            )
            lines.append(f"  {label:<32} {text}")
            continue
        lines.append(f"  {label}")
        ci = [_ci(i.get("ratio_ci")) for i in points]
        lines += _grid(
            9,
            [
                ("depth", [str(i.get("depth")) for i in points]),
                ("ratio", [f"{_num(i['ratio']):.3f}" for i in points]),
                ("95% low", [f"{low:.3f}" for low, _ in ci]),
                ("95% high", [f"{high:.3f}" for _, high in ci]),
            ],
        )
    return lines


def rate_points(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every (workload, device, precision, threads, GFLOP/s) the records hold: standalone matmuls,
    each size of an alignment study, each timed training step."""
    points = []
    for info in records:
        kind, device, threads = info.get("kind"), str(info.get("device")), info.get("threads")
        precision = str(info.get("precision") or info.get("dtype"))
        if kind == "matmul":
            points.append(
                {"workload": f"{info.get('op')} n={info.get('n')}", "gflops": _num(info.get("gflops"))}
                | {"device": device, "precision": precision, "threads": threads}
            )
        elif kind == "alignment" and isinstance(info.get("per_size"), dict):
            for n, entry in info["per_size"].items():
                gflops = _num(entry.get("gflops")) if isinstance(entry, dict) else math.nan
                points.append(
                    {"workload": f"{info.get('op')} n={n}", "gflops": gflops}
                    | {"device": device, "precision": precision, "threads": threads}
                )
        elif kind == "training":
            workload = f"training {info.get('impl')} {info.get('profile')} depth {info.get('depth')}"
            points.append(
                {"workload": workload, "gflops": _num(info.get("gflops"))}
                | {"device": device, "precision": precision, "threads": threads}
            )
    return [p for p in points if math.isfinite(p["gflops"]) and p["gflops"] > 0]


def peak_lines(records: Iterable[dict[str, Any]], harness: dict[str, Any] | None) -> list[str]:
    """The best fraction of the nominal peak per device (the peak scaled to the cores the run's threads
    could use, the report's rule)."""
    if not harness:
        return ["  no hardware record in this session (it is collected when a run is saved: --benchmark-autosave)"]
    best: dict[str, tuple[float, dict[str, Any], float]] = {}
    for point in rate_points(records):
        peak = usable_peak(harness, point["device"], point["precision"], point["threads"])
        if peak > 0 and (point["device"] not in best or point["gflops"] / peak > best[point["device"]][0]):
            best[point["device"]] = (point["gflops"] / peak, point, peak)
    if not best:
        return ["  no result with a rate and a known peak"]
    lines = []
    for device, (share, p, peak) in sorted(best.items()):
        lines.append(
            f"  {device:<8} {100 * share:5.1f} % of {peak:,.0f} GFLOP/s ({p['precision']}): {p['workload']}, "
            f"{p['gflops']:,.0f} GFLOP/s"
        )
        if share > 1:
            lines.append(f"           above 100 %: the peak is understated ({understated_because(harness, device, p)})")
    return lines


def understated_because(harness: dict[str, Any], device: str, point: dict[str, Any]) -> str:
    """What a result above the nominal peak says about the peak: its formula's clock is below the
    one the CPU ran at (a VM without cpufreq reports its base clock, not the turbo)."""
    formulas = harness.get("peak_formulas")
    formula = formulas.get(device, {}).get(point["precision"]) if isinstance(formulas, dict) else None
    if device == "cpu":
        return f"the CPU ran above the clock it was computed at: {formula}" if formula else "its clock is unknown"
    return str(formula or "no formula recorded")


def summary_lines(
    records: Sequence[dict[str, Any]],
    harness: dict[str, Any] | None,
    saved: str | None,
    folder: str | None = None,
    short: bool = False,
    earlier: Sequence[dict[str, Any]] = (),
    skipped: Sequence[str] = (),
    partial: str | None = None,
) -> list[str]:
    """The whole summary: sections that have something to say, the saved file, the report command.
    ``earlier``: alignment records of this machine's other saved runs; ``skipped``: files among them
    that could not be read, each with its reason; ``partial``: why the saved run is partial."""
    lines: list[str] = []
    penalties = penalty_lines(records, short)
    if penalties:
        bases = {str(info.get("baseline_n", 1024)) for info in _alignment_studies(records)}
        base = bases.pop() if len(bases) == 1 else "baseline"
        lines += [f"misalignment: penalty t(n)/t({base}), 95% interval (interleaved rounds)", *penalties]
    reruns = rerun_lines(records, earlier)
    if reruns or skipped:
        lines += ["rerun spread: the same study in this machine's saved runs (max/min - 1 of a size's penalty)"]
        lines += [*reruns, *(f"  skipped {reason}" for reason in skipped)]
    ratios = ratio_lines(records, short)
    if ratios:
        lines += ["framework cost: scratch/framework step time by depth, 95% interval (interleaved rounds)", *ratios]
    if any(p for p in rate_points(records)):
        lines += ["best fraction of nominal peak", *peak_lines(records, harness)]
    if saved:
        mark = f" (partial: {partial})" if partial else ""
        lines += [f"saved: {saved}{mark}", "report: " + REPORT_COMMAND.format(folder=folder or saved)]
    elif records:
        lines.append("not saved: add --benchmark-autosave to keep this run and build a report from it")
    return lines


# --- pytest hooks (registered by bench/plugin.py) -------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_RECORDS] = []
    config.stash[_STARTED] = time.time()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Keep a copy of the harness record a benchmark wrote, as soon as its body finished."""
    yield
    fixture = getattr(item, "funcargs", {}).get("benchmark")
    info = getattr(fixture, "extra_info", None)
    if isinstance(info, dict) and info.get("kind") and _RECORDS in item.config.stash:
        item.config.stash[_RECORDS].append(dict(info))


@pytest.hookimpl(optionalhook=True)  # pytest-benchmark may be blocked (-p no:benchmark)
def pytest_benchmark_update_json(config: pytest.Config, benchmarks: Any, output_json: dict[str, Any]) -> None:
    """Called by pytest-benchmark just before it writes a run: keep the hardware record it carries."""
    info = output_json.get("machine_info") if isinstance(output_json, dict) else None
    if isinstance(info, dict) and isinstance(info.get("harness"), dict):
        config.stash[_SAVED] = {"harness": info["harness"]}


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def saved_files(config: pytest.Config) -> tuple[str | None, str | None]:
    """(the file this session saved, the folder a report should read), or Nones.

    pytest-benchmark does not hand the saved path to plugins: an autosaved run is the newest JSON in
    the storage folder written since the session began; ``--benchmark-json`` names its own file.
    """
    if _SAVED not in config.stash:
        return None, None
    value = getattr(config.option, "benchmark_storage", None)
    storage = storage_folder(str(value)) if value else None
    if storage and (config.getoption("benchmark_autosave") or config.getoption("benchmark_save")):
        folder = Path(storage)
        folder = folder if folder.is_absolute() else Path(config.invocation_params.dir) / folder
        started = config.stash.get(_STARTED, 0.0)
        fresh = [p for p in folder.rglob("*.json") if p.stat().st_mtime >= started - 1] if folder.is_dir() else []
        if fresh:
            return _shown(max(fresh, key=lambda p: p.stat().st_mtime)), _shown(folder)
    given = getattr(config.option, "benchmark_json", None)  # a Path; an open file in old pytest-benchmark
    if given is not None and not isinstance(given, (str, Path)):
        given = getattr(given, "name", None)  # a file's name is its path (a Path's is only the last part)
    if not given:
        return None, None
    path = Path(given) if Path(given).is_absolute() else Path(config.invocation_params.dir) / given
    return _shown(path), _shown(path)


def saved_studies(
    folder: Path, exclude: Path | None, limit: int = RERUN_FILES
) -> tuple[list[dict[str, Any]], list[str]]:
    """The timed alignment records of the newest ``limit`` runs saved in ``folder`` (this machine's)
    other than ``exclude``, oldest run first, and ``"<file>: <why>"`` for each file that could not be read."""
    files = [p for p in folder.rglob("*.json") if exclude is None or p.resolve() != exclude.resolve()]
    files = sorted(files, key=lambda p: (p.stat().st_mtime, p.name))[-limit:]
    dated: list[tuple[str, int, dict[str, Any]]] = []
    skipped: list[str] = []
    for order, path in enumerate(files):
        try:
            doc = json.loads(path.read_text())
            infos = [b.get("extra_info") for b in doc["benchmarks"]]
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
            skipped.append(f"{_shown(path)}: not a readable saved run ({type(exc).__name__})")
            continue
        when = str(doc.get("datetime") or "")  # a copy without -p gets new mtimes, not a new datetime
        dated += [
            (when, order, i)
            for i in infos
            if isinstance(i, dict)
            and i.get("kind") == "alignment"
            and (i.get("timing") if isinstance(i.get("timing"), dict) else {}).get("clock") != "disabled"
        ]
    return [i for _, _, i in sorted(dated, key=lambda item: item[:2])], skipped


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    records = config.stash.get(_RECORDS, [])
    if not records:
        return
    if all((r.get("timing") or {}).get("clock") == "disabled" for r in records):
        # A smoke pass ran each body once, untimed: its one-round "penalties" would read as answers.
        terminalreporter.section(TITLE)
        terminalreporter.write_line("timing disabled (--benchmark-disable): the bodies ran once, untimed; no answers")
        return
    harness = config.stash.get(_SAVED, {}).get("harness")
    saved, folder = saved_files(config)
    earlier, skipped = (
        saved_studies(Path(folder), Path(saved)) if saved and folder and Path(folder).is_dir() else ([], [])
    )
    short = config.getoption("verbose") < 0
    lines = summary_lines(records, harness, saved, folder, short, earlier, skipped, reason_of(config))
    if lines:
        terminalreporter.section(TITLE)
        for line in lines:
            terminalreporter.write_line(line)
