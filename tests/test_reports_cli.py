"""End to end through ``python -m reports build``: HTML, Markdown, CSV, escaping, exit codes, scale."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from contract.identity import current_machine_id
from reports.cli import main
from tests import report_fixtures as fx

ROOT = Path(__file__).resolve().parents[1]
SECTION_IDS = (
    "runs",
    "machines",
    "alignment",
    "training",
    "efficiency",
    "changes",
    "history",
    "other",
    "study",
    "workloads",
)
EVIL = "<script>alert(1)</script>"


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # The checkout on the path: the CLI must work from any folder whether or not the package is installed.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", "reports", "build", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_html_end_to_end(tmp_path: Path) -> None:
    fx.standard_set(tmp_path / "runs")
    (tmp_path / "runs" / "broken.json").write_text('{"benchmarks": [')
    out = tmp_path / "report.html"
    proc = run_cli(str(tmp_path / "runs"), "--output", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "6 runs, 3 machines" in proc.stdout and "1 skipped files" in proc.stdout
    html = out.read_text()
    for section in SECTION_IDS:
        assert f'<section id="{section}">' in html
    assert "broken.json" in html
    assert "<script" not in html  # no JavaScript at all
    assert not re.search(r"""(src=|href=["']?https?:|url\((?!#)|@import)""", html)  # nothing fetched
    # mm, mv, training, roofline, 3 history headlines, study lr: bounded by shape, not by file count
    assert html.count("<svg") == 8
    assert "slower" in html  # the second gpubox run is 1.3x slower


def test_strings_from_files_are_escaped(tmp_path: Path) -> None:
    run = fx.make_run("laptop", machine_name=EVIL, alignment=False)
    run["benchmarks"][0]["name"] = EVIL
    foreign = fx.foreign_run(node=EVIL)
    foreign["benchmarks"][0]["group"] = "<b>bold</b>"
    fx.write_json(tmp_path / "a.json", run)
    fx.write_json(tmp_path / "b.json", foreign)
    out = tmp_path / "r.html"
    assert main(["build", str(tmp_path), "-o", str(out), "--quiet"]) == 0
    html = out.read_text()
    assert EVIL not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    md = tmp_path / "r.md"
    assert main(["build", str(tmp_path), "-o", str(md), "--format", "md", "--quiet"]) == 0
    assert EVIL not in md.read_text()


def test_markdown_output(tmp_path: Path) -> None:
    fx.standard_set(tmp_path / "runs")
    out = tmp_path / "report.md"
    assert main(["build", str(tmp_path / "runs"), "-o", str(out), "--format", "md", "--quiet"]) == 0
    md = out.read_text()
    assert md.startswith("# Benchmark report")
    assert "## 1. Machines side by side" in md and "## 5. Changes between runs" in md
    assert "| n |" in md and "penalty (95% CI)" in md


def test_csv_output_one_file_per_table(tmp_path: Path) -> None:
    fx.standard_set(tmp_path / "runs")
    out = tmp_path / "csv"
    assert main(["build", str(tmp_path / "runs"), "-o", str(out), "--format", "csv", "--quiet"]) == 0
    names = {p.name for p in out.glob("*.csv")}
    assert {"machines__machines.csv", "training__training.csv", "changes__changes.csv", "other__other.csv",
            "study__study-lr-laptop-6e27d725-digits-8x8-cpu.csv",
            "alignment__alignment-mm-cpu-float32.csv"} <= names  # fmt: skip
    with (out / "training__training.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert float(rows[0]["framework step_s"]) > 0  # raw numbers, not "1.2 ms"


def test_a_csv_folder_built_again_holds_only_the_new_report(tmp_path: Path) -> None:
    fx.standard_set(tmp_path / "runs")
    out = tmp_path / "csv"
    assert main(["build", str(tmp_path / "runs"), "-o", str(out), "--format", "csv", "--quiet", "--no-cache"]) == 0
    (out / "notes.csv").write_text("mine")  # not a table of a report: left alone
    one = sorted(tmp_path.joinpath("runs").rglob("*.json"))[0]
    assert main(["build", str(one), "-o", str(out), "--format", "csv", "--quiet", "--no-cache"]) == 0
    assert not list(out.glob("changes__*.csv"))  # one run: no changes table, and none left from the first build
    assert (out / "notes.csv").read_text() == "mine"


def test_the_report_is_never_written_over_a_saved_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    fx.standard_set(tmp_path / "runs")
    saved = sorted(tmp_path.joinpath("runs").rglob("*.json"))[0]
    before = saved.read_bytes()
    for output in (saved, tmp_path / "new.json"):
        assert main(["build", str(tmp_path / "runs"), "-o", str(output), "--quiet", "--no-cache"]) == 2
        assert "reports never overwrite one" in capsys.readouterr().err
    assert saved.read_bytes() == before and not (tmp_path / "new.json").exists()
    (tmp_path / "afile").write_text("x")
    assert main(["build", str(tmp_path / "runs"), "-o", str(tmp_path), "--quiet", "--no-cache"]) == 2
    assert "is a folder" in capsys.readouterr().err
    args = ["build", str(tmp_path / "runs"), "--format", "csv", "-o", str(tmp_path / "afile"), "--quiet", "--no-cache"]
    assert main(args) == 2
    assert "this is a file" in capsys.readouterr().err
    assert (
        main(["build", str(tmp_path / "runs"), "-o", str(tmp_path / "afile" / "r.html"), "--quiet", "--no-cache"]) == 2
    )
    assert "cannot write it" in capsys.readouterr().err  # a file where a folder must be: no traceback


def test_no_input_is_an_error(tmp_path: Path) -> None:
    proc = run_cli(str(tmp_path / "missing"), "-o", str(tmp_path / "r.html"))
    assert proc.returncode == 2
    assert "no saved benchmark runs" in proc.stderr
    assert not (tmp_path / "r.html").exists()
    (tmp_path / "empty").mkdir()
    proc = run_cli(cwd=tmp_path / "empty")  # default .benchmarks does not exist there
    assert proc.returncode == 2


def test_only_bad_files_is_an_error_naming_them(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{")
    assert main(["build", str(tmp_path), "-o", str(tmp_path / "r.html")]) == 2


def test_explicit_baseline(tmp_path: Path, capsys) -> None:
    paths = fx.standard_set(tmp_path / "runs")
    out = tmp_path / "r.html"
    assert main(["build", str(tmp_path / "runs"), "-o", str(out), "--baseline", str(paths[0]), "-q"]) == 0
    assert "the chosen baseline" in out.read_text()
    assert main(["build", str(tmp_path / "runs"), "-o", str(out), "--baseline", str(tmp_path / "x.json")]) == 1


def test_old_formats_and_runs_without_data_render(tmp_path: Path) -> None:
    fx.write_json(tmp_path / "v25.json", fx.v25_run())
    fx.write_json(tmp_path / "v3.json", fx.v3_run())
    fx.write_json(tmp_path / "a.json", fx.make_run("laptop", save_data=False))
    fx.write_json(tmp_path / "b.json", fx.make_run("laptop", fx.BASE_TIME.replace(day=12), save_data=False))
    out = tmp_path / "r.html"
    assert main(["build", str(tmp_path), "-o", str(out), "-q"]) == 0
    html = out.read_text()
    assert "test_engine" in html and "test_xfast_parametrized[0]" in html
    assert "no raw data" in html


@pytest.mark.slow
def test_thousand_runs_render(tmp_path: Path) -> None:
    """1,000 saved runs of the suite (four machines): structure only, timings are printed, not asserted."""
    fx.scale_set(tmp_path / "runs", 1000)
    out = tmp_path / "report.html"
    started = time.perf_counter()
    assert main(["build", str(tmp_path / "runs"), "-o", str(out), "--quiet"]) == 0
    elapsed = time.perf_counter() - started
    html = out.read_text()
    print(f"\n1000 runs: {elapsed:.1f} s, report {len(html.encode()) / 1e6:.2f} MB")
    assert html.count("<svg") == 7  # mm, mv, training, roofline, 3 history headlines
    assert html.count('<section id="') == len(SECTION_IDS)
    assert "1000 runs" in html and "4 machines" in html
    machines = json.loads(json.dumps(sorted({"laptop-2", "gpubox-2"})))
    assert all(m in html for m in machines)


def test_committed_example_runs_still_render(tmp_path: Path) -> None:
    """Real saved runs of the suite (examples/runs): the format contract holds on real data."""
    runs = Path(__file__).resolve().parent.parent / "examples" / "runs"
    out = tmp_path / "report.html"
    assert main(["build", str(runs), "-o", str(out), "--quiet"]) == 0
    html = out.read_text()
    for section in SECTION_IDS:
        assert f'<section id="{section}">' in html
    record = json.loads(next(runs.rglob("*.json")).read_text())["machine_info"]["harness"]
    assert record["machine_id"] == "vm-d8869f87"  # saved before the CPU signature was in the id ...
    assert current_machine_id(record) in html  # ... and read under the id its machine has now
    assert "No training benchmarks found." not in html and "No study records" not in html
