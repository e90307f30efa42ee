"""The glyph benchmark: thousands of real characters, each drawn by 21 real typefaces (Omniglot-style).

:func:`glyphs` renders every character that every chosen font draws (see :mod:`siamkit.data.glyph_fonts` for
the fonts and why) at ``size × size`` pixels and returns them as ``uint8`` :class:`LabeledData` ``[N, 1, S, S]``:
class = character (``class_names`` are the characters themselves), items ordered character by character, one
per font in catalogue order. The result is cached under ``$SIAMKIT_HOME/glyphs`` (default
``~/.cache/siamkit/glyphs``) with ``fonts.csv`` beside it (each font's package, design and licence), so later
loads take a second. ``make glyphs`` installs the fonts and renders 32×32, 64×64 and Omniglot's 105×105.

:func:`character_split`: the fixed class-disjoint split by character that ``--dataset glyphs`` uses — 60 % of
the characters train, 15 % are validation classes (best epoch, threshold for new identities), 25 % are the
unseen test classes; no test character is ever rendered into training data.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from pathlib import Path

import torch

from siamkit.core.errors import DataError
from siamkit.core.fileio import atomic_path, load_torch_file
from siamkit.core.resources import siamkit_home
from siamkit.data.glyph_fonts import GLYPH_FONTS, GlyphFont, installed
from siamkit.data.glyph_render import drawn_characters, render_glyphs
from siamkit.data.labeled import LabeledData

CJK_IDEOGRAPHS = "".join(chr(c) for c in range(0x4E00, 0xA000))
SPLIT_FRACTIONS = (0.60, 0.15, 0.25)  # train, validation, test characters
SPLIT_SEED = 1623  # Omniglot's character count; fixed so every run and every paper-style table uses one split


def common_characters(fonts: list[GlyphFont], candidates: str = CJK_IDEOGRAPHS) -> str:
    """The characters of ``candidates`` that every font draws with a non-empty glyph, in code point order."""
    common = set(candidates)
    for font in fonts:
        common &= drawn_characters(font.path, "".join(sorted(common)))
    return "".join(sorted(common))


def render_collection(fonts: list[GlyphFont], characters: str, size: int) -> tuple[torch.Tensor, str]:
    """``(images uint8 [C·F, 1, S, S] character-major, kept characters)``: a character any font draws blank is left out."""
    per_font, blank = [], set()
    for font in fonts:
        images, empty = render_glyphs(font.path, characters, size)
        per_font.append(images)
        blank |= set(empty)
    keep = [i for i, c in enumerate(characters) if c not in blank]
    stacked = torch.stack([images[keep] for images in per_font], dim=1)  # [C, F, S, S]
    return stacked.reshape(-1, 1, size, size), "".join(characters[i] for i in keep)


def _cache_key(fonts: list[GlyphFont], characters: str | None, size: int) -> str:
    spec = json.dumps([[f.name, f.file] for f in fonts] + [characters, size])
    return hashlib.sha256(spec.encode()).hexdigest()[:16]


def write_font_manifest(folder: Path, fonts: list[GlyphFont]) -> None:
    """``folder/fonts.csv``: one row per font (name, package, file, design, licence), atomically."""
    with atomic_path(folder / "fonts.csv") as tmp, open(tmp, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["font", "package", "file", "design", "licence"])
        writer.writerows([f.name, f.package, f.file, f.design, f.licence] for f in fonts)


def glyphs(
    fonts: list[GlyphFont] | tuple[GlyphFont, ...] | None = None,
    characters: str | None = None,
    size: int = 64,
    cache: bool = True,
) -> LabeledData:
    """Each character of ``characters`` (default: every CJK ideograph all ``fonts`` draw) in every font, ``size`` px.

    Returns ``x`` ``uint8`` ``[C·F, 1, size, size]`` (white ink on black), ``y`` ``[C·F]`` (character id; item
    ``i`` is character ``i // F`` in font ``i % F``), ``class_names`` the characters. ``fonts`` default to
    :data:`~siamkit.data.glyph_fonts.GLYPH_FONTS`; a missing one is an error naming its package.
    """
    fonts = installed(GLYPH_FONTS if fonts is None else fonts)
    if len(fonts) < 2:
        raise DataError("the glyph benchmark needs at least 2 fonts (instances per character)")
    folder = siamkit_home() / "glyphs"
    path = folder / f"glyphs-{size}-{_cache_key(fonts, characters, size)}.pt"
    if cache and path.is_file():
        stored = load_torch_file(path, "glyph cache", "delete it to render the glyphs again")
        x, kept = stored["x"], stored["characters"]
    else:
        wanted = common_characters(fonts, CJK_IDEOGRAPHS if characters is None else characters)
        x, kept = render_collection(fonts, wanted, size)
        if cache:
            with atomic_path(path) as tmp:
                torch.save({"x": x, "characters": kept, "fonts": [f.name for f in fonts]}, tmp)
            write_font_manifest(folder, fonts)
    if len(kept) < 2:
        raise DataError(f"the fonts draw {len(kept)} of the requested characters in common; need at least 2")
    y = torch.arange(len(kept)).repeat_interleave(len(fonts))
    return LabeledData(x, y, list(kept), name="glyphs")


def character_split(characters: list[str]) -> tuple[list[str], list[str], list[str]]:
    """The fixed ``(train, validation, test)`` split of ``characters`` by :data:`SPLIT_FRACTIONS`, seeded by
    :data:`SPLIT_SEED` over the characters in code point order (the same characters always split the same way)."""
    ordered = sorted(characters)
    order = torch.randperm(len(ordered), generator=torch.Generator().manual_seed(SPLIT_SEED)).tolist()
    n_test = math.ceil(SPLIT_FRACTIONS[2] * len(ordered))
    n_val = math.ceil(SPLIT_FRACTIONS[1] * len(ordered))
    test = [ordered[i] for i in order[:n_test]]
    val = [ordered[i] for i in order[n_test : n_test + n_val]]
    train = [ordered[i] for i in order[n_test + n_val :]]
    return train, val, test

