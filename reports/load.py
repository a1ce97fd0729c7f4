"""One saved run on disk -> a ``Run`` object, or the reason it cannot be used.

File reading lives here and in reports.collect (which decides which files to read) and nowhere
else in the report: later steps take plain data. Files are only read, never written. Anything
odd (truncated JSON, an older pytest-benchmark layout, missing keys) degrades to a warning or an
"unknown" value instead of stopping the report.
"""

from __future__ import annotations

import glob
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, TextIO, TypeVar

from contract import records
from contract.identity import current_machine_id

try:  # an optional accelerator: the report reads the same without it
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None
from contract.schema import MACHINE_KEY
from contract.volatile import RUN_KEY, join_machine_info

UNKNOWN = "unknown"
#: Runs per machine whose raw per-round data is kept whole: the newest ones, where the changes section
#: finds its pairs. A fleet's older runs keep only what history draws (mm at n=1024), so memory stays flat.
RAW_RUNS = 10


@dataclass
class Run:
    """One saved pytest-benchmark file, reduced to what the report reads."""

    path: str
    machine_id: str
    datetime: datetime | None
    version: str
    machine_info: dict[str, Any]
    commit_info: dict[str, Any]
    benchmarks: list[dict[str, Any]]
    partial: str | None = None  # why the session stopped early (Ctrl-C, -x), None for a whole run
    warnings: list[str] = field(default_factory=list)  # fields read as missing (contract.records.check)

    @property
    def harness(self) -> dict[str, Any]:
        """The harness's hardware record, or {} for runs of other suites."""
        record = self.machine_info.get(MACHINE_KEY)
        return record if isinstance(record, dict) else {}

    @property
    def names(self) -> set[str]:
        """The benchmarks' names (what tells one benchmark from another across runs)."""
        return {str(b.get("fullname") or b.get("name")) for b in self.benchmarks}

    @property
    def label(self) -> str:
        return run_label(self.machine_id, self.datetime, self.partial)


def find_files(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand folders (recursively, *.json), globs and files, each file once however it is spelt
    (``runs`` and ``./runs/../runs``); report paths that match nothing."""
    found: dict[Path, Path] = {}
    missing: list[tuple[str, str]] = []
    for raw in paths:
        text = os.fspath(raw)
        candidates = (
            [Path(p) for p in sorted(glob.glob(text, recursive=True))] if glob.has_magic(text) else [Path(text)]
        )
        if not candidates:
            missing.append((text, "no file matches this pattern"))
        for path in candidates:
            if path.is_dir():
                for child in sorted(path.rglob("*.json")):
                    if child.is_file():
                        found.setdefault(child.resolve(), child)
            elif path.is_file():
                found.setdefault(path.resolve(), path)
            else:
                missing.append((text, "no such file or folder"))
    return list(found.values()), missing


def parse_datetime(value: Any) -> datetime | None:
    """ISO datetime from a file, as naive UTC so runs of different writers sort together."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def machine_of(machine_info: dict[str, Any]) -> str:
    """The harness's machine_id (as the harness names that machine now: contract.identity), else
    pytest-benchmark's ``node`` (hostname), else "unknown"."""
    record = machine_info.get(MACHINE_KEY)
    if isinstance(record, dict) and record.get("machine_id"):
        return current_machine_id(record) or UNKNOWN
    node = machine_info.get("node")
    return str(node) if node else UNKNOWN


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _partial(doc: dict[str, Any]) -> str | None:
    """The reason a run is partial (top-level ``partial``/``partial_reason``, written by the harness)."""
    if doc.get("partial") is not True:
        return None
    return str(doc.get("partial_reason") or "stopped early")


def parse_run(path: str, doc: Any) -> tuple[Run | None, str]:
    """A decoded JSON document -> Run, or (None, reason) when it is not a saved benchmark run.

    Accepts pytest-benchmark 2.5 .. 5.x layouts: ``version``, ``params``, ``extra_info``,
    ``stats.data`` and ``datetime`` are all optional; each benchmark needs a ``stats`` dict with
    a numeric median, others are dropped (the reason is returned for a warning).
    """
    if not isinstance(doc, dict):
        return None, f"top level is {type(doc).__name__}, not an object"
    benchmarks = doc.get("benchmarks")
    if not isinstance(benchmarks, list):
        return None, "no 'benchmarks' list: not a pytest-benchmark file"
    if not benchmarks:
        return None, "an empty 'benchmarks' list: no results in it"
    kept, dropped, warnings = [], [], []
    for index, bench in enumerate(benchmarks):
        if not isinstance(bench, dict):
            dropped.append(f"#{index}")
            continue
        bench, problems = records.check(records.Benchmark, bench, f"{path}: benchmark {index}")
        name = bench.get("fullname") or bench.get("name") or f"benchmark {index}"
        stats, stats_problems = records.check(records.Stats, bench.get("stats"), f"{path}: {name}: stats")
        if stats.get("median") is None:
            dropped.append(str(name))
            continue
        warnings.extend(problems + stats_problems)
        kept.append(bench | {"stats": stats})
    if not kept:
        return None, "no benchmark has stats with a usable median"
    machine_info = _as_dict(doc.get("machine_info"))
    if RUN_KEY in doc:  # this run's values, beside machine_info since the harness_run split
        run_values, problems = records.check(records.MachineRun, doc[RUN_KEY], f"{path}: {RUN_KEY}")
        machine_info = join_machine_info(machine_info, run_values, MACHINE_KEY)
        warnings.extend(problems)
    if MACHINE_KEY in machine_info:
        harness, problems = records.check(records.Machine, machine_info[MACHINE_KEY], f"{path}: machine_info.harness")
        machine_info = machine_info | {MACHINE_KEY: harness}
        warnings.extend(problems)
    stamp = doc.get("datetime")
    when = parse_datetime(stamp)
    if when is None and stamp is not None:  # undated runs sort first: no longer "the newest" where it belongs
        warnings.append(f"{path}: datetime {stamp!r} is not an ISO date; the run is read as undated")
    run = Run(
        path=path,
        machine_id=machine_of(machine_info),
        datetime=when,
        version=str(doc.get("version") or UNKNOWN),
        machine_info=machine_info,
        commit_info=_as_dict(doc.get("commit_info")),
        benchmarks=kept,
        partial=_partial(doc),
        warnings=warnings,
    )
    shown = ", ".join(dropped[:5]) + (f" and {len(dropped) - 5} more" if len(dropped) > 5 else "")
    return run, f"{len(dropped)} benchmark(s) without usable stats were dropped: {shown}" if dropped else ""


def run_label(machine_id: str, when: datetime | None, partial: str | None) -> str:
    """How a run is named in the report: "machine @ date time", "(partial)" when it stopped early."""
    stamp = when.strftime("%Y-%m-%d %H:%M") if when else "undated"
    return f"{machine_id} @ {stamp}" + (" (partial)" if partial else "")


class Progress:
    """A one-line progress bar on stderr: only on a terminal, never with --quiet."""

    def __init__(
        self, total: int, stream: TextIO | None = None, enabled: bool = True, label: str = "loading runs"
    ) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.label = label
        self.enabled = enabled and total > 1 and self.stream.isatty()
        self._last = -1

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // self.total
        if filled == self._last and done != self.total:
            return
        self._last = filled
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total}")
        if done == self.total:
            self.stream.write("\n")
        self.stream.flush()


