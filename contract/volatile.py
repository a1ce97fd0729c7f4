"""This run's values of the machine record, kept apart from the machine's stable facts.

pytest-benchmark compares ``machine_info`` between runs and warns on any difference, so
``machine_info`` holds only facts that stay put. What changes run to run (the measured
bandwidth, how long collection took, the drift canary, current clocks) lives in the saved
JSON's top-level ``harness_run`` object, under the same paths as in ``machine_info["harness"]``.
bench splits the record with :func:`split_run`; reports joins it back with :func:`join_run`, so
readers see one ``machine_info`` whether a file is new or older (older files kept everything in
``machine_info``, and reading them needs no join: :func:`join_machine_info` leaves them as they are).
"""

from __future__ import annotations

import copy
from typing import Any

#: Top-level key of the saved JSON holding this run's volatile values.
RUN_KEY = "harness_run"

#: Paths of ``machine_info["harness"]`` (dotted) that vary run to run and move to ``harness_run``.
RUN_PATHS = (
    "bandwidth",  # measured this run (bench/hardware/bandwidth.py)
    "collection_s",  # seconds the record took to collect
    "canary",  # the drift canary's samples (bench/canary.py)
    "cpu.reported_mhz",  # /proc/cpuinfo "cpu MHz": cpu0's current clock on bare metal
)

#: py-cpuinfo's keys of ``machine_info["cpu"]`` that read the current clock (``hz_advertised``
#: falls back on it when the brand string names no clock); kept in ``harness_run["pycpuinfo"]``.
PYCPUINFO_RUN_KEYS = ("hz_actual", "hz_actual_friendly", "hz_advertised", "hz_advertised_friendly")


def split_run(record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(stable facts, this run's values) of a harness record; neither shares objects with it."""
    stable = copy.deepcopy(record)
    run: dict[str, Any] = {}
    for path in RUN_PATHS:
        *parents, leaf = path.split(".")
        source: Any = stable
        for key in parents:
            source = source.get(key) if isinstance(source, dict) else None
        if isinstance(source, dict) and leaf in source:
            target = run
            for key in parents:
                target = target.setdefault(key, {})
            target[leaf] = source.pop(leaf)
    return stable, run


def join_run(stable: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    """The harness record as one object again: ``run``'s values over ``stable``, nested objects merged;
    a None (absent, or read as missing) never hides a stable value."""
    out = dict(stable)
    for key, value in run.items():
        if value is None:
            out.setdefault(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = join_run(out[key], value)
        else:
            out[key] = value
    return out


def join_machine_info(machine_info: dict[str, Any], run: dict[str, Any], key: str = "harness") -> dict[str, Any]:
    """``machine_info`` as older files held it: ``run``'s values back in the harness record under
    ``key`` and py-cpuinfo's clocks back in ``cpu``. A copy; the inputs are not changed."""
    run = dict(run)
    out = dict(machine_info)
    pycpuinfo = run.pop("pycpuinfo", None)
    if isinstance(pycpuinfo, dict) and isinstance(out.get("cpu"), dict):
        out["cpu"] = out["cpu"] | pycpuinfo
    harness = out.get(key)
    out[key] = join_run(harness if isinstance(harness, dict) else {}, run)
    return out
