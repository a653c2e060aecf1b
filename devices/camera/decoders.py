"""Barcode decoders for camera frames: zxing-cpp first (GS1-aware, gives the AIM symbology id),
pyzbar as the fallback. Each turns a frame into texts in scanner form, `[AIM id][data]`, which
`devices.scan.parse_scan` understands like a scan from a handheld.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import biip
import numpy as np
import zxingcpp
from pyzbar import pyzbar

GS = "\x1d"


@dataclass(frozen=True, slots=True)
class Decoded:
    """One symbol found in a frame."""

    text: str  # AIM symbology id + data, as a scanner would send it
    decoder: str


class Decoder(Protocol):
    name: str

    def decode(self, gray: np.ndarray) -> list[Decoded]: ...


class ZxingDecoder:
    """zxing-cpp: reports the AIM id itself (`]C1` GS1-128, `]d2` GS1 DataMatrix, `]Q3` GS1 QR ...).

    `thorough=False` skips the searches for inverted (light-on-dark) and 90°-rotated symbols: about
    twice as fast, for fixed cameras that see labels upright and dark on light.
    """

    def __init__(self, *, thorough: bool = True) -> None:
        self.name = "zxing-cpp" if thorough else "zxing-cpp-fast"
        self._options: dict[str, Any] = {} if thorough else {"try_invert": False, "try_rotate": False}

    def decode(self, gray: np.ndarray) -> list[Decoded]:
        found = zxingcpp.read_barcodes(gray, text_mode=zxingcpp.TextMode.Plain, **self._options)
        return [Decoded(b.symbology_identifier + b.text, self.name) for b in found if b.valid]


# zbar symbol type -> AIM symbology id (ISO/IEC 15424). zbar gives no modifier, so these are the plain ids.
_ZBAR_AIM = {
    "EAN13": "]E0",
    "UPCA": "]E0",
    "ISBN13": "]E0",
    "EAN8": "]E4",
    "UPCE": "]E0",
    "CODE128": "]C0",
    "CODE39": "]A0",
    "CODE93": "]G0",
    "I25": "]I0",
    "CODABAR": "]F0",
    "QRCODE": "]Q1",
    "PDF417": "]L2",
    "DATABAR": "]e0",
    "DATABAR_EXP": "]e0",
}


def _looks_gs1(data: str) -> bool:
    try:
        result = biip.parse(data)
    except Exception:  # biip raises ParseError for anything that is not GS1
        return False
    return result.gs1_message is not None and result.gs1_message.value == data


def zbar_scan_text(symbol_type: str, data: str) -> str:
    """Scanner-form text for a zbar result.

    zbar drops the leading FNC1 of GS1-128 and pyzbar does not expose zbar's GS1 modifier, so a
    Code 128 symbol is taken as GS1-128 (`]C1`) when its data carries GS (zbar's rendering of a
    later FNC1) or is all digits forming complete GS1 element strings; otherwise it is `]C0`.
    UPC-A is sent as EAN-13 with a leading zero, as scanners do.
    """
    aim = _ZBAR_AIM.get(symbol_type, "]X0")
    if symbol_type == "CODE128" and (GS in data or (data.isdigit() and _looks_gs1(data))):
        aim = "]C1"
    if symbol_type == "UPCA" and len(data) == 12:
        data = "0" + data
    return aim + data


class PyzbarDecoder:
    """pyzbar (zbar): the fallback when zxing-cpp finds nothing."""

    name = "pyzbar"

    def decode(self, gray: np.ndarray) -> list[Decoded]:
        found = pyzbar.decode(gray)
        return [Decoded(zbar_scan_text(d.type, d.data.decode("utf-8", "replace")), self.name) for d in found]


def to_gray(frame: np.ndarray) -> np.ndarray:
    """One 8-bit channel: both decoders binarise anyway, and converting once is cheaper."""
    if frame.ndim == 2:
        return frame
    import cv2

    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def decode_frame(frame: np.ndarray, decoders: tuple[Decoder, ...]) -> list[Decoded]:
    """The symbols in a frame, from the first decoder that finds any."""
    gray = to_gray(frame)
    for decoder in decoders:
        found = decoder.decode(gray)
        if found:
            return found
    return []


DEFAULT_DECODERS: tuple[Decoder, ...] = (ZxingDecoder(), PyzbarDecoder())
