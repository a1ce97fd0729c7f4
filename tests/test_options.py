"""Parsing of the harness's options: the values users type, and the errors they get."""

import pytest

from bench.devices import DeviceChoice, resolve_devices
from bench.options import DEFAULT_SIZES, parse_devices, parse_list, parse_sizes


def test_default_sizes_are_the_nine_of_the_exercise_range():
    assert tuple(range(1024, 1033)) == DEFAULT_SIZES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1024-1032", tuple(range(1024, 1033))),
        ("1024,1025,1026,1028,1032", (1024, 1025, 1026, 1028, 1032)),
        ("1032,1024", (1032, 1024)),
        ("1024-1026, 1032", (1024, 1025, 1026, 1032)),
        ("1024,1024,1024-1025", (1024, 1025)),
    ],
)
def test_parse_sizes(text, expected):
    assert parse_sizes(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1032-1024", "0", "10-x", ","])
def test_parse_sizes_rejects_bad_input(text):
    with pytest.raises(ValueError):
        parse_sizes(text)


def test_a_range_typo_is_refused_before_it_becomes_thousands_of_benchmarks():
    with pytest.raises(ValueError, match="'1024-10320' is 9297 sizes, more than 1024: a typo in the range"):
        parse_sizes("1024-10320")
    with pytest.raises(ValueError, match="1025 sizes, more than 1024"):
        parse_sizes("1-1000,2000-2024")
    with pytest.raises(ValueError, match="is 100000000 sizes"):
        parse_sizes("1-100000000")  # refused at once, not after building the list
    assert len(parse_sizes("1-1024")) == 1024


def test_parse_list_all_and_subsets():
    allowed = ("mm", "mv")
    assert parse_list("all", allowed, "op") == allowed
    assert parse_list("mv", allowed, "op") == ("mv",)
    assert parse_list("mv,mm,mv", allowed, "op") == ("mv", "mm")
    with pytest.raises(ValueError, match="unknown op"):
        parse_list("gemm", allowed, "op")


def test_parse_devices():
    assert parse_devices("cpu,cuda:1") == ("cpu", "cuda:1")
    assert parse_devices("ALL") == ("all",)
    for bad in ("gpu", "cuda:x", ""):
        with pytest.raises(ValueError):
            parse_devices(bad)


def test_resolve_devices_keeps_absent_cuda_with_a_reason():
    import torch

    devices = resolve_devices(("all",))
    assert devices[0] == DeviceChoice("cpu")
    if not torch.cuda.is_available():
        absent = [d for d in devices if d.is_cuda]
        assert len(absent) == 1 and absent[0].skip_reason
        (cuda1,) = resolve_devices(("cuda:1",))
        assert cuda1.name == "cuda:1" and cuda1.skip_reason
    else:
        count = torch.cuda.device_count()
        assert [d.name for d in devices[1:]] == [f"cuda:{i}" for i in range(count)]
        (missing,) = resolve_devices((f"cuda:{count}",))
        assert "only" in missing.skip_reason


def _tf32_state_in_subprocess(code: str) -> str:
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()[-1]


def test_tf32_mode_sets_and_restores_the_setting():
    import torch

    from bench.devices import tf32_mode

    matmul = torch.backends.cuda.matmul
    if not hasattr(matmul, "fp32_precision"):  # torch < 2.9: the legacy flag only
        before = matmul.allow_tf32
        with tf32_mode(not before):
            assert matmul.allow_tf32 is (not before)
        assert matmul.allow_tf32 is before
        return
    before = matmul.fp32_precision
    with tf32_mode(True):
        assert matmul.fp32_precision == "tf32"
        with tf32_mode(False):
            assert matmul.fp32_precision == "ieee"
        assert matmul.fp32_precision == "tf32"
    assert matmul.fp32_precision == before


def test_tf32_mode_works_after_a_program_set_the_global_precision():
    # Reading the legacy flag after the new API was used raises in torch >= 2.9: never mix them.
    code = (
        "import torch\n"
        "from bench.devices import tf32_mode\n"
        "if not hasattr(torch.backends.cuda.matmul, 'fp32_precision'):\n"
        "    print('skip'); raise SystemExit\n"
        "torch.backends.fp32_precision = 'tf32'\n"
        "with tf32_mode(False):\n"
        "    inside = torch.backends.cuda.matmul.fp32_precision\n"
        "print(inside + ',' + torch.backends.cuda.matmul.fp32_precision)\n"
    )
    result = _tf32_state_in_subprocess(code)
    if result == "skip":
        pytest.skip("this torch has only the legacy TF32 flag")
    assert result == "ieee,tf32"
