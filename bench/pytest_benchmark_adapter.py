"""Every use of pytest-benchmark's private surface, in one module.

tests/test_pytest_benchmark_adapter.py checks each one against the installed versions, so an
upgrade that moves one fails there, by name, instead of somewhere inside a benchmark. Why each
remains (the public surface was tried first):

- :func:`use_clock`: the fixture reads its clock from ``BenchmarkFixture._timer``. The public
  ``--benchmark-timer`` is one dotted name for the whole session, read before any benchmark
  runs, so it cannot synchronise the device of each benchmark (a CPU benchmark must not wait for
  a GPU, a ``cuda:1`` benchmark must wait for ``cuda:1``).
- :func:`record_rounds`: an interleaved study decides its round count while it runs (a precision
  target), but ``pedantic`` needs the count up front; the harness times the rounds itself and
  replays them through ``use_clock``: a clock whose two readings around each round differ by that
  round's recorded time (``pedantic`` reads the timer exactly twice per round).
- :func:`median_seconds`: the per-call median lives in ``benchmark.stats.stats`` (pytest-benchmark
  writes it to the JSON as ``stats.median``, but the attribute path is undocumented).
- :func:`round_data`: the per-round times, from the same undocumented ``benchmark.stats.stats``.

No machine comparison of its own: ``machine_info`` holds only stable facts (this run's values go to
the saved JSON's ``harness_run`` through the public ``pytest_benchmark_update_json`` hook,
contract/volatile.py), so pytest-benchmark's own ``pytest_benchmark_compare_machine_info`` warns
exactly when the machine changed, and pluggy's private ``_remove_plugin`` is no longer used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any


def use_clock(benchmark: Any, clock: Callable[[], float]) -> None:
    """Make pytest-benchmark read ``clock`` around each round of ``benchmark``."""
    if not hasattr(benchmark, "_timer"):
        raise RuntimeError("this pytest-benchmark has no BenchmarkFixture._timer (bench/pytest_benchmark_adapter.py)")
    benchmark._timer = clock


def record_rounds(
    benchmark: Any, seconds: Sequence[float], clock_name: str, later: Callable[[], Any] | None = None
) -> None:
    """Give pytest-benchmark ``seconds`` as the durations of its rounds (one call each), so its
    statistics, table and saved ``stats.data`` are exactly the rounds the harness timed.

    ``later`` runs on any call after the replayed rounds: ``--benchmark-cprofile`` calls the
    body once more to profile it, and should profile the real work, not the replay.
    """
    if not seconds:
        raise ValueError("record_rounds needs at least one round")
    readings = chain.from_iterable((0.0, float(s)) for s in seconds)
    replayed = iter(range(len(seconds)))

    def replay() -> float:
        return next(readings)

    def body() -> None:
        if next(replayed, None) is None and later is not None:
            later()

    replay.__name__ = clock_name
    use_clock(benchmark, replay)
    benchmark.pedantic(body, rounds=len(seconds), iterations=1, warmup_rounds=0)


def median_seconds(benchmark: Any) -> float | None:
    """The per-call median pytest-benchmark computed, or None in a smoke pass (timing disabled)."""
    stats = getattr(benchmark, "stats", None)
    return float(stats.stats.median) if stats is not None else None


def round_data(benchmark: Any) -> list[float]:
    """Per-call seconds of every timed round (``stats.data``, saved as ``stats.data`` in the JSON),
    or [] in a smoke pass."""
    stats = getattr(benchmark, "stats", None)
    return [float(t) for t in stats.stats.data] if stats is not None else []
