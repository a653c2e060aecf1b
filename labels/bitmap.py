"""Text and pictures as 1-bit bitmaps for printers that cannot draw the text themselves.

ZPL's resident fonts and ESC/POS code pages do not carry Japanese (nor, on most printers,
Cyrillic); such text is drawn here with the same TrueType fonts as the PDF (labels.fonts) and
sent as a graphic.
"""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from labels import fonts
from labels.textfit import Fitted, fit


@lru_cache(maxsize=256)
def _pil_font(path: str, pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, pixels)


def measure_px(text: str, pixels: int, language: str, bold: bool) -> float:
    return sum(
        _pil_font(str(face.path), pixels).getlength(run) for face, run in fonts.runs(text, language, bold)
    )


def fit_px(
    text: str, size_pt: float, max_width_pt: float | None, max_lines: int, language: str, bold: bool, dpi: int
) -> Fitted:
    """Fit text as the printer will draw it, measured with Pillow at `dpi` (sizes stay in points)."""
    scale = dpi / 72.0

    def measure(s: str, size: float) -> float:
        return measure_px(s, max(1, round(size * scale)), language, bold) / scale

    return fit(text, size_pt, max_width_pt, max_lines, measure)


def text_bitmap(lines: tuple[str, ...], pixels: int, language: str, bold: bool) -> PILImage.Image:
    """The lines drawn black on white, mode "1", line pitch 1.2x the font size."""
    widths = [measure_px(line, pixels, language, bold) for line in lines]
    pitch = round(pixels * 1.2)
    width = max(1, int(max(widths, default=1)) + 2)
    height = max(1, pitch * len(lines))
    image = PILImage.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        x = 0.0
        for face, run in fonts.runs(line, language, bold):
            font = _pil_font(str(face.path), pixels)
            # One baseline for every font in the line (their ascents differ).
            draw.text((x, i * pitch + round(pixels * 0.92)), run, font=font, fill=0, anchor="ls")
            x += font.getlength(run)
    return image.point(lambda v: 0 if v < 160 else 255, mode="1")


def picture_bitmap(data: bytes, width_px: int, height_px: int) -> PILImage.Image:
    """A picture scaled into the box (keeping its aspect) and dithered to 1 bit."""
    picture: PILImage.Image = PILImage.open(io.BytesIO(data))
    picture.load()
    if picture.mode in ("RGBA", "LA", "P"):
        background = PILImage.new("RGBA", picture.size, (255, 255, 255, 255))
        picture = PILImage.alpha_composite(background, picture.convert("RGBA"))
    picture = picture.convert("L")
    picture.thumbnail((max(1, width_px), max(1, height_px)))
    return picture.convert("1")
