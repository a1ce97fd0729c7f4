"""Figures drawn in other processes while the report's tables are computed.

A fleet's report spends about half its time in matplotlib, and the other half in tables that
need no figure (the changes table's bootstraps above all). Figures are pure functions of small
frames, so they can be drawn in a worker process while this one computes tables: on two cores
the report takes about the longer of the two instead of their sum. Small reports (and any
machine where processes cannot be started) draw in this process: same figures, same order.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

#: Saved runs from which drawing in other processes pays (starting one costs ~0.1 s).
PARALLEL_RUNS = 100


class Drawing:
    """Submit figure jobs, collect their results later; use as a context manager."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Drawing:
        if self.workers > 1:
            try:
                self._pool = ProcessPoolExecutor(max_workers=min(self.workers, 4))
            except (OSError, PermissionError, NotImplementedError):
                self._pool = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
        """``fn(*args)`` now in a worker (or here); the returned callable gives its result."""
        if self._pool is None:
            result = fn(*args)
            return lambda: result
        try:
            future: Future[Any] = self._pool.submit(fn, *args)
        except (BrokenProcessPool, RuntimeError):
            result = fn(*args)
            return lambda: result

        def get() -> Any:
            try:
                return future.result()
            except BrokenProcessPool:  # a worker died (out of memory, killed): draw it here
                return fn(*args)

        return get
