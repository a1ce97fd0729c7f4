"""Per-machine storage: runs land in <storage>/<machine_id>/<platform>/NNNN_*.json, for any file storage.

pytest-benchmark names its folder after OS and Python only, so runs of two machines saved into
one place (the default ``.benchmarks``, a shared path given with ``--benchmark-storage``, a folder
the runs are copied into) would collide: same folder, same 0001_ numbers. Nesting under the
machine id keeps every machine's numbering separate; folders of several machines merge by copying.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

DEFAULT_STORAGE = "file://./.benchmarks"
FILE_SCHEME = "file://"


def per_machine_storage(machine_id: str, base: str = DEFAULT_STORAGE) -> str | None:
    """``base`` with the machine's folder appended, or None when it must stay as it is: a storage
    that is not a folder (elasticsearch) or one that already is this machine's folder."""
    folder = storage_folder(base)
    if folder is None:
        return None
    trimmed = folder.rstrip("/") or "/"
    if PurePosixPath(trimmed).name == machine_id:
        return None
    scheme = FILE_SCHEME if base.startswith(FILE_SCHEME) else ""
    return f"{scheme}{trimmed.rstrip('/')}/{machine_id}"


def storage_folder(value: str) -> str | None:
    """The folder of a file storage, ``file://PATH`` or a plain path as pytest-benchmark takes both
    (an empty path is its current folder); None for any other scheme (elasticsearch)."""
    path = value[len(FILE_SCHEME) :] if value.startswith(FILE_SCHEME) else value
    return None if "://" in path else path or "."


def configure_storage(config: Any, machine_id: str) -> str | None:
    """Point pytest-benchmark's storage, given or default, at the machine's folder under it;
    return the new URI (or None when left as it was)."""
    option = getattr(config, "option", None)
    value = getattr(option, "benchmark_storage", None)
    if value is None:  # pytest-benchmark not loaded (-p no:benchmark)
        return None
    nested = per_machine_storage(machine_id, value)
    if nested is not None:
        option.benchmark_storage = nested
    return nested
