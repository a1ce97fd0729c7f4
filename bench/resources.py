"""Memory checked before work: a case that cannot fit is skipped with the reason, never attempted.

Allocating three 60000 x 60000 float32 operands on a 24 GB machine does not raise an error the
session could catch: the kernel's OOM killer ends the whole process and nothing of the run is
saved. So each benchmark estimates, before it allocates, every buffer it will hold alive at
once, and compares the sum with what the host (``MemAvailable``) or the device
(``torch.cuda.mem_get_info``) has free. The estimates are pure functions of the shapes; only
:func:`host_available_bytes` and :func:`device_free_bytes` read the machine.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch

FLOAT32 = 4  # bytes: operands are drawn in float32 on the host before conversion
FLOAT64 = 8  # bytes: the reference check's copies
USABLE_SHARE = 0.8  # leave a fifth of what is free to the OS, the allocator's slack and other processes
MEMINFO = Path("/proc/meminfo")
OOM_MESSAGES = ("can't allocate memory", "not enough memory", "out of memory")  # torch's CPU/CUDA allocators


@dataclass(frozen=True)
class Need:
    """Bytes a case holds alive at its peak, on the host and on a CUDA device (0 on a CPU run)."""

    host: int
    device: int = 0

    def __add__(self, other: Need) -> Need:
        return Need(self.host + other.host, self.device + other.device)


def _operand_elements(n: int, rhs_cols: int) -> int:
    """Elements of one operand set: A (n x n), B (n x rhs_cols) and the output (n x rhs_cols)."""
    return n * n + 2 * n * rhs_cols


def operand_set(n: int, rhs_cols: int, itemsize: int, cuda: bool) -> Need:
    """One set of operands in the case's dtype, where the case runs."""
    nbytes = itemsize * _operand_elements(n, rhs_cols)
    return Need(0, nbytes) if cuda else Need(nbytes)


def matmul_need(n: int, rhs_cols: int, itemsize: int, cuda: bool) -> Need:
    """Peak of one per-size benchmark: its reference check, whose buffers are all alive at once.

    The float32 draws of A and B on the host, the operands in the case's dtype, and float64
    copies of A, B, the product and the reference product (on CUDA ``a.double()`` is made on the
    device before it is copied to the host, so the float64 copies count on both sides). The
    timed call afterwards allocates one operand set again, less than this peak.
    """
    draws = Need(FLOAT32 * (n * n + n * rhs_cols))
    doubles = FLOAT64 * (n * n + 3 * n * rhs_cols)
    reference = Need(doubles, doubles) if cuda else Need(doubles)
    return draws + operand_set(n, rhs_cols, itemsize, cuda) + reference


def alignment_need(n: int, rhs_cols: int, itemsize: int, cuda: bool) -> Need:
    """What one size adds to the alignment study, where every size stays alive until the end:
    the master operands, the current fresh copies and, while rotating, the next copies (the
    float32 draws are freed after construction; one size's draws are counted with it)."""
    sets = operand_set(n, rhs_cols, itemsize, cuda)
    return Need(FLOAT32 * (n * n + n * rhs_cols)) + sets + sets + sets


def shortfall(need: Need, host_free: int | None, device_free: int | None) -> str | None:
    """Why ``need`` does not fit in the usable share of what is free, or None when it fits.

    An unknown amount (None: no /proc/meminfo, no CUDA query) is not a reason to refuse."""
    problems = []
    for where, wanted, free in (("host memory", need.host, host_free), ("device memory", need.device, device_free)):
        if wanted and free is not None and wanted > USABLE_SHARE * free:
            problems.append(f"needs {_gb(wanted)} of {where}, {_gb(free)} free (uses at most {USABLE_SHARE:.0%})")
    return "; ".join(problems) or None


def fit_in_order(
    needs: Sequence[tuple[int, Need]], host_free: int | None, device_free: int | None
) -> tuple[list[int], list[tuple[int, str]]]:
    """Keys, in order, whose needs fit together, and (key, reason) for each one left out.

    A key is kept when it fits beside the ones kept before it: the first sizes of a study are
    the ones it compares against."""
    kept: list[int] = []
    left_out: list[tuple[int, str]] = []
    total = Need(0)
    for key, need in needs:
        reason = shortfall(total + need, host_free, device_free)
        if reason is None:
            kept.append(key)
            total = total + need
        else:
            left_out.append((key, reason))
    return kept, left_out


def _gb(nbytes: int) -> str:
    return f"{nbytes / 1e9:.1f} GB"


def parse_mem_available(meminfo: str) -> int | None:
    """Bytes of ``MemAvailable`` in /proc/meminfo text (None when the line is missing)."""
    for line in meminfo.splitlines():
        if line.startswith("MemAvailable:"):
            value, *unit = line.split(":", 1)[1].split()
            return int(value) * (1024 if unit == ["kB"] else 1)
    return None


def host_available_bytes(path: Path = MEMINFO) -> int | None:
    """The kernel's estimate of memory available without swapping; None where it is not known."""
    try:
        return parse_mem_available(path.read_text())
    except (OSError, ValueError):
        return None


def device_free_bytes(device: str) -> int | None:
    """Free memory of a CUDA device (None for the CPU or when the query fails)."""
    if not device.startswith("cuda"):
        return None
    try:
        free, _total = torch.cuda.mem_get_info(torch.device(device))
    except (RuntimeError, AssertionError):
        return None
    return int(free)


def available(device: str) -> tuple[int | None, int | None]:
    """(host free, device free) right now."""
    return host_available_bytes(), device_free_bytes(device)


def is_out_of_memory(exc: BaseException) -> bool:
    """torch's CUDA OOM, a host allocation failure (RuntimeError from the CPU allocator) or MemoryError."""
    if isinstance(exc, (torch.OutOfMemoryError, MemoryError)):
        return True
    return isinstance(exc, RuntimeError) and any(m in str(exc) for m in OOM_MESSAGES)


@contextmanager
def out_of_memory_explained(what: str, need: Need) -> Iterator[None]:
    """Turn an out-of-memory error into one clear failure of this benchmark alone; release the
    device's cached blocks so the next benchmark starts clean."""
    try:
        yield
    except Exception as exc:
        if not is_out_of_memory(exc):
            raise
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        raise MemoryError(
            f"{what}: out of memory (estimated {_gb(need.host)} host, {_gb(need.device)} device before the run): "
            f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        ) from exc
