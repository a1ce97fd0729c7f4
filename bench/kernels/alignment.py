"""The alignment study's arithmetic: penalty t(n)/t(baseline) per size, from paired rounds."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from contract.arithmetic import rate
from contract.stats import Estimate, median_interval, paired_ratio

#: The CPU study's round length: host interference (another tenant on the core, its sibling
#: thread, the memory bus) arrives in bursts of milliseconds. Rounds this short mostly fall
#: between bursts or inside one, and the median steps over the disturbed ones; 10 ms rounds
#: average a varying share of disturbance into every round. Measured on a 2-core EPYC guest:
#: the same timed seconds in 2 ms rounds gave mv penalties about 1.7x less spread than 10 ms ones.
ROUND_S = 0.002


def penalties(data: dict[int, list[float]], baseline: int) -> dict[int, Estimate]:
    """Median of per-round t(n)/t(baseline) with its 95% bootstrap interval, for every size."""
    if baseline not in data:
        raise ValueError(f"baseline n={baseline} was not measured")
    return {n: paired_ratio(times, data[baseline]) for n, times in data.items()}


def widest_halfwidth(data: dict[int, list[float]], baseline: int) -> float:
    """The largest relative half-width of any size's penalty interval: the median of its per-round
    ratios with the median's exact order-statistic interval (cheap enough to ask every few rounds)."""
    base = np.asarray(data[baseline], dtype=float)
    widest = 0.0
    for n, times in data.items():
        if n == baseline:
            continue
        ratios = np.asarray(times, dtype=float) / base
        value = float(np.median(ratios))
        low, high = median_interval(ratios)
        widest = max(widest, (high - low) / 2 / value)
    return widest


def precise_enough(baseline: int, target: float) -> Callable[[dict[int, list[float]]], bool]:
    """The stop rule's question: is every penalty known within +-``target`` (relative)?"""

    def enough(data: dict[int, list[float]]) -> bool:
        return len(data[baseline]) >= 6 and widest_halfwidth(data, baseline) <= target

    return enough


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
