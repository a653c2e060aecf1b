"""Layouts to PDF with reportlab: one page per label (4x6 in, 2x1 in stock), sheets of labels on
A4 or Letter, and packing slip pages.

Code 128, GS1-128 (Code 128 with FNC1), QR and EAN-13 are reportlab's barcode widgets; GS1
DataMatrix is drawn cell by cell from zxing-cpp's encoding because reportlab's DataMatrix cannot
start with FNC1. Text is embedded TrueType (see labels.fonts) so Japanese and Ukrainian print.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image as PILImage
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.eanbc import Ean13BarcodeWidget
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from labels import fonts, symbols
from labels.gs1 import GS, element_string
from labels.layout import PAGE_SIZES, Barcode, Box, Element, Image, Layout, Line, Size, Text
from labels.textfit import fit

FNC1 = "\xf1"  # reportlab's Code 128 FNC1


def _measure(language: str, bold: bool):  # type: ignore[no-untyped-def]
    return lambda s, size: fonts.text_width(s, size, language, bold)


def _draw_text(c: Canvas, t: Text, top: float, left: float) -> None:
    fitted = fit(t.text, t.size, t.max_width, t.max_lines, _measure(t.language, t.bold))
    size = fitted.size
    y = top - t.y - size * 0.85
    for line in fitted.lines:
        x = left + t.x
        if t.align == "center" and t.max_width is not None:
            x += (t.max_width - fonts.text_width(line, size, t.language, t.bold)) / 2
        for face, run in fonts.runs(line, t.language, t.bold):
            c.setFont(face.name, size)
            c.drawString(x, y, run)
            x += c.stringWidth(run, face.name, size)
        y -= size * 1.2


def _draw_human_readable(c: Canvas, b: Barcode, top: float, left: float) -> None:
    if not b.human_readable:
        return
    width, height = symbols.extent(b)
    size = symbols.human_readable_size(b)
    text_w = fonts.text_width(b.human_readable, size)
    x = left + b.x + (width - text_w) / 2
    y = top - b.y - height - symbols.HUMAN_READABLE_GAP - size * 0.85
    c.setFont(fonts.face("sans").name, size)
    c.drawString(x, y, b.human_readable)


def _draw_cells(c: Canvas, b: Barcode, top: float, left: float) -> None:
    cells = symbols.modules(b.symbology, b.data)
    m = b.module
    for r, row in enumerate(cells):
        start = None
        for col in range(len(row) + 1):
            dark = col < len(row) and row[col]
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                c.rect(
                    left + b.x + start * m, top - b.y - (r + 1) * m, (col - start) * m, m, stroke=0, fill=1
                )
                start = None


def _draw_barcode(c: Canvas, b: Barcode, top: float, left: float) -> None:
    width, height = symbols.extent(b)
    x, y = left + b.x, top - b.y - height
    if b.symbology in ("code128", "gs1-128"):
        value = b.data
        if b.symbology == "gs1-128":
            value = FNC1 + element_string(b.data).replace(GS, FNC1)
        Code128(value, barWidth=b.module, barHeight=b.height, humanReadable=False, quiet=False).drawOn(
            c, x, y
        )
    elif b.symbology == "ean13":
        widget = Ean13BarcodeWidget(
            b.data[:12], barWidth=b.module, barHeight=b.height, humanReadable=False, quiet=False
        )
        d = Drawing(width, height)
        d.add(widget)
        renderPDF.draw(d, c, x, y)
    elif b.symbology == "qr":
        widget = QrCodeWidget(b.data, barLevel="M", barBorder=0, barWidth=width, barHeight=height)
        d = Drawing(width, height)
        d.add(widget)
        renderPDF.draw(d, c, x, y)
    else:
        _draw_cells(c, b, top, left)
    _draw_human_readable(c, b, top, left)


def _draw_element(c: Canvas, e: Element, top: float, left: float) -> None:
    c.setFillGray(0)
    c.setStrokeGray(0)
    if isinstance(e, Text):
        _draw_text(c, e, top, left)
    elif isinstance(e, Barcode):
        _draw_barcode(c, e, top, left)
    elif isinstance(e, Box):
        c.setLineWidth(e.thickness)
        c.rect(left + e.x, top - e.y - e.height, e.width, e.height, stroke=1, fill=int(e.filled))
    elif isinstance(e, Line):
        c.setLineWidth(e.thickness)
        c.line(left + e.x1, top - e.y1, left + e.x2, top - e.y2)
    elif isinstance(e, Image):
        picture = PILImage.open(io.BytesIO(e.data))
        c.drawImage(
            ImageReader(picture),
            left + e.x,
            top - e.y - e.height,
            e.width,
            e.height,
            preserveAspectRatio=True,
            mask="auto",
        )


def _draw_layout(c: Canvas, layout: Layout, top: float, left: float) -> None:
    for element in layout.elements:
        _draw_element(c, element, top, left)


def _canvas(buffer: io.BytesIO, size: Size, title: str) -> Canvas:
    c = Canvas(buffer, pagesize=(size.width, size.height), invariant=True)
    c.setTitle(title)
    c.setCreator("Kaeru")
    return c


def render_pdf(pages: Layout | Sequence[Layout]) -> bytes:
    """One PDF page per layout, each page the size of its label or sheet."""
    seq = [pages] if isinstance(pages, Layout) else list(pages)
    if not seq:
        raise ValueError("nothing to render: no layouts")
    buffer = io.BytesIO()
    c = _canvas(buffer, seq[0].size, seq[0].kind)
    for layout in seq:
        c.setPageSize((layout.size.width, layout.size.height))
        _draw_layout(c, layout, layout.size.height, 0)
        c.showPage()
    c.save()
    return buffer.getvalue()


def sheet_grid(label: Size, page: Size, margin: float = 18.0, gap: float = 9.0) -> tuple[int, int]:
    """How many labels fit across and down a page."""
    across = int((page.width - 2 * margin + gap) // (label.width + gap))
    down = int((page.height - 2 * margin + gap) // (label.height + gap))
    if across < 1 or down < 1:
        raise ValueError(f"a {label.name} label does not fit on a {page.name} sheet")
    return across, down


def render_pdf_sheet(
    labels: Sequence[Layout], page: str = "A4", margin: float = 18.0, gap: float = 9.0
) -> bytes:
    """Labels of one size laid out in a grid on A4 or Letter pages, as many pages as needed."""
    if not labels:
        raise ValueError("nothing to render: no labels")
    if page not in PAGE_SIZES:
        raise ValueError(f"sheet must be one of {', '.join(PAGE_SIZES)}, got {page!r}")
    sheet = PAGE_SIZES[page]
    label = labels[0].size
    if any(item.size != label for item in labels):
        raise ValueError("all labels on a sheet must have the same size")
    across, down = sheet_grid(label, sheet, margin, gap)
    buffer = io.BytesIO()
    c = _canvas(buffer, sheet, f"{labels[0].kind} sheet")
    per_page = across * down
    for start in range(0, len(labels), per_page):
        for i, layout in enumerate(labels[start : start + per_page]):
            col, row = i % across, i // across
            left = margin + col * (label.width + gap)
            top = sheet.height - margin - row * (label.height + gap)
            c.setLineWidth(0.25)
            c.setStrokeGray(0.7)
            c.rect(left, top - label.height, label.width, label.height, stroke=1, fill=0)
            _draw_layout(c, layout, top, left)
        c.showPage()
    c.save()
    return buffer.getvalue()
