"""The catalogue of every saved run (reports.catalog), its on-disk cache (reports.catalog_cache) and the
two-pass loader that builds it (reports.collect): real saved runs of examples/runs copied or renamed per
machine and night by scripts/check_scale.py's generator, written to disk and loaded for real."""

from __future__ import annotations

import importlib.util
import itertools
import json
import math
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from reports import collect
from reports.catalog import MM_RATE, PENALTY, RATIO, Entry, Headline, entry_of, headline_points
from reports.catalog_cache import CACHE_VERSION, ENV, CatalogCache, default_dir, file_key
from reports.collect import Loaded, load_runs
from reports.frame import benchmark_rows
from reports.history import history_frame
from reports.load import load_file, sort_key
from reports.tables import runs_table
from tests.support import ROOT

spec = importlib.util.spec_from_file_location("check_scale", ROOT / "scripts" / "check_scale.py")
check_scale = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_scale)

EXAMPLES = sorted((ROOT / "examples" / "runs").rglob("*.json"))
MACHINES, NIGHTS = 2, 15


# --- helpers ---------------------------------------------------------------------------------


def _value(x: Any) -> Any:
    """A float compared by value, NaN equal to NaN (an Entry's == compares NaNs by identity)."""
    return "NaN" if isinstance(x, float) and math.isnan(x) else x


def canon(entry: Entry) -> tuple[Any, ...]:
    """Every field of an entry, in a form where equal entries compare equal (NaN included)."""
    return (
        entry.path,
        entry.machine_id,
        entry.datetime,
        entry.version,
        entry.commit,
        entry.partial,
        tuple(sorted(entry.names)),
        entry.benchmarks,
        entry.harness,
        _value(entry.contention),
        tuple((h.metric, h.series, *map(_value, h[2:])) for h in entry.headlines),
    )


def canons(entries: list[Entry]) -> list[tuple[Any, ...]]:
    return [canon(e) for e in entries]


def copy_examples(folder: Path) -> list[Path]:
    """The real example runs, copied byte for byte into ``folder``."""
    folder.mkdir(parents=True)
    for path in EXAMPLES:
        shutil.copyfile(path, folder / path.name)
    return sorted(folder.glob("*.json"))


def cache_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.json"))


def has_impl_rounds(run) -> bool:
    """Does ``run`` still hold its per-implementation rounds (dropped from old runs by drop_raw_data)?"""
    return any(isinstance((b.get("extra_info") or {}).get("data"), dict) for b in run.benchmarks)


