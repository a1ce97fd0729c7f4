"""Parsers of the hardware record on sample texts and small fake sysfs trees (no mocking)."""

from __future__ import annotations

import platform
import re
from pathlib import Path

import pytest

from bench.hardware import cpu, identity, memory, readings, software, storage
from bench.hardware.sources import parse_cpulist, parse_proc_cpuinfo, parse_size
from contract import identity as ids

DATA = Path(__file__).parent / "data" / "hardware"


def text(name: str) -> str:
    return (DATA / name).read_text()


def write(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value + "\n")


def fake_cpu_tree(root: Path, cores: int = 4, smt: int = 2, cpufreq: bool = True) -> Path:
    """An AMD-like sysfs tree: SMT siblings share L1/L2 (512K per core), one 32 MiB L3 for all."""
    n = cores * smt
    write(root / "online", f"0-{n - 1}")
    for c in range(n):
        core = c % cores
        siblings = ",".join(str(core + k * cores) for k in range(smt))
        base = root / f"cpu{c}"
        write(base / "topology" / "physical_package_id", "0")
        write(base / "topology" / "core_id", str(core))
        for i, (level, kind, size, shared) in enumerate(
            [
                (1, "Data", "32K", siblings),
                (1, "Instruction", "32K", siblings),
                (2, "Unified", "512K", siblings),
                (3, "Unified", "32768K", f"0-{n - 1}"),
            ]
        ):
            idx = base / "cache" / f"index{i}"
            write(idx / "level", str(level))
            write(idx / "type", kind)
            write(idx / "size", size)
            write(idx / "shared_cpu_list", shared)
        if cpufreq:
            write(base / "cpufreq" / "cpuinfo_max_freq", "3700000")
            write(base / "cpufreq" / "base_frequency", "2400000")
    return root


# --- sources -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [("48K", 48 * 1024), ("32768K", 32 * 2**20), ("2048 kB", 2 * 2**20), ("32 GB", 32 * 2**30), ("16384 MB", 2**34)],
)
def test_parse_size(given: str, expected: int) -> None:
    assert parse_size(given) == expected


def test_parse_cpulist() -> None:
    assert parse_cpulist("0-3,8,10-11\n") == [0, 1, 2, 3, 8, 10, 11]


# --- CPU -----------------------------------------------------------------------------------------


def test_caches_from_fake_sysfs_tree_count_instances_and_sharing(tmp_path: Path) -> None:
    caches = {(c["level"], c["type"]): c for c in cpu.parse_caches(fake_cpu_tree(tmp_path))}
    assert caches[(2, "Unified")] == {
        "level": 2,
        "type": "Unified",
        "size_bytes": 512 * 1024,
        "shared_by_cpus": 2,
        "instances": 4,
    }
    assert caches[(3, "Unified")]["size_bytes"] == 32 * 2**20
    assert caches[(3, "Unified")]["instances"] == 1
    assert caches[(3, "Unified")]["shared_by_cpus"] == 8
    assert cpu.last_level_cache_bytes({"caches": list(caches.values())}) == 32 * 2**20


def test_topology_and_frequencies_from_fake_tree(tmp_path: Path) -> None:
    root = fake_cpu_tree(tmp_path, cores=4, smt=2)
    assert cpu.parse_topology(root) == {"sockets": 1, "physical_cores": 4, "logical_cores": 8}
    assert cpu.parse_frequencies(root) == {"base_mhz": 2400.0, "max_mhz": 3700.0}


def test_collect_cpu_on_fake_epyc(tmp_path: Path) -> None:
    proc = tmp_path / "cpuinfo"
    proc.write_text(text("proc_cpuinfo_epyc_zen4.txt"))
    record = cpu.collect_cpu(None, cpu_root=fake_cpu_tree(tmp_path / "sys"), proc_cpuinfo=proc)
    assert record["vendor"] == "AuthenticAMD"
    assert record["model"] == "AMD EPYC 9654 96-Core Processor"
    assert record["microarchitecture"] == "Zen 4"
    assert {"avx2", "fma", "avx512f", "avx512_bf16"} <= set(record["isa"])
    assert record["max_mhz"] == 3700.0
    assert record["unavailable"] == {}


def test_collect_cpu_without_cpufreq_says_why(tmp_path: Path) -> None:
    proc = tmp_path / "cpuinfo"
    proc.write_text(text("proc_cpuinfo_epyc_zen4.txt"))
    record = cpu.collect_cpu(None, cpu_root=fake_cpu_tree(tmp_path / "sys", cpufreq=False), proc_cpuinfo=proc)
    assert record["max_mhz"] is None
    assert "cpufreq" in record["unavailable"]["max_mhz"]
    assert record["reported_mhz"] == 1500.0  # rounded to 10 MHz


