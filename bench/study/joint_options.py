"""The joint search's options (``--bench-study-joint-*``), read once per session with clear errors.

The data set, device and training-subset bound are the study's (``study_options``), so a session
running both compares them on the same data; ``--bench-study-full`` picks both full profiles.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from bench.plugin import once_per_session
from bench.study.joint_space import FULL_JOINT, QUICK_JOINT, JointProfile, JointSpace, parse_range, with_joint_budget
from bench.study.options import study_budget, study_options
from bench.study.train import Budget


@dataclass(frozen=True)
class JointOptions:
    profile: JointProfile
    dataset: str
    data_root: str | None
    device: str

    @property
    def space(self) -> JointSpace:
        return self.profile.space_for(self.dataset)

    @property
    def budget(self) -> Budget:
        """Data bounds and target of every trial; each trial trains its own setting's epochs."""
        return study_budget(self.profile, self.dataset, self.space.epochs[1])


def joint_options(config: pytest.Config) -> JointOptions:
    return once_per_session(config, "study-joint", lambda: _parse_joint_options(config))


def _parse_joint_options(config: pytest.Config) -> JointOptions:
    get = config.getoption
    study = study_options(config)
    epochs = get("bench_study_joint_epochs")
    profile = with_joint_budget(
        FULL_JOINT if get("bench_study_full") else QUICK_JOINT,
        trials=get("bench_study_joint_trials"),
        search_seeds=get("bench_study_joint_search_seeds"),
        seeds=get("bench_study_joint_seeds"),
        epochs=parse_range(epochs, "--bench-study-joint-epochs") if epochs else None,
    )
    if get("bench_study_train_samples") is not None:  # validated by study_options
        profile = replace(profile, train_samples=study.profile.train_samples)
    return JointOptions(profile, study.dataset, study.data_root, study.device)
