"""Matrix-product workloads: operands, the call that is timed, and the work it does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from bench.devices import tf32_mode
from contract.schema import OP_MM

DTYPES = {
    "float32": torch.float32,
    "float32-tf32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}

SEED = 1024


@dataclass(frozen=True)
class MatmulCase:
    """One op at one size on one device in one precision."""

    op: str
    n: int
    device: str
    precision: str

    @property
    def dtype(self) -> torch.dtype:
        return DTYPES[self.precision]

    @property
    def tf32(self) -> bool:
        return self.precision == "float32-tf32"

    @property
    def rhs_cols(self) -> int:
        """(n x n) @ (n x n) for mm; (n x n) @ (n x 1) for mv, the exercise's 'tensor-matrix' product."""
        return self.n if self.op == OP_MM else 1

    @property
    def flops(self) -> int:
        """One multiply and one add per inner-product term: 2 n^3 (mm) or 2 n^2 (mv)."""
        return 2 * self.n * self.n * self.rhs_cols

    @property
    def bytes(self) -> int:
        """Minimum traffic: each operand read once and the result written once."""
        itemsize = torch.empty((), dtype=self.dtype).element_size()
        return itemsize * (self.n * self.n + 2 * self.n * self.rhs_cols)


def operands(case: MatmulCase) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Standard-normal inputs from a fixed seed (zeros or denormals would run at another speed)
    and a preallocated output, so the timed call does no allocation."""
    gen = torch.Generator(device="cpu").manual_seed(SEED + case.n)
    a = torch.randn(case.n, case.n, generator=gen).to(device=case.device, dtype=case.dtype)
    b = torch.randn(case.n, case.rhs_cols, generator=gen).to(device=case.device, dtype=case.dtype)
    out = torch.empty(case.n, case.rhs_cols, device=case.device, dtype=case.dtype)
    return a, b, out


def matmul_call(case: MatmulCase) -> Callable[[], torch.Tensor]:
    """The timed call: one product into the preallocated output."""
    a, b, out = operands(case)

    def call() -> torch.Tensor:
        return torch.mm(a, b, out=out)

    return call


class FreshOperandsCall:
    """The timed call, with its operands copied to fresh memory before every round.

    Where a matrix lands in memory changes its cache behaviour: on the development machine one
    n=1024 matrix-vector product took 40 to 45 us depending on the allocation alone, enough to
    move a penalty ratio by 10% from one run to the next. Fresh memory every round makes a
    run's result an average over placements instead of one draw. The values stay the same.
    """

    def __init__(self, case: MatmulCase) -> None:
        self.master = operands(case)
        self.a, self.b, self.out = self.master

    def __call__(self) -> torch.Tensor:
        return torch.mm(self.a, self.b, out=self.out)

    def rotate(self) -> None:
        """New memory for every operand (untimed), touched once so the round starts warm."""
        self.a, self.b, self.out = (t.clone() for t in self.master)
        self()


def reference_check(case: MatmulCase) -> None:
    """Fail loudly if the timed call does not compute the product (float64 reference on CPU)."""
    a, b, out = operands(case)
    with tf32_mode(case.tf32):
        got = torch.mm(a, b, out=out).double().cpu()
    want = a.double().cpu() @ b.double().cpu()
    # Relative to the scale of the result: reduced precisions round each input and partial sum.
    tol = {"float32": 1e-4, "float32-tf32": 5e-3, "float16": 5e-3, "bfloat16": 3e-2}[case.precision]
    err = (got - want).abs().max().item() / want.abs().max().item()
    if err > tol:
        raise AssertionError(f"{case}: relative error {err:.2e} exceeds {tol:.0e}")