def test_arm_cpuinfo_names_the_core_and_neon_sve() -> None:
    blocks = cpu.parse_proc_cpuinfo(text("proc_cpuinfo_neoverse_v2.txt"))
    assert len(blocks) == 2
    isa = cpu.peak_features(set(blocks[0]["Features"].split()))
    assert {"neon", "asimdhp", "bf16", "sve", "sve2"} <= set(isa)
    assert cpu.microarchitecture("ARM", None, None, isa, (0x41, 0xD4F)) == "Neoverse-V2"


def test_microarchitecture_trusts_flags_over_a_virtualised_model() -> None:
    assert cpu.microarchitecture("GenuineIntel", 6, 143, ["amx_tile"]) == "Sapphire Rapids"
    assert cpu.microarchitecture("GenuineIntel", 6, 167, ["avx512f"]) == "Rocket Lake"
    assert cpu.microarchitecture("GenuineIntel", 6, 167, ["amx_tile"]).startswith("Sapphire Rapids or later")
    assert cpu.amd_microarchitecture(0x17, 0x31) == "Zen 2"
    assert cpu.amd_microarchitecture(0x19, 0x01) == "Zen 3"


# --- memory --------------------------------------------------------------------------------------


def test_dmidecode_ddr5_server_two_sockets() -> None:
    modules = memory.parse_dmidecode(text("dmidecode_ddr5_server.txt"))
    assert len(modules) == 3  # the empty slot is skipped
    assert modules[0] == {
        "locator": "P1-DIMMA1",
        "bank_locator": "P0_Node0_Channel0_Dimm0",
        "size_bytes": 32 * 2**30,
        "type": "DDR5",
        "speed_mts": 4800,
        "configured_speed_mts": 4400,
        "data_width_bits": 64,
    }
    bus = memory.derive_bus(modules)
    assert bus["channels"] == 3
    assert bus["bus_width_bits"] == 192
    assert bus["theoretical_gbps"] == pytest.approx(4400e6 * 192 / 8 / 1e9)  # 105.6 GB/s
    assert bus["channels_basis"].startswith("channels named")


def test_dmidecode_ddr4_two_modules_per_channel_share_the_channel() -> None:
    modules = memory.parse_dmidecode(text("dmidecode_ddr4_desktop_2dpc.txt"))
    assert [m["size_bytes"] for m in modules] == [16 * 2**30] * 4
    assert {m["configured_speed_mts"] for m in modules} == {2400}  # old "Configured Clock Speed: 2400 MHz"
    bus = memory.derive_bus(modules)
    assert (bus["channels"], bus["bus_width_bits"]) == (2, 128)
    assert bus["theoretical_gbps"] == pytest.approx(38.4)


def test_dmidecode_vm_without_widths_records_reasons_not_guesses() -> None:
    modules = memory.parse_dmidecode(text("dmidecode_qemu.txt"))
    assert modules[0]["size_bytes"] == 24 * 2**30
    assert modules[0]["data_width_bits"] is None
    bus = memory.derive_bus(modules)
    assert bus["bus_width_bits"] is None and bus["theoretical_gbps"] is None
    assert "data width" in bus["unavailable"]["bus_width_bits"]
    assert bus["channels_basis"].startswith("assumed")


def test_udev_run_data_file() -> None:
    modules = memory.parse_udev_dmi(text("udev_run_data_dmi_id.txt"))
    assert [m["bank_locator"] for m in modules] == ["P0 CHANNEL A", "P0 CHANNEL B"]
    assert modules[0]["type"] is None  # "<OUT OF SPEC>" (DDR5 on an older systemd) is not a type
    bus = memory.derive_bus(modules)
    assert (bus["channels"], bus["bus_width_bits"]) == (2, 128)
    assert bus["theoretical_gbps"] == pytest.approx(96.0)


def test_udevadm_export_lpddr_controllers_are_distinct_channels() -> None:
    modules = memory.parse_udev_dmi(text("udevadm_info_export_laptop.txt"))
    assert len(modules) == 4
    assert [memory.channel_key(m) for m in modules] == [
        "Controller0/A",
        "Controller0/B",
        "Controller1/A",
        "Controller1/B",
    ]
    bus = memory.derive_bus(modules)
    assert (bus["channels"], bus["bus_width_bits"]) == (4, 64)
    assert bus["theoretical_gbps"] == pytest.approx(5200e6 * 64 / 8 / 1e9)


def test_meminfo_total() -> None:
    assert memory.parse_meminfo_total("MemTotal:       24684084 kB\nMemFree: 1 kB\n") == 24684084 * 1024


# --- software, identity, readings, storage, comparison -------------------------------------------


