"""The catalogue's on-disk cache: a report over a year of runs reads only the files that changed.

One JSON file per folder of saved runs, in a cache folder of its own (saved runs are only read,
never written beside). An entry is reused while its file has the same size, modification time
and checksum of its first and last 4 KiB; anything else about a cache file (missing, damaged, an
older layout, unwritable) means "not cached": the run is read from its file again, and a report
never fails because of its cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from reports.catalog import Entry
from reports.load import read_json

#: Bump when an Entry or the way it is derived from a run changes: older caches are then ignored.
CACHE_VERSION = 3  # 2: machine ids as contract.identity.current_machine_id gives them; 3: its ARM/macOS rule
ENV = "BENCH_REPORT_CACHE"
EDGE = 4096  # bytes read at each end of a file for its checksum

Key = tuple[int, int, int]  # size, mtime_ns, crc32 of the first and last EDGE bytes
Cached = tuple[Entry | None, str]  # the entry, or None and why the file is not a usable run


def default_dir() -> Path:
    """``$BENCH_REPORT_CACHE``, else ``$XDG_CACHE_HOME/torch-bench/reports`` (``~/.cache`` by default)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "torch-bench" / "reports"


def dump_json(doc: Any) -> bytes:
    """Compact JSON (orjson when installed: NaN becomes null, which Entry.from_json reads as NaN).

    Not ``json.dump`` to the file: it encodes in pure Python, 10x slower on a fleet's catalogue.
    """
    try:
        import orjson
    except ImportError:  # pragma: no cover - depends on the environment
        return json.dumps(doc, separators=(",", ":")).encode()
    return orjson.dumps(doc)


def file_key(path: Path) -> Key | None:
    """What identifies this version of a file, or None when it cannot be read."""
    try:
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            head = handle.read(EDGE)
            if stat.st_size > 2 * EDGE:
                handle.seek(-EDGE, os.SEEK_END)
            tail = handle.read(EDGE)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns, zlib.crc32(tail, zlib.crc32(head))


class CatalogCache:
    """Entries per folder of saved runs; ``folder=None`` caches nothing (every call is a miss)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._tables: dict[Path, dict[str, Any]] = {}
        self._dirty: set[Path] = set()
        self._folders: dict[Path, Path] = {}  # folder as given -> resolved (resolving costs a stat per part)

    def _where(self, path: Path) -> tuple[Path, str]:
        """(resolved folder, file name): a file is cached under the real folder it sits in."""
        if path.parent not in self._folders:
            self._folders[path.parent] = path.parent.resolve()
        return self._folders[path.parent], path.name

    def _cache_file(self, directory: Path) -> Path:
        assert self.folder is not None
        return self.folder / (hashlib.sha1(str(directory).encode()).hexdigest()[:24] + ".json")

    def _table(self, directory: Path) -> dict[str, Any]:
        if directory not in self._tables:
            table: dict[str, Any] = {"folder": str(directory), "names": [], "files": {}}
            try:
                doc = read_json(self._cache_file(directory).read_bytes())
                names = doc["names"]
                if (
                    doc.get("version") == CACHE_VERSION
                    and doc.get("folder") == str(directory)
                    and all(isinstance(n, str) for n in names)
                    and len(set(names)) == len(names)  # indices into it must stay unambiguous
                ):
                    table = {"folder": str(directory), "names": list(names), "files": dict(doc["files"])}
            except (OSError, ValueError, TypeError, KeyError, AttributeError):
                pass  # no cache yet, or a damaged one: read the runs again
            self._tables[directory] = table
        return self._tables[directory]

    def get(self, path: Path, key: Key | None) -> Cached | None:
        """The cached entry of this version of ``path``, or None."""
        if self.folder is None or key is None:
            return None
        folder, name = self._where(path)
        table = self._table(folder)
        found = table["files"].get(name)
        if not isinstance(found, list) or len(found) != 5 or tuple(found[:3]) != key:
            return None
        try:
            entry = None if found[3] is None else Entry.from_json(found[3], table["names"])
        except (KeyError, TypeError, ValueError, IndexError):
            return None
        if entry is not None and entry.path != str(path):  # the same file reached by another path
            entry = replace(entry, path=str(path))
        return entry, str(found[4])

    def put(self, path: Path, key: Key | None, cached: Cached) -> None:
        if self.folder is None or key is None:
            return
        folder, name = self._where(path)
        table = self._table(folder)
        entry, reason = cached
        ids = table.setdefault("ids", {n: i for i, n in enumerate(table["names"])})  # built once per folder
        doc = None if entry is None else entry.to_json(ids)  # adds new names at the end of ids ...
        if len(ids) > len(table["names"]):  # ... and so to the list (rarely: a new benchmark)
            table["names"].extend(list(ids)[len(table["names"]) :])
        table["files"][name] = [*key, doc, reason]
        self._dirty.add(folder)

    def save(self) -> list[str]:
        """Write the folders that gained entries; warnings (never errors) for what could not be written."""
        warnings: list[str] = []
        if self.folder is None:
            return warnings
        for directory in sorted(self._dirty):
            table = self._tables[directory]
            files = {name: v for name, v in table["files"].items() if (directory / name).is_file()}
            doc = {"version": CACHE_VERSION, "folder": str(directory), "names": table["names"], "files": files}
            target = self._cache_file(directory)
            temporary: str | None = None
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with tempfile.NamedTemporaryFile("wb", dir=target.parent, suffix=".tmp", delete=False) as handle:
                    temporary = handle.name
                    handle.write(dump_json(doc))
                os.replace(temporary, target)  # whole or not at all: a concurrent build reads either
                temporary = None
            except OSError as exc:
                warnings.append(f"report cache not written to {target}: {exc.strerror or exc}")
                break
            finally:
                if temporary is not None and os.path.exists(temporary):
                    os.unlink(temporary)
        self._dirty.clear()
        return warnings
