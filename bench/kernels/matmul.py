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
CUDA_POOL_SIZE = 4  # operand copies a CUDA alignment round cycles through


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
    def itemsize(self) -> int:
        return torch.empty((), dtype=self.dtype).element_size()

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
        return self.itemsize * (self.n * self.n + 2 * self.n * self.rhs_cols)


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
    """The timed call, with its operands moved to other memory before every round.

    Where a matrix lands in memory changes its cache behaviour: on the development machine one
    n=1024 matrix-vector product took 40 to 45 us depending on the allocation alone, enough to
    move a penalty ratio by 10% from one run to the next. Fresh memory every round makes a
    run's result an average over placements instead of one draw. The values stay the same.

    On the CPU every round clones the operands. On CUDA the caching allocator would hand a clone
    the block just freed, so two placements would alternate; instead a pool of ``pool_size``
    copies is allocated once and rounds cycle through it (``slot`` names the copy in use, which
    also keys the CUDA graphs captured for it in bench.gpu_timing).
    """

    def __init__(self, case: MatmulCase, pool_size: int | None = None) -> None:
        self.master = operands(case)
        self.a, self.b, self.out = self.master
        size = pool_size if pool_size is not None else (CUDA_POOL_SIZE if case.device.startswith("cuda") else 0)
        if size == 1 or size < 0:
            raise ValueError(f"an operand pool needs at least 2 copies (0: clone every round), got {size}")
        self.pool = [self.master] + [tuple(t.clone() for t in self.master) for _ in range(size - 1)] if size else []
        self.slot = 0

    def __call__(self) -> torch.Tensor:
        return torch.mm(self.a, self.b, out=self.out)

    def rotate(self) -> None:
        """Other memory for every operand (untimed), warm when the round starts.

        A clone has just read the master and written every byte of the copy, which leaves the
        operands as warm as a call would; a pool copy was last touched a sweep ago, so it gets
        one untimed call. (A warm-up call after each clone doubled the cost of a CPU mm round,
        one call long, and halved the rounds a time cap allows.)
        """
        if self.pool:
            self.slot = (self.slot + 1) % len(self.pool)
            self.a, self.b, self.out = self.pool[self.slot]
            self()
        else:
            self.a, self.b, self.out = (t.clone() for t in self.master)


#: TF32 keeps 10 mantissa bits of float32's 23: its error must exceed IEEE float32's this many
#: times (about 2^13 is expected) before a float32-tf32 result is accepted as TF32 math.
TF32_PROOF_FACTOR = 32


def tf32_proof(tf32_error: float, ieee_error: float, factor: float = TF32_PROOF_FACTOR) -> dict[str, float | bool]:
    """Did TF32 math run? Its error against float64 must be ``factor`` times the IEEE float32 error."""
    proven = tf32_error > factor * ieee_error
    return {"tf32_error": tf32_error, "ieee_error": ieee_error, "factor": factor, "tf32_proven": proven}


def supports_tf32(device: str) -> bool:
    """TF32 tensor cores exist from sm_80 (Ampere) on."""
    return device.startswith("cuda") and torch.cuda.get_device_capability(torch.device(device)) >= (8, 0)


def relative_error(case: MatmulCase, tf32: bool) -> float:
    """max |product - float64 product| / max |float64 product| for the case's operands."""
    a, b, out = operands(case)
    with tf32_mode(tf32):
        got = torch.mm(a, b, out=out).double().cpu()
    want = a.double().cpu() @ b.double().cpu()
    return (got - want).abs().max().item() / want.abs().max().item()


def reference_check(case: MatmulCase) -> dict[str, float | bool]:
    """Fail loudly if the timed call does not compute the product (float64 reference on CPU), or
    if a float32-tf32 case on sm_80+ did not run TF32 math; returns the TF32 proof (else {})."""
    err = relative_error(case, case.tf32)
    # Relative to the scale of the result: reduced precisions round each input and partial sum.
    tol = {"float32": 1e-4, "float32-tf32": 5e-3, "float16": 5e-3, "bfloat16": 3e-2}[case.precision]
    if err > tol:
        raise AssertionError(f"{case}: relative error {err:.2e} exceeds {tol:.0e}")
    if not (case.tf32 and supports_tf32(case.device)):
        return {}
    proof = tf32_proof(err, relative_error(case, False))
    if not proof["tf32_proven"]:
        raise AssertionError(
            f"{case}: TF32 not in effect: error {err:.2e} is not {TF32_PROOF_FACTOR}x the IEEE float32 error "
            f"{proof['ieee_error']:.2e}"
        )
    return proof
