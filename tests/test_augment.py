import pytest
import torch

from siamkit.core.errors import ConfigError, DataError
from siamkit.data.augment import BatchAugment, parse_augmentations


def _generator(seed=0):
    return torch.Generator().manual_seed(seed)


def _dots(n=64, size=28):
    """n images, each black with one white pixel at the centre."""
    x = torch.zeros(n, 1, size, size)
    x[:, :, size // 2, size // 2] = 1.0
    return x


def test_shift_moves_each_item_by_at_most_the_max_shift_and_items_differ():
    out = BatchAugment(("shift",), max_shift=0.1)(_dots(), _generator())
    assert out.shape == (64, 1, 28, 28)
    assert torch.equal(out.sum(dim=(1, 2, 3)), torch.ones(64))  # the pixel is moved, never lost or doubled
    where = torch.nonzero(out[:, 0])  # [64, 3]: item, row, col
    offsets = where[:, 1:] - 14
    assert offsets.abs().max() <= 2 and offsets.abs().max() == 2  # 10 % of 28 = 2 pixels, and reached
    assert len({tuple(o) for o in offsets.tolist()}) > 10  # each item draws its own shift


def test_small_images_still_shift_by_one_pixel():
    out = BatchAugment(("shift",))(_dots(64, 8), _generator())
    offsets = torch.nonzero(out[:, 0])[:, 1:] - 4
    assert offsets.abs().max() == 1


def test_shift_fills_the_border_with_the_edge_and_is_seeded():
    augment = BatchAugment(("shift",))
    flat = torch.full((4, 3, 16, 16), 0.25)
    assert torch.equal(augment(flat, _generator()), flat)
    x = torch.rand(8, 3, 16, 16)
    assert torch.equal(augment(x, _generator(1)), augment(x, _generator(1)))
    assert not torch.equal(augment(x, _generator(1)), augment(x, _generator(2)))


def test_flip_mirrors_about_half_of_the_items():
    x = torch.rand(64, 1, 8, 8)
    out = BatchAugment(("flip",))(x, _generator())
    same = (out == x).flatten(1).all(1)
    mirrored = (out == x.flip(-1)).flatten(1).all(1)
    assert bool((same | mirrored).all())
    assert 16 < int(mirrored.sum()) < 48


def test_bad_input_and_names_are_clear_errors():
    with pytest.raises(DataError, match="float image batches"):
        BatchAugment(("shift",))(torch.zeros(2, 28, 28), _generator())
    with pytest.raises(DataError, match="without --augment"):
        BatchAugment(("flip",))(torch.zeros(2, 1, 8, 8, dtype=torch.uint8), _generator())
    with pytest.raises(ConfigError, match="unknown augmentation 'twist'.*preset"):
        parse_augmentations("shift,twist")
    with pytest.raises(ConfigError, match="fraction"):
        BatchAugment(("shift",), max_shift=0.7)


def test_parse_augmentations():
    assert parse_augmentations("shift, flip,shift") == ("shift", "flip")
    assert parse_augmentations(["flip"]) == ("flip",)
    assert parse_augmentations(None) == parse_augmentations("none") == parse_augmentations("") == ()


def test_presets_expand_and_never_flip():
    assert parse_augmentations("light") == ("shift",)
    assert parse_augmentations("strong,flip") == ("shift", "crop", "rotate", "jitter", "flip")


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("name", ["crop", "rotate", "jitter", "strong"])
def test_library_augmentations_keep_the_shape_change_each_item_on_its_own_and_are_seeded(name, channels):
    x = torch.rand(16, channels, 20, 20)
    augment = BatchAugment((name,))
    out = augment(x, _generator(1))
    assert out.shape == x.shape and out.dtype == x.dtype and torch.isfinite(out).all()
    assert torch.equal(out, augment(x, _generator(1)))
    assert not torch.equal(out, augment(x, _generator(2)))
    changed = (out - x).abs().flatten(1).amax(1)
    assert bool((changed > 1e-3).all())
    ratios = (out - x).flatten(1).norm(dim=1) / x.flatten(1).norm(dim=1)
    assert ratios.std() > 1e-3  # each item drawn on its own, not one draw for the batch


def test_rotation_turns_a_bar_and_fills_corners_from_the_edge():
    x = torch.zeros(8, 1, 21, 21)
    x[:, :, 10, 3:18] = 1.0  # a horizontal bar through the centre
    out = BatchAugment(("rotate",))(x, _generator())
    rows_hit = (out[:, 0] > 0.5).any(2).sum(1)
    assert int(rows_hit.max()) > 1  # some bar now spans several rows
    flat = torch.full((4, 1, 16, 16), 0.5)
    assert torch.allclose(BatchAugment(("rotate",))(flat, _generator()), flat, atol=1e-5)
