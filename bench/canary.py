"""The drift canary: one fixed, short reference workload timed again and again through a session.

A shared machine changes speed under a run (hypervisor steal, the host's clocks, neighbours on
the caches and memory bus) and pressure stall information sees none of it. The canary measures
it directly: a fixed matrix product plus a fixed memory copy per device, best of a few repeats
on one CPU thread (a few ms), timed at the session's start, right before and after every benchmark, and at the
end. Its time is the run's machine-speed index; the report divides run-over-run ratios by the
canary's ratio, and marks benchmarks measured while the canary moved.

Saved as ``machine_info["harness"]["canary"]`` (the samples over time) and
``extra_info["canary"]`` (the index right before and after each benchmark), see docs/schema.md.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch

from bench.hardware.readings import cpu_time_readings
from bench.timing import make_clock, time_batch

#: Sizes fixed forever: changing them changes the index, so they are saved with every run.
WORKLOAD = {
    "cpu": {"mm_n": 256, "copy_mib": 16},
    "cuda": {"mm_n": 2048, "copy_mib": 256},
}
REPEATS = 5  # best of: an interruption (they only ever slow) does not move the index
SEED = 20261127


@dataclass
class Probe:
    """The canary of one device: operands made once, timed as often as asked."""

    device: str
    mm: Callable[[], Any]
    copy: Callable[[], Any]
    clock: Callable[[], float]
    sizes: dict[str, int]

    def time(self, repeats: int = REPEATS) -> dict[str, float]:
        """Best-of-``repeats`` seconds of the mm and the copy, and their geometric mean (the index)."""
        with one_cpu_thread():
            mm_s = min(time_batch(self.mm, self.clock, 1) for _ in range(repeats))
            copy_s = min(time_batch(self.copy, self.clock, 1) for _ in range(repeats))
        return {"mm_s": mm_s, "copy_s": copy_s, "index_s": math.sqrt(mm_s * copy_s)}


@contextmanager
def one_cpu_thread() -> Iterator[None]:
    """torch on one CPU thread while the canary runs. With a thread pool, a few-ms mm on an
    oversubscribed machine waits at the pool's barrier for whichever thread was descheduled:
    measured on a 2-core VM at load 10, a 256x256 mm took 0.6 to 87 ms on 2 threads (median 73)
    and 0.90 to 1.02 ms on one. One thread reads the core's speed (steal, clocks, neighbours on
    caches and memory), which is what the index is for."""
    threads = torch.get_num_threads()
    if threads == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def make_probe(device: str) -> Probe:
    """Seeded float32 operands on ``device`` (random normal: zeros run faster), warmed once."""
    sizes = WORKLOAD["cuda" if device.startswith("cuda") else "cpu"]
    generator = torch.Generator().manual_seed(SEED)
    n = sizes["mm_n"]
    a = torch.randn(n, n, generator=generator).to(device)
    b = torch.randn(n, n, generator=generator).to(device)
    out = torch.empty(n, n, device=device)
    elements = sizes["copy_mib"] * 2**20 // 4
    src = torch.randn(elements, generator=generator).to(device)
    dst = torch.empty_like(src)
    probe = Probe(
        device=device,
        mm=lambda: torch.mm(a, b, out=out),
        copy=lambda: dst.copy_(src),
        clock=make_clock(device),
        sizes=dict(sizes),
    )
    probe.time(repeats=REPEATS)  # first calls pay for allocation, BLAS handles, thread-pool start
    return probe


@dataclass
class Canary:
    """The samples of one session; ``sample`` is cheap and never raises."""

    probes: list[Probe]
    samples: list[dict[str, Any]] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)  # device -> why it has no canary

    def sample(self, label: str) -> dict[str, dict[str, float]]:
        """Time every device's canary now; returns {device: index_s} (empty for a failed device)."""
        entry: dict[str, Any] = {"time": time.time(), "label": label, "devices": {}}
        for probe in self.probes:
            try:
                entry["devices"][probe.device] = {k: round(v, 9) for k, v in probe.time().items()}
            except Exception as exc:  # a canary must never fail a benchmark
                entry.setdefault("errors", {})[probe.device] = f"{type(exc).__name__}: {exc}"
        entry |= cpu_time_readings()
        self.samples.append(entry)
        return {device: values["index_s"] for device, values in entry["devices"].items()}

    @contextmanager
    def around(self, extra_info: dict[str, Any], name: str) -> Iterator[None]:
        """The index right before and right after one benchmark into ``extra_info["canary"]``."""
        before = self.sample(f"before {name}")
        yield
        after = self.sample(f"after {name}")
        extra_info["canary"] = {"before": before, "after": after}

    def record(self) -> dict[str, Any]:
        """The run's canary for machine_info: workload, every sample, and drift = max/min per device."""
        out = {
            "workload": {
                p.device: {**p.sizes, "dtype": "float32", "repeats": REPEATS, "cpu_threads": 1} for p in self.probes
            },
            "drift": drift(self.samples),
            "samples": self.samples,
        }
        return out | ({"unavailable": dict(self.unavailable)} if self.unavailable else {})


def drift(samples: list[dict[str, Any]]) -> dict[str, float]:
    """max/min of the index over the samples, per device (1.0 = the machine never changed speed)."""
    out: dict[str, float] = {}
    devices = {d for s in samples for d in s.get("devices", {})}
    for device in sorted(devices):
        values = [s["devices"][device]["index_s"] for s in samples if device in s.get("devices", {})]
        values = [v for v in values if v > 0]
        if values:
            out[device] = round(max(values) / min(values), 6)
    return out


def start(devices: list[str]) -> Canary:
    """Probes for ``devices`` (cpu always first) and the session's first sample."""
    canary = Canary([])
    for device in ["cpu", *[d for d in devices if d != "cpu"]]:
        try:
            canary.probes.append(make_probe(device))
        except Exception as exc:  # e.g. out of memory: the run goes on without this device's canary
            canary.unavailable[device] = f"{type(exc).__name__}: {exc}"
    canary.sample("start")
    return canary
