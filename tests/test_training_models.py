"""The framework and scratch MLPs do the same math, the check proves it (and rejects models that
do not), and the counted work follows the documented formulas."""

from __future__ import annotations

import pytest
import torch

from bench.timing import TimingPolicy
from bench.training.batches import make_batches
from bench.training.cases import SEED, WIDE, Config, cases, configs, widths_for
from bench.training.data import synthetic_dataset
from bench.training.equivalence import EquivalenceError, check_equivalence
from bench.training.flops import flops_per_step, forward_flops, param_count
from bench.training.models import ScratchMLP, framework_canonical_params, framework_mlp, init_params
from bench.training.options import TrainingOptions, parse_input_modes
from bench.training.record import interleaved_record
from bench.training.runner import epoch_time, interleaved_rounds
from bench.training.step import Trainer, build_trainer, scratch_step

BATCH = 64


@pytest.fixture(scope="module")
def dataset():
    return synthetic_dataset(train_size=2048, val_size=256)


def trainer(impl: str, widths: tuple[int, ...], dataset, lr: float = 0.1, mode: str = "device-tensors") -> Trainer:
    return build_trainer(impl, widths, "cpu", lr, make_batches(mode, dataset, "cpu", BATCH))


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_same_loss_trajectory_at_every_depth(dataset, depth: int) -> None:
    widths = widths_for(SEED, depth, 1024)
    scratch, framework = trainer("scratch", widths, dataset), trainer("framework", widths, dataset)
    result = check_equivalence(scratch, framework, steps=8)
    assert result.impls == ("scratch", "framework")
    assert result.losses[0] == pytest.approx(result.losses[1], rel=1e-5)
    assert len(set(result.losses[0])) > 1  # the models did train (the losses moved)
    assert result.record()["steps"] == 8


def test_same_math_through_the_dataloader_and_a_wide_profile(dataset) -> None:
    widths = widths_for(WIDE, 2, 128)
    check_equivalence(
        trainer("scratch", widths, dataset, mode="dataloader"), trainer("framework", widths, dataset, mode="dataloader")
    )


def test_framework_holds_the_transposed_scratch_weights() -> None:
    params = init_params((32, 16))
    model = framework_mlp(params)
    assert model[1].weight.shape == (32, 784)  # nn.Linear stores out x in
    assert all(torch.equal(p, q) for p, q in zip(params, framework_canonical_params(model), strict=True))
    x = torch.rand(5, 1, 28, 28)
    assert torch.allclose(model(x), ScratchMLP(params)(x), rtol=1e-5, atol=1e-6)


def test_check_rejects_a_different_learning_rate(dataset) -> None:
    widths = (64, 32)
    with pytest.raises(EquivalenceError, match="different math"):
        check_equivalence(trainer("scratch", widths, dataset), trainer("framework", widths, dataset, lr=0.2))


def test_check_rejects_different_initial_weights(dataset) -> None:
    widths = (64,)
    other = trainer("framework", widths, dataset)
    with torch.no_grad():
        other.forward[1].weight.mul_(1.01)
    with pytest.raises(EquivalenceError, match="start from different weights"):
        check_equivalence(trainer("scratch", widths, dataset), other)


def test_check_rejects_a_different_activation(dataset) -> None:
    """Same weights and batches, but a sigmoid where the framework has a ReLU."""

    class SigmoidMLP(ScratchMLP):
        def __call__(self, x: torch.Tensor) -> torch.Tensor:
            w1, b1, w2, b2 = self.params
            return torch.sigmoid(x.reshape(len(x), -1) @ w1 + b1) @ w2 + b2

    batches = make_batches("device-tensors", dataset, "cpu", BATCH)
    net = SigmoidMLP(init_params((64,)))
    impostor = Trainer("scratch-sigmoid", scratch_step(net, 0.1, batches), net, net.canonical_params, batches)
    with pytest.raises(EquivalenceError, match="loss at step 0"):
        check_equivalence(trainer("framework", (64,), dataset), impostor)


def test_check_rejects_different_shapes(dataset) -> None:
    with pytest.raises(EquivalenceError, match="shapes"):
        check_equivalence(trainer("scratch", (64,), dataset), trainer("framework", (32,), dataset))


