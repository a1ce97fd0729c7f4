"""Render a report of a generated 10-machine fleet (made from real saved runs), to check it stays readable.

    python scripts/render_fleet.py OUT_DIR [REAL_RUN_FOLDERS...]   (default: examples/runs)

Writes OUT_DIR/runs/ (the fleet) and OUT_DIR/report.html; open the report in a browser (or screenshot it
with headless Chromium) and look at it: docs/report-10-machines.png was made this way.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reports.cli import main  # noqa: E402
from tests.report_fixtures import fleet_set  # noqa: E402


def render(out: Path, sources: list[Path]) -> int:
    real = sorted(p for source in sources for p in source.rglob("*.json"))
    fleet_set(out / "runs", real)
    return main(["build", str(out / "runs"), "--output", str(out / "report.html"), "--title", "10-machine fleet"])


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]]
    if not args:
        sys.exit(__doc__)
    sys.exit(render(args[0], args[1:] or [ROOT / "examples" / "runs"]))
