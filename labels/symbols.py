"""Barcode symbols as modules: how wide a linear symbol is, and the cells of a 2D one.

Encoding is zxing-cpp's (it writes as well as reads). Layouts use the module counts to place
symbols; the PDF renderer draws GS1 DataMatrix cells from here because reportlab's DataMatrix
has no FNC1; ESC/POS prints a DataMatrix as a picture of these cells.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import zxingcpp
from biip import ParseError
from biip.gtin import Gtin
from reportlab.graphics.barcode.code128 import Code128

from labels.gs1 import element_string
from labels.layout import LINEAR, Barcode, Symbology

# Quiet zones in modules on each side (GS1 General Specifications 5.4.4 / ISO 18004 / 16022).
QUIET_ZONE: dict[str, int] = {"gs1-128": 10, "code128": 10, "ean13": 11, "qr": 4, "datamatrix-gs1": 1}


def check_data(symbology: Symbology, data: str) -> None:
    """Raise ValueError if `data` cannot be carried by `symbology`."""
    if symbology in ("gs1-128", "datamatrix-gs1"):
        element_string(data)
    elif symbology == "ean13":
        if not (len(data) == 13 and data.isascii() and data.isdigit()):
            raise ValueError(f"EAN-13 needs 13 digits including the check digit, got {data!r}")
        try:
            Gtin.parse(data)
        except ParseError as exc:
            raise ValueError(f"EAN-13 {data} is not valid: {exc}") from exc
    elif symbology == "code128":
        if not data or not all(0x20 <= ord(c) < 0x7F for c in data):
            raise ValueError(f"Code 128 text must be printable ASCII, got {data!r}")
    elif symbology == "qr":
        if not data:
            raise ValueError("a QR code needs data")
    else:
        raise ValueError(f"unknown symbology {symbology!r}")


_FORMATS = {
    "gs1-128": zxingcpp.BarcodeFormat.Code128,
    "code128": zxingcpp.BarcodeFormat.Code128,
    "ean13": zxingcpp.BarcodeFormat.EAN13,
    "qr": zxingcpp.BarcodeFormat.QRCode,
    "datamatrix-gs1": zxingcpp.BarcodeFormat.DataMatrix,
}


@lru_cache(maxsize=4096)
def modules(symbology: Symbology, data: str) -> np.ndarray:
    """The symbol's cells (True = dark) without quiet zones; one row for a linear symbol."""
    check_data(symbology, data)
    kwargs: dict[str, object] = {}
    if symbology in ("gs1-128", "datamatrix-gs1"):
        kwargs["gs1"] = True
    if symbology == "datamatrix-gs1":
        kwargs["forceSquare"] = True  # Zebra ^BX picks square symbols too
    if symbology == "qr":
        kwargs["ec_level"] = "M"
    content = data[:12] if symbology == "ean13" else data
    symbol = zxingcpp.create_barcode(content, _FORMATS[symbology], **kwargs)
    image = np.asarray(zxingcpp.write_barcode_to_image(symbol, scale=1, add_quiet_zones=False))
    cells = image < 128
    if symbology in LINEAR:
        cells = cells[:1]
    cells.setflags(write=False)
    return cells


def code128_symbols(data: str) -> list[int]:
    """Code 128 symbol values for `data` — start, characters with their code-set switches (digit runs
    in code set C), check — as reportlab encodes it; the stop symbol is left out."""
    check_data("code128", data)
    symbol = Code128(data)
    symbol.validate()
    symbol.encode()
    return list(symbol.encoded[:-1])


def printed_width(symbology: Symbology, data: str) -> int:
    """The symbol's width in modules as the printers draw it (quiet zones excluded).

    Plain Code 128 is sent to Zebra printers with its code sets chosen explicitly
    (`code128_symbols`, ZPL's manual subset mode), so its width is known exactly: 11 modules a
    symbol, 13 for the stop. (Zebra's automatic mode can be a symbol or two longer than planned.)
    """
    if symbology == "code128":
        return 11 * len(code128_symbols(data)) + 13
    return int(modules(symbology, data).shape[1])


def extent(barcode: Barcode) -> tuple[float, float]:
    """Width and height in points of the symbol (quiet zones and human-readable text excluded)."""
    cells = modules(barcode.symbology, barcode.data)
    width = printed_width(barcode.symbology, barcode.data) * barcode.module
    height = barcode.height if barcode.symbology in LINEAR else cells.shape[0] * barcode.module
    return width, height


def quiet_zone(barcode: Barcode) -> float:
    return QUIET_ZONE[barcode.symbology] * barcode.module


HUMAN_READABLE_GAP = 2.0  # points between bars and their text


def human_readable_size(barcode: Barcode) -> float:
    """Font size of the text under a linear symbol: readable, and never wider than the bars."""
    return max(6.0, min(10.0, barcode.module * 6))
