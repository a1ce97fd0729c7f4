"""The activation measured by torch-bench-harness: alone, and its two implementations interleaved."""

import pytest
import torch
from custom_activation import flops, gelu_composed, gelu_fused, min_bytes

DEVICES = ["cpu", "cuda"]  # an absent device is skipped with the reason
SIZE = 1 << 20  # 4 MiB of float32: larger than most L2 caches, so it streams from memory


def inputs(device: str) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    return torch.randn(SIZE, generator=generator).to(device)


@pytest.mark.parametrize("device", DEVICES)
def test_gelu_fused(torch_benchmark, device: str) -> None:
    device = torch_benchmark.use_device(device)
    x = inputs(device)
    torch_benchmark(
        lambda: gelu_fused(x), device=device, flops=flops(x), bytes=min_bytes(x), bound="memory", group="gelu"
    )


@pytest.mark.parametrize("device", DEVICES)
def test_gelu_two_ways(torch_benchmark, device: str) -> None:
    device = torch_benchmark.use_device(device)
    x = inputs(device)
    torch_benchmark.compare(
        {"composed": lambda: gelu_composed(x), "fused": lambda: gelu_fused(x)},
        baseline="composed",
        device=device,
        flops=flops(x),
        bytes=min_bytes(x),
        bound="memory",
        group="gelu, two ways",
    )
