"""The real record on this machine: collected for real, not mocked (CPU-only hosts included)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from bench import hardware
from bench.hardware import identity, memory, record
from bench.hardware.__main__ import main
from contract.schema import CPU_FIELDS, GPU_FIELDS, MACHINE_FIELDS, MEMORY_FIELDS, PRECISIONS, SOFTWARE_FIELDS
from contract.volatile import RUN_KEY, join_machine_info, split_run


@pytest.fixture(scope="module")
def machine() -> dict:
    return record.collect(measure_bandwidth=True)


def test_record_has_every_contract_field(machine: dict) -> None:
    assert set(MACHINE_FIELDS) <= set(machine)
    assert set(CPU_FIELDS) <= set(machine["cpu"])
    assert set(MEMORY_FIELDS) <= set(machine["memory"])
    assert set(SOFTWARE_FIELDS) <= set(machine["software"])
    for entry in machine["gpus"]:
        assert set(GPU_FIELDS) <= set(entry)
    json.dumps(machine)  # must be storable as is


def test_cpu_section_is_real(machine: dict) -> None:
    c = machine["cpu"]
    assert c["logical_cores"] >= 1 and c["model"]
    if Path("/sys/devices/system/cpu/cpu0/cache").exists():
        levels = {cache["level"] for cache in c["caches"]}
        assert 1 in levels and all(cache["size_bytes"] > 0 for cache in c["caches"])
    assert machine["peaks"]["cpu"]["float32"] > 0
    assert set(machine["peak_formulas"]["cpu"]) == set(PRECISIONS)


def test_memory_total_and_firmware_fields_or_reasons(machine: dict) -> None:
    m = machine["memory"]
    assert m["total_bytes"] > 2**28
    for field in ("bus_width_bits", "theoretical_gbps"):
        assert m[field] is not None or m["unavailable"].get(field), field
    if not memory.DMI_TABLES.exists() and not memory.UDEV_DMI_DATA.exists():  # this VM
        assert m["source"] is None and m["modules"] is None
        assert "SMBIOS" in m["unavailable"]["bus_width_bits"]


def test_gpus_or_reason(machine: dict) -> None:
    if torch.cuda.is_available():
        assert len(machine["gpus"]) == torch.cuda.device_count()
    else:
        assert machine["gpus"] == [] and machine["unavailable"]["gpus"]


def test_bandwidth_measured_and_collection_timed(machine: dict) -> None:
    assert machine["bandwidth"]["cpu"]["copy_gbps"] > 0
    assert machine["bandwidth"]["cpu"]["triad_gbps"] > 0
    assert machine["collection_s"] > 0  # recorded, never asserted against a budget: a busy machine is slower


def test_sample_readings_never_raises() -> None:
    for device in ("cpu", "cuda:0", "cuda:99", "bogus"):
        reading = hardware.sample_readings(device)
        assert "time" in reading
    assert "loadavg_1m" in hardware.sample_readings("cpu")


def test_update_machine_info_moves_this_runs_values_out_and_caches(machine: dict) -> None:
    class Config:
        stash = pytest.Stash()

    Config.stash[hardware.RECORD_KEY] = split_run(machine)

    info = {"cpu": {"brand_raw": "x", "hz_actual": [1, 0], "hz_actual_friendly": "1 Hz"}}
    hardware.update_machine_info(Config(), info)
    assert info["harness"]["machine_id"] == machine["machine_id"]
    assert "hz_actual" not in info["cpu"] and info["cpu"]["brand_raw"] == "x"
    assert "bandwidth" not in info["harness"] and "collection_s" not in info["harness"]
    assert "reported_mhz" not in info["harness"]["cpu"]
    again = {"cpu": {"brand_raw": "x", "hz_actual": [2, 0]}}  # pytest-benchmark builds machine_info twice
    hardware.update_machine_info(Config(), again)
    assert again["harness"] == info["harness"]
    run = {}
    hardware.add_run_values(Config(), run)
    assert run[RUN_KEY]["pycpuinfo"] == {"hz_actual": [1, 0], "hz_actual_friendly": "1 Hz"}  # the first seen
    assert run[RUN_KEY]["bandwidth"] == machine["bandwidth"]
    assert join_machine_info(info, run[RUN_KEY])["harness"] == machine


def test_cli_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-bandwidth"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("machine ") and "Nominal peaks" in out
    assert main(["--json", "--no-bandwidth"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bandwidth"] is None and "bandwidth" in data["unavailable"]


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU and NVML")
def test_real_gpu_record_through_nvml(machine: dict) -> None:
    first = machine["gpus"][0]
    assert first["device"] == "cuda:0" and first["uuid"]
    assert first["source"] == "nvml", first["unavailable"]
    assert first["memory_bus_width_bits"] and first["theoretical_gbps"] > 0
    assert machine["peaks"]["cuda:0"]["float32"] > 0
    assert machine["bandwidth"]["cuda:0"]["copy_gbps"] > 0
    reading = hardware.sample_readings("cuda:0")["gpu"]
    assert "error" not in reading and reading["sm_clock_mhz"] is not None


def test_a_failing_section_is_recorded_as_unavailable_not_raised(monkeypatch):
    """The record is written when the run is saved: one broken section must not lose the run."""
    from bench.hardware import memory, record

    def broken() -> dict:
        raise OSError("sysfs went away")

    monkeypatch.setattr(memory, "collect_memory", broken)
    rec = record.collect(measure_bandwidth=False)
    assert rec["memory"] == {}
    assert rec["unavailable"]["memory"] == "collection failed: OSError: sysfs went away"
    assert rec["cpu"] and rec["machine_id"]  # the other sections are intact


def test_identity_is_computed_once_per_session_in_the_stash() -> None:
    """configure keeps (machine_id, facts) in config.stash; the record reuses it instead of a module cache."""

    class Config:
        stash = pytest.Stash()
        option = None  # pytest-benchmark not loaded: the storage is left alone

    hardware.configure(Config())
    assert Config.stash[hardware.IDENTITY_KEY] == identity.this_machine()
    given = record.collect(measure_bandwidth=False, machine=("box-0000abcd", {"cpu_model": "given"}))
    assert (given["machine_id"], given["fingerprint"]) == ("box-0000abcd", {"cpu_model": "given"})
