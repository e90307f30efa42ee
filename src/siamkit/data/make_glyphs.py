"""``python -m siamkit.data.make_glyphs [--sizes 32 64 105]``: render and cache the glyph benchmark (``make glyphs``,
after it installs the fonts). Kept out of :mod:`siamkit.data`'s imports so ``-m`` runs it cleanly."""

from __future__ import annotations

from siamkit.core.resources import siamkit_home
from siamkit.data.glyphs import glyphs


def main(argv: list[str] | None = None) -> None:
    """``python -m siamkit.data.make_glyphs``: render and cache the benchmark (``make glyphs``)."""
    import argparse

    parser = argparse.ArgumentParser(description="Render and cache the glyph benchmark (fonts from `make glyphs`).")
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 105], help="image sides in pixels")
    args = parser.parse_args(argv)
    for size in args.sizes:
        data = glyphs(size=size)
        print(f"glyphs {size}×{size}: {len(data.class_names)} characters × {len(data) // len(data.class_names)} fonts "
              f"= {len(data)} images in {siamkit_home() / 'glyphs'}")


if __name__ == "__main__":
    main()
