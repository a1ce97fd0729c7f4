"""The training data paths: real Fashion-MNIST files through torchvision, the synthetic set, and
the two batch sources (identical batches for identical arguments)."""

from __future__ import annotations

import gzip
import struct
import tempfile
from pathlib import Path

import pytest
import torch

from bench.training.batches import LoaderBatches, TensorBatches, make_batches
from bench.training.data import RAW_FILES, load_dataset, load_fashion_mnist, readable_root, synthetic_dataset
from bench.training.models import init_params
from bench.training.runner import steps_to_epoch_end
from bench.training.step import build_trainer, evaluate


def write_idx_images(path: Path, images: torch.Tensor, compress: bool) -> None:
    """The real IDX3 layout: magic 2051, big-endian count/rows/cols, then uint8 pixels."""
    n, rows, cols = images.shape
    payload = struct.pack(">IIII", 2051, n, rows, cols) + images.to(torch.uint8).numpy().tobytes()
    _write(path, payload, compress)


def write_idx_labels(path: Path, labels: torch.Tensor, compress: bool) -> None:
    """The real IDX1 layout: magic 2049, big-endian count, then uint8 labels."""
    payload = struct.pack(">II", 2049, len(labels)) + labels.to(torch.uint8).numpy().tobytes()
    _write(path, payload, compress)


def _write(path: Path, payload: bytes, compress: bool) -> None:
    if compress:
        with gzip.open(path.with_name(path.name + ".gz"), "wb") as fh:
            fh.write(payload)
    else:
        path.write_bytes(payload)


def make_fashion_root(root: Path, n_train: int = 600, n_test: int = 100, compress: bool = False) -> dict:
    """A small Fashion-MNIST in torchvision's layout: <root>/FashionMNIST/raw/<real names>."""
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    gen = torch.Generator().manual_seed(7)
    data = {
        "train_x": torch.randint(0, 256, (n_train, 28, 28), generator=gen),
        "train_y": torch.randint(0, 10, (n_train,), generator=gen),
        "val_x": torch.randint(0, 256, (n_test, 28, 28), generator=gen),
        "val_y": torch.randint(0, 10, (n_test,), generator=gen),
    }
    names = dict(zip(("train_x", "train_y", "val_x", "val_y"), RAW_FILES, strict=True))
    for key, name in names.items():
        writer = write_idx_images if key.endswith("_x") else write_idx_labels
        writer(raw / name, data[key], compress)
    return data


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
def test_fashion_mnist_files_load_through_torchvision(tmp_path: Path, compress: bool) -> None:
    written = make_fashion_root(tmp_path, compress=compress)
    ds = load_fashion_mnist(tmp_path)
    assert ds.name == "fashion-mnist" and ds.source == str(tmp_path)
    assert ds.train_x.shape == (600, 1, 28, 28) and ds.val_x.shape == (100, 1, 28, 28)
    assert ds.train_x.dtype == torch.float32 and ds.train_y.dtype == torch.int64
    assert torch.equal(ds.train_y, written["train_y"]) and torch.equal(ds.val_y, written["val_y"])
    assert torch.allclose(ds.train_x[:, 0] * 255, written["train_x"].float())
    assert float(ds.train_x.min()) >= 0.0 and float(ds.train_x.max()) <= 1.0
    if compress:  # the data folder is never written: gzip files are decompressed into a temporary copy
        assert sorted(p.name for p in (tmp_path / "FashionMNIST" / "raw").iterdir()) == sorted(
            f"{n}.gz" for n in RAW_FILES
        )


def test_a_decompressed_copy_is_removed_once_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_fashion_root(tmp_path / "data", compress=True)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where TemporaryDirectory puts its copy
    with readable_root(tmp_path / "data") as readable:
        assert readable.parent == scratch and (readable / "FashionMNIST" / "raw" / RAW_FILES[0]).is_file()
    assert not readable.exists()
    load_fashion_mnist(tmp_path / "data")
    assert list(scratch.iterdir()) == []


def test_missing_fashion_mnist_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"train-images-idx3-ubyte.*synthetic"):
        load_fashion_mnist(tmp_path)