def test_torch_config_summary_keeps_libraries_and_build_keys() -> None:
    summary = software.summarise_torch_config(text("torch_config_show_cu130.txt"))
    assert summary["build"]["BLAS_INFO"] == "mkl"
    assert summary["build"]["USE_MKLDNN"] == "ON"
    assert summary["build"]["CUDA_VERSION"] == "13.0"
    assert "CXX_FLAGS" not in summary["build"]
    assert any("MKL-DNN" in lib for lib in summary["libraries"])


def test_machine_id_is_readable_stable_and_changes_with_the_facts() -> None:
    facts = {"cpu_model": "X", "logical_cores": 8, "gpus": []}
    assert ids.machine_id("gpu-box.example.org", facts) == ids.machine_id("gpu-box.example.org", dict(facts))
    assert ids.machine_id("gpu-box.example.org", facts).startswith("gpu-box-")
    assert ids.machine_id("gpu-box", facts) != ids.machine_id("gpu-box", {**facts, "logical_cores": 16})
    assert ids.safe_hostname("my host/1") == "my-host-1"


def test_identity_tells_cpus_behind_one_masked_brand_string_apart(tmp_path: Path) -> None:
    """Two 2-core "AMD EPYC" VMs, one on a Zen 4 host (a real /proc/cpuinfo) and one on a Zen 1
    host (the same file with its family, model and flags of that host), with the same memory."""
    zen4 = text("proc_cpuinfo_epyc_zen4.txt")
    zen1 = re.sub(r"(?m)^cpu family\t: .*$", "cpu family\t: 23", zen4)
    zen1 = re.sub(r"(?m)^model\t\t: .*$", "model\t\t: 1", zen1)
    zen1 = re.sub(r" avx512\w*", "", zen1)
    facts = {}
    for name, body in (("zen4", zen4), ("zen1", zen1)):
        (tmp_path / name).write_text(body)
        facts[name] = identity.identity_facts(cpu_root=tmp_path / "absent", proc_cpuinfo=tmp_path / name)
    assert facts["zen4"]["cpu_model"] == facts["zen1"]["cpu_model"]
    assert (facts["zen4"]["cpu_family"], facts["zen4"]["cpu_model_number"]) == (25, 17)
    assert (facts["zen1"]["cpu_family"], facts["zen1"]["cpu_model_number"]) == (23, 1)
    assert "avx512f" in facts["zen4"]["isa"] and "avx512f" not in facts["zen1"]["isa"]
    assert ids.machine_id("vm", facts["zen4"]) != ids.machine_id("vm", facts["zen1"])
    # the record's cpu section carries the same signature, so the report can rename old ids
    section = cpu.collect_cpu(None, cpu_root=tmp_path / "absent", proc_cpuinfo=tmp_path / "zen1")
    assert {k: section[field] for k, field in ids.SIGNATURE_KEYS.items()} == cpu.cpu_signature(
        parse_proc_cpuinfo(zen1)[0]
    )


@pytest.mark.parametrize(
    ("system", "arch", "cpuinfo"),
    [
        ("Linux", "x86_64", "proc_cpuinfo_epyc_zen4.txt"),
        ("Linux", "aarch64", "proc_cpuinfo_neoverse_v2.txt"),  # no "cpu family" or "model" lines
        ("Darwin", "x86_64", None),  # no /proc/cpuinfo at all
    ],
)
def test_an_old_id_becomes_the_id_the_harness_gives_that_machine_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, system: str, arch: str, cpuinfo: str | None
) -> None:
    """The id hashes /proc/cpuinfo alone; the record's cpu section fills its gaps from py-cpuinfo
    (family and model on ARM, everything on macOS). Renaming an old run must follow the id."""
    monkeypatch.setattr(platform, "machine", lambda: arch)
    proc = tmp_path / "cpuinfo"
    if cpuinfo:
        proc.write_text(text(cpuinfo))
    pycpuinfo = {"family": 6, "model": 158, "flags": ["sse2", "avx", "fma", "avx2"], "brand_raw": "CPU"}
    facts = identity.identity_facts(cpu_root=tmp_path / "absent", proc_cpuinfo=proc, meminfo=tmp_path / "absent")
    section = cpu.collect_cpu(pycpuinfo, cpu_root=tmp_path / "absent", proc_cpuinfo=proc)
    old_facts = {k: v for k, v in facts.items() if k not in ids.SIGNATURE_KEYS}
    old = {
        "machine_id": ids.machine_id("box", old_facts),
        "hostname": "box",
        "fingerprint": old_facts,
        "cpu": section,
        "software": {"os": f"{system} 6.1.0"},
    }
    assert ids.current_machine_id(old) == ids.machine_id("box", facts)
    if system == "Linux" and arch == "aarch64":
        assert section["family"] == 6 and facts["cpu_family"] is None  # the gap the upgrade must not fill
    # where the record cannot tell what the harness reads (no system, an unknown architecture), the id stays
    assert ids.current_machine_id({**old, "software": {}}) == old["machine_id"]
    riscv = {**old, "fingerprint": {**old_facts, "arch": "riscv64"}, "cpu": {**section, "arch": "riscv64"}}
    riscv["machine_id"] = ids.machine_id("box", riscv["fingerprint"])
    assert ids.current_machine_id({**riscv, "software": {"os": "Linux 6.1"}}) == riscv["machine_id"]


