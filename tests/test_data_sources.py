import pytest
import torch
from PIL import Image

from siamkit.core.errors import ConfigError, DataError
from siamkit.data import (
    LabeledData,
    class_disjoint_split,
    digits,
    image_folder,
    load_dataset,
    load_image,
    save_image,
    stratified_split,
)


def test_digits_are_real_scaled_images():
    data = digits()
    assert data.x.shape == (1797, 1, 8, 8) and data.y.shape == (1797,)
    assert float(data.x.min()) == 0.0 and float(data.x.max()) == 1.0
    assert data.classes() == list(range(10))


def _write(path, size=(6, 5), mode="L", value=128, fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, value if mode == "L" else (value, 0, 255 - value)).save(path, format=fmt)


def test_image_folder_reads_png_and_jpeg(tmp_path):
    _write(tmp_path / "cat" / "a.png", value=0)
    _write(tmp_path / "cat" / "b.jpg", value=255, fmt="JPEG")
    _write(tmp_path / "dog" / "c.png", value=51)
    data = image_folder(tmp_path)
    assert data.class_names == ["cat", "dog"]
    assert data.x.shape == (3, 1, 5, 6)
    assert data.y.tolist() == [0, 0, 1]
    assert abs(float(data.x[2].mean()) - 0.2) < 1e-6


def test_image_folder_detects_colour_and_resizes(tmp_path):
    _write(tmp_path / "a" / "1.png", size=(10, 10), mode="RGB")
    _write(tmp_path / "b" / "2.png", size=(12, 8), mode="L")
    with pytest.raises(DataError, match="different sizes"):
        image_folder(tmp_path)
    data = image_folder(tmp_path, size=(4, 4))
    assert data.x.shape == (2, 3, 4, 4)


def test_image_folder_names_an_unreadable_file(tmp_path):
    _write(tmp_path / "a" / "ok.png")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "broken.png").write_bytes(b"not an image")
    with pytest.raises(DataError, match="broken.png"):
        image_folder(tmp_path)


def test_image_folder_without_images(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no images"):
        image_folder(tmp_path)


def test_unknown_dataset_lists_the_choices():
    with pytest.raises(DataError, match="digits"):
        load_dataset("no-such-set")


def test_save_and_load_image_round_trip(tmp_path):
    image = torch.rand(1, 8, 8)
    save_image(image, tmp_path / "x.png")
    loaded = load_image(tmp_path / "x.png", channels=1)
    assert loaded.shape == (1, 8, 8)
    assert float((loaded - image).abs().max()) <= 0.5 / 255 + 1e-6
    assert not list(tmp_path.glob(".*"))  # no temp file left behind


def test_labeled_data_checks_lengths():
    with pytest.raises(DataError, match="one class label per item"):
        LabeledData(torch.zeros(3, 1, 2, 2), torch.zeros(2, dtype=torch.long))


def test_stratified_split_is_disjoint_complete_and_balanced():
    labels = torch.arange(10).repeat_interleave(20)
    parts = stratified_split(labels, (0.5, 0.25, 0.25), seed=0)
    joined = torch.cat(parts)
    assert sorted(joined.tolist()) == list(range(200))
    for part, share in zip(parts, (10, 5, 5)):
        assert torch.equal(torch.bincount(labels[part], minlength=10), torch.full((10,), share))
    with pytest.raises(ConfigError, match="sum to 1"):
        stratified_split(labels, (0.5, 0.2))


def test_class_disjoint_split_shares_no_class():
    labels = torch.arange(5).repeat(4)
    seen, unseen = class_disjoint_split(labels, [3, 4])
    assert set(labels[seen].tolist()) == {0, 1, 2} and set(labels[unseen].tolist()) == {3, 4}
    assert len(seen) + len(unseen) == len(labels)
    with pytest.raises(DataError, match="do not occur"):
        class_disjoint_split(labels, [9])
