"""Matmul workload changes for GPUs, checked on the CPU: the operand pool, the TF32 proof and the
alignment study's cold penalties; the CUDA cases run where a GPU is present."""

from __future__ import annotations

import pytest
import torch

from bench.kernels.alignment import cold_penalty_records
from bench.kernels.matmul import FreshOperandsCall, MatmulCase, reference_check, tf32_proof

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_operand_pool_cycles_through_every_copy_with_the_same_values():
    call = FreshOperandsCall(MatmulCase("mv", 256, "cpu", "float32"), pool_size=3)
    first = call().clone()
    seen = []
    for _ in range(6):
        seen.append((call.slot, call.a.data_ptr(), call.b.data_ptr(), call.out.data_ptr()))
        call.rotate()
        assert torch.equal(call(), first)
    assert [s[0] for s in seen] == [0, 1, 2, 0, 1, 2]
    assert len({s[1:] for s in seen}) == 3  # three placements, revisited in turn
    assert len({s[1] for s in seen} | {s[2] for s in seen} | {s[3] for s in seen}) == 9


def test_cpu_default_still_clones_and_a_pool_of_one_is_refused():
    call = FreshOperandsCall(MatmulCase("mv", 64, "cpu", "float32"))
    assert call.pool == [] and call.slot == 0
    with pytest.raises(ValueError, match="at least 2 copies"):
        FreshOperandsCall(MatmulCase("mv", 64, "cpu", "float32"), pool_size=1)


def test_tf32_proof_needs_an_error_many_times_the_ieee_one():
    assert tf32_proof(2e-4, 1e-7)["tf32_proven"] is True  # ~2000x: TF32's 10-bit mantissa
    assert tf32_proof(1.2e-7, 1e-7)["tf32_proven"] is False  # IEEE math passed off as TF32
    assert tf32_proof(3.1e-6, 1e-7)["tf32_proven"] is False  # 31x: not enough
    assert tf32_proof(3.3e-6, 1e-7)["tf32_proven"] is True


def test_cold_penalties_are_paired_ratios_of_cold_figures():
    cold = {1024: [2.0, 4.0, 2.0], 1025: [3.0, 6.0, 3.0]}
    out = cold_penalty_records(cold, 1024)
    assert out[1024]["cold_penalty"] == 1.0
    assert out[1025]["cold_penalty"] == pytest.approx(1.5) and out[1025]["cold_median_s"] == 3.0
    assert out[1025]["cold_data"] == [3.0, 6.0, 3.0] and out[1025]["cold_penalty_ci"] == pytest.approx([1.5, 1.5])


@pytest.mark.cuda
@needs_cuda
def test_cuda_pool_gives_distinct_placements():
    call = FreshOperandsCall(MatmulCase("mm", 1024, "cuda:0", "float16"))
    ptrs = set()
    for _ in range(len(call.pool)):
        ptrs.add(call.a.data_ptr())
        call.rotate()
    assert len(ptrs) == len(call.pool) > 2


@pytest.mark.cuda
@needs_cuda
def test_tf32_is_proven_on_sm80_and_later():
    if torch.cuda.get_device_capability() < (8, 0):
        pytest.skip("no TF32 before sm_80")
    proof = reference_check(MatmulCase("mm", 1024, "cuda:0", "float32-tf32"))
    assert proof["tf32_proven"] is True
