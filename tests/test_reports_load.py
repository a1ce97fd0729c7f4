"""Loading saved runs: good files, broken files and older pytest-benchmark layouts."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bench.hardware import record as hardware_record
from contract import identity as ids
from contract.schema import MACHINE_KEY
from contract.volatile import PYCPUINFO_RUN_KEYS, RUN_KEY, split_run
from reports import tables
from reports.collect import load_runs
from reports.frame import results_frame
from reports.load import UNKNOWN, parse_datetime
from tests import report_fixtures as fx

ROOT = Path(__file__).resolve().parent.parent


def test_folder_is_searched_recursively_and_runs_are_sorted(tmp_path: Path) -> None:
    fx.standard_set(tmp_path)
    loaded = load_runs([tmp_path], progress=False)
    assert loaded.skipped == []
    assert len(loaded.runs) == 6
    assert {r.machine_id for r in loaded.runs} == {fx.machine_id("laptop"), fx.machine_id("gpubox"), "ci-runner"}
    laptop = [r for r in loaded.runs if r.machine_id == fx.machine_id("laptop")]
    assert [r.datetime for r in laptop] == sorted(r.datetime for r in laptop)


def test_bad_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    good = fx.write_json(tmp_path / "good.json", fx.make_run("laptop", training=False))
    text = good.read_text()
    (tmp_path / "truncated.json").write_text(text[: len(text) // 2])
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "notjson.json").write_text("hello, world")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "list.json").write_text("[1, 2, 3]")
    (tmp_path / "schemaless.json").write_text(json.dumps({"machine_info": {}, "datetime": "2024-01-01T00:00:00"}))
    (tmp_path / "nostats.json").write_text(json.dumps({"benchmarks": [{"name": "x"}]}))
    loaded = load_runs([tmp_path], progress=False)
    assert [Path(r.path).name for r in loaded.runs] == ["good.json"]
    reasons = {Path(p).name: why for p, why in loaded.skipped}
    assert set(reasons) == {"truncated.json", "empty.json", "notjson.json", "binary.json", "list.json",
                            "schemaless.json", "nostats.json"}  # fmt: skip
    assert "empty" in reasons["empty.json"]
    assert "JSON" in reasons["truncated.json"]
    assert "benchmarks" in reasons["schemaless.json"]


def test_missing_path_and_unmatched_glob_are_reported(tmp_path: Path) -> None:
    loaded = load_runs([tmp_path / "nope", str(tmp_path / "*.json")], progress=False)
    assert loaded.runs == []
    assert len(loaded.skipped) == 2


def test_glob_and_file_paths(tmp_path: Path) -> None:
    fx.standard_set(tmp_path)
    loaded = load_runs([str(tmp_path / "**" / "0001_*.json")], progress=False)
    assert len(loaded.runs) == 2
    assert load_runs([next(tmp_path.rglob("*.json"))], progress=False).runs


def test_old_layouts_load_and_land_in_the_generic_rows(tmp_path: Path) -> None:
    fx.write_json(tmp_path / "v25.json", fx.v25_run())
    fx.write_json(tmp_path / "v3.json", fx.v3_run())
    loaded = load_runs([tmp_path], progress=False)
    assert loaded.skipped == []
    assert {r.version for r in loaded.runs} == {"2.5.0", "3.0.0"}
    frame, warnings = results_frame(loaded.runs)
    assert warnings == []
    assert set(frame["kind"]) == {"other"}
    assert frame["data"].isna().all()
    assert sorted(frame["machine_id"]) == ["jenkins", "old-box"]
    assert frame.loc[frame["machine_id"] == "old-box", "params"].item() == "foo=0"


def test_missing_keys_read_as_unknown(tmp_path: Path) -> None:
    fx.write_json(tmp_path / "bare.json", {"benchmarks": [{"stats": {"median": 1.0}}]})
    loaded = load_runs([tmp_path], progress=False)
    run = loaded.runs[0]
    assert (run.machine_id, run.version, run.datetime) == (UNKNOWN, UNKNOWN, None)
    frame, _ = results_frame(loaded.runs)
    assert frame["name"].item() == UNKNOWN


def test_saved_runs_are_not_modified(tmp_path: Path) -> None:
    paths = fx.standard_set(tmp_path)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}
    load_runs([tmp_path], progress=False)
    assert before == {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}


def test_datetime_parsing_normalises_time_zones() -> None:
    assert parse_datetime("2024-06-11T10:00:00+02:00") == parse_datetime("2024-06-11T08:00:00")
    assert parse_datetime("yesterday") is None
    assert parse_datetime(None) is None


def test_newer_schema_goes_to_generic_table_with_warning(tmp_path: Path) -> None:
    run = fx.make_run("laptop", matmul=False, alignment=False)
    run["benchmarks"][0]["extra_info"]["schema"] = 99
    fx.write_json(tmp_path / "new.json", run)
    frame, warnings = results_frame(load_runs([tmp_path], progress=False).runs)
    assert len(warnings) == 1 and "newer" in warnings[0]
    assert (frame["kind"] == "other").sum() == 1


def _split_layout(doc: dict) -> dict:
    """An older saved run rewritten as the harness now saves it: this run's values in ``harness_run``."""
    machine_info = dict(doc["machine_info"])
    stable, run = split_run(machine_info["harness"])
    cpu = dict(machine_info["cpu"])
    run["pycpuinfo"] = {k: cpu.pop(k) for k in PYCPUINFO_RUN_KEYS if k in cpu}
    return doc | {"machine_info": machine_info | {"harness": stable, "cpu": cpu}, RUN_KEY: run}


