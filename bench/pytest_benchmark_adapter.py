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
  round's recorded time (the body advances it, so any number of readings per round works).
- :func:`gc_as_asked`: ``--benchmark-disable-gc`` is read from ``BenchmarkFixture._disable_gc``,
  so the harness's own rounds run with the collector off exactly when pytest-benchmark's would.
- :func:`median_seconds`: the per-call median lives in ``benchmark.stats.stats`` (pytest-benchmark
  writes it to the JSON as ``stats.median``, but the attribute path is undocumented).
- :func:`round_data`: the per-round times, from the same undocumented ``benchmark.stats.stats``.

No machine comparison of its own: ``machine_info`` holds only stable facts (this run's values go to
the saved JSON's ``harness_run`` through the public ``pytest_benchmark_update_json`` hook,
contract/volatile.py), so pytest-benchmark's own ``pytest_benchmark_compare_machine_info`` warns
exactly when the machine changed, and pluggy's private ``_remove_plugin`` is no longer used.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any


def use_clock(benchmark: Any, clock: Callable[[], float]) -> None:
    """Make pytest-benchmark read ``clock`` around each round of ``benchmark``."""
    if not hasattr(benchmark, "_timer"):
        raise RuntimeError("this pytest-benchmark has no BenchmarkFixture._timer (bench/pytest_benchmark_adapter.py)")
    benchmark._timer = clock


def record_rounds(
    benchmark: Any, seconds: Sequence[float], clock: Callable[[], float], later: Callable[[], Any] | None = None
) -> None:
    """Give pytest-benchmark ``seconds`` as the durations of its rounds (one call each), so its
    statistics, table and saved ``stats.data`` are exactly the rounds the harness timed.

    The replayed clock stands still except inside a round's body, which advances it by that
    round's time: any number of readings around the body gives the recorded duration. It bears
    ``clock``'s names, so the saved ``options.timer`` names the clock that really timed them.
    ``later`` runs on any call after the replayed rounds: ``--benchmark-cprofile`` calls the body
    once more to profile it, and should profile the real work, not the replay.
    """
    if not seconds:
        raise ValueError("record_rounds needs at least one round")
    now = [0.0]
    durations = iter([float(s) for s in seconds])

    def replay() -> float:
        return now[0]

    def body() -> None:
        step = next(durations, None)
        if step is not None:
            now[0] += step
        elif later is not None:
            later()

    for name in ("__name__", "__qualname__", "__module__"):
        setattr(replay, name, getattr(clock, name, getattr(replay, name)))
    use_clock(benchmark, replay)
    benchmark.pedantic(body, rounds=len(seconds), iterations=1, warmup_rounds=0)


@contextmanager
def gc_as_asked(benchmark: Any) -> Iterator[None]:
    """The garbage collector off while the harness times rounds itself, when the session asked for
    that (``--benchmark-disable-gc``, read from ``BenchmarkFixture._disable_gc``) as pytest-benchmark
    does around each of its own rounds."""
    if not getattr(benchmark, "_disable_gc", False) or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def median_seconds(benchmark: Any) -> float | None:
    """The per-call median pytest-benchmark computed, or None in a smoke pass (timing disabled)."""
    stats = getattr(benchmark, "stats", None)
    return float(stats.stats.median) if stats is not None else None


def round_data(benchmark: Any) -> list[float]:
    """Per-call seconds of every timed round (``stats.data``, saved as ``stats.data`` in the JSON),
    or [] in a smoke pass."""
    stats = getattr(benchmark, "stats", None)
    return [float(t) for t in stats.stats.data] if stats is not None else []
