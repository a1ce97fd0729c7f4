"""The report in a real browser: headless Chromium loads it from file:// with no console errors,
every section is in the DOM, and a screenshot is kept as a test artefact.

Chromium is found via env CHROMIUM or /usr/bin/chromium; without it the test skips, except under
CI (env CI set), where a missing browser is a failure. Artefacts go to env REPORT_ARTIFACTS
(default: the test's tmp dir).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reports.cli import main
from tests import report_fixtures as fx

SECTIONS = ("runs", "machines", "alignment", "training", "efficiency", "changes", "history", "other", "study")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-logging=stderr", "--v=0",
)  # fmt: skip
CONSOLE = re.compile(r"INFO:CONSOLE|Uncaught|Failed to load resource", re.I)


def chromium() -> str:
    candidates = [os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")]
    found = next((c for c in candidates if c and Path(c).is_file() and os.access(c, os.X_OK)), None)
    if found:
        return found
    reason = "no chromium binary (set CHROMIUM or `apt-get install -y chromium`)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: required when CI is set")
    pytest.skip(reason)


def browse(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120
    )


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if CONSOLE.search(line)]


@pytest.fixture(scope="module")
def browser() -> str:
    return chromium()


def test_console_detection_catches_errors(browser: str, tmp_path: Path) -> None:
    """Guard the guard: a page that logs and throws must be caught by ``console_lines``."""
    page = tmp_path / "canary.html"
    page.write_text("<p>x</p><script>console.error('canary'); notDefined();</script>")
    proc = browse(browser, tmp_path / "profile", "--dump-dom", page.as_uri())
    found = console_lines(proc.stderr)
    assert any("canary" in line for line in found) and any("Uncaught" in line for line in found)


def test_report_renders_in_chromium(browser: str, tmp_path: Path) -> None:
    artifacts = Path(os.environ.get("REPORT_ARTIFACTS") or tmp_path / "artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    runs = tmp_path / "runs"
    fx.standard_set(runs)
    (runs / "truncated.json").write_text('{"benchmarks": [{"name"')
    fx.write_json(runs / "old" / "v3.json", fx.v3_run())
    evil = fx.make_run("laptop", fx.BASE_TIME, machine_name="<script>alert(1)</script>", matmul=False)
    fx.write_json(runs / "evil.json", evil)
    report = artifacts / "report.html"
    assert main(["build", str(runs), "-o", str(report), "--quiet"]) == 0

    dom = browse(browser, tmp_path / "profile", "--dump-dom", report.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_lines(dom.stderr) == []
    for section in SECTIONS:
        assert f'<section id="{section}">' in dom.stdout, section
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom.stdout  # shown as text, never run
    assert dom.stdout.count("<svg") == 8  # mm, mv, training, roofline, 3 history headlines, the study lr sweep

    shot = artifacts / "report.png"
    proc = browse(browser, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,4000", report.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert console_lines(proc.stderr) == []
    assert shot.stat().st_size > 10_000
