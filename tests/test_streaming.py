"""Image collections streamed from disk: folders and CSV manifests decoded per batch, bad files named."""

from __future__ import annotations

import json
import warnings

import pytest
import torch

from siamkit.cli import run
from siamkit.core.errors import DataError
from siamkit.data.batches import item_batches
from siamkit.data.files import ImageFiles, UnreadableImageWarning
from siamkit.data.images import save_image
from siamkit.data.labeled import as_float
from siamkit.data.pairs import PairDataset
from siamkit.data.sources import image_folder, load_dataset
from siamkit.data.streaming import load_into_memory, stream_folder, stream_manifest
from siamkit.evaluation.baselines import PCAProjection


def write_folder(root, names=("ant", "bee", "cat"), per_class=6):
    """``per_class`` distinct 12×10 grayscale PNGs per class name (class k is bright in row band k)."""
    generator = torch.Generator().manual_seed(0)
    for k, name in enumerate(names):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            image = torch.rand(1, 12, 10, generator=generator) * 0.3
            image[:, 4 * k : 4 * k + 4] += 0.6
            save_image(image, root / name / f"{i}.png")
    return root


@pytest.fixture
def folder(tmp_path):
    return write_folder(tmp_path / "images")


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_a_streamed_folder_decodes_the_same_pixels_as_one_read_into_memory(folder):
    streamed, in_memory = stream_folder(folder), image_folder(folder)
    assert isinstance(streamed.x, ImageFiles) and streamed.x.shape == in_memory.x.shape == (18, 1, 12, 10)
    assert torch.equal(streamed.y, in_memory.y) and streamed.class_names == ["ant", "bee", "cat"]
    index = torch.tensor([17, 0, 5])
    assert torch.allclose(as_float(streamed.x[index]), in_memory.x[index], atol=1 / 255)
    subset = streamed.subset(torch.tensor([3, 9]))
    assert isinstance(subset.x, ImageFiles) and torch.equal(subset.x[1], streamed.x[9])


def test_a_csv_manifest_with_relative_paths_and_a_split_streams_like_the_folder(folder, tmp_path):
    rows = ["path,label,split"] + [
        f"images/{p.parent.name}/{p.name},{p.parent.name},{'test' if p.stem == '0' else 'train'}"
        for p in sorted(folder.glob("*/*.png"))
    ]
    manifest = tmp_path / "items.csv"
    manifest.write_text("\n".join(rows) + "\n")
    data = stream_manifest(manifest)
    assert len(data.x) == 18 and data.split.sum() == 3 and data.class_names == ["ant", "bee", "cat"]
    assert torch.equal(load_dataset(str(manifest)).x, load_into_memory(data).x)


def test_an_unreadable_file_is_named_and_skipped_or_refused_with_strict_files(folder):
    (folder / "bee" / "notes.png").write_bytes(b"not an image")
    with pytest.warns(UnreadableImageWarning, match="bee/notes.png"):
        data = stream_folder(folder)
    assert len(data.x) == 18
    with pytest.raises(DataError, match="bee/notes.png.*--strict-files"):
        stream_folder(folder, strict_files=True)


def test_a_truncated_file_is_left_out_of_its_batch_and_strict_files_finds_it_before_training(folder):
    _truncate(folder / "cat" / "2.png")
    with pytest.raises(DataError, match="cat/2.png"):
        stream_folder(folder, strict_files=True, workers=0)
    data = stream_folder(folder)
    pairs = PairDataset(data, num_pairs=200, seed=0)
    bad = data.x.paths.index(folder / "cat" / "2.png")
    touches_bad = (pairs.pairs == bad).any(1)
    assert 0 < int(touches_bad.sum()) < 200
    with pytest.warns(UnreadableImageWarning, match="cat/2.png"):
        x1, x2, y = pairs[torch.arange(200)]
    assert len(x1) == len(x2) == len(y) == 200 - int(touches_bad.sum())


def test_the_disk_cache_serves_decoded_images_after_the_files_are_gone(folder, tmp_path):
    data = stream_folder(folder, cache=tmp_path / "cache")
    first = torch.cat([x for _, x, _ in item_batches(data.x, 7, workers=0)])
    for path in folder.glob("*/*.png"):
        path.unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreadableImageWarning)
        assert torch.equal(data.x[torch.arange(18)], first)


def test_decoding_in_worker_processes_gives_what_the_main_process_gives(folder):
    data = stream_folder(folder)
    main = torch.cat([x for _, x, _ in item_batches(data.x, 5, workers=0)])
    workers = torch.cat([x for _, x, _ in item_batches(data.x, 5, workers=2)])
    assert torch.equal(main, workers)


def test_pca_fits_on_at_most_max_items_of_a_streamed_collection(folder):
    data = stream_folder(folder)
    pca = PCAProjection(3).fit(data.x, max_items=6)
    assert pca.axes.shape == (120, 3) and torch.isfinite(pca(as_float(data.x[torch.arange(4)]))).all()


def test_train_streams_a_folder_from_the_cli(tmp_path):
    folder = write_folder(tmp_path / "images", ("ant", "bee", "cat", "dog"), per_class=12)
    (folder / "ant" / "broken.png").write_bytes(b"nope")
    out = tmp_path / "run"
    code = run([
        "train", "--out", str(out), "--dataset", str(folder), "--stream", "--workers", "0", "--held-out", "cat,dog",
        "--encoder", "mlp", "--epochs", "1", "--train-pairs", "40", "--eval-pairs", "20", "--batch-size", "8", "--quiet",
    ])
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0.0 <= metrics["unseen_classes"]["roc_auc"] <= 1.0
    report = tmp_path / "eval"
    assert run(["eval", str(out / "model.ckpt"), "--dataset", str(folder), "--stream", "--workers", "0", "--report", str(report)]) == 0
    again = json.loads((report / "metrics.json").read_text())  # eval streams too, and scores the same pairs
    assert again["unseen_classes"]["roc_auc"] == metrics["unseen_classes"]["roc_auc"]
    code = run(["train", "--out", str(tmp_path / "strict"), "--dataset", str(folder), "--stream", "--strict-files", "--quiet"])
    assert code != 0
