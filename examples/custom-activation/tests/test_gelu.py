import torch
from custom_activation import gelu_composed, gelu_fused


def test_both_ways_compute_the_same_function() -> None:
    x = torch.linspace(-6, 6, 10_001, dtype=torch.float64)
    torch.testing.assert_close(gelu_composed(x), gelu_fused(x))
    assert gelu_fused(torch.tensor([0.0])).item() == 0.0
