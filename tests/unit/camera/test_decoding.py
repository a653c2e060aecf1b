"""Camera decoding: real images the project did not make, and its own renders under distortion."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.camera.decoders import PyzbarDecoder, ZxingDecoder, decode_frame, to_gray, zbar_scan_text
from devices.scan import parse_scan
from simulators.camera import Conditions, Symbol, compose_frame

REAL = Path(__file__).parent / "real_images"
ZXING = (ZxingDecoder(),)
PYZBAR = (PyzbarDecoder(),)
STEADY = Conditions(max_rotation_deg=8, max_perspective=0.03, max_blur_sigma=0.5, noise_sigma=3)


def real(name: str) -> np.ndarray:
    image = cv2.imread(str(REAL / name))
    assert image is not None, name
    return image


def texts(frame: np.ndarray, decoders: tuple[object, ...] = ZXING) -> set[str]:
    return {d.text for d in decode_frame(frame, decoders)}  # type: ignore[arg-type]


def test_both_code_128_symbols_in_a_real_pyzbar_test_image_are_decoded() -> None:
    assert texts(real("code128.png")) == {"]C0Foramenifera", "]C0Rana temporaria"}


def test_rotated_real_qr_codes_are_decoded() -> None:
    assert texts(real("qrcode_rotated.png")) == {"]Q1Thalassiodracon"}


def test_a_real_code_39_from_python_barcode_docs_is_decoded_as_text() -> None:
    (text,) = texts(real("code39_python_barcode.png"))
    scan = parse_scan(text)
    assert (scan.kind, scan.data) == ("text", "PYTHON-BARCODE+")


def test_a_qr_code_photographed_off_a_terminal_screen_is_decoded() -> None:
    assert texts(real("qr_terminal_screenshot.png")) == {"]Q1this is the bomb"}


def test_a_real_image_without_a_barcode_decodes_to_nothing() -> None:
    assert decode_frame(real("empty.png"), ZXING + PYZBAR) == []


def test_a_real_code_with_a_control_byte_becomes_an_unknown_scan_that_keeps_the_raw_text() -> None:
    (text,) = texts(real("code128_null_character.png"))
    scan = parse_scan(text)
    assert (scan.kind, scan.raw) == ("unknown", "]C0Hello\x00Goodbye")


def test_pyzbar_alone_decodes_the_real_code_128_image() -> None:
    assert texts(real("code128.png"), PYZBAR) == {"]C0Foramenifera", "]C0Rana temporaria"}


def test_pyzbar_takes_over_when_zxing_finds_nothing() -> None:
    class Blind:
        name = "blind"

        def decode(self, gray: np.ndarray) -> list[object]:
            return []

    found = decode_frame(real("qrcode_rotated.png"), (Blind(), PyzbarDecoder()))  # type: ignore[arg-type]
    assert {(d.text, d.decoder) for d in found} == {("]Q1Thalassiodracon", "pyzbar")}


def test_a_rendered_gs1_datamatrix_gives_product_gtin_batch_and_expiry() -> None:
    frame = compose_frame(
        [Symbol("(01)09506000134352(10)LOT1(17)261231", "gs1-datamatrix")], seed=1, conditions=STEADY
    )
    (text,) = texts(frame)
    scan = parse_scan(text)
    assert (text[:3], scan.gtin, scan.lot, scan.expiry) == (
        "]d2",
        "09506000134352",
        "LOT1",
        date(2026, 12, 31),
    )


def test_a_rendered_gs1_128_sscc_is_read_as_an_sscc() -> None:
    (text,) = texts(compose_frame([Symbol("(00)106141412345678908", "gs1-128")], seed=2, conditions=STEADY))
    scan = parse_scan(text)
    assert (scan.symbology, scan.kind, scan.sscc) == ("]C1", "sscc", "106141412345678908")


def test_pyzbar_reads_a_gs1_128_sscc_as_gs1_too() -> None:
    frame = compose_frame(
        [Symbol("(00)106141412345678908", "gs1-128")],
        seed=2,
        conditions=Conditions(
            max_rotation_deg=0, max_perspective=0, max_blur_sigma=0, noise_sigma=1, linear_module_px=(3, 3)
        ),
    )
    (text,) = texts(frame, PYZBAR)
    assert parse_scan(text).sscc == "106141412345678908"


def test_a_rendered_rma_qr_and_a_license_plate_in_one_frame_are_both_read() -> None:
    frame = compose_frame([Symbol("RMA:7f3a9c", "qr"), Symbol("LPN-000123")], seed=4, conditions=STEADY)
    scans = sorted((parse_scan(t).kind, parse_scan(t).code) for t in texts(frame))
    assert scans == [("lpn", "000123"), ("rma", "7f3a9c")]


@pytest.mark.parametrize("kind", ["code128", "gs1-128", "qr", "gs1-datamatrix", "ean13"])
def test_a_symbol_held_for_six_rough_frames_is_read_in_most_of_them(kind: str) -> None:
    content = {
        "gs1-128": "(01)09506000134352(21)12345",
        "gs1-datamatrix": "(01)09506000134352(21)12345",
        "ean13": "5901234123457",
        "qr": "RMA:7f3a9c",
        "code128": "LPN-000123",
    }[kind]
    read = sum(bool(texts(compose_frame([Symbol(content, kind)], seed=s))) for s in range(6))  # type: ignore[arg-type]
    assert read >= 4


def test_upc_a_from_zbar_is_sent_as_ean_13_with_a_leading_zero() -> None:
    assert zbar_scan_text("UPCA", "012345678905") == "]E00012345678905"


def test_a_digits_only_code_128_that_is_not_gs1_stays_plain_code_128() -> None:
    assert zbar_scan_text("CODE128", "0012345") == "]C00012345"


def test_a_grayscale_frame_is_used_as_it_is() -> None:
    frame = np.zeros((4, 4), dtype=np.uint8)
    assert to_gray(frame) is frame
