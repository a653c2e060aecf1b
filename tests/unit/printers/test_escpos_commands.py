"""The ESC/POS interpreter reads python-escpos's own output back into print operations."""

from __future__ import annotations

import itertools
import logging

from escpos.printer import Dummy
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.printers.escpos_commands import (
    Barcode,
    Cut,
    EscposParser,
    Feed,
    QrCode,
    Raster,
    StatusRequest,
    Style,
    TextLine,
    Unknown,
    decode_code128,
)

logging.getLogger("escpos").setLevel(logging.ERROR)


def operations(data: bytes) -> list[object]:
    parser = EscposParser()
    return [*parser.feed(data), *parser.flush()]


def receipt() -> bytes:
    printer = Dummy()
    printer.set(align="center", bold=True, double_height=True)
    printer.text("KAERU\n")
    printer.set_with_default()
    printer.text("Привіт, склад! Повернення\n")
    printer.barcode("{BLPN-000123", "CODE128", function_type="B")
    printer.qr("RMA:tok-1", native=True, size=5)
    printer.cut()
    return bytes(printer.output)


def test_text_after_the_code_page_select_is_a_printed_line() -> None:
    assert operations(b"\x1bt\x00HELLO\n") == [TextLine(runs=(("HELLO", Style()),), align="left")]


def test_the_default_cut_is_a_six_line_feed_and_a_full_cut() -> None:
    assert operations(b"\x1bd\x06\x1dV\x00") == [
        TextLine(runs=(), align="left"),
        Feed(dots=180),
        Cut(partial=False),
    ]


def test_bold_double_height_centred_text_keeps_its_style() -> None:
    [line] = [item for item in operations(receipt()) if isinstance(item, TextLine) and item.text == "KAERU"]
    assert line.align == "center"
    [(_, style)] = line.runs
    assert style.bold
    assert style.height == 2


def test_cyrillic_text_sent_through_python_escpos_code_pages_reads_back() -> None:
    texts = [item.text for item in operations(receipt()) if isinstance(item, TextLine)]
    assert "Привіт, склад! Повернення" in texts


def test_a_code_128_barcode_carries_its_data_without_the_code_set_prefix() -> None:
    [barcode] = [item for item in operations(receipt()) if isinstance(item, Barcode)]
    assert (barcode.symbology, barcode.data) == ("CODE128", "LPN-000123")


def test_code_set_c_pairs_are_read_as_two_digits() -> None:
    assert decode_code128(b"{BLPN-{C\x0c\x22") == "LPN-1234"


def test_a_native_qr_code_is_read_with_its_module_size() -> None:
    [code] = [item for item in operations(receipt()) if isinstance(item, QrCode)]
    assert (code.data, code.module) == ("RMA:tok-1", 5)


def test_a_raster_image_keeps_its_size() -> None:
    from PIL import Image

    printer = Dummy()
    printer.image(Image.new("1", (20, 10), 0))
    [raster] = [item for item in operations(bytes(printer.output)) if isinstance(item, Raster)]
    assert (raster.width, raster.height) == (24, 10)


def test_a_status_query_is_recognised_in_the_middle_of_text() -> None:
    assert StatusRequest(4) in operations(b"AB\x10\x04\x04CD\n")


def test_an_unknown_escape_is_skipped_and_reported() -> None:
    found = operations(b"\x1b\x7fHI\n")
    assert found[0] == Unknown(b"\x1b\x7f")
    assert isinstance(found[1], TextLine)
    assert found[1].text == "HI"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400), max_size=8))
def test_any_split_of_the_stream_gives_the_same_operations(cuts: list[int]) -> None:
    data = receipt()
    points = sorted({0, len(data), *(cut % len(data) for cut in cuts)})
    parser = EscposParser()
    found: list[object] = []
    for start, end in itertools.pairwise(points):
        found.extend(parser.feed(data[start:end]))
    found.extend(parser.flush())
    assert found == operations(data)
