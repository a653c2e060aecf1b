"""Every barcode on every label kind, rendered to PDF and to ZPL, reads back as intended."""

from __future__ import annotations

from collections import Counter

import biip
import pytest

import labels
from labels import samples
from labels.layout import LABEL_4X6, Barcode, Layout
from labels.render_pdf import render_pdf
from labels.render_zpl import render_zpl

AIM = {"code128": "]C0", "gs1-128": "]C1", "qr": "]Q1", "datamatrix-gs1": "]d2", "ean13": "]E0"}

CASES = {
    "shipping": ("shipping", samples.SHIPPING, {}),
    "return-en": ("return", samples.RETURN, {"locale": "en"}),
    "return-ja": ("return", samples.RETURN, {"locale": "ja"}),
    "return-uk": ("return", samples.RETURN, {"locale": "uk"}),
    "grade-2x1": ("grade", samples.GRADE, {"size": "2x1"}),
    "grade-4x2": ("grade", samples.GRADE, {"size": "4x2"}),
    "location-4x2": ("location", samples.LOCATION, {"size": "4x2"}),
    "location-2x1": ("location", labels.LocationLabelData("B0712", "Bin"), {"size": "2x1"}),
    "location-2x1-sample": ("location", samples.LOCATION, {"size": "2x1"}),
    "lpn-4x2": ("lpn", samples.LPN, {"size": "4x2"}),
    "lpn-2x1": ("lpn", samples.LPN, {"size": "2x1"}),
    "packing-slip-a4-ja": ("packing-slip", samples.packing_slip("ja"), {"page": "A4", "locale": "ja"}),
    "packing-slip-letter-uk": (
        "packing-slip",
        samples.packing_slip("uk"),
        {"page": "Letter", "locale": "uk"},
    ),
    "packing-slip-two-pages": ("packing-slip", samples.packing_slip("en", lines=60), {"page": "A4"}),
}


def expected(pages: tuple[Layout, ...]) -> list[Counter[tuple[str, str]]]:
    return [Counter((AIM[b.symbology], b.data) for b in page.barcodes()) for page in pages]


def reads(decoded: list[list]) -> list[Counter[tuple[str, str]]]:
    return [Counter((r.symbology, r.text) for r in page) for page in decoded]


@pytest.mark.parametrize("case", CASES)
def test_every_barcode_on_the_pdf_label_decodes_to_its_data_and_symbology(case, decode_pdf):
    kind, data, options = CASES[case]
    pages = labels.layout(kind, data, **options)
    assert all(page.barcodes() for page in pages)
    pdf = labels.render(kind, data, "pdf", **options)
    assert reads(decode_pdf(pdf)) == expected(pages)


@pytest.mark.parametrize("case", CASES)
def test_every_barcode_on_the_zpl_label_decodes_to_its_data_and_symbology(case, decode_zpl):
    kind, data, options = CASES[case]
    pages = labels.layout(kind, data, **options)
    zpl = labels.render(kind, data, "zpl", dpi=203, **options)
    assert reads(decode_zpl(zpl, 203)) == expected(pages)


@pytest.mark.parametrize("case", ["shipping", "grade-4x2", "return-ja"])
def test_zpl_for_a_300_dpi_printer_decodes_too(case, decode_zpl):
    kind, data, options = CASES[case]
    zpl = labels.render(kind, data, "zpl", dpi=300, **options)
    assert reads(decode_zpl(zpl, 300)) == expected(labels.layout(kind, data, **options))


@pytest.mark.parametrize("fmt", ["pdf", "zpl"])
def test_the_sscc_reads_as_gs1_128_with_the_right_check_digit(fmt, decode_pdf, decode_zpl):
    data = samples.SHIPPING
    rendered = labels.render("shipping", data, fmt)
    (page,) = decode_pdf(rendered) if fmt == "pdf" else decode_zpl(rendered)
    parsed = [biip.parse(r.symbology + r.raw.decode("ascii")) for r in page if r.symbology == "]C1"]
    ssccs = [p.sscc for p in parsed if p.sscc is not None]
    assert [s.value for s in ssccs] == ["106141411234567897"]
    assert ssccs[0].check_digit == 7
    postal = [
        es.value for p in parsed if p.gs1_message for es in p.gs1_message.element_strings if es.ai.ai == "420"
    ]
    assert postal == ["100-0005"]


def test_a_variable_length_gs1_field_is_followed_by_a_group_separator(decode_pdf, decode_zpl):
    layout = Layout(
        "test",
        LABEL_4X6,
        (Barcode(20, 20, "gs1-128", "(420)SW1A1AA(00)106141411234567897", 0.8, 50),),
    )
    for page in (decode_pdf(render_pdf(layout))[0], decode_zpl(render_zpl(layout))[0]):
        (read,) = page
        assert read.symbology == "]C1"
        assert read.raw == b"420SW1A1AA\x1d00106141411234567897"


def test_each_symbology_renders_readably_in_pdf_and_zpl(decode_pdf, decode_zpl):
    layout = Layout(
        "test",
        LABEL_4X6,
        (
            Barcode(20, 10, "code128", "LPN-ABC123", 1.4, 40),
            Barcode(20, 80, "gs1-128", "(01)09506000134352(10)LOT1(17)261231", 1.0, 40),
            Barcode(20, 150, "ean13", "5901234123457", 1.4, 40),
            Barcode(20, 220, "qr", "RMA:tok_123456", 3.0),
            Barcode(160, 220, "datamatrix-gs1", "(01)09506000134352(21)SER1", 3.0),
        ),
    )
    want = expected((layout,))
    assert reads(decode_pdf(render_pdf(layout))) == want
    assert reads(decode_zpl(render_zpl(layout))) == want


def test_a_sheet_of_bin_labels_fills_a4_pages_and_every_label_scans(decode_pdf):
    items = [labels.LocationLabelData(f"A-01-{i:02d}") for i in range(12)]
    pages = decode_pdf(labels.render_sheet("location", items, page="A4", size="2x1"))
    found = sorted(r.text for page in pages for r in page)
    assert found == sorted(f"LOC-A-01-{i:02d}" for i in range(12))
