"""The TrueType fonts labels are drawn with, found on the system, and which one draws each character.

reportlab embeds only TrueType outlines (Debian's Noto CJK is CFF and will not load), so:
- Latin and Cyrillic (English, Ukrainian): DejaVu Sans — Debian package `fonts-dejavu-core`;
- Japanese: IPAex Gothic — Debian package `fonts-ipaexfont-gothic` (it lacks the Ukrainian
  letters Ґ Є І Ї, hence two fonts and a per-character choice).
Files in `labels/fonts/` are looked at first, so a site may drop its own there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

Role = Literal["sans", "sans-bold", "japanese"]

_HERE = Path(__file__).parent / "fonts"


@dataclass(frozen=True)
class _Wanted:
    files: tuple[str, ...]  # absolute paths or names looked up in labels/fonts/
    package: str
    what: str


_WANTED: dict[Role, _Wanted] = {
    "sans": _Wanted(
        ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        "fonts-dejavu-core",
        "Latin and Cyrillic text",
    ),
    "sans-bold": _Wanted(
        ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
        "fonts-dejavu-core",
        "bold Latin and Cyrillic text",
    ),
    "japanese": _Wanted(
        (
            "ipaexg.ttf",
            "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
            "/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf",
            "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
            "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
        ),
        "fonts-ipaexfont-gothic",
        "Japanese text",
    ),
}


class FontMissing(RuntimeError):
    """A font needed for some text is not installed; the message names the Debian package."""


@dataclass(frozen=True)
class Face:
    """One loaded font: its reportlab name, file and the characters it has glyphs for."""

    role: Role
    name: str
    path: Path
    codepoints: frozenset[int]

    def covers(self, ch: str) -> bool:
        return ord(ch) in self.codepoints


def font_path(role: Role) -> Path:
    wanted = _WANTED[role]
    for name in wanted.files:
        path = Path(name) if name.startswith("/") else _HERE / name
        if path.is_file():
            return path
    raise FontMissing(
        f"{wanted.what} on labels needs a TrueType font that is not installed: "
        f"install the Debian package {wanted.package} (apt-get install {wanted.package}); "
        f"looked for {', '.join(wanted.files)}"
    )


@cache
def face(role: Role) -> Face:
    """Load (once per process) and register with reportlab the font for `role`."""
    from reportlab.pdfbase import pdfmetrics  # loaded on the first label, not when a server starts
    from reportlab.pdfbase.ttfonts import TTFont

    path = font_path(role)
    name = f"Kaeru-{role}"
    ttf = TTFont(name, str(path))
    pdfmetrics.registerFont(ttf)
    return Face(role, name, path, frozenset(ttf.face.charToGlyph))


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF


def chain(ch: str, bold: bool) -> tuple[Role, ...]:
    """Fonts to try for one character: the Japanese face first for CJK characters (its
    punctuation and kana), DejaVu first for everything else (its Cyrillic is proportional)."""
    latin: Role = "sans-bold" if bold else "sans"
    return ("japanese", latin) if _is_cjk(ch) else (latin, "japanese")


def runs(text: str, language: str = "en", bold: bool = False) -> list[tuple[Face, str]]:
    """Split `text` into maximal runs, each drawn with the first font of its chain that has it.

    The Japanese font is loaded only when a character needs it; a character no font has is
    drawn with the Latin font (a missing-glyph box rather than a lost label). `language` is
    kept for fonts that differ per language (Chinese vs Japanese forms), none yet.
    """
    latin = face("sans-bold" if bold else "sans")
    out: list[tuple[Face, str]] = []
    for ch in text:
        chosen = latin
        if ch.isascii() and latin.covers(ch):
            pass
        else:
            for role in chain(ch, bold):
                try:
                    candidate = face(role)
                except FontMissing:
                    if _is_cjk(ch):
                        raise  # Japanese text cannot be printed: say which package is missing
                    continue
                if candidate.covers(ch):
                    chosen = candidate
                    break
        if out and out[-1][0] is chosen:
            out[-1] = (chosen, out[-1][1] + ch)
        else:
            out.append((chosen, ch))
    return out


def text_width(text: str, size: float, language: str = "en", bold: bool = False) -> float:
    """Width in points of `text` at `size` points, as reportlab will draw it."""
    from reportlab.pdfbase import pdfmetrics

    return sum(pdfmetrics.stringWidth(run, f.name, size) for f, run in runs(text, language, bold))
