"""The machine record: collected once per session, stored in pytest-benchmark's machine_info.

The plugin (bench/plugin.py) calls the four functions below; each section lives in a module
named for it (cpu, memory, gpu, software, peaks, bandwidth, identity, readings, compare,
storage) and ``record.collect`` assembles them. ``python -m bench.hardware`` prints the record.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bench.hardware import compare, identity, readings, storage
from bench.pytest_benchmark_adapter import drop_default_comparison
from contract.schema import MACHINE_KEY

#: The session's record, collected once (config.stash, like every per-session cache of the harness).
RECORD_KEY = pytest.StashKey[dict]()

#: py-cpuinfo keys of machine_info["cpu"] that are current readings, not facts (see readings).
VOLATILE_CPUINFO_KEYS = ("hz_actual", "hz_actual_friendly")


def configure(config: Any) -> None:
    """At configure time: save runs under .benchmarks/<machine_id>/ unless --benchmark-storage was
    given, and let only the harness's stable-facts comparison warn (see compare.py)."""
    machine_id, _ = identity.this_machine()
    storage.configure_storage(config, machine_id)
    drop_default_comparison(config.pluginmanager)


def update_machine_info(config: Any, machine_info: dict) -> None:
    """Add the record under machine_info["harness"]; collected once per session (cached in config.stash)."""
    record = config.stash.get(RECORD_KEY, None)
    if record is None:
        from bench.hardware.record import collect

        record = config.stash[RECORD_KEY] = collect(pycpuinfo=machine_info.get("cpu"))
    for key in VOLATILE_CPUINFO_KEYS:
        (machine_info.get("cpu") or {}).pop(key, None)
    machine_info[MACHINE_KEY] = copy.deepcopy(record)


def compare_machine_info(benchmarksession: Any, machine_info: dict, compared_benchmark: dict) -> None:
    """Warn (benchmarksession.logger.warning) only when stable facts differ; bandwidth is ignored."""
    compare.compare_machine_info(benchmarksession, machine_info, compared_benchmark)


def sample_readings(device: str) -> dict[str, Any]:
    """Clocks, temperature, power, throttle reasons, load for ``device``: fast, never raises."""
    return readings.sample(device)