def test_this_runs_values_are_read_from_harness_run_and_older_files_read_the_same(tmp_path: Path) -> None:
    """Every example run, saved in both layouts, loads to the same machine_info and the same tables."""
    examples = sorted((ROOT / "examples" / "runs").rglob("*.json"))
    assert examples
    for path in examples:
        doc = json.loads(path.read_text())
        doc["machine_info"]["harness"]["canary"] = {"samples": [], "drift": {"cpu": 1.0}}
        fx.write_json(tmp_path / "old" / path.name, doc)
        new = _split_layout(doc)
        assert "bandwidth" not in new["machine_info"]["harness"] and "canary" in new[RUN_KEY]
        fx.write_json(tmp_path / "new" / path.name, new)
    old_runs = load_runs([tmp_path / "old"], progress=False)
    new_runs = load_runs([tmp_path / "new"], progress=False)
    assert new_runs.warnings == old_runs.warnings
    assert [r.machine_info for r in new_runs.runs] == [r.machine_info for r in old_runs.runs]
    assert new_runs.runs[0].harness["bandwidth"]["cpu"]["copy_gbps"] > 0
    hardware = [tables.machines_table(loaded.runs) for loaded in (old_runs, new_runs)]
    assert hardware[0].equals(hardware[1])


def test_a_damaged_harness_run_is_a_warning(tmp_path: Path) -> None:
    doc = fx.make_run("laptop", training=False)
    fx.write_json(tmp_path / "a.json", doc | {RUN_KEY: {"collection_s": "slow", "bandwidth": [1], "cpu": "x"}})
    fx.write_json(tmp_path / "b.json", doc | {RUN_KEY: "garbage", "datetime": "2026-12-01T00:00:00"})  # another run
    loaded = load_runs([tmp_path], progress=False)
    assert len(loaded.runs) == 2 and loaded.skipped == []
    assert any("a.json: harness_run: field 'collection_s'" in w for w in loaded.warnings)
    assert any("b.json: harness_run: expected an object" in w for w in loaded.warnings)
    assert all(r.harness["machine_id"] == fx.machine_id("laptop") for r in loaded.runs)
    assert all(r.harness["cpu"] == doc["machine_info"]["harness"]["cpu"] for r in loaded.runs)  # not hidden


def test_without_orjson_and_with_nan_the_standard_library_reads_the_same(tmp_path: Path, monkeypatch) -> None:
    from reports import load

    source = sorted((ROOT / "examples" / "runs").rglob("*.json"))[-1]
    fast = load.load_file(source)[0]
    monkeypatch.setattr(load, "_orjson", None)
    slow = load.load_file(source)[0]
    assert fast is not None and slow is not None and fast.benchmarks == slow.benchmarks
    monkeypatch.undo()
    # Python's json writes NaN (a stddev of one round); orjson refuses it and json reads it again
    doc = json.loads(source.read_text())
    doc["benchmarks"][0]["stats"]["stddev"] = float("nan")
    text = json.dumps(doc)
    (tmp_path / "nan.json").write_text(text)
    if load._orjson is not None:  # the fallback is what reads it
        with pytest.raises(load._orjson.JSONDecodeError):
            load._orjson.loads(text)
    run, reason = load.load_file(tmp_path / "nan.json")
    assert run is not None and len(run.benchmarks) == len(fast.benchmarks), reason


