"""Draws interpreted ESC/POS operations as an 80 mm receipt (576 dots at 203 dpi), to PNG.

Text is drawn with DejaVu Sans Mono at the size of the printer's 12x24 font A (9x17 font B),
scaled by the character size multipliers as a thermal head does. Barcodes and QR codes are real
symbols encoded by zxing-cpp's writer, so the picture scans as the paper would.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import biip
import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageFont, ImageOps

from simulators.printers.escpos_commands import (
    Align,
    Barcode,
    Cut,
    Feed,
    Operation,
    QrCode,
    Raster,
    Style,
    TextLine,
)

PAPER_DOTS = 576
LINE_SPACING = 30  # ESC 2 default: about 1/6 in
_FONT_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)
_FORMATS = {
    "CODE128": zxingcpp.BarcodeFormat.Code128,
    "GS1-128": zxingcpp.BarcodeFormat.Code128,
    "EAN13": zxingcpp.BarcodeFormat.EAN13,
    "EAN8": zxingcpp.BarcodeFormat.EAN8,
    "UPC-A": zxingcpp.BarcodeFormat.UPCA,
    "UPC-E": zxingcpp.BarcodeFormat.UPCE,
    "CODE39": zxingcpp.BarcodeFormat.Code39,
    "CODE93": zxingcpp.BarcodeFormat.Code93,
    "ITF": zxingcpp.BarcodeFormat.ITF,
    "CODABAR": zxingcpp.BarcodeFormat.Codabar,
}


@cache
def _font(font_b: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    size = 15 if font_b else 20  # DejaVu Sans Mono advances 0.6 em: 9 and 12 dots
    for path in _FONT_FILES:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default()


def _cell(font_b: bool) -> tuple[int, int]:
    return (9, 17) if font_b else (12, 24)


def _run_image(text: str, style: Style) -> Image.Image:
    width, height = _cell(style.font_b)
    image = Image.new("L", (max(1, width * len(text)), height), 255)
    draw = ImageDraw.Draw(image)
    font = _font(style.font_b)
    for index, character in enumerate(text):
        draw.text((index * width, 1), character, font=font, fill=0, stroke_width=1 if style.bold else 0)
    if style.underline:
        draw.line((0, height - 2, image.width, height - 2), fill=0, width=2)
    if style.invert:
        image = ImageOps.invert(image)
    if style.upside_down:
        image = image.rotate(180)
    if style.width > 1 or style.height > 1:
        image = image.resize(
            (image.width * style.width, image.height * style.height), Image.Resampling.NEAREST
        )
    return image


def _text_strip(line: TextLine) -> Image.Image:
    if not line.runs:
        return Image.new("L", (1, LINE_SPACING), 255)
    pieces = [_run_image(text, style) for text, style in line.runs]
    height = max(LINE_SPACING, *(piece.height + 6 for piece in pieces))
    strip = Image.new("L", (sum(piece.width for piece in pieces), height), 255)
    x = 0
    for piece in pieces:
        strip.paste(piece, (x, height - piece.height - 3))
        x += piece.width
    return strip


def gs1_brackets(data: str) -> str:
    """GS1 element strings (GS after variable-length fields) as `(AI)value...`, read by biip."""
    try:
        message = biip.parse("]C1" + data).gs1_message
    except Exception as exc:  # biip raises ParseError on what is not GS1
        raise ValueError(f"not GS1 element strings: {exc}") from exc
    if message is None:
        raise ValueError("not GS1 element strings")
    return message.as_hri()


def _barcode_strip(barcode: Barcode) -> Image.Image:
    symbol_format = _FORMATS.get(barcode.symbology)
    try:
        if symbol_format is None:
            raise ValueError(f"symbology {barcode.symbology} not drawn")
        readable = gs1_brackets(barcode.data) if barcode.gs1 else barcode.data
        # zxing-cpp (zint) writes FNC1 from GS1 element strings in bracketed form
        symbol = zxingcpp.create_barcode(readable, symbol_format, **({"gs1": True} if barcode.gs1 else {}))
    except (ValueError, RuntimeError) as error:
        return _text_strip(
            TextLine(runs=((f"[{barcode.symbology} {barcode.data!r}: {error}]", Style()),), align="left")
        )
    pixels = np.array(symbol.to_image(scale=1, add_quiet_zones=True))
    modules = pixels[pixels.shape[0] // 2]
    row = np.repeat(modules, barcode.module).astype(np.uint8)
    bars = Image.fromarray(np.tile(row, (barcode.height, 1)), mode="L")
    parts = [bars]
    caption = _text_strip(TextLine(runs=((readable, Style()),), align="center"))
    if barcode.hri in (1, 3):
        parts.insert(0, caption)
    if barcode.hri in (2, 3):
        parts.append(caption)
    return _stack(parts, "center", width=max(part.width for part in parts))


def _qr_strip(code: QrCode) -> Image.Image:
    symbol = zxingcpp.create_barcode(code.data, zxingcpp.BarcodeFormat.QRCode, ec_level=code.error_correction)
    return Image.fromarray(np.array(symbol.to_image(scale=code.module, add_quiet_zones=True)), mode="L")


def _raster_strip(raster: Raster) -> Image.Image:
    width_bytes = raster.width // 8
    bits = np.unpackbits(np.frombuffer(raster.rows[: width_bytes * raster.height], dtype=np.uint8))
    dots = bits.reshape(raster.height, raster.width) if bits.size else np.zeros((1, 1), np.uint8)
    image = Image.fromarray(((1 - dots) * 255).astype(np.uint8), mode="L")
    return image.resize(
        (image.width * raster.scale_x, image.height * raster.scale_y), Image.Resampling.NEAREST
    )


def _cut_strip(cut: Cut) -> Image.Image:
    strip = Image.new("L", (PAPER_DOTS, 24), 255)
    draw = ImageDraw.Draw(strip)
    for x in range(0, PAPER_DOTS, 16 if cut.partial else 8):
        draw.line((x, 12, x + 4, 12), fill=128, width=2)
    return strip


def _stack(parts: list[Image.Image], align: Align, *, width: int) -> Image.Image:
    canvas = Image.new("L", (width, sum(part.height for part in parts) or 1), 255)
    y = 0
    for part in parts:
        offset = {"left": 0, "center": (width - part.width) // 2, "right": width - part.width}[align]
        canvas.paste(part, (max(0, offset), y))
        y += part.height
    return canvas


def _feed_strip(feed: Feed) -> Image.Image:
    return Image.new("L", (1, max(1, feed.dots)), 255)


_DRAWERS: dict[type, Callable[[Any], Image.Image]] = {
    TextLine: _text_strip,
    Feed: _feed_strip,
    Barcode: _barcode_strip,
    QrCode: _qr_strip,
    Raster: _raster_strip,
    Cut: _cut_strip,
}


def render_receipt(operations: list[Operation], *, paper_dots: int = PAPER_DOTS) -> bytes:
    """A PNG of the receipt the operations would print, with a margin of white paper."""
    margin = Image.new("L", (paper_dots, 16), 255)
    strips: list[tuple[Image.Image, Align]] = [(margin, "left")]
    for operation in operations:
        draw = _DRAWERS.get(type(operation))
        if draw is not None:
            strips.append((draw(operation), getattr(operation, "align", "left")))
    strips.append((margin, "left"))
    canvas = _stack([strip for strip, _ in strips], "left", width=paper_dots)
    y = 0
    for strip, align in strips:
        offset = {"left": 0, "center": (paper_dots - strip.width) // 2, "right": paper_dots - strip.width}[
            align
        ]
        canvas.paste(255, (0, y, paper_dots, y + strip.height))
        canvas.paste(strip, (max(0, offset), y))
        y += strip.height
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()
