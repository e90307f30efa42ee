"""The IDX reader and the Fashion-MNIST source, on small files made here."""

import gzip
import struct

import pytest
import torch

from siamkit.core.errors import DataError
from siamkit.data import PairDataset, fashion_mnist, read_idx
from siamkit.experiments.splits import split_data


def _idx_bytes(array: torch.Tensor) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.to(torch.uint8).numpy().tobytes()


def test_reads_plain_and_gzip_files(tmp_path):
    images = torch.randint(0, 256, (5, 3, 4), dtype=torch.uint8)
    (tmp_path / "a-idx3-ubyte").write_bytes(_idx_bytes(images))
    with gzip.open(tmp_path / "b-idx3-ubyte.gz", "wb") as f:
        f.write(_idx_bytes(images))
    assert torch.equal(read_idx(tmp_path / "a-idx3-ubyte"), images)
    assert torch.equal(read_idx(tmp_path / "b-idx3-ubyte.gz"), images)


def test_truncated_file_is_a_clear_error(tmp_path):
    data = _idx_bytes(torch.zeros(4, 2, 2))
    (tmp_path / "short").write_bytes(data[:-3])
    with pytest.raises(DataError, match=r"truncated.*needs 16 data bytes, found 13"):
        read_idx(tmp_path / "short")
    (tmp_path / "header").write_bytes(data[:6])
    with pytest.raises(DataError, match="header"):
        read_idx(tmp_path / "header")


def test_bad_magic_and_type_are_named(tmp_path):
    (tmp_path / "text").write_bytes(b"hello world")
    with pytest.raises(DataError, match="not an IDX file"):
        read_idx(tmp_path / "text")
    (tmp_path / "floats").write_bytes(bytes([0, 0, 0x0D, 1]) + struct.pack(">I", 0))
    with pytest.raises(DataError, match="0x0d"):
        read_idx(tmp_path / "floats")


def _fake_fashion(folder, n_train=40, n_test=20):
    g = torch.Generator().manual_seed(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = torch.arange(n) % 10
        images = torch.randint(0, 256, (n, 28, 28), generator=g, dtype=torch.uint8)
        with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
            f.write(_idx_bytes(images))
        (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(_idx_bytes(labels))


def test_fashion_source_keeps_uint8_and_marks_the_official_split(tmp_path):
    _fake_fashion(tmp_path)
    data = fashion_mnist(tmp_path)
    assert data.x.dtype == torch.uint8 and data.x.shape == (60, 1, 28, 28)
    assert data.split.tolist() == [0] * 40 + [1] * 20
    assert data.class_names[9] == "Ankle boot"
    x1, _, _ = PairDataset(data, 8)[torch.arange(8)]
    assert x1.dtype == torch.float32 and float(x1.max()) <= 1.0


def test_missing_files_name_the_package(tmp_path):
    with pytest.raises(DataError, match="apt-get install dataset-fashion-mnist"):
        fashion_mnist(tmp_path)


def test_unseen_classes_protocol_uses_the_official_test_split(tmp_path):
    _fake_fashion(tmp_path, n_train=200, n_test=100)
    splits = split_data(fashion_mnist(tmp_path), None, (0.7, 0.15, 0.15), seed=0)
    assert splits.held_out == ["Sneaker", "Bag", "Ankle boot"]
    assert set(splits.unseen.classes()) == {7, 8, 9} and bool((splits.unseen.split == 1).all())
    assert bool((splits.test.split == 1).all()) and set(splits.test.classes()) == set(range(7))
    assert bool((splits.train.split == 0).all()) and bool((splits.val.split == 0).all())
    assert len(splits.train) + len(splits.val) == 140
    assert abs(len(splits.val) / 140 - 0.15 / 0.85) < 0.05


def test_uint8_dataset_trains_and_reports_end_to_end(tmp_path, monkeypatch):
    """Every stage (pairs, P×K triplet batches, embeddings, few-shot, report) takes uint8 images."""
    from conftest import tiny_experiment

    from siamkit.experiments.image import run_training

    _fake_fashion(tmp_path, n_train=200, n_test=100)
    monkeypatch.setenv("SIAMKIT_FASHION_MNIST_DIR", str(tmp_path))
    metrics = run_training(
        tiny_experiment(dataset="fashion-mnist", loss="triplet", eval_pairs=100), tmp_path / "run"
    )
    assert 0.0 <= metrics["roc_auc"] <= 1.0 and metrics["unseen_classes"]["classes"][-1] == "Ankle boot"
    assert (tmp_path / "run" / "report" / "index.html").is_file()
    # "T-shirt/top" names a file, not a sub-folder
    samples = sorted(p.name for p in (tmp_path / "run" / "samples").iterdir())
    assert samples == ["T-shirt-top_a.png", "T-shirt-top_b.png", "Trouser_a.png", "Trouser_b.png"]


def test_recipe_selection_script_never_reads_the_unseen_classes(tmp_path, monkeypatch, capsys):
    """scripts/select_recipes.py --quick, on fake files: only official training images of seen classes."""
    from pathlib import Path

    from conftest import load_module

    _fake_fashion(tmp_path, n_train=600, n_test=100)
    monkeypatch.setenv("SIAMKIT_FASHION_MNIST_DIR", str(tmp_path))
    path = Path(__file__).resolve().parent.parent / "scripts" / "select_recipes.py"
    script = load_module(path)
    rows = script.main(["--dataset", "fashion-mnist", "--folds", "A,B", "--quick", "--out", str(tmp_path / "selection")])
    folds = ("A", "B")
    assert [r.recipe for r in rows] == ["base"] and set(rows[0].unseen_auc) == {f"{fold}/0" for fold in folds}
    assert set(rows[0].baseline_auc) == set(rows[0].unseen_auc)  # the best baseline, scored on the same pairs
    assert "420 official training images of 7 seen classes" in capsys.readouterr().out
    assert (tmp_path / "selection" / "selection.json").is_file()
