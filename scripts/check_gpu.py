"""One command for a GPU machine: does the harness's GPU timing agree with triton's, and is the
machine record right? Prints a table and saves JSON (<= 5 minutes on one H100).

- harness hot / cold / e2e vs triton's do_bench_cudagraph (hot) and do_bench (cold), with ratios,
  for mm in float16, bfloat16, TF32 and float32 at n = 1024, 1025, 1032 and mv in float32 and
  float16 at n = 1024; agreement wanted within 5% (mm) and 10% (mv);
- the launch-bound verdict of each case and the TF32 proof;
- NVML's bus width and clocks against the hardware record, and the peaks against the datasheet;
- ``pytest tests -m cuda``.

``--dry-run`` makes the same calls on the CPU (the CPU's own mode; torch.utils.benchmark as the
second timer; NVML and triton recorded as unavailable; n = 128, 129, 136 because a CPU's
half-precision products can take seconds at n=1024), so the script itself is tested anywhere.

    python scripts/check_gpu.py [--device cuda:0] [--output check_gpu.json] [--record saved_run.json]
    python scripts/check_gpu.py --dry-run
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python scripts/check_gpu.py` from anywhere

import torch  # noqa: E402

from bench.devices import tf32_mode  # noqa: E402
from bench.gpu_timing import GPU_MODES, MODE_CPU, measure_gpu  # noqa: E402
from bench.kernels.matmul import MatmulCase, matmul_call, reference_check  # noqa: E402
from bench.standalone import median_of, standalone_fixture  # noqa: E402
from bench.timing import TimingPolicy, measure  # noqa: E402
from bench.verify import cpu_verify, cuda_verify  # noqa: E402

MM_PRECISIONS = ("float16", "bfloat16", "float32-tf32", "float32")
MM_SIZES = (1024, 1025, 1032)
#: The dry run's sizes: same residues mod 8 (aligned, odd, multiple of 8), small enough for a CPU,
#: whose float16/bfloat16 products can run ~100x slower than float32 without AMX/AVX512-FP16 paths.
DRY_RUN_SIZES = (128, 129, 136)
MV_PRECISIONS = ("float32", "float16")
TOLERANCE = {"mm": 0.05, "mv": 0.10}  # |harness / tool - 1| that counts as agreement


@dataclass(frozen=True)
class Check:
    case: MatmulCase
    mode: str  # hot | cold | e2e | cpu
    harness_s: float
    tool: str
    tool_s: float | None
    ratio: float | None
    agrees: bool | None  # None: no second figure (e2e, or the tool unavailable)
    launch_bound: bool | None
    note: str = ""


def cases(device: str, sizes: tuple[int, ...] = MM_SIZES) -> list[MatmulCase]:
    """The issue's cases: mm in four precisions at three sizes, mv in two at the first size."""
    mm = [MatmulCase("mm", n, device, p) for p in MM_PRECISIONS for n in sizes]
    return mm + [MatmulCase("mv", sizes[0], device, p) for p in MV_PRECISIONS]


def agreement(op: str, ratio: float | None) -> bool | None:
    """Within TOLERANCE[op] of 1, or None without a ratio."""
    return None if ratio is None else abs(ratio - 1) <= TOLERANCE[op]


def time_case(case: MatmulCase, mode: str, policy: TimingPolicy) -> tuple[float, dict[str, Any]]:
    """(harness median per call, timing record) through the harness's real path."""
    fixture, stats = standalone_fixture(policy, f"check-{case.op}-{case.n}-{case.precision}-{mode}")
    call = matmul_call(case)
    with tf32_mode(case.tf32):
        if mode == MODE_CPU:
            record = measure(fixture, call, case.device, policy)
        else:
            record = measure_gpu(fixture, call, case.device, policy, mode)
    return median_of(stats), record


def second_figure(case: MatmulCase, mode: str, harness_s: float, policy: TimingPolicy) -> dict[str, Any]:
    call = matmul_call(case)
    with tf32_mode(case.tf32):
        if mode == MODE_CPU:
            return cpu_verify(call, harness_s, policy.max_time_s)
        return cuda_verify(call, case.device, mode, harness_s)


def check_case(case: MatmulCase, modes: tuple[str, ...], policy: TimingPolicy) -> list[Check]:
    out = []
    for mode in modes:
        harness_s, record = time_case(case, mode, policy)
        other = second_figure(case, mode, harness_s, policy)
        ratio = other.get("ratio")
        out.append(
            Check(
                case=case,
                mode=mode,
                harness_s=harness_s,
                tool=other.get("tool", ""),
                tool_s=other.get("median_s"),
                ratio=ratio,
                agrees=agreement(case.op, ratio),
                launch_bound=record.get("launch_bound"),
                note=other.get("unavailable", ""),
            )
        )
    return out


def tf32_check(device: str) -> dict[str, Any]:
    if not device.startswith("cuda"):
        return {"status": "not applicable: TF32 is a CUDA tensor-core mode (dry run on the CPU)"}
    try:
        proof = reference_check(MatmulCase("mm", 1024, device, "float32-tf32"))
    except AssertionError as exc:
        return {"status": "FAILED", "error": str(exc)}
    return proof or {"status": "not applicable: TF32 needs sm_80 or later"}


