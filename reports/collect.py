"""Saved runs on disk -> a catalogue of every run, and the newest runs of each machine in full.

Two passes, so that a fleet's year of nightly runs fits in seconds and a few hundred MB:

1. every file becomes a catalogue entry (reports.catalog: who, when, which benchmarks, the
   headline numbers history draws), from the on-disk cache when the file is unchanged, else
   parsed, on several processes when there are many;
2. only the runs the sections read result by result are read in full: each machine's newest
   ``scope_runs`` runs (the changes section's pairs and run-to-run spread, the drift table), a
   --baseline, and older runs holding a benchmark no newer run has (reports.scope).

Files are only read, never written; a bad file becomes a ``skipped`` entry with its reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeVar

from reports import scope
from reports.catalog import Entry, entry_of, index_view
from reports.catalog_cache import CatalogCache, file_key
from reports.load import (
    RAW_RUNS,
    Progress,
    Run,
    drop_raw_data,
    find_files,
    load_file,
    parse_run,
    read_doc,
    sort_key,
)

DEFAULT_PATHS = (".benchmarks",)
#: Newest runs per machine read in full: the changes section's pair and its 10 earlier runs
#: (reports.changes.HISTORY_RUNS + 1) cover the drift table's 5 as well (tests check both).
SCOPE_RUNS = 11
#: Files to index before a process pool pays for itself (its start-up is ~0.1 s; a file ~5 ms).
PARALLEL_FILES = 200
READER_ERROR = "could not be read"  # how index_file reports an exception of its own (never cached)

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Loaded:
    """Everything the loader found: the runs read in full, the catalogue of every readable run,
    and one message per skipped file. An empty catalogue means "the catalogue is ``runs``"."""

    runs: list[Run] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    warnings: list[str] = field(default_factory=list)  # usable files with something odd inside
    catalog: list[Entry] = field(default_factory=list)

    def entries(self) -> list[Entry]:
        """Every run's entry, oldest first per machine (runs built by hand have no catalogue yet)."""
        return self.catalog or sorted(map(entry_of, self.runs), key=sort_key)


def index_file(path: Path) -> tuple[Entry | None, str]:
    """One file -> its catalogue entry, or (None, why it is not a usable run). Never raises: a
    file that breaks the reader is skipped with the error, the other runs still make a report."""
    try:
        doc, reason = read_doc(path)
        if isinstance(doc, dict) and isinstance(doc.get("benchmarks"), list):
            doc = doc | {"benchmarks": index_view(doc["benchmarks"])}
        run, reason = (None, reason) if doc is None else parse_run(str(path), doc)
        return (entry_of(run), reason) if run is not None else (None, reason)
    except Exception as exc:
        return None, f"{READER_ERROR}: {type(exc).__name__}: {exc}"


def _parallel_map(fn: Callable[[T], R], items: Sequence[T], workers: int, done: Callable[[int], None]) -> list[R]:
    """``map`` over processes when it pays, in order; in this process when it does not or cannot."""
    out: list[R] = []
    if workers > 1 and len(items) >= PARALLEL_FILES:
        try:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for result in pool.map(fn, items, chunksize=32):
                    out.append(result)
                    done(len(out))
            return out
        except (OSError, BrokenProcessPool, PermissionError):
            out = []  # no processes here (a sandbox, a frozen interpreter): one process it is
    for item in items:
        out.append(fn(item))
        done(len(out))
    return out


def default_workers() -> int:
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 8))
    except AttributeError:  # not Linux
        return max(1, min(os.cpu_count() or 1, 8))


def catalogue(
    files: Sequence[Path], cache: CatalogCache, workers: int, bar: Progress
) -> tuple[dict[Path, tuple[Entry | None, str]], list[str]]:
    """Pass 1: every file's entry (or skip reason), from the cache where the file is unchanged."""
    keys = {path: file_key(path) for path in files}
    found: dict[Path, tuple[Entry | None, str]] = {}
    todo = []
    for path in files:
        cached = cache.get(path, keys[path])
        if cached is None:
            todo.append(path)
        else:
            found[path] = cached
    bar.update(len(found))
    start = len(found)
    for path, result in zip(
        todo, _parallel_map(index_file, todo, workers, lambda i: bar.update(start + i)), strict=True
    ):
        found[path] = result
        if not result[1].startswith(READER_ERROR):  # an error of this reader is not the file's: not cached
            cache.put(path, keys[path], result)
    return found, cache.save()


