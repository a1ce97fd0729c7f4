"""Which loaded runs the report's sections read result by result: a fleet's year of runs is mostly
history, and history shows each machine's newest runs only. Pure functions on loaded runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reports.load import Run, by_machine


def benchmark_names(run: Run) -> set[str]:
    return {str(b.get("fullname") or b.get("name")) for b in run.benchmarks}


def used_runs(runs: Sequence[Run], newest: int, also: Iterable[Run] = ()) -> list[int]:
    """Indices (into ``runs``) of each machine's ``newest`` runs, the runs in ``also`` (the compared
    pairs), and every older run that holds a benchmark no newer run of its machine has: the newest
    result of every benchmark (``frame.latest``) comes from these."""
    index = {id(run): i for i, run in enumerate(runs)}
    used: set[int] = set()
    for machine_runs in by_machine(runs).values():
        seen: set[str] = set()
        for rank, run in enumerate(reversed(machine_runs)):
            names = benchmark_names(run)
            if rank < newest or not names <= seen:
                used.add(index[id(run)])
            seen |= names
    used.update(index[id(run)] for run in also if id(run) in index)
    return sorted(used)
