"""The machine record: collected once per session, stored in pytest-benchmark's machine_info.

The plugin (bench/plugin.py) calls the functions below; each section lives in a module named
for it (cpu, memory, gpu, software, peaks, bandwidth, identity, readings, storage) and
``record.collect`` assembles them. ``python -m bench.hardware`` prints the record.

``machine_info`` holds only stable facts, so pytest-benchmark's own machine comparison warns only
when the machine changed; this run's values (bandwidth, canary, current clocks) go to the saved
JSON's top-level ``harness_run`` (contract/volatile.py) through ``pytest_benchmark_update_json``.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bench.hardware import identity, readings, storage
from contract.schema import MACHINE_KEY
from contract.volatile import PYCPUINFO_RUN_KEYS, RUN_KEY, split_run

#: The session's record split in (stable facts, this run's values), collected once (config.stash,
#: like every per-session cache of the harness).
RECORD_KEY = pytest.StashKey[tuple[dict, dict]]()
#: (machine_id, fingerprint facts), computed at configure time for the storage folder, reused by the record.
IDENTITY_KEY = pytest.StashKey[tuple[str, dict]]()


def configure(config: Any) -> None:
    """At configure time: save runs under .benchmarks/<machine_id>/ unless --benchmark-storage was given."""
    machine = config.stash[IDENTITY_KEY] = identity.this_machine()
    storage.configure_storage(config, machine[0])


def _session_record(config: Any, pycpuinfo: dict | None) -> tuple[dict, dict]:
    if RECORD_KEY not in config.stash:
        from bench.hardware.record import collect

        machine = config.stash.get(IDENTITY_KEY, None)
        config.stash[RECORD_KEY] = split_run(collect(pycpuinfo=pycpuinfo, machine=machine))
    return config.stash[RECORD_KEY]


def update_machine_info(config: Any, machine_info: dict) -> None:
    """Add the stable record under machine_info["harness"]; keep this run's values for ``run_values``.

    pytest-benchmark builds machine_info afresh for its comparison and again for saving: py-cpuinfo's
    current clocks are moved out of each, the first ones seen are kept.
    """
    stable, run = _session_record(config, machine_info.get("cpu"))
    cpu = machine_info.get("cpu")
    if isinstance(cpu, dict):
        moved = {key: cpu.pop(key) for key in PYCPUINFO_RUN_KEYS if key in cpu}
        if moved:
            run.setdefault("pycpuinfo", moved)
    machine_info[MACHINE_KEY] = copy.deepcopy(stable)


def run_values(config: Any) -> dict | None:
    """This run's values of the record (``harness_run`` of the saved JSON), or None when the record
    was never collected (pytest-benchmark not saving)."""
    record = config.stash.get(RECORD_KEY, None)
    return copy.deepcopy(record[1]) if record is not None else None


def sample_readings(device: str) -> dict[str, Any]:
    """Clocks, temperature, power, throttle reasons, load for ``device``: fast, never raises."""
    return readings.sample(device)


def add_run_values(config: Any, output_json: dict) -> None:
    """Write this run's values to the saved JSON's ``harness_run`` (beside whatever another hook put there)."""
    run = run_values(config)
    if run is not None:
        output_json[RUN_KEY] = run | output_json.get(RUN_KEY, {})