def _old_style(record: dict, family: int, model: int, isa: list[str]) -> dict:
    """A hardware record as the harness wrote it before the CPU signature was in the fingerprint."""
    facts = {k: v for k, v in record["fingerprint"].items() if k not in ids.SIGNATURE_KEYS}
    cpu = {**record["cpu"], "family": family, "model_number": model, "isa": isa}
    return {**record, "fingerprint": facts, "machine_id": ids.machine_id(record["hostname"], facts), "cpu": cpu}


def test_old_ids_shared_by_two_cpus_behind_one_brand_string_are_told_apart(tmp_path: Path) -> None:
    """Two 2-core "AMD EPYC" VMs (Zen 4 and Zen 1 hosts) once got one id; the report reads them as two
    machines, and an old run of this machine gets the id the harness gives it now."""
    fresh = hardware_record.collect(measure_bandwidth=False)
    base = {**fresh, "hostname": "vm", "fingerprint": {"cpu_model": "AMD EPYC", "logical_cores": 2, "memory_gib": 24}}
    zen4 = _old_style(base, 25, 17, ["sse2", "avx", "fma", "avx2", "avx512f", "avx512_bf16"])
    zen1 = _old_style(base, 23, 1, ["sse2", "avx", "fma", "avx2"])
    assert zen4["machine_id"] == zen1["machine_id"]  # the collision
    here = _old_style(fresh, fresh["cpu"]["family"], fresh["cpu"]["model_number"], fresh["cpu"]["isa"])
    for name, record, hours in (("zen4", zen4, 0), ("zen1", zen1, 1), ("here-old", here, 2), ("here-new", fresh, 3)):
        run = fx.make_run("laptop", fx.BASE_TIME + timedelta(hours=hours), training=False, matmul=False)
        run["machine_info"][MACHINE_KEY] = record
        fx.write_json(tmp_path / f"{name}.json", run)
    loaded = load_runs([tmp_path], progress=False)
    by_file = {Path(r.path).stem: r.machine_id for r in loaded.runs}
    assert by_file["zen4"] != by_file["zen1"] and zen4["machine_id"] not in by_file.values()
    assert by_file["here-old"] == by_file["here-new"] == fresh["machine_id"]
    assert tables.machines_table(loaded.runs).shape[1] == 3  # three machines, not two


def test_an_id_the_harness_did_not_derive_is_kept() -> None:
    record = {"machine_id": "my-lab-box", "hostname": "vm", "fingerprint": {"cpu_model": "X"},
              "cpu": {"family": 6, "model_number": 143, "isa": ["avx2"]}}  # fmt: skip
    assert ids.current_machine_id(record) == "my-lab-box"
    current = {**record, "fingerprint": {"cpu_model": "X", "cpu_family": 6}}
    current["machine_id"] = ids.machine_id("vm", current["fingerprint"])
    assert ids.current_machine_id(current) == current["machine_id"]  # already has the signature
    assert ids.current_machine_id({"hostname": "vm"}) is None


def test_an_empty_run_a_bad_date_and_dropped_benchmarks_are_said(tmp_path: Path) -> None:
    doc = fx.make_run("laptop", training=False)
    fx.write_json(tmp_path / "empty.json", doc | {"benchmarks": []})
    fx.write_json(tmp_path / "yesterday.json", doc | {"datetime": "yesterday"})
    broken = json.loads(json.dumps(doc))
    broken["datetime"] = "2026-12-01T00:00:00"
    broken["benchmarks"][0]["stats"] = None
    fx.write_json(tmp_path / "dropped.json", broken)
    loaded = load_runs([tmp_path], progress=False)
    assert loaded.skipped == [(str(tmp_path / "empty.json"), "an empty 'benchmarks' list: no results in it")]
    assert sorted(Path(r.path).name for r in loaded.runs) == ["dropped.json", "yesterday.json"]
    assert any("yesterday.json: datetime 'yesterday' is not an ISO date; the run is read as undated" in w
               for w in loaded.warnings)  # fmt: skip
    name = doc["benchmarks"][0]["fullname"]
    assert f"dropped.json: 1 benchmark(s) without usable stats were dropped: {name}" in "\n".join(loaded.warnings)
