"""A session cut short (Ctrl-C, ``pytest.exit``, ``-x``/``--maxfail``) still saves what finished;
the file says so.

pytest-benchmark saves at session finish whatever benchmarks completed, also after a
KeyboardInterrupt. Without a mark such a file reads like a whole run with fewer results, and a
report would take its missing benchmarks for removed ones. The plugin's ``pytest_sessionfinish``
wrapper runs before pytest-benchmark's saving one, so the reason is known when the JSON is
written (``pytest_benchmark_update_json``).
"""

from __future__ import annotations

from typing import Any

import pytest

PARTIAL_KEY = "partial"  # top-level field of the saved JSON: true when the session was cut short
REASON_KEY = "partial_reason"  # why, in words
_REASON = pytest.StashKey[str]()
_OUTCOMES = ("passed", "failed", "skipped", "error", "xfailed", "xpassed")


def stop_reason(exitstatus: int, shouldstop: str | bool, shouldfail: str | bool) -> str | None:
    """Why a session ended before running everything it collected, or None when it did not."""
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        return "interrupted (Ctrl-C / KeyboardInterrupt or pytest.exit)"
    for reason in (shouldstop, shouldfail):
        if reason:
            return f"stopped early: {reason}" if isinstance(reason, str) else "stopped early"
    return None


def partial_reason(reason: str, finished: int, collected: int) -> str:
    return f"{reason}, after {finished} of {collected} tests"


def record_stop(session: pytest.Session, exitstatus: int) -> None:
    """Remember why the session stopped early, if it did (before pytest-benchmark saves)."""
    reason = stop_reason(exitstatus, session.shouldstop, session.shouldfail)
    if reason is None:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = getattr(reporter, "stats", {})
    finished = len({report.nodeid for outcome in _OUTCOMES for report in stats.get(outcome, [])})
    if finished >= session.testscollected:  # -x on the last test: everything ran, the run is whole
        return
    session.config.stash[_REASON] = partial_reason(reason, finished, session.testscollected)


def mark_partial(config: pytest.Config, output_json: dict[str, Any]) -> None:
    """Add ``partial: true`` and the reason to the saved run of a session that stopped early."""
    reason = config.stash.get(_REASON, None)
    if reason is not None:
        output_json[PARTIAL_KEY] = True
        output_json[REASON_KEY] = reason


def reason_of(config: pytest.Config) -> str | None:
    """Why this session's run is partial (what its saved file will say), or None."""
    return config.stash.get(_REASON, None)
