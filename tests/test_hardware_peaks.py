"""Peak arithmetic and GPU derivation from NVML-shaped values: pure functions, known parts."""

from __future__ import annotations

import pytest

from bench.hardware import gpu, peaks
from contract.schema import PRECISIONS


def test_cpu_peak_avx512_with_amx() -> None:
    record = {
        "physical_cores": 2,
        "max_mhz": None,
        "base_mhz": None,
        "reported_mhz": 2600.0,
        "vendor": "GenuineIntel",
        "microarchitecture": "Sapphire Rapids",
        "isa": ["avx2", "fma", "avx512f", "avx512_fp16", "amx_bf16"],
    }
    values, formulas = peaks.cpu_peaks(record)
    assert values["float32"] == pytest.approx(2 * 2600 * 64 / 1000)  # 332.8 GFLOP/s
    assert values["float16"] == pytest.approx(2 * 2600 * 128 / 1000)
    assert values["bfloat16"] == pytest.approx(2 * 2600 * 2048 / 1000)
    assert "float32-tf32" not in values and "not applicable" in formulas["float32-tf32"]
    assert "2 cores x 2600 MHz" in formulas["float32"]


def test_cpu_peak_zen4_runs_avx512_at_avx2_width_and_prefers_max_clock() -> None:
    record = {
        "physical_cores": 96,
        "max_mhz": 3700.0,
        "base_mhz": 2400.0,
        "vendor": "AuthenticAMD",
        "microarchitecture": "Zen 4",
        "isa": ["avx2", "fma", "avx512f", "avx512_bf16"],
    }
    values, formulas = peaks.cpu_peaks(record)
    assert values["float32"] == pytest.approx(96 * 3700 * 32 / 1000)
    assert values["bfloat16"] == pytest.approx(2 * values["float32"])
    assert values["float16"] == values["float32"]
    assert "(max)" in formulas["float32"] and "float32 rate" in formulas["float16"]


def test_cpu_peak_neon_and_unknown_clock() -> None:
    assert peaks.cpu_float32_per_cycle(["neon"], "ARM", "Neoverse-N1")[0] == 16
    values, formulas = peaks.cpu_peaks({"physical_cores": 4, "isa": ["neon"]})
    assert values == {}
    assert formulas["float32"].startswith("unknown")


@pytest.mark.parametrize(
    ("cc", "sms", "mhz", "precision", "tflops"),
    [
        ("7.0", 80, 1530, "float16", 125.3),  # V100 SXM2
        ("7.5", 40, 1590, "float16", 65.1),  # T4
        ("8.0", 108, 1410, "float16", 311.9),  # A100
        ("8.0", 108, 1410, "float32-tf32", 155.9),
        ("8.0", 108, 1410, "float32", 19.5),
        ("8.6", 84, 1800, "float16", 154.8),  # RTX A6000
        ("8.9", 128, 2520, "float32", 82.6),  # RTX 4090
        ("9.0", 132, 1830, "bfloat16", 989.4),  # H100 SXM at NVIDIA's tensor clock
    ],
)
def test_gpu_peaks_match_published_numbers(cc: str, sms: int, mhz: int, precision: str, tflops: float) -> None:
    values, formulas = peaks.gpu_peaks({"compute_capability": cc, "sm_count": sms, "sm_clock_mhz": mhz})
    assert values[precision] / 1000 == pytest.approx(tflops, rel=0.01)
    assert set(formulas) == set(PRECISIONS)


def test_gpu_peaks_before_ampere_have_no_bf16_and_tf32_is_float32() -> None:
    values, formulas = peaks.gpu_peaks({"compute_capability": "7.0", "sm_count": 80, "sm_clock_mhz": 1530})
    assert "bfloat16" not in values and formulas["bfloat16"].startswith("not supported")
    assert values["float32-tf32"] == values["float32"]


def test_gpu_peaks_unknown_architecture() -> None:
    values, formulas = peaks.gpu_peaks({"compute_capability": "6.1", "sm_count": 20, "sm_clock_mhz": 1700})
    assert values == {}
    assert "not in the table" in formulas["float32"]


def test_theoretical_gpu_bandwidth() -> None:
    assert gpu.theoretical_gbps(2619, 5120) == pytest.approx(3352.3, rel=1e-3)  # H100 SXM HBM3
    assert gpu.theoretical_gbps(10501, 384) == pytest.approx(1008.1, rel=1e-3)  # RTX 4090 GDDR6X
    assert gpu.theoretical_gbps(None, 384) is None


def test_uuid_matching_and_cuda_version() -> None:
    assert gpu.normalise_uuid("GPU-5B2C9F1E-7a3d") == gpu.normalise_uuid("5b2c9f1e-7a3d") == "5b2c9f1e-7a3d"
    assert gpu.cuda_version_text(12040) == "12.4"
    assert gpu.cuda_version_text(13000) == "13.0"