def test_synthetic_set_has_the_real_shape_and_is_deterministic() -> None:
    ds = load_dataset(None)  # the full-size set the benchmarks use, cached per session
    assert ds.name == "synthetic"
    assert ds.train_x.shape == (60_000, 1, 28, 28) and ds.val_x.shape == (10_000, 1, 28, 28)
    assert ds.train_x.dtype == torch.float32 and ds.train_y.dtype == torch.int64
    assert float(ds.train_x.min()) >= 0.0 and float(ds.train_x.max()) <= 1.0
    assert torch.bincount(ds.train_y, minlength=10).tolist() == [6000] * 10
    again = synthetic_dataset(train_size=1000, val_size=10)
    once = synthetic_dataset(train_size=1000, val_size=10)
    assert torch.equal(again.train_x, once.train_x) and torch.equal(again.val_y, once.val_y)


def test_synthetic_set_is_learnable() -> None:
    """A short training run of the benchmarked model gets far above chance (10 %)."""
    ds = synthetic_dataset(train_size=6000, val_size=1000)
    batches = make_batches("device-tensors", ds, "cpu", 128)
    trainer = build_trainer("framework", (256,), "cpu", 0.1, batches)
    for _ in range(300):  # ~6 epochs of this small set, about a second
        trainer.step()
    loss, accuracy = evaluate(trainer.forward, ds.val_x, ds.val_y)
    assert accuracy > 0.6, accuracy
    assert loss < 1.5
    untrained = build_trainer("framework", (256,), "cpu", 0.1, batches)
    assert evaluate(untrained.forward, ds.val_x, ds.val_y)[1] < 0.35


@pytest.mark.parametrize("mode", ["device-tensors", "dataloader"])
def test_two_sources_with_the_same_arguments_hand_out_the_same_batches(mode: str) -> None:
    ds = synthetic_dataset(train_size=1000, val_size=10)
    a, b = make_batches(mode, ds, "cpu", 96), make_batches(mode, ds, "cpu", 96)
    assert a.steps_per_epoch == 1000 // 96  # the last partial batch is dropped
    for _ in range(2 * a.steps_per_epoch + 3):  # across epoch boundaries (the loader reshuffles)
        (xa, ya), (xb, yb) = a(), b()
        assert xa.shape == (96, 1, 28, 28)
        assert torch.equal(xa, xb) and torch.equal(ya, yb)
    assert a.steps == 2 * a.steps_per_epoch + 3


def test_epochs_start_at_multiples_of_steps_per_epoch() -> None:
    """--bench-full aligns its timed rounds on ``steps``: epoch k starts at step k * steps_per_epoch."""
    x, y = torch.arange(10.0).reshape(10, 1, 1, 1), torch.zeros(10, dtype=torch.int64)
    source = TensorBatches(x, y, 5)
    firsts = [float(source()[0][0]) for _ in range(7)]
    assert source.steps == 7 and source.steps_per_epoch == 2
    assert [firsts[k] for k in (0, 2, 4, 6)] == [0.0, 0.0, 0.0, 0.0]  # each epoch starts at its first batch
    assert steps_to_epoch_end(7, 2) == 1 and steps_to_epoch_end(6, 2) == 0 and steps_to_epoch_end(0, 5) == 0


def test_loader_source_restarts_each_epoch() -> None:
    ds = synthetic_dataset(train_size=100, val_size=10)
    source = make_batches("dataloader", ds, "cpu", 50)
    assert isinstance(source, LoaderBatches) and source.steps_per_epoch == 2
    seen = [source()[1] for _ in range(4)]
    assert sorted(torch.cat(seen[:2]).tolist()) == sorted(torch.cat(seen[2:]).tolist()) == sorted(ds.train_y.tolist())


def test_unknown_input_mode_is_rejected() -> None:
    with pytest.raises(ValueError, match="input mode"):
        make_batches("prefetch", synthetic_dataset(100, 10), "cpu", 10)


def test_initial_weights_do_not_depend_on_the_device_seed_state() -> None:
    torch.manual_seed(123)
    first = init_params((16,))
    torch.manual_seed(456)
    assert all(torch.equal(p, q) for p, q in zip(first, init_params((16,)), strict=True))
