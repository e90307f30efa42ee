"""The glyph benchmark: coverage, rendering, caching, the fixed character split, errors, and a CLI run.

Real glyphs come from the fonts matplotlib ships (DejaVu, STIX: installed by every set-up), standing in for the
CJK catalogue; one test renders real kanji from the catalogue when `make glyphs` has installed it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from siamkit.cli import run
from siamkit.core.errors import DataError
from siamkit.data import glyphs as glyph_data
from siamkit.data.glyph_fonts import GLYPH_FONTS, GlyphFont, installed
from siamkit.data.glyph_render import drawn_characters, render_glyphs
from siamkit.experiments.splits import split_data

LATIN_GREEK = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789ΓΔΘΛΞΠΣΦΨΩαβγδεζηθλμξπσφψω"
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "DejaVuSans-Bold.ttf",
              "DejaVuSerif-Italic.ttf", "STIXGeneral.ttf", "STIXGeneralItalic.ttf", "DejaVuSans-Oblique.ttf",
              "DejaVuSerif-Bold.ttf", "DejaVuSansMono-Bold.ttf", "STIXGeneralBol.ttf", "STIXGeneralBolIta.ttf")


def _matplotlib_fonts() -> list[GlyphFont]:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return [GlyphFont(name, "matplotlib", str(folder / name), "test stand-in", "DejaVu / STIX licence") for name in FONT_FILES]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SIAMKIT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_coverage_leaves_out_code_points_mapped_to_empty_glyphs():
    font = _matplotlib_fonts()[0].path
    drawn = drawn_characters(font, "A b\u3042")
    assert drawn == {"A", "b"}  # the space maps to an empty glyph; hiragana is not in DejaVu's map at all


def test_rendering_centres_the_ink_at_one_scale_per_font():
    images, blank = render_glyphs(_matplotlib_fonts()[1].path, "Il. ", 32)
    assert images.shape == (4, 32, 32) and images.dtype == torch.uint8 and blank == [" "]
    assert images[3].max() == 0
    for image in images[:3]:
        ys, xs = torch.nonzero(image > 127, as_tuple=True)
        assert abs((ys.min() + ys.max()) / 2 - 15.5) <= 1.5 and abs((xs.min() + xs.max()) / 2 - 15.5) <= 1.5
    height = [int((im > 127).any(1).sum()) for im in images[:3]]
    assert height[0] > 3 * height[2]  # "I" stays taller than "." (no per-glyph rescaling)


def test_glyphs_are_character_major_cached_and_labelled(home, monkeypatch):
    fonts = _matplotlib_fonts()
    data = glyph_data.glyphs(fonts=fonts, characters=LATIN_GREEK, size=20)
    assert data.x.shape == (len(LATIN_GREEK) * len(fonts), 1, 20, 20) and data.x.dtype == torch.uint8
    assert "".join(data.class_names) == "".join(sorted(LATIN_GREEK)) and data.name == "glyphs"
    assert torch.equal(data.y[: len(fonts)], torch.zeros(len(fonts), dtype=torch.long))
    assert (data.x.flatten(1).amax(1) > 0).all()
    assert "DejaVuSans.ttf" in (home / "glyphs" / "fonts.csv").read_text()

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered again despite the cache")

    monkeypatch.setattr(glyph_data, "render_collection", no_rendering)
    again = glyph_data.glyphs(fonts=fonts, characters=LATIN_GREEK, size=20)
    assert torch.equal(again.x, data.x) and again.class_names == data.class_names


def test_a_character_some_font_lacks_is_left_out(home):
    fonts = _matplotlib_fonts()[:2]
    data = glyph_data.glyphs(fonts=fonts, characters="AB\u3042", size=16, cache=False)
    assert data.class_names == ["A", "B"]


def test_corrupt_and_missing_fonts_are_clear_errors(tmp_path):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"this is not a font")
    with pytest.raises(DataError, match="broken.ttf.*cannot be read"):
        drawn_characters(broken, "A")
    with pytest.raises(DataError, match="no such file"):
        drawn_characters(tmp_path / "absent.ttf", "A")
    missing = GlyphFont("gone", "fonts-gone", str(tmp_path / "gone.ttf"), "", "")
    with pytest.raises(DataError, match="fonts-gone; run `make glyphs`"):
        installed([missing])


def test_character_split_is_fixed_disjoint_and_60_15_25():
    names = list(LATIN_GREEK)
    train, val, test = glyph_data.character_split(names)
    assert glyph_data.character_split(list(reversed(names))) == (train, val, test)
    assert not (set(train) & set(val) or set(train) & set(test) or set(val) & set(test))
    assert sorted(train + val + test) == sorted(names)
    assert (len(test), len(val)) == (-(-len(names) * 25 // 100), -(-len(names) * 15 // 100))


def test_protocol_holds_test_characters_out_and_validates_on_validation_characters(home):
    data = glyph_data.glyphs(fonts=_matplotlib_fonts(), characters=LATIN_GREEK, size=16)
    _, val_chars, test_chars = glyph_data.character_split(data.class_names)
    splits = split_data(data, None, (0.7, 0.15, 0.15), seed=0)
    names = lambda part: {part.class_names[c] for c in part.classes()}  # noqa: E731
    assert names(splits.unseen) == set(test_chars) and names(splits.val) == set(val_chars)
    assert not names(splits.train) & (set(test_chars) | set(val_chars))
    assert names(splits.test) == names(splits.train)  # other fonts of the training characters


def test_train_on_glyphs_reports_one_shot_tasks_beside_baselines(home, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(glyph_data, "GLYPH_FONTS", tuple(_matplotlib_fonts()))
    monkeypatch.setattr(glyph_data, "CJK_IDEOGRAPHS", LATIN_GREEK)
    out = tmp_path / "run"
    args = ["train", "--dataset", "glyphs", "--image-size", "16x16", "--out", str(out), "--encoder", "mlp",
            "--epochs", "1", "--train-pairs", "200", "--eval-pairs", "100", "--quiet"]
    assert run(args) == 0
    unseen = json.loads((out / "metrics.json").read_text())["unseen_classes"]
    assert len(unseen["classes"]) >= 20
    assert all(0.0 <= task["accuracy"] <= 1.0 for task in unseen["few_shot_tasks"].values())
    printed = capsys.readouterr().out
    assert "N-way K-shot accuracy" in printed and "20-way 1-shot" in printed and "raw_l2" in printed
    assert run(["eval", str(out / "model.ckpt"), "--dataset", "glyphs"]) == 0


def test_real_kanji_from_the_catalogue_when_installed():
    fonts = [f for f in GLYPH_FONTS if f.path.is_file()][:3]
    if len(fonts) < 3:
        pytest.skip("the CJK fonts of the glyph catalogue are not installed (`make glyphs` installs them)")
    characters = "永字八法"
    images = torch.stack([render_glyphs(f.path, characters, 32)[0] for f in fonts], dim=1)
    assert (images.flatten(2).amax(2) > 0).all()
    assert not torch.equal(images[:, 0], images[:, 1])  # different typefaces draw the same character differently