def test_a_flag_added_for_the_peaks_renames_no_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = re.sub(r"(?m)^(flags\t\t: .*)$", r"\1 avx10_1", text("proc_cpuinfo_epyc_zen4.txt"))
    (tmp_path / "cpuinfo").write_text(body)
    before = identity.identity_facts(cpu_root=tmp_path / "absent", proc_cpuinfo=tmp_path / "cpuinfo")
    monkeypatch.setattr(cpu, "PEAK_FEATURES", (*cpu.PEAK_FEATURES, "avx10_1"))
    monkeypatch.setattr(cpu.peak_features, "__defaults__", (cpu.PEAK_FEATURES,))
    after = identity.identity_facts(cpu_root=tmp_path / "absent", proc_cpuinfo=tmp_path / "cpuinfo")
    section = cpu.collect_cpu(None, cpu_root=tmp_path / "absent", proc_cpuinfo=tmp_path / "cpuinfo")
    assert "avx10_1" in section["isa"] and after == before  # the peaks see it, the id does not
    old_facts = {k: v for k, v in after.items() if k not in ids.SIGNATURE_KEYS}
    old = {"machine_id": ids.machine_id("vm", old_facts), "hostname": "vm", "fingerprint": old_facts,
           "cpu": section, "software": {"os": "Linux 6.1"}}  # fmt: skip
    assert ids.current_machine_id(old) == ids.machine_id("vm", after)


def test_nvidia_proc_information() -> None:
    assert identity.parse_nvidia_proc_information(text("nvidia_proc_information.txt")) == {
        "name": "NVIDIA H100 80GB HBM3",
        "uuid": "GPU-5b2c9f1e-7a3d-4c1b-9e8f-2d6a0b4c3e21",
    }


def test_clock_event_reasons_and_cpuinfo_mhz() -> None:
    assert readings.decode_clock_events(0x1 | 0x4 | 0x40) == ["gpu_idle", "sw_power_cap", "hw_thermal_slowdown"]
    assert readings.decode_clock_events(0x1000) == ["0x1000"]
    assert readings.parse_cpuinfo_mhz(
        "processor\t: 0\ncpu MHz\t\t: 2599.998\nx: 1\n\nprocessor\t: 1\ncpu MHz\t: 3000.5\n"
    ) == [2599.998, 3000.5]


def test_every_file_storage_gets_the_machine_folder() -> None:
    assert storage.per_machine_storage("vm-1234abcd") == "file://./.benchmarks/vm-1234abcd"
    assert storage.per_machine_storage("vm-1", "file:///shared/runs/") == "file:///shared/runs/vm-1"
    assert storage.per_machine_storage("vm-1", "runs") == "runs/vm-1"
    assert storage.per_machine_storage("vm-1", "file://") == "file://./vm-1"  # not /vm-1 at the root
    assert storage.per_machine_storage("vm-1", "file:///") == "file:///vm-1"
    assert storage.per_machine_storage("vm-1", "/shared/runs/vm-1") is None  # already the machine's folder
    assert storage.per_machine_storage("vm-1", "file://./.benchmarks/vm-1/") is None
    assert storage.per_machine_storage("vm-1", "elasticsearch+http://host:9200/bench/run") is None


def test_a_file_storage_is_a_folder_with_or_without_its_scheme() -> None:
    assert storage.storage_folder("file://./.benchmarks/vm-1") == "./.benchmarks/vm-1"
    assert storage.storage_folder("/tmp/runs/vm-1") == "/tmp/runs/vm-1"
    assert storage.storage_folder("elasticsearch+http://host:9200/bench/run") is None
    assert storage.storage_folder("") == "."  # pytest-benchmark's Path(""): the current folder
    assert storage.storage_folder("file://") == "."


def test_cpu_pressure_counter_is_read_from_the_psi_format():
    from bench.hardware.readings import parse_pressure_total_us

    text = "some avg10=1.50 avg60=0.32 avg300=0.70 total=446794124\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
    assert parse_pressure_total_us(text) == 446794124
    assert parse_pressure_total_us("") is None
    assert parse_pressure_total_us("some avg10=1.0 total=x\n") is None
