"""A label or page as format-independent data: a size and the elements drawn on it.

Every renderer (PDF, ZPL, ESC/POS) takes a `Layout` and nothing else, so what a label says is
decided once, in `labels.kinds`, and the formats only differ in how they draw it. Units are
PostScript points (1/72 in); `y` runs from the top edge down, as on a printed label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

POINTS_PER_INCH = 72.0
POINTS_PER_MM = 72.0 / 25.4

Symbology = Literal["gs1-128", "code128", "qr", "datamatrix-gs1", "ean13"]
SYMBOLOGIES: tuple[Symbology, ...] = ("gs1-128", "code128", "qr", "datamatrix-gs1", "ean13")
LINEAR: frozenset[str] = frozenset({"gs1-128", "code128", "ean13"})


@dataclass(frozen=True)
class Size:
    """Width and height of a label or page, in points."""

    name: str
    width: float
    height: float


def inches(width: float, height: float, name: str = "") -> Size:
    return Size(name or f"{width:g}x{height:g}in", width * POINTS_PER_INCH, height * POINTS_PER_INCH)


LABEL_4X6 = inches(4, 6, "4x6in")
LABEL_4X2 = inches(4, 2, "4x2in")
LABEL_2X1 = inches(2, 1, "2x1in")
A4 = Size("A4", 210 * POINTS_PER_MM, 297 * POINTS_PER_MM)
LETTER = inches(8.5, 11, "Letter")
PAGE_SIZES = {"A4": A4, "Letter": LETTER}


@dataclass(frozen=True)
class Text:
    """One line (or up to `max_lines` wrapped lines) of text, top-left at (x, y).

    Renderers shrink the font (down to half of `size`) and then wrap to keep the text inside
    `max_width`; `language` is a BCP 47 tag that selects fonts for the script.
    """

    x: float
    y: float
    text: str
    size: float = 10.0
    bold: bool = False
    max_width: float | None = None
    max_lines: int = 1
    language: str = "en"
    align: Literal["left", "center"] = "left"


@dataclass(frozen=True)
class Box:
    """A rectangle outline (or filled) with top-left at (x, y)."""

    x: float
    y: float
    width: float
    height: float
    thickness: float = 1.0
    filled: bool = False


@dataclass(frozen=True)
class Line:
    """A straight rule from (x1, y1) to (x2, y2); horizontal or vertical on thermal printers."""

    x1: float
    y1: float
    x2: float
    y2: float
    thickness: float = 1.0


@dataclass(frozen=True)
class Barcode:
    """A barcode whose top-left (quiet zone excluded) is at (x, y).

    `data` is what a scanner must read back: for GS1 symbologies it is the human-readable form
    with AIs in parentheses, e.g. "(00)106141411234567897"; for the others the plain text.
    `module` is the narrow bar / cell size in points; `height` is the bar height of a linear
    symbol (2D symbols are square-ish and sized by their modules). `human_readable` is printed
    under a linear symbol when set.
    """

    x: float
    y: float
    symbology: Symbology
    data: str
    module: float
    height: float = 0.0
    human_readable: str | None = None


@dataclass(frozen=True)
class Image:
    """A picture (PNG or other Pillow-readable bytes) scaled into the box at (x, y)."""

    x: float
    y: float
    width: float
    height: float
    data: bytes


Element = Text | Box | Line | Barcode | Image


@dataclass(frozen=True)
class Layout:
    """One label or one page: its stock size and the elements on it, in drawing order."""

    kind: str
    size: Size
    elements: tuple[Element, ...] = field(default_factory=tuple)

    def barcodes(self) -> tuple[Barcode, ...]:
        return tuple(e for e in self.elements if isinstance(e, Barcode))

    def texts(self) -> tuple[Text, ...]:
        return tuple(e for e in self.elements if isinstance(e, Text))
