"""Per-machine storage: autosaved runs land in .benchmarks/<machine_id>/<platform>/NNNN_*.json.

pytest-benchmark names its folder after OS and Python only, so runs of two machines copied into
one place would collide (same folder, same 0001_ numbers). Nesting under the machine id keeps
every machine's numbering separate; folders of several machines can be merged by plain copying.
"""

from __future__ import annotations

from typing import Any

DEFAULT_STORAGE = "file://./.benchmarks"
OPTION = "--benchmark-storage"


def storage_was_given(value: str, args: list[str]) -> bool:
    """True when the user chose the storage: a non-default value, or the option on the command line."""
    if value != DEFAULT_STORAGE:
        return True
    return any(arg == OPTION or arg.startswith(OPTION + "=") for arg in args)


def per_machine_storage(machine_id: str, base: str = DEFAULT_STORAGE) -> str:
    return f"{base.rstrip('/')}/{machine_id}"


def configure_storage(config: Any, machine_id: str) -> str | None:
    """Point pytest-benchmark's default storage at the machine's folder; return the new URI (or None)."""
    option = getattr(config, "option", None)
    value = getattr(option, "benchmark_storage", None)
    if value is None:  # pytest-benchmark not loaded (-p no:benchmark)
        return None
    if storage_was_given(value, list(config.invocation_params.args)):
        return None
    option.benchmark_storage = per_machine_storage(machine_id)
    return option.benchmark_storage
