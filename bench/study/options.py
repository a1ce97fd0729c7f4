"""The study's options (``--bench-study-*``), read once per session and validated with clear errors.

Reading them never loads data, so collecting the (deselected) study in the default run is free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pytest

from bench.plugin import bench_options, once_per_session
from bench.study.data import resolve_choice
from bench.study.space import FULL, QUICK, TARGET_ACCURACY, Profile, with_budget
from bench.study.train import Budget


class SampleBounds(Protocol):
    """What a budget takes from a profile (the study's and the joint search's alike)."""

    @property
    def train_samples(self) -> int | None: ...

    @property
    def eval_samples(self) -> int | None: ...


def study_budget(profile: SampleBounds, dataset: str, epochs: int) -> Budget:
    """The profile's data bounds, the data set's target accuracy and ``epochs``: one rule for the
    study and the joint search, so both stop and evaluate alike."""
    return Budget(
        epochs=epochs,
        train_samples=profile.train_samples,
        eval_samples=profile.eval_samples,
        target_accuracy=TARGET_ACCURACY[dataset],
    )


@dataclass(frozen=True)
class StudyOptions:
    profile: Profile
    dataset: str  # resolved: fashion-mnist | digits-8x8 | synthetic
    data_root: str | None
    device: str  # the study trains on one device: the first CUDA device asked for, else the CPU

    @property
    def budget(self) -> Budget:
        return study_budget(self.profile, self.dataset, self.profile.epochs_for(self.dataset))


def study_options(config: pytest.Config) -> StudyOptions:
    return once_per_session(config, "study", lambda: _parse_study_options(config))


def _parse_study_options(config: pytest.Config) -> StudyOptions:
    get = config.getoption
    common = bench_options(config)
    profile = with_budget(
        FULL if get("bench_study_full") else QUICK,
        seeds=get("bench_study_seeds"),
        epochs=get("bench_study_epochs"),
        train_samples=get("bench_study_train_samples"),
    )
    dataset = resolve_choice(get("bench_study_data"), common.data_root)
    cuda = [d.name for d in common.devices if d.is_cuda and not d.skip_reason]
    return StudyOptions(profile, dataset, common.data_root, cuda[0] if cuda else "cpu")
