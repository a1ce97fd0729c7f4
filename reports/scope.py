"""Which loaded runs the report's sections read result by result: a fleet's year of runs is mostly
history, and history shows each machine's newest runs only. Pure functions on loaded runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import Protocol

from reports.load import Dated, by_machine


class Listed(Dated, Protocol):
    """A loaded run or a catalogue entry: what the scope rule reads."""

    names: AbstractSet[str]


def used_runs(runs: Sequence[Listed], newest: int, also: Iterable[Listed] = ()) -> list[int]:
    """Indices (into ``runs``) of each machine's ``newest`` runs, the runs in ``also`` (the compared
    pairs), and every older run that holds a benchmark no newer run of its machine has: the newest
    result of every benchmark (``frame.latest``) comes from these."""
    index = {id(run): i for i, run in enumerate(runs)}
    used: set[int] = set()
    for machine_runs in by_machine(runs).values():
        seen: set[str] = set()
        for rank, run in enumerate(reversed(machine_runs)):
            names = run.names
            if rank < newest or not names <= seen:
                used.add(index[id(run)])
            seen |= names
    used.update(index[id(run)] for run in also if id(run) in index)
    return sorted(used)
