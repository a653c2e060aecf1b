"""Label kinds decide what a label says and where; renderers only draw it."""

from __future__ import annotations

import dataclasses

import pytest

import labels
from labels import kinds, samples, symbols
from labels.layout import Barcode, Box, Image, Layout, Line, Text


def _inside(layout: Layout) -> None:
    w, h = layout.size.width, layout.size.height
    for e in layout.elements:
        if isinstance(e, Barcode):
            bw, bh = symbols.extent(e)
            q = symbols.quiet_zone(e)
            assert e.x - q >= -0.01, f"{e.data}: left quiet zone off the label"
            assert e.x + bw + q <= w + 0.01, f"{e.data}: right quiet zone off the label"
            assert 0 <= e.y <= e.y + bh <= h, f"{e.data} off the label"
        elif isinstance(e, Text | Box | Image):
            assert 0 <= e.x <= w, e
            assert 0 <= e.y <= h, e
        elif isinstance(e, Line):
            assert 0 <= min(e.x1, e.x2) <= max(e.x1, e.x2) <= w, e


ALL = {
    "shipping": lambda: (kinds.shipping_label(samples.SHIPPING),),
    "return": lambda: (kinds.return_label(samples.RETURN, "ja"),),
    "grade-2x1": lambda: (kinds.grade_tag(samples.GRADE, "2x1"),),
    "grade-4x2": lambda: (kinds.grade_tag(samples.GRADE, "4x2"),),
    "location": lambda: (kinds.location_label(samples.LOCATION),),
    "lpn-2x1": lambda: (kinds.lpn_label(samples.LPN, "2x1"),),
    "packing-slip": lambda: kinds.packing_slip(samples.packing_slip("uk", lines=50), "uk", "Letter"),
}


@pytest.mark.parametrize("name", ALL)
def test_every_element_and_quiet_zone_stays_on_the_stock(name):
    for page in ALL[name]():
        _inside(page)


def test_the_shipping_label_carries_tracking_postal_code_and_sscc_barcodes():
    layout = kinds.shipping_label(samples.SHIPPING)
    found = {(b.symbology, b.data, b.human_readable) for b in layout.barcodes()}
    assert found == {
        ("code128", "1Z999AA10123456784", "1Z999AA10123456784"),
        ("gs1-128", "(420)100-0005", "(420) 100-0005"),
        ("gs1-128", "(00)106141411234567897", "(00) 1 0614141 123456789 7"),
    }
    assert (layout.size.width, layout.size.height) == (288, 432)


def test_the_return_label_carries_the_rma_qr_and_the_rma_barcode():
    layout = kinds.return_label(samples.RETURN)
    found = {(b.symbology, b.data) for b in layout.barcodes()}
    assert found == {("qr", "RMA:tok_AbCdEf123456"), ("code128", "RMA-556677")}


@pytest.mark.parametrize(
    ("locale", "heading"),
    [
        ("en", "How to return"),
        ("ja", "返品の手順"),
        ("ja-JP", "返品の手順"),
        ("uk", "Як повернути"),
        ("fr", "How to return"),
    ],
)
def test_return_instructions_are_in_the_shoppers_language_or_english(locale, heading):
    texts = [t.text for t in kinds.return_label(samples.RETURN, locale).texts()]
    assert heading in texts


def test_the_grade_letter_is_the_biggest_text_on_the_grade_tag():
    layout = kinds.grade_tag(samples.GRADE)
    biggest = max(layout.texts(), key=lambda t: t.size)
    assert biggest.text == "B"
    assert [(b.symbology, b.data) for b in layout.barcodes()] == [("code128", "LPN-000123")]


def test_a_grade_tag_on_4x2_stock_adds_the_gs1_datamatrix_of_gtin_and_serial():
    layout = kinds.grade_tag(samples.GRADE, "4x2")
    assert ("datamatrix-gs1", "(01)09506000134352(21)SER1") in {
        (b.symbology, b.data) for b in layout.barcodes()
    }


def test_a_code_too_long_for_2x1_stock_is_refused_rather_than_printed_unreadable():
    with pytest.raises(ValueError, match="use a larger label"):
        kinds.location_label(labels.LocationLabelData("AISLE-0001-BAY-02-LEVEL3"), "2x1")


