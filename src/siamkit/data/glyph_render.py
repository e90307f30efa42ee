"""Characters drawn by a font file: which ones it really draws, and their images.

- :func:`drawn_characters`: the code points a font maps to a glyph with ink — its character map (``cmap``, read
  with fontTools) less the glyphs that are empty outlines (fonts that map thousands of code points to blank
  glyphs, or to nothing but a fallback, would otherwise pass as covering them).
- :func:`render_glyphs`: each character as a ``uint8`` image ``[N, size, size]`` (white ink on black, 0–255),
  drawn by Pillow at one pixel size per font (the same relative scale for every character of a font:
  ``INK_SCALE`` × ``size`` pixels per em) with the ink's bounding box centred. A character that comes out with
  no ink is reported, never kept as a blank image.

A font file that is missing, is not a font, or is corrupt raises :class:`~siamkit.core.errors.DataError` naming it.
"""

from __future__ import annotations

from pathlib import Path

import torch

from siamkit.core.errors import DataError

INK_SCALE = 0.84  # pixels per em, as a fraction of the image side: CJK glyphs fill most of their em square


def _font_error(path: Path, reason: str) -> DataError:
    return DataError(f"font {path}: {reason}; give a TrueType/OpenType font file (.ttf, .otf or .ttc)")


def drawn_characters(path: str | Path, candidates: str | None = None) -> set[str]:
    """The characters (of ``candidates``, default every one the font maps) that ``path`` draws with a non-empty glyph."""
    from fontTools.ttLib import TTFont, TTLibError

    path = Path(path)
    if not path.is_file():
        raise _font_error(path, "no such file")
    try:
        font = TTFont(str(path), fontNumber=0, lazy=True)
        cmap = font.getBestCmap() or {}
        glyf = font["glyf"] if "glyf" in font else None
    except (TTLibError, OSError, AssertionError, KeyError, ValueError) as exc:
        raise _font_error(path, f"cannot be read ({exc})") from exc
    wanted = cmap if candidates is None else {ord(c): cmap[ord(c)] for c in candidates if ord(c) in cmap}
    if glyf is None:  # CFF outlines: emptiness shows when rendering (render_glyphs rejects blank images)
        return {chr(c) for c in wanted}
    return {chr(c) for c, name in wanted.items() if glyf[name].numberOfContours != 0}


def load_font(path: str | Path, size: int):
    """Pillow's font object for ``path`` at ``INK_SCALE × size`` pixels per em."""
    from PIL import ImageFont

    try:
        return ImageFont.truetype(str(path), max(1, round(INK_SCALE * size)))
    except OSError as exc:
        raise _font_error(Path(path), f"cannot be opened by Pillow ({exc})") from exc


def render_glyphs(path: str | Path, characters: str | list[str], size: int) -> tuple[torch.Tensor, list[str]]:
    """``(images uint8 [N, size, size], blank)``: ``characters`` drawn by the font at ``path``, ink centred;
    ``blank`` lists the characters that came out with no ink (their images are all zero: drop them)."""
    from PIL import Image, ImageDraw

    if size < 8:
        raise DataError(f"glyph size must be ≥ 8 pixels, got {size}")
    font = load_font(path, size)
    images = torch.zeros(len(characters), size, size, dtype=torch.uint8)
    blank = []
    for i, char in enumerate(characters):
        left, top, right, bottom = font.getbbox(char)
        if right <= left or bottom <= top:
            blank.append(char)
            continue
        canvas = Image.new("L", (size, size), 0)
        origin = ((size - (right - left)) / 2 - left, (size - (bottom - top)) / 2 - top)
        ImageDraw.Draw(canvas).text(origin, char, fill=255, font=font)
        image = torch.frombuffer(bytearray(canvas.tobytes()), dtype=torch.uint8).view(size, size)
        if int(image.max()) == 0:
            blank.append(char)
            continue
        images[i] = image
    return images, blank