def test_flops_and_params_follow_the_documented_formula() -> None:
    assert param_count((256,)) == 784 * 256 + 256 + 256 * 10 + 10
    assert forward_flops((256, 128), 256) == 2 * 256 * (784 * 256 + 256 * 128 + 128 * 10)
    fwd = forward_flops((1024,) * 3, 256)
    assert flops_per_step((1024,) * 3, 256) == 3 * fwd + 2 * param_count((1024,) * 3)


def test_widths_follow_the_exercise() -> None:
    assert widths_for(SEED, 1, 1024) == (256,)
    assert widths_for(SEED, 5, 1024) == (256, 128, 64, 32, 16)
    assert widths_for(WIDE, 3, 4096) == (4096, 4096, 4096)
    with pytest.raises(ValueError):
        widths_for(SEED, 6, 1024)


def test_default_cases_cover_both_impls_depths_and_modes() -> None:
    opts = TrainingOptions()
    found = cases(["cpu"], opts)
    assert len(found) == 2 * (5 * 2 + 3)
    assert {c.impl for c in found} == {"framework", "scratch"}
    groups = {c.config.group for c in found}
    assert "train cpu seed depth=3 device-tensors" in groups
    wide = [c for c in configs(["cpu"], opts) if c.profile == WIDE]
    assert [c.depth for c in wide] == [1, 3, 5] and {c.input_mode for c in wide} == {"device-tensors"}
    with_compile = cases(["cpu"], TrainingOptions(compile=True, input_modes=("dataloader",)))
    assert {c.impl for c in with_compile} == {"framework", "scratch", "framework-compiled"}
    assert Config("cpu", SEED, 2, (256, 128), "dataloader").id == "cpu-seed-d2-dataloader"


def test_input_modes_parse() -> None:
    assert parse_input_modes("all") == ("device-tensors", "dataloader")
    assert parse_input_modes("dataloader, dataloader") == ("dataloader",)
    with pytest.raises(ValueError, match="unknown input mode"):
        parse_input_modes("gpu-direct")


def test_epoch_time_is_measured_only_when_whole_epochs_ran() -> None:
    # per-epoch mean step times of three timed epochs of 100 steps
    assert epoch_time([0.02, 0.03, 0.06], 0.01, 100) == (pytest.approx(3.0), "measured (3 whole epochs)")
    assert epoch_time([], 0.01, 100) == (pytest.approx(1.0), "step_s x steps_per_epoch")
    assert epoch_time([], None, 100) == (None, "step_s x steps_per_epoch")


def test_interleaved_rounds_fit_the_budget() -> None:
    policy = TimingPolicy(max_time_s=1.0, min_round_s=0.01, min_rounds=5)
    assert interleaved_rounds([0.001, 0.001], policy, 25, full=False) == 25  # rounds of 10 ms each
    assert interleaved_rounds([0.2, 0.3], policy, 25, full=False) == 5  # slow sweeps: min_rounds
    assert interleaved_rounds([0.05, 0.05], policy, 25, full=False) == 20
    assert interleaved_rounds([0.2, 0.3], policy, 25, full=True) == 25


def test_interleaved_record_pairs_rounds() -> None:
    record = interleaved_record(
        {"framework": [1.0, 2.0, 1.0], "scratch": [1.5, 3.0, 1.5]}, {"framework": 4, "scratch": 3}
    )
    assert record["ratio"] == pytest.approx(1.5) and record["ratio_ci"] == pytest.approx([1.5, 1.5])
    assert record["step_s"] == {"framework": 1.0, "scratch": 1.5}
    assert record["impls"] == ["framework", "scratch"]


def test_warm_step_estimate_times_only_steps_after_the_warm_ones() -> None:
    """Count work, not time: a fake clock that advances one tick per step taken so far."""
    from bench.training.runner import warm_step_estimate

    taken = []

    def step() -> None:
        taken.append(len(taken))

    def clock() -> float:
        return float(len(taken) ** 2)  # later steps "cost" more: a cold start would read cheaper

    estimate = warm_step_estimate(step, clock, warm_calls=3, timed_calls=2)
    assert len(taken) == 5
    assert estimate == (5**2 - 3**2) / 2  # only steps 4 and 5 were timed