def nvml_vs_record(device: str, saved: Path | None) -> list[dict[str, Any]]:
    """Bus width and max clocks: NVML now vs the record (a saved run's, else collected now)."""
    from bench.hardware import gpu
    from bench.hardware.record import collect

    if saved is not None:
        record = json.loads(saved.read_text())["machine_info"]["harness"]
    else:
        record = collect(measure_bandwidth=False)
    entries = [g for g in record.get("gpus") or [] if g.get("device") == device]
    if not entries:
        why = (record.get("unavailable") or {}).get("gpus") or f"no {device} in the record"
        return [{"field": "gpus", "status": f"unavailable: {why}"}]
    entry = entries[0]
    module, error = gpu.nvml()
    handle = gpu.nvml_handle_for(entry["index"]) if module is not None else None
    live: dict[str, Any] = {}
    if handle is not None:
        live = {
            "memory_bus_width_bits": module.nvmlDeviceGetMemoryBusWidth(handle),
            "sm_clock_mhz": module.nvmlDeviceGetMaxClockInfo(handle, module.NVML_CLOCK_SM),
            "memory_clock_mhz": module.nvmlDeviceGetMaxClockInfo(handle, module.NVML_CLOCK_MEM),
        }
    rows = []
    for field in ("memory_bus_width_bits", "sm_clock_mhz", "memory_clock_mhz"):
        now = live.get(field)
        rows.append(
            {
                "field": field,
                "record": entry.get(field),
                "nvml": now,
                "status": ("match" if now == entry.get(field) else "DIFFERS")
                if handle is not None
                else f"unavailable: {error}",
            }
        )
    for precision, text in (record.get("peak_formulas") or {}).get(device, {}).items():
        rows.append(
            {
                "field": f"peak {precision}",
                "record": (record.get("peaks") or {}).get(device, {}).get(precision),
                "clock formula": (record.get("peaks_clock") or {}).get(device, {}).get(precision),
                "status": text,
            }
        )
    return rows


def cuda_tests() -> dict[str, Any]:
    """``pytest tests -m cuda``: its exit code and summary line."""
    cmd = [sys.executable, "-m", "pytest", "tests", "-m", "cuda", "-q", "-p", "no:cacheprovider", "-rs"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    return {"returncode": proc.returncode, "summary": lines[-1] if lines else proc.stderr[-500:]}


def fmt_us(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e6:10.2f}"


def print_table(checks: list[Check]) -> None:
    print(f"{'case':<26} {'mode':<5} {'harness us':>10} {'tool us':>10} {'ratio':>6}  {'ok':<4} launch-bound  tool")
    for c in checks:
        name = f"{c.case.op} {c.case.precision} n={c.case.n}"
        ratio = "-" if c.ratio is None else f"{c.ratio:6.3f}"
        ok = {True: "yes", False: "NO", None: "-"}[c.agrees]
        lb = {True: "LAUNCH-BOUND", False: "no", None: "-"}[c.launch_bound]
        print(f"{name:<26} {c.mode:<5} {fmt_us(c.harness_s)} {fmt_us(c.tool_s)} {ratio:>6}  {ok:<4} {lb:<12}  "
              f"{c.tool}{' (' + c.note + ')' if c.note else ''}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda:0")
    parser.add_argument("--dry-run", action="store_true", help="the same calls on the CPU (tests the script)")
    parser.add_argument("--output", type=Path, default=Path("check_gpu.json"))
    parser.add_argument("--record", type=Path, default=None, help="a saved run whose hardware record to check")
    parser.add_argument("--max-time", type=float, default=0.2, help="timing budget per case and mode (s)")
    parser.add_argument("--skip-pytest", action="store_true", help="do not run `pytest tests -m cuda`")
    args = parser.parse_args(argv)
    device = "cpu" if args.dry_run else args.device
    if not args.dry_run and not torch.cuda.is_available():
        parser.error("no CUDA device visible; use --dry-run to exercise the script on the CPU")
    start = time.perf_counter()
    policy = TimingPolicy(warmup_s=0.02 if args.dry_run else 0.1, max_time_s=args.max_time, min_rounds=5)
    modes = (MODE_CPU,) if args.dry_run else GPU_MODES
    checks: list[Check] = []
    for case in cases(device, DRY_RUN_SIZES if args.dry_run else MM_SIZES):
        checks.extend(check_case(case, modes, policy))
    print(f"torch {torch.__version__} on {device} ({'dry run: CPU' if args.dry_run else 'CUDA'})")
    print_table(checks)
    tf32 = tf32_check(device)
    print(f"\nTF32 proof: {tf32}")
    hardware = nvml_vs_record(args.device if not args.dry_run else "cuda:0", args.record)
    print("\nNVML vs the hardware record, peaks vs datasheet:")
    for row in hardware:
        print("  " + ", ".join(f"{k}={v}" for k, v in row.items()))
    tests = {"skipped": "--skip-pytest"} if args.skip_pytest else cuda_tests()
    print(f"\npytest -m cuda: {tests}")
    disagreements = [c for c in checks if c.agrees is False]
    result = {
        "device": device,
        "dry_run": args.dry_run,
        "torch": torch.__version__,
        "checks": [
            {k: v for k, v in vars(c).items() if k != "case"}
            | {"op": c.case.op, "n": c.case.n, "precision": c.case.precision}
            for c in checks
        ],
        "tf32": tf32,
        "hardware": hardware,
        "pytest_cuda": tests,
        "disagreements": len(disagreements),
        "seconds": round(time.perf_counter() - start, 1),
    }
    args.output.write_text(json.dumps(result, indent=2, default=str))
    print(f"\n{len(checks)} checks, {len(disagreements)} outside tolerance; {result['seconds']} s; saved {args.output}")
    if args.dry_run:  # CPU timings on a shared machine are not the point of a dry run
        return 0 if tests.get("returncode", 0) in (0, 5) else 1
    failed = disagreements or tf32.get("status") == "FAILED" or tests.get("returncode") not in (0, 5)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
