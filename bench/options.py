"""Parsing of the harness's command-line values: pure functions, clear errors."""

from __future__ import annotations

DEFAULT_SIZES = tuple(range(1024, 1033))
#: More sizes than this is a typo in a range (1024-10320), not a study: each size is a benchmark.
MAX_SIZES = 1024


def parse_sizes(text: str) -> tuple[int, ...]:
    """``"1024-1032"``, ``"1024,1025,1032"`` or a mix (``"1024-1026,1032"``), order kept, no repeats."""
    sizes: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            if "-" in part:
                lo_text, hi_text = part.split("-", 1)
                lo, hi = int(lo_text), int(hi_text)
                if hi < lo:
                    raise ValueError
                values = range(lo, hi + 1)
            else:
                values = range(int(part), int(part) + 1)
        except ValueError:
            raise ValueError(f"bad size {part!r}: use N, N-M or a comma list such as 1024,1025,1032") from None
        if len(values) > MAX_SIZES:
            raise ValueError(f"{part!r} is {len(values)} sizes, more than {MAX_SIZES}: a typo in the range?")
        for n in values:
            if n < 1:
                raise ValueError(f"size must be positive, got {n}")
            if n not in sizes:
                sizes.append(n)
    if not sizes:
        raise ValueError(f"no sizes in {text!r}")
    if len(sizes) > MAX_SIZES:
        raise ValueError(f"{len(sizes)} sizes, more than {MAX_SIZES}: a typo in a range?")
    return tuple(sizes)


def parse_list(text: str, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    """A comma list whose items must come from ``allowed`` (``"all"`` selects every one)."""
    items = [p.strip() for p in text.split(",") if p.strip()]
    if items == ["all"]:
        return allowed
    unknown = [i for i in items if i not in allowed]
    if unknown or not items:
        raise ValueError(f"unknown {what} {unknown or text!r}; choose from {', '.join(allowed)} or 'all'")
    return tuple(dict.fromkeys(items))


def parse_devices(text: str) -> tuple[str, ...]:
    """``"all"``, ``"cpu"``, ``"cuda"`` (every CUDA device) or ``"cuda:N"``; resolved later
    against what is present, so asking for an absent device gives a skip with the reason."""
    items = [p.strip().lower() for p in text.split(",") if p.strip()]
    if not items:
        raise ValueError("no devices given")
    for item in items:
        if item in ("all", "cpu", "cuda"):
            continue
        if item.startswith("cuda:") and item[5:].isdigit():
            continue
        raise ValueError(f"unknown device {item!r}; use all, cpu, cuda or cuda:N")
    return tuple(dict.fromkeys(items))
