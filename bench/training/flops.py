"""Work done by one training step, counted by formula (documented in docs/training.md).

- forward:  ``2 * B * sum(in * out)`` over the affine layers (one multiply and one add per
  weight per sample; biases, ReLU and the loss are O(B * width) and left out);
- backward: ``2 x forward`` (a gradient for the layer input and one for the weights, each a
  matmul of the forward's size; the first layer's input gradient is not needed, so this counts
  ``2 * B * 784 * w1`` more than autograd does, the usual "~2x" convention);
- update:   ``2 * params`` (a multiply and a subtract per parameter).
"""

from __future__ import annotations

from bench.training.models import layer_dims


def param_count(widths: tuple[int, ...]) -> int:
    """Trainable parameters: weights and biases of every affine layer."""
    return sum(i * o + o for i, o in layer_dims(widths))


def forward_flops(widths: tuple[int, ...], batch_size: int) -> int:
    return 2 * batch_size * sum(i * o for i, o in layer_dims(widths))


def flops_per_step(widths: tuple[int, ...], batch_size: int) -> int:
    """Forward + backward (2x forward) + SGD update (2 per parameter)."""
    return 3 * forward_flops(widths, batch_size) + 2 * param_count(widths)
