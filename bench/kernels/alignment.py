"""The alignment study's arithmetic: penalty t(n)/t(baseline) per size, from paired rounds."""

from __future__ import annotations

import numpy as np

from contract.arithmetic import rate
from contract.stats import Estimate, paired_ratio


def penalties(data: dict[int, list[float]], baseline: int) -> dict[int, Estimate]:
    """Median of per-round t(n)/t(baseline) with its 95% bootstrap interval, for every size."""
    if baseline not in data:
        raise ValueError(f"baseline n={baseline} was not measured")
    return {n: paired_ratio(times, data[baseline]) for n, times in data.items()}


def per_size_record(
    times: list[float], iterations: int, flops: int, nbytes: int, penalty: Estimate
) -> dict[str, object]:
    """One size's entry of ``extra_info["per_size"]`` (contract.schema.PER_SIZE_FIELDS)."""
    median = float(np.median(times))
    return {
        "iterations": iterations,
        "median_s": median,
        "data": [float(t) for t in times],
        "flops": flops,
        "bytes": nbytes,
        "gflops": rate(flops, median),
        "gbps": rate(nbytes, median),
        "penalty": penalty.value,
        "penalty_ci": penalty.as_list(),
    }


def cold_penalty_records(cold: dict[int, list[float]], baseline: int) -> dict[int, dict[str, object]]:
    """CUDA: each size's cold figures (L2 flushed before each call) and cold penalty, merged into
    its ``per_size`` entry beside the hot ones."""
    ratios = penalties(cold, baseline)
    return {
        n: {
            "cold_median_s": float(np.median(times)),
            "cold_data": [float(t) for t in times],
            "cold_penalty": ratios[n].value,
            "cold_penalty_ci": ratios[n].as_list(),
        }
        for n, times in cold.items()
    }
