"""Machine comparison: warn when two runs' stable facts differ, never over measured values.

pytest-benchmark's own comparison warns when machine_info differs in any way, which with a
measured bandwidth and py-cpuinfo's current clock would warn on every compare. The harness
replaces it with ``differences`` over the stable part only.
"""

from __future__ import annotations

from typing import Any

from contract.schema import MACHINE_KEY, VOLATILE_MACHINE_PATHS


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts/lists to {"a.b.0.c": leaf}."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return {prefix: value}
    out: dict[str, Any] = {}
    for key, item in items:
        out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    if not out and prefix:
        out[prefix] = value
    return out


def is_volatile(path: str) -> bool:
    return any(path == v or path.startswith(v + ".") for v in VOLATILE_MACHINE_PATHS)


def differences(current: dict[str, Any], saved: dict[str, Any]) -> list[str]:
    """Human-readable stable differences "path: saved -> current", sorted by path."""
    now, before = flatten(current), flatten(saved)
    out = []
    for path in sorted(set(now) | set(before)):
        if is_volatile(path):
            continue
        if now.get(path, "<absent>") != before.get(path, "<absent>"):
            out.append(f"{path}: {before.get(path, '<absent>')!r} -> {now.get(path, '<absent>')!r}")
    return out


def warning_text(diffs: list[str], current_id: str | None, saved_id: str | None, location: str, limit: int = 12) -> str:
    head = (
        f"comparing runs of different machines ({saved_id} -> {current_id})"
        if current_id != saved_id
        else f"machine {current_id} changed"
    )
    shown = "; ".join(diffs[:limit]) + (f"; ... {len(diffs) - limit} more" if len(diffs) > limit else "")
    return f"Benchmark machine_info differs in {len(diffs)} stable fact(s), {head} (location: {location}): {shown}"


def compare_machine_info(
    benchmarksession: Any, machine_info: dict[str, Any], compared_benchmark: dict[str, Any]
) -> None:
    saved = compared_benchmark.get("machine_info") or {}
    diffs = differences(machine_info, saved)
    if diffs:
        ids = [(info.get(MACHINE_KEY) or {}).get("machine_id") for info in (machine_info, saved)]
        location = getattr(getattr(benchmarksession, "storage", None), "location", "?")
        benchmarksession.logger.warning(warning_text(diffs, ids[0], ids[1], location))
