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