def test_a_long_order_spills_onto_more_pages_with_the_return_qr_only_on_the_last():
    pages = kinds.packing_slip(samples.packing_slip("en", lines=80))
    assert len(pages) >= 2
    qr_pages = [i for i, p in enumerate(pages) if any(b.symbology == "qr" for b in p.barcodes())]
    assert qr_pages == [len(pages) - 1]
    skus = [t.text for p in pages for t in p.texts() if t.text.startswith("SKU-")]
    assert skus == [f"SKU-{i:04d}" for i in range(1, 81)]


def test_the_public_api_refuses_an_unknown_kind_format_or_size():
    with pytest.raises(ValueError, match="unknown label kind"):
        labels.render("pallet", samples.LPN, "pdf")
    with pytest.raises(ValueError, match="unknown label format"):
        labels.render("lpn", samples.LPN, "png")
    with pytest.raises(ValueError, match="comes in"):
        labels.render("shipping", samples.SHIPPING, "zpl", size="2x1")


def test_the_public_api_refuses_data_of_another_kind():
    with pytest.raises(ValueError, match="needs ShippingLabelData"):
        labels.render("shipping", samples.RETURN, "pdf")


def test_a_shipping_label_with_a_logo_places_the_picture_above_the_carrier():
    png = _tiny_png()
    layout = kinds.shipping_label(dataclasses.replace(samples.SHIPPING, logo_png=png))
    (picture,) = [e for e in layout.elements if isinstance(e, Image)]
    carrier = next(t for t in layout.texts() if t.text == "Yamato")
    assert picture.y + picture.height <= carrier.y


def _tiny_png() -> bytes:
    import io

    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("L", (40, 10), 0).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_sample_location_label_fits_the_2x1_stock_its_kind_offers_quiet_zones_included():
    # Before: ValueError "'LOC-A-01-02-3' is too long for a code128 barcode 2.00 in wide".
    layout = labels.layout("location", samples.LOCATION, size="2x1")[0]
    (barcode,) = layout.barcodes()
    width, _ = symbols.extent(barcode)
    quiet = symbols.quiet_zone(barcode)
    assert barcode.data == "LOC-A-01-02-3"
    assert barcode.x - quiet >= -1e-9
    assert barcode.x + width + quiet <= layout.size.width + 1e-9
    assert barcode.module * 203 / 72 >= 2  # two printer dots at the least


def test_plain_code_128_goes_to_zebra_all_in_code_set_b_so_its_width_is_the_planned_one():
    zpl = labels.render("location", samples.LOCATION, "zpl", size="2x1").decode()
    assert "^BCN,113,N,N,N,N^FD>:LOC-A-01-02-3^FS" in zpl


@pytest.mark.parametrize(
    ("data", "zpl"),
    [
        ("LPN-RU00000007", ">:LPN-RU>500000007"),  # a digit run goes to code set C
        ("LOC-A-01-2", ">:LOC-A-01-2"),
        ("12345678", ">;12345678"),
        ("A>B", ">:A><B"),  # '>' is escaped in ^BC data
    ],
)
def test_zpl_code128_spells_out_its_code_sets_and_is_as_wide_as_the_layout_measured(data: str, zpl: str):
    from labels.render_zpl import _code128_subsets

    assert _code128_subsets(data) == zpl
    # the same width as zxing-cpp's own optimal encoding of the data
    assert symbols.printed_width("code128", data) == symbols.modules("code128", data).shape[1]


def test_a_grade_tag_with_a_ten_digit_license_plate_fits_its_2x1_stock():
    """Returns stations print tags such as LPN-RU00000007 on 2x1 stock (in code set B alone it would
    need 2.06 in of a 2 in label)."""
    layout = kinds.grade_tag(dataclasses.replace(samples.GRADE, lpn="RU00000007"), "2x1")
    (barcode,) = [e for e in layout.elements if isinstance(e, Barcode)]
    assert barcode.data == "LPN-RU00000007"
    width, _ = symbols.extent(barcode)
    assert width + 2 * symbols.quiet_zone(barcode) <= layout.size.width
