"""Loading saved runs: good files, broken files and older pytest-benchmark layouts."""

from __future__ import annotations

import json
from pathlib import Path

from reports.frame import results_frame
from reports.load import UNKNOWN, load_runs, parse_datetime
from tests import report_fixtures as fx


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