def pid_of(_: object) -> int:
    """Which process ran this item (module level: a process pool pickles it by name)."""
    return os.getpid()


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "runs"
    copy_examples(folder)
    return folder


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 machines x 15 nights, generated from the example runs that carry headlines (not the study run)."""
    base = tmp_path_factory.mktemp("catalog-fleet")
    source = base / "source"
    source.mkdir()
    for path in EXAMPLES:
        if entry_of(load_file(path)[0]).headlines:
            shutil.copyfile(path, source / path.name)
    assert 0 < len(list(source.iterdir())) < len(EXAMPLES)  # the study run has no headline
    assert check_scale.generate(base / "fleet", MACHINES, NIGHTS, sources=(source,)) == MACHINES * NIGHTS
    return base / "fleet"


# --- 1. an entry as JSON ---------------------------------------------------------------------


def test_entry_json_round_trip_of_the_real_runs() -> None:
    ids: dict[str, int] = {}  # one name table for every entry, as in a cache file
    entries = [entry_of(load_file(path)[0]) for path in EXAMPLES]
    docs = json.loads(json.dumps([e.to_json(ids) for e in entries]))
    names = list(ids)
    assert len(names) == len(set().union(*(e.names for e in entries)))  # shared, not repeated
    back = [Entry.from_json(doc, names) for doc in docs]
    assert canons(back) == canons(entries)
    for entry, again in zip(entries, back, strict=True):
        assert again.names == entry.names and again.headlines == entry.headlines  # no NaN in these headlines
        assert again.datetime == entry.datetime and again.label == entry.label
    contentions = [e.contention for e in entries]
    assert any(math.isnan(c) for c in contentions) and any(c > 0 for c in contentions)  # both cases covered
    assert any(not e.headlines for e in entries) and any(len(e.headlines) > 20 for e in entries)


def test_entry_json_round_trip_keeps_nan_intervals_an_undated_and_a_partial_run(tmp_path: Path) -> None:
    doc = json.loads(EXAMPLES[0].read_text())
    for bench in doc["benchmarks"]:
        info = bench["extra_info"]
        if info.get("kind") == "matmul" and info.get("op") == "mm" and info.get("n") == 1024:
            del bench["stats"]["data"]  # no rounds: the GFLOP/s interval is unknown
        if info.get("kind") == "alignment" and info.get("op") == "mm":
            del info["per_size"]["1025"]["penalty_ci"]
    del doc["datetime"]
    doc["partial"], doc["partial_reason"] = True, "interrupted (Ctrl-C)"
    path = tmp_path / "variant.json"
    path.write_text(json.dumps(doc))
    entry = entry_of(load_file(path)[0])
    assert math.isnan(entry.contention) and entry.datetime is None and entry.partial == "interrupted (Ctrl-C)"
    (rate,) = [h for h in entry.headlines if h.metric == MM_RATE]
    assert math.isnan(rate.low) and math.isnan(rate.high) and rate.value > 0
    (penalty,) = [h for h in entry.headlines if h.metric == PENALTY and h.series.startswith("mm ") and h.point == 1025]
    assert math.isnan(penalty.low) and math.isnan(penalty.high) and penalty.value > 0

    ids: dict[str, int] = {}
    back = Entry.from_json(json.loads(json.dumps(entry.to_json(ids))), list(ids))
    assert canon(back) == canon(entry)
    assert back.label == entry.label == f"{entry.machine_id} @ undated (partial)"

    cache = CatalogCache(tmp_path / "cache")  # and through a cache file on disk
    cache.put(path, file_key(path), (entry, "a reason"))
    assert cache.save() == []
    cached = CatalogCache(tmp_path / "cache").get(path, file_key(path))
    assert cached is not None and cached[1] == "a reason"
    assert canon(cached[0]) == canon(entry)


# --- 2. the cache ----------------------------------------------------------------------------


def test_a_second_load_is_served_from_the_cache_and_equals_an_uncached_load(runs_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    plain = load_runs([runs_dir], progress=False, workers=1)
    first = load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    assert len(cache_files(cache)) == 1  # one cache file per folder of runs
    assert not any(runs_dir.glob("*.tmp")) and not any(cache.glob("*.tmp"))  # runs are only read
    store = CatalogCache(cache)
    for entry in first.entries():
        path = Path(entry.path)
        cached = store.get(path, file_key(path))
        assert cached is not None, path
        assert canon(cached[0]) == canon(entry) and cached[1] == ""
    second = load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    assert len(first.entries()) == len(EXAMPLES)
    assert canons(second.entries()) == canons(first.entries()) == canons(plain.entries())
    assert [r.path for r in second.runs] == [r.path for r in plain.runs]
    assert second.warnings == plain.warnings and second.skipped == plain.skipped == []
    pd.testing.assert_frame_equal(history_frame(second.entries()), history_frame(plain.entries()))
    pd.testing.assert_frame_equal(runs_table(second.entries()), runs_table(plain.entries()))


def test_an_unchanged_file_is_not_parsed_again(runs_dir: Path, tmp_path: Path) -> None:
    """Proof that the cache is what answers: an entry edited in the cache file (its key left as it is)
    comes back as edited, which no parse of the run could give."""
    cache = tmp_path / "cache"
    load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    (cache_file,) = cache_files(cache)
    doc = json.loads(cache_file.read_text())
    name = EXAMPLES[1].name
    doc["files"][name][3]["benchmarks"] = 12345
    cache_file.write_text(json.dumps(doc))
    served = {Path(e.path).name: e for e in load_runs([runs_dir], progress=False, cache_dir=cache).entries()}
    assert served[name].benchmarks == 12345
    assert {Path(e.path).name: e.benchmarks for e in load_runs([runs_dir], progress=False).entries()}[name] == 59


def test_a_cached_entry_reached_by_another_path_takes_that_path(
    runs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    absolute = load_runs([runs_dir.resolve()], progress=False, cache_dir=cache, workers=1)
    monkeypatch.chdir(tmp_path)
    relative = load_runs(["runs"], progress=False, cache_dir=cache, workers=1)
    assert [e.path for e in relative.entries()] == [str(Path("runs") / p.name) for p in EXAMPLES]
    assert [r.path for r in relative.runs] == [e.path for e in relative.entries()]
    assert [canon(e)[1:] for e in relative.entries()] == [canon(e)[1:] for e in absolute.entries()]
    hit = CatalogCache(cache).get(Path("runs") / EXAMPLES[0].name, file_key(Path("runs") / EXAMPLES[0].name))
    assert hit is not None and hit[0].path == str(Path("runs") / EXAMPLES[0].name)


# --- 3. a changed file -----------------------------------------------------------------------


def test_a_file_rewritten_with_the_same_size_and_time_is_read_again(runs_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    target = runs_dir / EXAMPLES[0].name
    load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    before = os.stat(target)
    raw = target.read_bytes()
    old = b'"datetime": "2026-11-27T05:08:08.996038+00:00"'
    assert raw.count(old) == 1
    target.write_bytes(raw.replace(old, b'"datetime": "2025-03-14T15:09:26.535897+00:00"'))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # as if written within one clock tick
    after = os.stat(target)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert CatalogCache(cache).get(target, file_key(target)) is None  # the checksum of its last bytes differs
    loaded = load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    (entry,) = [e for e in loaded.entries() if e.path == str(target)]
    assert entry.datetime == datetime(2025, 3, 14, 15, 9, 26, 535897)
    assert loaded.entries()[0] is entry  # now the oldest run
    assert canons(loaded.entries()) == canons(load_runs([runs_dir], progress=False).entries())


def test_a_file_that_lost_a_benchmark_or_was_removed_is_not_served_from_the_cache(
    runs_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    target = runs_dir / EXAMPLES[-1].name
    doc = json.loads(target.read_text())
    dropped = doc["benchmarks"].pop()["fullname"]
    target.write_text(json.dumps(doc, indent=4))
    (runs_dir / EXAMPLES[0].name).unlink()
    loaded = load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    entries = {Path(e.path).name: e for e in loaded.entries()}
    assert sorted(entries) == [p.name for p in EXAMPLES[1:]]
    assert entries[target.name].benchmarks == len(doc["benchmarks"]) == 58
    assert dropped not in entries[target.name].names
    assert canons(loaded.entries()) == canons(load_runs([runs_dir], progress=False).entries())
    assert EXAMPLES[0].name not in json.loads(cache_files(cache)[0].read_text())["files"]  # pruned when saved


# --- 4. a damaged cache ----------------------------------------------------------------------


def _garbage(doc: dict[str, Any], raw: bytes) -> bytes:
    return bytes(range(256)) * 8


def _truncated(doc: dict[str, Any], raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


def _newer_version(doc: dict[str, Any], raw: bytes) -> bytes:
    return json.dumps(doc | {"version": CACHE_VERSION + 1}).encode()


def _older_version(doc: dict[str, Any], raw: bytes) -> bytes:
    return json.dumps({k: v for k, v in doc.items() if k != "version"}).encode()


def _other_folder(doc: dict[str, Any], raw: bytes) -> bytes:
    return json.dumps(doc | {"folder": "/somewhere/else"}).encode()


def _not_an_object(doc: dict[str, Any], raw: bytes) -> bytes:
    return b"[1, 2, 3]"


def _lost_name_table(doc: dict[str, Any], raw: bytes) -> bytes:
    return json.dumps(doc | {"names": []}).encode()  # every entry's names point past the table


def _bad_entries(doc: dict[str, Any], raw: bytes) -> bytes:
    files = {name: [*value[:3], {"path": 1}, value[4]] for name, value in doc["files"].items()}
    return json.dumps(doc | {"files": files}).encode()  # right keys, entries missing their fields


def _short_rows(doc: dict[str, Any], raw: bytes) -> bytes:
    return json.dumps(doc | {"files": {name: value[:2] for name, value in doc["files"].items()}}).encode()


DAMAGE = [_garbage, _truncated, _newer_version, _older_version, _other_folder, _not_an_object, _lost_name_table,
          _bad_entries, _short_rows]  # fmt: skip


@pytest.mark.parametrize("damage", DAMAGE, ids=[d.__name__.strip("_") for d in DAMAGE])
def test_a_damaged_cache_is_ignored_and_rewritten(runs_dir: Path, tmp_path: Path, damage) -> None:
    cache = tmp_path / "cache"
    plain = load_runs([runs_dir], progress=False, workers=1)
    load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    (cache_file,) = cache_files(cache)
    raw = cache_file.read_bytes()
    cache_file.write_bytes(damage(json.loads(raw), raw))
    loaded = load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    assert canons(loaded.entries()) == canons(plain.entries())
    assert loaded.warnings == plain.warnings and loaded.skipped == [] and len(loaded.runs) == len(EXAMPLES)
    doc = json.loads(cache_file.read_bytes())  # written anew, whole
    assert doc["version"] == CACHE_VERSION and doc["folder"] == str(runs_dir.resolve())
    store = CatalogCache(cache)
    for path in runs_dir.glob("*.json"):
        hit = store.get(path, file_key(path))
        assert hit is not None and hit[0] is not None and hit[0].path == str(path)


def test_an_unwritable_cache_folder_warns_and_the_load_still_succeeds(runs_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cache = blocker / "cache"  # mkdir fails under a regular file, even for root
    plain = load_runs([runs_dir], progress=False, workers=1)
    for _ in range(2):
        loaded = load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
        assert canons(loaded.entries()) == canons(plain.entries())
        assert len(loaded.runs) == len(EXAMPLES) and loaded.skipped == []
        (warning,) = [w for w in loaded.warnings if "report cache not written" in w]
        assert str(cache) in warning
        assert [w for w in loaded.warnings if w != warning] == plain.warnings
    assert blocker.read_text() == "not a folder"


def test_a_failed_cache_write_leaves_no_temporary_file(runs_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    (cache_file,) = cache_files(cache)
    cache_file.unlink()
    cache_file.mkdir()
    loaded = load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    assert any("report cache not written" in w for w in loaded.warnings)  # holds
    assert sorted(p.name for p in cache.iterdir()) == [cache_file.name]  # fails: a *.tmp is left beside it


def test_a_cache_with_a_non_text_name_does_not_stop_the_load(runs_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    plain = load_runs([runs_dir], progress=False, workers=1)
    load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    (cache_file,) = cache_files(cache)
    doc = json.loads(cache_file.read_text())
    doc["names"].append(["not", "a", "name"])
    name = EXAMPLES[0].name
    doc["files"][name][0] += 1  # this file's key no longer matches: it is read again and put in the cache
    cache_file.write_text(json.dumps(doc))
    loaded = load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    assert canons(loaded.entries()) == canons(plain.entries())


# --- 5. skipped files ------------------------------------------------------------------------


def test_a_corrupt_run_is_skipped_with_its_reason_and_the_reason_is_cached(runs_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    raw = EXAMPLES[0].read_bytes()
    bad = {
        "truncated.json": (raw[: len(raw) // 2], "not valid JSON (truncated or not a saved run)"),
        "empty.json": (b"", "empty file"),
        "foreign.json": (b'{"results": []}', "no 'benchmarks' list: not a pytest-benchmark file"),
    }
    for name, (content, _) in bad.items():
        (runs_dir / name).write_bytes(content)
    first = load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    reasons = dict(first.skipped)
    assert sorted(reasons) == sorted(str(runs_dir / name) for name in bad)
    for name, (_, reason) in bad.items():
        assert reasons[str(runs_dir / name)].startswith(reason)
    assert len(first.entries()) == len(first.runs) == len(EXAMPLES)
    store = CatalogCache(cache)
    for name in bad:
        path = runs_dir / name
        assert store.get(path, file_key(path)) == (None, reasons[str(path)])
    second = load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    assert second.skipped == first.skipped
    assert canons(second.entries()) == canons(first.entries())
    repaired = json.loads(raw) | {"datetime": "2026-12-01T00:00:00"}  # another run (a copy would be read once)
    (runs_dir / "truncated.json").write_text(json.dumps(repaired))  # repaired: no longer skipped
    third = load_runs([runs_dir], progress=False, cache_dir=cache, workers=1)
    assert str(runs_dir / "truncated.json") not in dict(third.skipped)
    assert len(third.entries()) == len(EXAMPLES) + 1


# --- 6. scope: every run in the catalogue, the newest read in full ---------------------------


def test_scope_reads_the_newest_runs_in_full_and_catalogues_every_run(fleet: Path) -> None:
    loaded = load_runs([fleet], progress=False, scope_runs=3, workers=1)
    entries = loaded.entries()
    assert len(loaded.runs) == MACHINES * 3 and len(entries) == MACHINES * NIGHTS and not loaded.skipped
    assert [sort_key(e) for e in entries] == sorted(map(sort_key, entries))
    machines = sorted({e.machine_id for e in entries})
    assert len(machines) == MACHINES
    for machine in machines:
        mine = [e for e in entries if e.machine_id == machine]
        assert len(mine) == NIGHTS
        assert all(a.datetime < b.datetime for a, b in itertools.pairwise(mine))  # oldest first
        full = [r.path for r in loaded.runs if r.machine_id == machine]
        assert full == [e.path for e in mine[-3:]]  # the 3 newest
    table = runs_table(entries)
    assert dict(zip(table["machine"], table["runs"], strict=True)) == dict.fromkeys(machines, NIGHTS)
    assert set(table["first"]) == {"2025-01-01 02:00", "2025-01-01 02:01"}
    assert set(table["last"]) == {"2025-01-15 02:00", "2025-01-15 02:01"}
    history = history_frame(entries)
    assert history["run"].nunique() == MACHINES * NIGHTS
    assert history["datetime"].nunique() == MACHINES * NIGHTS
    everything = load_runs([fleet], progress=False, scope_runs=None, workers=1)
    assert len(everything.runs) == MACHINES * NIGHTS
    assert canons(everything.entries()) == canons(entries)
    pd.testing.assert_frame_equal(history_frame(everything.entries()), history)


def test_a_pinned_old_run_is_read_in_full_with_its_rounds(fleet: Path) -> None:
    oldest = sorted((fleet / "fleet-00-00000000").glob("*.json"))[0]
    loaded = load_runs([fleet], progress=False, scope_runs=3, raw_runs=1, keep_raw=[oldest], workers=1)
    assert len(loaded.runs) == MACHINES * 3 + 1 and len(loaded.entries()) == MACHINES * NIGHTS
    mine = [r for r in loaded.runs if r.machine_id == "fleet-00-00000000"]
    assert mine[0].path == str(oldest)
    assert [has_impl_rounds(r) for r in mine] == [True, False, False, True]  # the pinned run, then the newest
    assert len(mine[0].benchmarks) == len(json.loads(oldest.read_text())["benchmarks"])


# --- 7. parallel indexing --------------------------------------------------------------------


def test_parallel_indexing_gives_the_serial_entries(fleet: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(collect, "PARALLEL_FILES", 4)
    assert MACHINES * NIGHTS > collect.PARALLEL_FILES
    serial = load_runs([fleet], progress=False, scope_runs=3, workers=1)
    parallel = load_runs([fleet], progress=False, scope_runs=3, workers=2, cache_dir=tmp_path / "cache")
    assert canons(parallel.entries()) == canons(serial.entries())
    assert [r.path for r in parallel.runs] == [r.path for r in serial.runs]
    cached = load_runs([fleet], progress=False, scope_runs=3, workers=2, cache_dir=tmp_path / "cache")
    assert canons(cached.entries()) == canons(serial.entries())


def test_files_are_indexed_in_other_processes_only_past_the_threshold(monkeypatch) -> None:
    monkeypatch.setattr(collect, "PARALLEL_FILES", 4)
    done: list[int] = []
    pids = collect._parallel_map(pid_of, list(range(8)), 2, done.append)
    assert len(pids) == 8 and os.getpid() not in pids
    assert done == list(range(1, 9))
    assert collect._parallel_map(pid_of, list(range(3)), 2, lambda _: None) == [os.getpid()] * 3  # too few
    assert collect._parallel_map(pid_of, list(range(8)), 1, lambda _: None) == [os.getpid()] * 8  # one worker


# --- 8. the headline numbers -----------------------------------------------------------------


def test_headlines_of_the_real_runs_are_the_saved_numbers() -> None:
    checked = 0
    for path in EXAMPLES:
        doc = json.loads(path.read_text())
        infos = [b["extra_info"] for b in doc["benchmarks"]]
        aligned = [i for i in infos if i.get("kind") == "alignment"]
        if not aligned:
            continue
        entry = entry_of(load_file(path)[0])
        penalties = {
            (f"{i['op']} {i['device']} {i['precision']}", float(n)): (e["penalty"], *e["penalty_ci"])
            for i in aligned
            for n, e in i["per_size"].items()
            if int(n) != 1024
        }
        got = {(h.series, h.point): (h.value, h.low, h.high) for h in entry.headlines if h.metric == PENALTY}
        assert got == penalties and len(got) == sum(1 for h in entry.headlines if h.metric == PENALTY)
        ratios = sorted(
            (f"{i['device']} {i['profile']} {i['input_mode']}", float(i["depth"]), i["ratio"], *i["ratio_ci"])
            for i in infos
            if i.get("kind") == "training-interleaved"
        )
        assert sorted(tuple(h[1:]) for h in entry.headlines if h.metric == RATIO) == ratios
        (standalone,) = [i for i in infos if i.get("kind") == "matmul" and i["op"] == "mm" and i["n"] == 1024]
        (study,) = [i for i in aligned if i["op"] == "mm"]
        (rate,) = [h for h in entry.headlines if h.metric == MM_RATE]
        assert rate.series == "cpu float32" and rate.point == 1024
        assert rate.value == standalone["gflops"] != study["per_size"]["1024"]["gflops"]  # the standalone one
        assert rate.low < rate.value < rate.high
        checked += 1
    assert checked == 3


def test_the_standalone_rate_wins_in_any_order_and_the_study_stands_in_without_it(tmp_path: Path) -> None:
    run = load_file(EXAMPLES[0])[0]
    rows = [row for bench in run.benchmarks for row in benchmark_rows(0, run, bench)[0]]
    standalone = [r for r in rows if r["kind"] == "matmul" and r.get("op") == "mm" and r.get("n") == 1024]
    study = [r for r in rows if r["kind"] == "alignment" and r.get("op") == "mm" and r.get("n") == 1024]
    assert len(standalone) == len(study) == 1
    for order in (rows, rows[::-1], study + standalone, standalone + study):
        (rate,) = [h for h in headline_points(order) if h.metric == MM_RATE]
        assert rate.value == standalone[0]["gflops"]
    (alone,) = [h for h in headline_points(study) if h.metric == MM_RATE]
    assert alone == Headline(MM_RATE, "cpu float32", 1024.0, study[0]["gflops"], alone.low, alone.high)
    assert alone.low < alone.value < alone.high

    doc = json.loads(EXAMPLES[0].read_text())
    doc["benchmarks"] = [b for b in doc["benchmarks"] if b["extra_info"].get("kind") != "matmul"]
    (tmp_path / "no-matmul.json").write_text(json.dumps(doc))
    entry = entry_of(load_file(tmp_path / "no-matmul.json")[0])
    (rate,) = [h for h in entry.headlines if h.metric == MM_RATE]
    assert rate.value == study[0]["gflops"] and rate.series == "cpu float32"


# --- 9. Loaded built by hand -----------------------------------------------------------------


def test_entries_of_a_loaded_built_by_hand_are_those_of_its_runs_sorted() -> None:
    loaded = Loaded()
    for path in reversed(EXAMPLES):
        loaded.runs.append(load_file(path)[0])
    assert loaded.catalog == []
    entries = loaded.entries()
    expected = sorted((entry_of(r) for r in loaded.runs), key=sort_key)
    assert canons(entries) == canons(expected)
    assert [e.path for e in entries] == [str(p) for p in EXAMPLES]  # oldest first
    assert canons(entries) == canons(load_runs(EXAMPLES, progress=False, workers=1).entries())
    catalogued = Loaded(runs=loaded.runs[:1], catalog=entries)  # a catalogue, when there is one, wins
    assert catalogued.entries() is entries


# --- the cache's small parts -----------------------------------------------------------------


def test_the_cache_folder_follows_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(ENV, str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_dir() == tmp_path / "mine"
    monkeypatch.setenv(ENV, "")
    assert default_dir() == tmp_path / "xdg" / "torch-bench" / "reports"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_dir() == tmp_path / "home" / ".cache" / "torch-bench" / "reports"


def test_file_keys_and_a_cache_without_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    shutil.copyfile(EXAMPLES[0], path)
    key = file_key(path)
    assert key is not None and key[0] == EXAMPLES[0].stat().st_size and key == file_key(path)
    assert file_key(tmp_path / "missing.json") is None
    entry = entry_of(load_file(path)[0])
    nothing = CatalogCache(None)
    nothing.put(path, key, (entry, ""))
    assert nothing.get(path, key) is None and nothing.save() == []
    store = CatalogCache(tmp_path / "cache")
    store.put(path, None, (entry, ""))  # an unreadable file is never cached
    assert store.get(path, None) is None and store.save() == [] and not (tmp_path / "cache").exists()
