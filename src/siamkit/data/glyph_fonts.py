"""The typefaces of the glyph benchmark: 21 real Japanese and Chinese fonts of clearly different design.

One character drawn by 21 typefaces is 21 real, differently designed instances of one class — Omniglot's shape
(1,623 characters × 20 drawers) from material nobody here made. Each font is a Debian package (``make glyphs``
installs them with apt); :data:`GLYPH_FONTS` names its file, its design and its font licence.

Why these: every Debian CJK font package whose kanji were checked, minus near-copies and fonts that draw too
few kanji. Measured on 300 common kanji rendered at 32×32 (mean pixel correlation between two fonts' images
of the same character; two *different* characters of one font score 0.26): Motoya L Maruberi is Motoya L
Cedar rounded (0.97), so only Cedar is kept; every other pair is at most 0.78. Left out: Kouzan sōsho (grass
script: 0.17–0.19 against every other font, below two different characters — a different written form,
not another drawing of the same one), Aoyagi Kouzan T (2,965 kanji drawn), Sawarabi Gothic / Mincho
(4,494 / 3,600), MigMix / Migu (its kanji are IPA Gothic's). The 21 below all draw 3,687 of the CJK Unified
Ideographs (U+4E00–U+9FFF) with a non-empty glyph.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from siamkit.core.errors import DataError


@dataclass(frozen=True)
class GlyphFont:
    """One typeface: ``name`` (short id), its Debian ``package``, font ``file``, ``design`` and font ``licence``."""

    name: str
    package: str
    file: str
    design: str
    licence: str

    @property
    def path(self) -> Path:
        return Path(self.file)


_T = "/usr/share/fonts/truetype"
GLYPH_FONTS: tuple[GlyphFont, ...] = (
    GlyphFont("ipa-mincho", "fonts-ipafont-mincho", "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf", "Mincho (serif)", "IPA Font License 1.0"),
    GlyphFont("ipa-gothic", "fonts-ipafont-gothic", "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf", "Gothic (sans)", "IPA Font License 1.0"),
    GlyphFont("hanazono", "fonts-hanazono", f"{_T}/hanazono/HanaMinA.ttf", "Mincho from the KAGE stroke system", "Hanazono Font License or OFL 1.1"),
    GlyphFont("ume-mincho", "fonts-horai-umefont", f"{_T}/horai-umefont/ume-tmo3.ttf", "Mincho", "UmeFont licence (free use, modification, redistribution)"),
    GlyphFont("ume-gothic", "fonts-horai-umefont", f"{_T}/horai-umefont/ume-tgo4.ttf", "Gothic", "UmeFont licence (free use, modification, redistribution)"),
    GlyphFont("bizud-mincho", "fonts-morisawa-bizud-mincho", f"{_T}/bizud-mincho/BIZUDMincho-Regular.ttf", "universal-design Mincho (Morisawa)", "OFL 1.1"),
    GlyphFont("bizud-gothic", "fonts-morisawa-bizud-gothic", f"{_T}/bizud-gothic/BIZUDGothic-Regular.ttf", "universal-design Gothic (Morisawa)", "OFL 1.1"),
    GlyphFont("dejima-mincho", "fonts-dejima-mincho", f"{_T}/dejima-mincho/dejima-mincho-r227.ttf", "antique Mincho", "MIT"),
    GlyphFont("oradano-mincho", "fonts-oradano-mincho-gsrr", f"{_T}/oradano-mincho/OradanoGSRR.ttf", "Meiji-era printing Mincho", "Oradano licence (free use and redistribution)"),
    GlyphFont("motoya-cedar", "fonts-motoya-l-cedar", f"{_T}/motoya-l-cedar/MTLc3m.ttf", "Motoya Cedar (sans)", "Apache 2.0"),
    GlyphFont("vl-gothic", "fonts-vlgothic", f"{_T}/vlgothic/VL-Gothic-Regular.ttf", "Gothic (kanji from Sazanami)", "BSD-3-Clause, M+ and Sazanami licences"),
    GlyphFont("konatu", "fonts-konatu", f"{_T}/konatu/Konatu.ttf", "rounded Gothic", "MIT"),
    GlyphFont("kiloji", "fonts-kiloji", f"{_T}/kiloji/kiloji.ttf", "longhand (pen)", "BSD-3-Clause"),
    GlyphFont("klee", "fonts-klee", f"{_T}/klee/KleeOne-Regular.ttf", "pencil handwriting", "OFL 1.1"),
    GlyphFont("seto", "fonts-seto", f"{_T}/seto/setofont.ttf", "handwriting (marker)", "OFL 1.1"),
    GlyphFont("aoyagi-soseki", "fonts-aoyagi-soseki", f"{_T}/aoyagi-soseki/aoyagi-soseki.ttf", "brush (calligrapher Aoyagi Soseki)", "public domain"),
    GlyphFont("kouzan-kaisho", "fonts-kouzan-mouhitsu", f"{_T}/kouzan-mouhitsu/kouzan-mouhitsu.ttf", "brush, regular script", "public domain"),
    GlyphFont("kouzan-gyosho", "fonts-kouzan-mouhitsu", f"{_T}/kouzan-mouhitsu/kouzan-mouhitsu-gyosho.ttf", "brush, semi-cursive script", "public domain"),
    GlyphFont("ar-ukai", "fonts-arphic-ukai", f"{_T}/arphic/ukai.ttc", "Chinese Kai (calligraphic)", "Arphic Public License"),
    GlyphFont("ar-uming", "fonts-arphic-uming", f"{_T}/arphic/uming.ttc", "Chinese Ming (serif)", "Arphic Public License"),
    GlyphFont("cwtex-kai", "fonts-cwtex-kai", f"{_T}/cwtex/cwkai.ttf", "Chinese Kai (cwTeX)", "GPL 2+"),
)


def font_by_name(name: str) -> GlyphFont:
    """The catalogue entry called ``name``."""
    for font in GLYPH_FONTS:
        if font.name == name:
            return font
    raise DataError(f"unknown glyph font '{name}'; choose from: {', '.join(f.name for f in GLYPH_FONTS)}")


def installed(fonts: tuple[GlyphFont, ...] | list[GlyphFont]) -> list[GlyphFont]:
    """``fonts`` if every file is present, else a :class:`DataError` naming the missing packages and the fix."""
    missing = sorted({f.package for f in fonts if not f.path.is_file()})
    if missing:
        raise DataError(
            f"glyph fonts not installed: {', '.join(missing)}; run `make glyphs` "
            f"(or: apt-get install {' '.join(missing)})"
        )
    return list(fonts)


def packages(fonts: tuple[GlyphFont, ...] = GLYPH_FONTS) -> list[str]:
    """The Debian packages holding ``fonts``, each once, in catalogue order."""
    return list(dict.fromkeys(f.package for f in fonts))