def load_file(path: Path) -> tuple[Run | None, str]:
    """One file -> Run, or (None, reason)."""
    doc, reason = read_doc(path)
    return (None, reason) if doc is None else parse_run(str(path), doc)


def read_doc(path: Path) -> tuple[Any, str]:
    """One file's decoded JSON, or (None, why it cannot be read)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    if not raw.strip():
        return None, "empty file"
    try:
        return read_json(raw), ""
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return None, f"not valid JSON (truncated or not a saved run): {exc}"


def read_json(raw: bytes) -> Any:
    """``json.loads``, through orjson when it is installed (4-5x faster on a saved run's rounds).

    orjson refuses what Python's json writes and reads (NaN, Infinity, integers past 64 bits,
    UTF-16): those files, and any orjson error, are read again by the standard library, whose
    error is the one reported.
    """
    if _orjson is not None:
        try:
            return _orjson.loads(raw)
        except _orjson.JSONDecodeError:
            pass
    return json.loads(raw)


def _mm_1024(info: dict[str, Any]) -> bool:
    return info.get("op") == "mm" and info.get("kind") in ("matmul", "alignment")


def drop_raw_data(run: Run) -> None:
    """Forget ``run``'s per-round data (``stats.data``, ``per_size[n].data``, per-implementation ``data``)
    except mm at n=1024, whose rounds give history its GFLOP/s interval; medians and saved intervals stay.

    For runs no section compares round by round: an old run of a fleet holds ~0.5 MB of rounds.
    """
    run.benchmarks = without_rounds(run.benchmarks)


def without_rounds(benchmarks: list[Any]) -> list[Any]:
    """The benchmarks without their per-round data but mm at n=1024's (new dicts: the given ones are
    not changed; anything that is not a dict passes through for the reader to judge)."""
    kept = []
    for bench in benchmarks:
        if not isinstance(bench, dict):
            kept.append(bench)
            continue
        info = bench.get("extra_info")
        info = info if isinstance(info, dict) else {}
        mm = _mm_1024(info)
        stats = bench.get("stats")
        if isinstance(stats, dict) and "data" in stats and not (mm and info.get("n") == 1024):
            bench = bench | {"stats": {k: v for k, v in stats.items() if k != "data"}}
        sizes = info.get("per_size")
        if isinstance(sizes, dict):
            info = info | {
                "per_size": {
                    size: {k: v for k, v in entry.items() if k != "data"}
                    if isinstance(entry, dict) and not (mm and str(size) == "1024")
                    else entry
                    for size, entry in sizes.items()
                }
            }
        if isinstance(info.get("data"), dict):
            info = {k: v for k, v in info.items() if k != "data"}
        if "extra_info" in bench and isinstance(bench["extra_info"], dict):
            bench = bench | {"extra_info": info}
        kept.append(bench)
    return kept


class Dated(Protocol):
    """A run or a catalogue entry (reports.catalog): what ordering and grouping read."""

    machine_id: str
    datetime: datetime | None
    path: str


D = TypeVar("D", bound=Dated)


def sort_key(run: Dated) -> tuple[str, datetime, str]:
    """Machine, then time (undated runs first), then path: the order "previous run" relies on."""
    return run.machine_id, run.datetime or datetime.min, run.path


def by_machine(runs: Iterable[D]) -> dict[str, list[D]]:
    """Runs grouped per machine, oldest first."""
    out: dict[str, list[D]] = {}
    for run in sorted(runs, key=sort_key):
        out.setdefault(run.machine_id, []).append(run)
    return out
