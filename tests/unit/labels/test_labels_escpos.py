"""ESC/POS bytes for receipt-style labels, as python-escpos sends them."""

from __future__ import annotations

import labels
from labels import samples
from labels.layout import LABEL_4X6, Barcode, Layout, Text
from labels.render_escpos import render_escpos

INIT = b"\x1b@"
CUT = bytes.fromhex("1B 64 06 1D 56 00")
SELECT_CODE_PAGE_0 = bytes.fromhex("1B 74 00")


def test_ascii_text_is_sent_as_text_after_the_code_page_selection():
    out = render_escpos(Layout("t", LABEL_4X6, (Text(10, 10, "HELLO", size=10),)))
    assert SELECT_CODE_PAGE_0 + b"HELLO\n" in out


def test_every_receipt_starts_with_init_and_ends_with_a_cut():
    out = labels.render("grade", samples.GRADE, "escpos")
    assert out.startswith(INIT)
    assert out.endswith(CUT)


def test_the_grade_tag_prints_the_lpn_as_code_128_in_code_set_b():
    out = labels.render("grade", samples.GRADE, "escpos")
    data = b"{BLPN-000123"
    assert b"\x1dkI" + bytes([len(data)]) + data in out  # GS k 73 n data


def test_the_return_label_prints_the_rma_qr_with_the_printers_own_qr_command():
    out = labels.render("return", samples.RETURN, "escpos", locale="en")
    payload = b"RMA:tok_AbCdEf123456"
    store = b"\x1d(k" + (len(payload) + 3).to_bytes(2, "little") + b"1P0" + payload
    assert store in out
    assert b"\x1d(k\x03\x001Q0" in out  # print the stored symbol
    assert b"\x1dkI\x0c{BRMA-556677" in out


def test_gs1_128_sends_fnc1_first_and_after_a_variable_length_field():
    layout = Layout(
        "t", LABEL_4X6, (Barcode(10, 10, "gs1-128", "(420)SW1A1AA(00)106141411234567897", 1.0, 40),)
    )
    out = render_escpos(layout)
    assert b"{B{1420SW1A1AA{100106141411234567897" in out


def test_japanese_text_is_sent_as_a_raster_image_not_as_text():
    out = render_escpos(Layout("t", LABEL_4X6, (Text(10, 10, "返品の手順", size=12, language="ja"),)))
    assert b"\x1dv0" in out  # GS v 0: raster bit image
    assert "返".encode() not in out


def test_a_receipt_prints_rows_from_the_top_down():
    layout = Layout("t", LABEL_4X6, (Text(10, 100, "SECOND", size=10), Text(10, 10, "FIRST", size=10)))
    out = render_escpos(layout)
    assert out.index(b"FIRST") < out.index(b"SECOND")


def test_a_long_barcode_is_narrowed_to_fit_the_receipt_paper():
    layout = Layout("t", LABEL_4X6, (Barcode(10, 10, "code128", "1Z999AA10123456784", 1.4, 40),))
    out = render_escpos(layout, paper_dots=576)
    width = out[out.index(b"\x1dw") + 2]  # GS w n: module width in dots
    assert width == 2  # 189 modules + quiet zones at 3 dots would not fit 576 dots
