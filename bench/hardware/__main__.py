"""``python -m bench.hardware [--json] [--no-bandwidth]``: check a machine's record without benchmarks."""

from __future__ import annotations

import argparse
import json

from bench.hardware.record import collect
from bench.hardware.render import to_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hardware", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print machine_info['harness'] as JSON")
    parser.add_argument("--no-bandwidth", action="store_true", help="skip the bandwidth probes")
    args = parser.parse_args(argv)
    record = collect(measure_bandwidth=not args.no_bandwidth)
    print(json.dumps(record, indent=2, sort_keys=False, default=str) if args.json else to_text(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
