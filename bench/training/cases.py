"""Which training benchmarks a run holds: pure functions of the options, no torch work."""

from __future__ import annotations

from dataclasses import dataclass

from bench.training.options import DEPTHS, SEED_WIDTHS, TrainingOptions
from bench.training.step import COMPILED, FRAMEWORK, SCRATCH

SEED = "seed"  # the exercise's widths: prefixes of 256, 128, 64, 32, 16
WIDE = "wide"  # every hidden layer wide: compute dominates ("a challenging problem")
PROFILES = (SEED, WIDE)


def widths_for(profile: str, depth: int, wide_width: int) -> tuple[int, ...]:
    if not 1 <= depth <= len(SEED_WIDTHS):
        raise ValueError(f"depth must be in 1..{len(SEED_WIDTHS)}, got {depth}")
    if profile == SEED:
        return SEED_WIDTHS[:depth]
    if profile == WIDE:
        return (wide_width,) * depth
    raise ValueError(f"unknown width profile {profile!r}; choose from {', '.join(PROFILES)}")


@dataclass(frozen=True)
class Config:
    """One model shape on one device with one input mode; both implementations run it."""

    device: str
    profile: str
    depth: int
    widths: tuple[int, ...]
    input_mode: str

    @property
    def id(self) -> str:
        return f"{self.device}-{self.profile}-d{self.depth}-{self.input_mode}"

    @property
    def group(self) -> str:
        """Framework and scratch rows of one depth land together in the terminal table."""
        return f"train {self.device} {self.profile} depth={self.depth} {self.input_mode}"

    @property
    def interleaved_group(self) -> str:
        """All depths of one profile together: the table reads as time against depth."""
        return f"train-interleaved {self.device} {self.profile} {self.input_mode}"


@dataclass(frozen=True)
class Case:
    """One implementation of a :class:`Config`: one timed benchmark."""

    config: Config
    impl: str

    @property
    def id(self) -> str:
        return f"{self.config.id}-{self.impl}"


def configs(devices: list[str], options: TrainingOptions) -> list[Config]:
    """Seed widths at every depth in every input mode; the wide profile at ``wide_depths`` with
    device tensors only (there the model's compute is the question, not the input pipeline)."""
    out: list[Config] = []
    for device in devices:
        for mode in options.input_modes:
            out.extend(Config(device, SEED, d, widths_for(SEED, d, options.wide_width), mode) for d in DEPTHS)
        wide_mode = "device-tensors" if "device-tensors" in options.input_modes else options.input_modes[0]
        out.extend(
            Config(device, WIDE, d, widths_for(WIDE, d, options.wide_width), wide_mode) for d in options.wide_depths
        )
    return out


def cases(devices: list[str], options: TrainingOptions) -> list[Case]:
    impls = (FRAMEWORK, SCRATCH, COMPILED) if options.compile else (FRAMEWORK, SCRATCH)
    return [Case(config, impl) for config in configs(devices, options) for impl in impls]