def once_each(entries: Sequence[Entry], pinned: set[Path]) -> tuple[list[Entry], list[tuple[str, str]]]:
    """Each run once: a copy (same machine, date and benchmarks: a backup folder, a --benchmark-json
    beside the autosave) would count as a second run and pair with itself, a "no change" that hides
    the real pair's verdict. The first file found is kept (a pinned --baseline before any), the
    others are skipped naming it. Runs without a date cannot be told apart and are all kept."""
    kept: dict[tuple[str, Any, frozenset[str]], Entry] = {}
    out: list[Entry] = []
    copies: list[tuple[str, str]] = []
    for entry in sorted(entries, key=lambda e: Path(e.path).resolve() not in pinned):
        key = (entry.machine_id, entry.datetime, entry.names)
        if entry.datetime is not None and key in kept:
            copies.append((entry.path, f"the same run as {kept[key].path} (machine, date and benchmarks): read once"))
            continue
        kept.setdefault(key, entry)
        out.append(entry)
    return out, copies


def load_runs(
    paths: Sequence[str | os.PathLike[str]] = DEFAULT_PATHS,
    *,
    progress: bool = True,
    stream: TextIO | None = None,
    keep_raw: Sequence[str | os.PathLike[str]] = (),
    raw_runs: int = RAW_RUNS,
    scope_runs: int | None = SCOPE_RUNS,
    cache_dir: Path | None = None,
    workers: int | None = None,
) -> Loaded:
    """Read every saved run under ``paths``; bad files become ``skipped`` entries, not errors.

    ``scope_runs``: newest runs per machine read in full (None: every run). ``keep_raw``: files
    (a --baseline) read in full whatever their age, with their raw rounds. Raw per-round data is
    kept for each machine's ``raw_runs`` newest runs; older runs in scope keep only what history
    and the tables use (reports.load.drop_raw_data). ``cache_dir``: the catalogue's cache
    (None: no cache). ``workers``: processes for pass 1 (default: the CPUs this process may use).
    """
    files, missing = find_files(paths)
    loaded = Loaded(skipped=list(missing))
    indexing = Progress(len(files), stream, progress, "indexing runs")
    found, cache_warnings = catalogue(files, CatalogCache(cache_dir), workers or default_workers(), indexing)
    pinned = {Path(p).resolve() for p in keep_raw}
    entries: list[Entry] = []
    for path in files:
        entry, reason = found[path]
        if entry is None:
            loaded.skipped.append((str(path), reason))
        else:
            entries.append(entry)
    entries, copies = once_each(entries, pinned)
    loaded.skipped += copies
    entries.sort(key=sort_key)
    wanted = (
        range(len(entries))
        if scope_runs is None
        else scope.used_runs(entries, scope_runs, [e for e in entries if pinned and Path(e.path).resolve() in pinned])
    )
    reading = Progress(len(wanted), stream, progress and len(wanted) < len(files), "reading runs in full")
    holders: dict[str, list[Run]] = {}  # per machine, the runs still holding all their raw data
    for done, index in enumerate(wanted, 1):
        run, reason = load_file(Path(entries[index].path))
        if run is None:  # the file changed since pass 1
            loaded.skipped.append((entries[index].path, reason))
            continue
        loaded.runs.append(run)
        if reason:
            loaded.warnings.append(f"{run.path}: {reason}")
        loaded.warnings.extend(run.warnings)
        if not pinned or Path(run.path).resolve() not in pinned:
            held = holders.setdefault(run.machine_id, [])
            held.append(run)
            if len(held) > raw_runs:
                held.sort(key=sort_key)
                drop_raw_data(held.pop(0))
        reading.update(done)
    read, in_scope = {r.path for r in loaded.runs}, set(wanted)
    loaded.catalog = [e for i, e in enumerate(entries) if i not in in_scope or e.path in read]
    loaded.runs.sort(key=sort_key)
    loaded.warnings.extend(cache_warnings)
    return loaded
