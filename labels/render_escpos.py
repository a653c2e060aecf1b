"""Layouts to ESC/POS bytes for receipt-style thermal printers, through python-escpos.

A receipt printer prints a stream, not a page: elements are printed top to bottom (then left to
right), boxes are left out and long horizontal rules become a dashed line. ASCII text uses the
printer's font; other text (Japanese, Ukrainian) is drawn with the label fonts and sent as a
raster image, since code pages for those scripts differ from printer to printer. Code 128 and
GS1-128 (FNC1 as `{1`) and QR use the printer's own commands; a GS1 DataMatrix, which ESC/POS
has no common command for, is sent as an image of its cells.

The bytes come from python-escpos's `Dummy` printer; sending them is the printer drivers' job.
"""

from __future__ import annotations

import contextlib
import copy
import io
from collections.abc import Sequence

from escpos.printer import Dummy
from PIL import Image as PILImage

from labels import bitmap, symbols
from labels.gs1 import GS, element_string
from labels.layout import Barcode, Box, Element, Image, Layout, Line, Text
from labels.textfit import wrap

PAPER_DOTS = 576  # 80 mm paper, 72 mm printable at 203 dpi
FONT_A_DOTS = 12  # font A is 12x24 dots


def _order(e: Element) -> tuple[int, float]:
    """Receipt order: rows of 12 pt from the top, left to right within a row."""
    x, y = (e.x1, e.y1) if isinstance(e, Line) else (e.x, e.y)
    return (int(y // 12), x)


class _Receipt:
    def __init__(self, printer: Dummy, dpi: int, paper_dots: int) -> None:
        self.p = printer
        self.dpi = dpi
        self.scale = dpi / 72.0
        self.paper_dots = paper_dots
        self.columns = paper_dots // FONT_A_DOTS

    def dots(self, points: float) -> int:
        return round(points * self.scale)

    def text(self, t: Text) -> None:
        paper_pt = self.paper_dots / self.scale
        width = min(t.max_width or paper_pt, paper_pt)
        if t.text.isascii():
            big = t.size >= 20
            columns = self.columns // 2 if big else self.columns
            limit = min(columns, max(1, int(width * self.scale) // (FONT_A_DOTS * (2 if big else 1))))
            lines = wrap(t.text, limit, 1, lambda s, _size: len(s))[: max(1, t.max_lines)]
            self.p.set(
                align="center" if t.align == "center" else "left",
                bold=t.bold,
                double_height=big,
                double_width=big,
            )
            self.p.text("\n".join(lines) + "\n")
            self.p.set(normal_textsize=True, bold=False, align="left")
            return
        fitted = bitmap.fit_px(t.text, t.size, width, t.max_lines, t.language, t.bold, self.dpi)
        image = bitmap.text_bitmap(fitted.lines, max(8, self.dots(fitted.size)), t.language, t.bold)
        self.p.image(image)

    def barcode(self, b: Barcode) -> None:
        module = max(1, round(b.module * self.scale))
        if b.symbology in ("code128", "gs1-128", "ean13"):
            height = max(1, min(255, self.dots(b.height)))
            # Narrow the bars until symbol and quiet zones fit the paper (2 dots at the least).
            cells = symbols.modules(b.symbology, b.data).shape[1] + 2 * symbols.QUIET_ZONE[b.symbology]
            width = max(2, min(6, module, int(self.paper_dots / (cells * 1.1))))
            if b.symbology == "ean13":
                code, kind, function_type = b.data[:12], "EAN13", None
            elif b.symbology == "gs1-128":
                # Code set B, FNC1 first and after each variable-length field.
                code, kind, function_type = "{B{1" + element_string(b.data).replace(GS, "{1"), "CODE128", "B"
            else:
                code, kind, function_type = "{B" + b.data.replace("{", "{{"), "CODE128", "B"
            # python-escpos prints which barcode renderer it chose; keep that off our stdout.
            with contextlib.redirect_stdout(io.StringIO()):
                self.p.barcode(
                    code,
                    kind,
                    height=height,
                    width=width,
                    pos="OFF",
                    function_type=function_type,
                    check=False,
                )
            if b.human_readable:
                self.p.set(align="center")
                self.p.text(b.human_readable + "\n")
                self.p.set(align="left")
        elif b.symbology == "qr":
            from escpos.constants import QR_ECLEVEL_M

            self.p.qr(b.data, ec=QR_ECLEVEL_M, size=max(1, min(16, module)), native=True)
        else:
            cells = symbols.modules(b.symbology, b.data)
            quiet = symbols.QUIET_ZONE[b.symbology]
            side = max(2, module)
            image = PILImage.new(
                "1", ((cells.shape[1] + 2 * quiet) * side, (cells.shape[0] + 2 * quiet) * side), 1
            )
            for r, row in enumerate(cells):
                for c, dark in enumerate(row):
                    if dark:
                        image.paste(
                            0,
                            (
                                (c + quiet) * side,
                                (r + quiet) * side,
                                (c + quiet + 1) * side,
                                (r + quiet + 1) * side,
                            ),
                        )
            self.p.image(image)

    def element(self, e: Element) -> None:
        if isinstance(e, Text):
            self.text(e)
        elif isinstance(e, Barcode):
            self.barcode(e)
        elif isinstance(e, Line):
            if e.y1 == e.y2 and abs(e.x2 - e.x1) * self.scale >= self.paper_dots / 2:
                self.p.text("-" * self.columns + "\n")
        elif isinstance(e, Image):
            self.p.image(
                bitmap.picture_bitmap(e.data, min(self.paper_dots, self.dots(e.width)), self.dots(e.height))
            )
        elif isinstance(e, Box):
            pass  # frames do not survive the trip to a receipt


def render_escpos(pages: Layout | Sequence[Layout], dpi: int = 203, paper_dots: int = PAPER_DOTS) -> bytes:
    """ESC/POS bytes printing each layout as a receipt, with a cut after each."""
    seq = [pages] if isinstance(pages, Layout) else list(pages)
    if not seq:
        raise ValueError("nothing to render: no layouts")
    if paper_dots < 96:
        raise ValueError(f"paper must be at least 96 dots wide, got {paper_dots}")
    printer = Dummy()
    # Tell python-escpos the paper width (its default profile leaves it unknown); a private copy,
    # as profiles are shared between printer objects.
    profile = copy.deepcopy(printer.profile.profile_data)
    profile["media"]["width"]["pixels"] = paper_dots
    printer.profile.profile_data = profile
    receipt = _Receipt(printer, dpi, paper_dots)
    for layout in seq:
        printer.hw("INIT")
        for element in sorted(layout.elements, key=_order):
            receipt.element(element)
        printer.cut()
    return printer.output
