"""ZPL II produced for a layout: commands, FNC1 placement, and text the printer cannot draw."""

from __future__ import annotations

import pytest
from PIL import Image

import labels
from labels import samples
from labels.layout import LABEL_2X1, LABEL_4X6, Barcode, Layout, Text
from labels.render_zpl import graphic_field, render_zpl


def test_a_label_is_one_utf8_format_sized_in_dots_for_the_printer():
    zpl = render_zpl(kinds_lpn(), dpi=203).decode()
    assert zpl.startswith("^XA^CI28^PW406^LL203")
    assert zpl.rstrip().endswith("^XZ")
    assert zpl.count("^XA") == 1


def test_gs1_128_starts_with_fnc1_and_puts_one_after_a_variable_length_field():
    layout = Layout(
        "t", LABEL_4X6, (Barcode(20, 20, "gs1-128", "(420)SW1A1AA(00)106141411234567897", 0.8, 40),)
    )
    zpl = render_zpl(layout).decode()
    assert "^BCN,113,N,N,N,A^FD>;>8420SW1A1AA>800106141411234567897^FS" in zpl


def test_the_sscc_barcode_is_gs1_128_with_its_grouped_human_readable_text():
    zpl = labels.render("shipping", samples.SHIPPING, "zpl").decode()
    assert "^FD>;>800106141411234567897^FS" in zpl
    assert "^FD(00) 1 0614141 123456789 7^FS" in zpl


def test_qr_and_gs1_datamatrix_use_bq_and_bx_with_fnc1():
    layout = Layout(
        "t",
        LABEL_4X6,
        (
            Barcode(20, 20, "qr", "RMA:tok_123456", 3.0),
            Barcode(150, 20, "datamatrix-gs1", "(01)09506000134352(10)LOT1(17)261231", 3.0),
        ),
    )
    zpl = render_zpl(layout).decode()
    assert "^BQN,2,8^FDMA,RMA:tok_123456^FS" in zpl
    assert "^BXN,8,200,,,,#^FD#1010950600013435210LOT1#117261231^FS" in zpl


def test_ascii_text_uses_the_resident_font_and_japanese_text_becomes_a_graphic_field():
    layout = Layout(
        "t",
        LABEL_4X6,
        (Text(10, 10, "Ship to", size=10), Text(10, 40, "返品の手順", size=10, language="ja")),
    )
    zpl = render_zpl(layout).decode()
    assert "^A0N,28,28^FDShip to^FS" in zpl
    assert zpl.count("^GFA,") == 1
    assert "返" not in zpl


def test_ukrainian_text_becomes_a_graphic_field_too():
    zpl = labels.render("return", samples.RETURN, "zpl", locale="uk").decode()
    assert "Як" not in zpl
    assert "^GFA," in zpl


def test_a_graphic_field_is_hex_rows_with_black_as_one_bits():
    image = Image.new("1", (10, 2), 1)
    image.putpixel((0, 0), 0)
    image.putpixel((9, 1), 0)
    assert graphic_field(image) == ("80000040", 4, 2)


def test_an_unknown_printer_resolution_is_refused():
    with pytest.raises(ValueError, match="dpi"):
        render_zpl(kinds_lpn(), dpi=250)


def test_several_copies_are_asked_for_with_pq():
    assert "^PQ3^XZ" in render_zpl(kinds_lpn(), copies=3).decode()


def kinds_lpn() -> Layout:
    (page,) = labels.layout("lpn", samples.LPN, size="2x1")
    assert page.size == LABEL_2X1
    return page
