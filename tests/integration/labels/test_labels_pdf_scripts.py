"""Japanese and Ukrainian text on PDF labels is drawn with real glyphs, not missing-glyph boxes."""

from __future__ import annotations

import ctypes

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image

import labels
from labels import samples
from labels.layout import LABEL_4X6, Layout, Text
from labels.render_pdf import render_pdf

SCALE = 400 / 72  # rasterise at 400 dpi

PHRASES = {
    "ja": "返品の手順",  # heading of the Japanese return instructions
    "uk": "Як повернути",  # heading of the Ukrainian return instructions
}
# Ukrainian letters missing from the Japanese font, and kana/kanji missing from DejaVu.
HARD = {"ja": "箱貼ラベルをくださいQRコード", "uk": "ПоверніЇїЄєҐґ"}


def _chars(pdf: bytes) -> tuple[str, list[tuple[str, str, Image.Image]]]:
    """The page's text, and for each non-space character: its font name and its rendered ink."""
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        bitmap = page.render(scale=SCALE).to_pil().convert("L")
        height = page.get_height()
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        out = []
        for i in range(textpage.count_chars()):
            ch = textpage.get_text_range(i, 1)
            if ch.isspace():  # a missing glyph has no text at all: keep it
                continue
            name = ctypes.create_string_buffer(256)
            flags = ctypes.c_int()
            pdfium_c.FPDFText_GetFontInfo(textpage.raw, i, name, 256, ctypes.byref(flags))
            left, bottom, right, top = textpage.get_charbox(i)
            crop = bitmap.crop(
                (
                    int(left * SCALE) - 1,
                    int((height - top) * SCALE) - 1,
                    int(right * SCALE) + 2,
                    int((height - bottom) * SCALE) + 2,
                )
            )
            out.append((ch, name.value.decode(), crop))
        return text, out
    finally:
        doc.close()


def _shape(image: Image.Image) -> np.ndarray:
    return np.asarray(image.resize((32, 32))) < 128


def _notdef_shapes() -> list[np.ndarray]:
    """What a missing glyph looks like in each font (private-use characters no font has)."""
    layout = Layout(
        "test",
        LABEL_4X6,
        (
            Text(10, 10, "\ue000\ue001", size=11, language="en"),
            Text(10, 40, "\ue000\ue001", size=11, bold=True, language="en"),
        ),
    )
    _, chars = _chars(render_pdf(layout))
    assert chars, "the missing-glyph reference did not render"
    return [_shape(crop) for _, _, crop in chars]


@pytest.mark.parametrize("locale", ["ja", "uk"])
def test_the_return_instructions_are_in_the_pdf_as_text_of_the_shoppers_language(locale):
    text, _ = _chars(labels.render("return", samples.RETURN, "pdf", locale=locale))
    assert PHRASES[locale] in text


@pytest.mark.parametrize("locale", ["ja", "uk"])
def test_every_character_of_the_shoppers_language_has_ink_of_its_own_and_is_not_a_missing_glyph_box(locale):
    slip = samples.packing_slip(locale)
    extra = Text(10, 300, HARD[locale], size=12, language=locale)
    pages = labels.layout("return", samples.RETURN, locale=locale)
    layout = Layout(pages[0].kind, pages[0].size, (*pages[0].elements, extra))
    _, chars = _chars(render_pdf(layout))
    wanted = set(PHRASES[locale] + HARD[locale]) - {" "}
    shapes: dict[str, np.ndarray] = {}
    for ch, _font, crop in chars:
        if ch in wanted and ch not in shapes:
            shapes[ch] = _shape(crop)
    assert set(shapes) == wanted
    notdefs = _notdef_shapes()
    for ch, shape in shapes.items():
        assert shape.mean() > 0.03, f"{ch!r} left no ink"
        for notdef in notdefs:
            assert (shape != notdef).mean() > 0.08, f"{ch!r} is drawn as a missing-glyph box"
    distinct = list(shapes.items())
    for i, (a, sa) in enumerate(distinct):
        for b, sb in distinct[i + 1 :]:
            assert (sa != sb).mean() > 0.02, f"{a!r} and {b!r} render identically"
    assert slip.shopper.name  # the sample data carries this script too


def test_kana_and_kanji_come_from_the_japanese_font_and_cyrillic_from_dejavu():
    _, chars = _chars(labels.render("return", samples.RETURN, "pdf", locale="ja"))
    fonts_by_char = {ch: font for ch, font, _ in chars}
    for ch in "返品の手順":
        assert "IPAex" in fonts_by_char[ch]
    for ch in "Олена":  # the shopper's name on the Japanese label
        assert "DejaVu" in fonts_by_char[ch]
