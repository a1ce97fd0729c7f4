"""Whole trainings as pytest-benchmark rounds: one round is one seed's complete training.

A training lasts seconds to minutes, so calibration and many rounds (``bench.timing.measure``)
make no sense. Instead ``benchmark.pedantic(iterations=1)`` runs one round per seed, with the
first seed as the warm-up round: it pays for allocation and BLAS/oneDNN set-up, so its time is
left out of pytest-benchmark's statistics, while its accuracy counts like every other seed's
(the per-seed lists in ``extra_info`` hold all seeds, the warm-up one first).

With ``--benchmark-disable`` (a smoke pass) only the first seed runs, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from bench.pytest_benchmark_adapter import use_clock
from bench.timing import Clock, clock_name
from contract.records import Timing

T = TypeVar("T")

ROUND_NOTE = (
    "one round = one seed's whole training (per-epoch validation included); the first seed is the warm-up "
    "round, outside the stats; train_s per seed counts training steps only"
)


def time_seeds(benchmark: Any, train: Callable[[int], T], seeds: Sequence[int], clock: Clock) -> tuple[list[T], Timing]:
    """Run ``train(seed)`` for each seed through ``benchmark``; return the results in seed order
    and the timing record (``contract.records.Timing``)."""
    if not seeds:
        raise ValueError("time_seeds needs at least one seed")
    results: list[T] = []
    walls: list[float] = []
    pending = iter(seeds)

    def setup() -> tuple[tuple[int], dict]:
        return (next(pending, seeds[-1]),), {}

    def target(seed: int) -> None:
        start = clock()
        result = train(seed)
        if len(results) < len(seeds):  # pytest-benchmark may call once more (--benchmark-cprofile)
            results.append(result)
            walls.append(clock() - start)

    if not benchmark.enabled:
        benchmark.pedantic(target, setup=setup, rounds=1, iterations=1)
        return results, Timing.disabled()
    warmup = 1 if len(seeds) > 1 else 0
    use_clock(benchmark, clock)
    benchmark.pedantic(target, setup=setup, rounds=len(seeds) - warmup, warmup_rounds=warmup, iterations=1)
    timing = Timing(
        clock=clock_name(clock),
        warmup_calls=warmup,
        warmup_s=round(walls[0], 6) if warmup else 0.0,
        iterations=1,
        rounds=len(seeds) - warmup,
        note=ROUND_NOTE,
    )
    return results, timing
