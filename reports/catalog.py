"""Every saved run as a small catalogue entry: who, when, which benchmarks, and its headline numbers.

A fleet's year of nightly runs is mostly history. The report reads each machine's newest runs in
full (reports.load's scope); every other run is needed only for the runs table and the history
of the headline numbers, which an entry holds in a few hundred bytes instead of the half a
megabyte of rounds a saved run carries. Entries are pure functions of a run, so they can be
cached on disk (reports.catalog_cache) and rebuilt from the file whenever it changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from contract.arithmetic import finite as num
from contract.stats import median_interval
from reports.frame import benchmark_rows
from reports.load import UNKNOWN, Run, parse_datetime, run_label, without_rounds

PENALTY = "penalty t(n)/t(1024)"
RATIO = "scratch/framework"
MM_RATE = "mm GFLOP/s at n=1024"
METRICS = (PENALTY, RATIO, MM_RATE)
HEADLINE_KINDS = frozenset({"alignment", "training-interleaved", "matmul"})


class Headline(NamedTuple):
    """One headline number of a run: ``series`` is what runs are compared on (op device precision;
    device profile input mode; device precision), ``point`` the size n or the depth."""

    metric: str
    series: str
    point: float
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Entry:
    """What the report knows of a run it does not read in full."""

    path: str
    machine_id: str
    datetime: datetime | None
    version: str
    commit: str
    partial: str | None
    names: frozenset[str]
    benchmarks: int
    harness: bool
    contention: float  # share of timed time with a task waiting for a CPU (NaN: not recorded)
    headlines: tuple[Headline, ...]

    @property
    def label(self) -> str:
        return run_label(self.machine_id, self.datetime, self.partial)

    def to_json(self, name_ids: dict[str, int]) -> dict[str, Any]:
        """A JSON-able dict; benchmark names become indices into a table shared by a cache file."""
        return {
            "path": self.path,
            "machine_id": self.machine_id,
            "datetime": self.datetime.isoformat() if self.datetime else None,
            "version": self.version,
            "commit": self.commit,
            "partial": self.partial,
            "names": sorted(name_ids.setdefault(n, len(name_ids)) for n in self.names),
            "benchmarks": self.benchmarks,
            "harness": self.harness,
            "contention": None if math.isnan(self.contention) else self.contention,
            "headlines": [list(h) for h in self.headlines],
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any], names: Sequence[str]) -> Entry:
        """The inverse of :meth:`to_json` (raises KeyError/TypeError/IndexError on a damaged cache)."""
        contention = doc["contention"]
        return cls(
            path=str(doc["path"]),
            machine_id=str(doc["machine_id"]),
            datetime=parse_datetime(doc["datetime"]),
            version=str(doc["version"]),
            commit=str(doc["commit"]),
            partial=None if doc["partial"] is None else str(doc["partial"]),
            names=frozenset(names[i] for i in doc["names"]),
            benchmarks=int(doc["benchmarks"]),
            harness=bool(doc["harness"]),
            contention=math.nan if contention is None else float(contention),
            headlines=tuple(Headline(str(m), str(s), *map(_float, rest)) for m, s, *rest in doc["headlines"]),
        )


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def contention(benchmarks: Iterable[dict[str, Any]]) -> float:
    """Share of the timed wall time in which some task waited for a CPU (Linux PSI), over every
    benchmark of a run with before/after readings; NaN when none has them.

    A run with high contention shared its cores with other work: read its absolute times with
    care (interleaved ratios hold up better).
    """
    stalled = elapsed = 0.0
    for bench in benchmarks:
        info = bench.get("extra_info") if isinstance(bench, dict) else None
        readings = info.get("readings") if isinstance(info, dict) else None
        if not isinstance(readings, dict):
            continue
        before, after = readings.get("before"), readings.get("after")
        if not isinstance(before, dict) or not isinstance(after, dict):
            continue
        values = [num(x) for x in (before.get("cpu_pressure_some_us"), after.get("cpu_pressure_some_us"),
                                       before.get("time"), after.get("time"))]  # fmt: skip
        if any(math.isnan(v) for v in values) or values[3] <= values[2]:
            continue
        stalled += (values[1] - values[0]) / 1e6
        elapsed += values[3] - values[2]
    return stalled / elapsed if elapsed > 0 else math.nan


def _headline_benchmark(bench: dict[str, Any]) -> bool:
    """Could this benchmark carry a headline? (a cheap filter before its fields are checked)"""
    info = bench.get("extra_info")
    if not isinstance(info, dict) or info.get("kind") not in HEADLINE_KINDS:
        return False
    return info.get("kind") != "matmul" or (info.get("op") == "mm" and info.get("n") == 1024)


def index_view(benchmarks: list[Any]) -> list[Any]:
    """The part of each saved benchmark an entry reads: a headline benchmark whole but for its
    rounds (only mm n=1024's are used), any other its names, median and readings. What makes a
    benchmark usable (a valid median) and its name stay the same, so the entry's names and count
    are those of the run read in full, at a fraction of the checking."""
    out = []
    for bench in without_rounds(benchmarks):
        if not isinstance(bench, dict) or _headline_benchmark(bench):
            out.append(bench)
            continue
        stats, info = bench.get("stats"), bench.get("extra_info")
        stub = {k: bench[k] for k in ("name", "fullname") if k in bench}
        stub["stats"] = {"median": stats.get("median")} if isinstance(stats, dict) and "median" in stats else stats
        if isinstance(info, dict) and "readings" in info:
            stub["extra_info"] = {"readings": info["readings"]}
        out.append(stub)
    return out


def _label(*parts: Any) -> str:
    return " ".join(map(str, parts))


def _rate_interval(flops: float, data: list[float] | None) -> tuple[float, float]:
    """GFLOP/s interval from the 95 % interval of the median round time (NaNs without raw data)."""
    if not data or not flops > 0:
        return math.nan, math.nan
    low_s, high_s = median_interval(data)
    return flops / high_s / 1e9, flops / low_s / 1e9


def headline_points(rows: Sequence[dict[str, Any]]) -> list[Headline]:
    """A run's headline numbers from its results rows (reports.frame's columns): the penalty per
    size (n=1024 is 1 by definition), scratch/framework per depth, and mm GFLOP/s at n=1024 (the
    standalone benchmark where the run has one, else the alignment study's n=1024 rounds)."""
    out: list[Headline] = []
    seen_ratio: set[str] = set()
    rates: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        kind = row["kind"]
        if kind == "alignment" and not math.isnan(row["n"]) and row["n"] != 1024 and not math.isnan(row["penalty"]):
            out.append(
                Headline(PENALTY, _label(row["op"], row["device"], row["precision"]), row["n"], row["penalty"],
                         row["penalty_lo"], row["penalty_hi"])
            )  # fmt: skip
        elif kind == "training-interleaved" and not math.isnan(row["ratio"]) and row["fullname"] not in seen_ratio:
            seen_ratio.add(row["fullname"])  # one row per implementation, one ratio per benchmark
            out.append(
                Headline(RATIO, _label(row["device"], row["profile"], row["input_mode"]), row["depth"], row["ratio"],
                         row["ratio_lo"], row["ratio_hi"])
            )  # fmt: skip
        if kind in ("matmul", "alignment") and row.get("op") == "mm" and row.get("n") == 1024:
            key = (str(row["device"]), str(row["precision"]))
            if kind == "matmul" or key not in rates or rates[key]["kind"] != "matmul":
                rates[key] = row
    for (device, precision), row in rates.items():
        flops = num(row["flops"])
        low, high = _rate_interval(flops, row["data"])
        out.append(Headline(MM_RATE, _label(device, precision), 1024.0, num(row["gflops"]), low, high))
    return out


def headlines(run: Run) -> tuple[Headline, ...]:
    rows = [row for bench in run.benchmarks if _headline_benchmark(bench) for row in benchmark_rows(0, run, bench)[0]]
    return tuple(headline_points(rows))


def entry_of(run: Run) -> Entry:
    """The catalogue entry of a loaded run (pure)."""
    return Entry(
        path=run.path,
        machine_id=run.machine_id,
        datetime=run.datetime,
        version=run.version,
        commit=str(run.commit_info.get("id") or UNKNOWN),
        partial=run.partial,
        names=frozenset(run.names),
        benchmarks=len(run.benchmarks),
        harness=bool(run.harness),
        contention=contention(run.benchmarks),
        headlines=headlines(run),
    )