def test_derive_gpu_from_nvml_values_with_unsupported_fields() -> None:
    nvml = {
        "name": "NVIDIA GeForce RTX 4090",
        "memory_bytes": 24 * 2**30,
        "memory_bus_width_bits": 384,
        "memory_clock_mhz": 10501,
        "sm_clock_mhz": 3105,
        "compute_capability": "8.9",
        "pcie_gen": 4,
        "pcie_width": 16,
        "power_limit_w": 450.0,
        "mig": None,
    }
    errors = {"ecc": "NVML nvmlDeviceGetEccMode: Not Supported", "mig": "NVML nvmlDeviceGetMigMode: Not Supported"}
    props = {"name": "NVIDIA GeForce RTX 4090", "multi_processor_count": 128, "total_memory": 24 * 2**30}
    entry = gpu.derive_gpu("cuda:0", 0, "uuid-1", nvml, errors, props, {"driver": "550.54", "cuda": "12.4"}, "nvml")
    assert entry["theoretical_gbps"] == pytest.approx(1008.1, rel=1e-3)
    assert entry["sm_count"] == 128
    assert entry["ecc"] is None and "Not Supported" in entry["unavailable"]["ecc"]
    assert entry["mig"] is None and "mig" in entry["unavailable"]
    assert "memory_bus_width_bits" not in entry["unavailable"]


def test_derive_gpu_falls_back_on_torch_properties() -> None:
    props = {
        "name": "NVIDIA A100-SXM4-80GB",
        "multi_processor_count": 108,
        "total_memory": 80 * 2**30,
        "compute_capability": "8.0",
        "memory_bus_width": 5120,
        "memory_clock_rate": 1593000,
        "clock_rate": 1410000,
    }
    why = "NVML unavailable: NVML Shared Library Not Found"
    entry = gpu.derive_gpu(
        "cuda:0",
        0,
        "u",
        {},
        dict.fromkeys(gpu._NVML_FIELDS, why),
        props,
        {"driver": None, "cuda": None, "driver_error": why},
        "torch",
    )
    assert entry["memory_bus_width_bits"] == 5120
    assert entry["theoretical_gbps"] == pytest.approx(2039, rel=1e-3)
    assert entry["sm_clock_mhz"] == 1410
    assert entry["unavailable"]["pcie_gen"] == why
    assert entry["unavailable"]["driver"] == why
    assert "memory_bus_width_bits" not in entry["unavailable"]


@pytest.mark.parametrize(
    ("name", "label", "precision", "tflops"),
    [
        ("NVIDIA H100 80GB HBM3", "H100 SXM", "bfloat16", 989.4),
        ("NVIDIA H100 PCIe", "H100 PCIe", "float16", 756.0),
        ("NVIDIA H100 NVL", "H100 NVL", "float32-tf32", 417.5),
        ("NVIDIA H200", "H200 SXM", "bfloat16", 989.4),
        ("NVIDIA A100-SXM4-80GB", "A100 SXM", "float32-tf32", 156.0),
        ("NVIDIA A100 80GB PCIe", "A100 PCIe", "float32", 19.5),
        ("NVIDIA L4", "L4", "float16", 121.0),
        ("NVIDIA L40S", "L40S", "bfloat16", 362.05),
        ("NVIDIA A10", "A10", "float16", 125.0),
        ("NVIDIA GeForce RTX 4090", "GeForce RTX 4090", "float16", 165.2),
    ],
)
def test_datasheet_peaks_by_product(name: str, label: str, precision: str, tflops: float) -> None:
    found = peaks.datasheet_product(name)
    assert found is not None and found[0] == label and found[1][precision] == tflops


def test_h100_peak_is_the_datasheet_and_the_clock_formula_is_a_labelled_second_figure() -> None:
    h100 = {"device": "cuda:0", "name": "NVIDIA H100 80GB HBM3", "compute_capability": "9.0", "sm_count": 132,
            "sm_clock_mhz": 1980}  # fmt: skip
    values, formulas = peaks.all_peaks({}, [h100])
    assert values["cuda:0"]["bfloat16"] == pytest.approx(989_400)
    assert peaks.clock_peaks([h100])["cuda:0"]["bfloat16"] == pytest.approx(132 * 1980 * 4096 / 1000)  # 1070 TF
    text = formulas["cuda:0"]["bfloat16"]
    assert text.startswith("datasheet H100 SXM: 989.4 TFLOP/s") and "clock formula: 1070.5 TFLOP/s" in text


def test_unknown_product_keeps_the_clock_formula_and_says_so() -> None:
    gpu_entry = {"device": "cuda:0", "name": "NVIDIA Future GPU", "compute_capability": "9.0", "sm_count": 100,
                 "sm_clock_mhz": 2000}  # fmt: skip
    values, formulas, clock = peaks.gpu_datasheet_peaks(gpu_entry)
    assert values == clock and values["float16"] == pytest.approx(100 * 2000 * 4096 / 1000)
    assert formulas["float16"].startswith("clock formula (product not in the datasheet table)")
    v100 = {"device": "cuda:0", "name": "Tesla V100-SXM2-16GB", "compute_capability": "7.0", "sm_count": 80,
            "sm_clock_mhz": 1530}  # fmt: skip
    values, formulas, _ = peaks.gpu_datasheet_peaks(v100)
    assert "bfloat16" not in values and formulas["bfloat16"].startswith("not on the V100 datasheet")
