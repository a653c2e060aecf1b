"""Label kinds: each a pure function from domain values to a `Layout` (or pages of them).

Positions are in points from the top-left corner. Barcodes are sized so that every module is at
least two printer dots at 203 dpi and quiet zones stay on the label; a code too long for its stock
raises ValueError instead of printing a symbol nobody can scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from labels import symbols
from labels.gs1 import sscc_human_readable
from labels.layout import (
    LABEL_2X1,
    LABEL_4X2,
    LABEL_4X6,
    PAGE_SIZES,
    Barcode,
    Box,
    Element,
    Image,
    Layout,
    Line,
    Size,
    Symbology,
    Text,
)
from labels.model import (
    LOCATION_PREFIX,
    LPN_PREFIX,
    ORDER_PREFIX,
    RMA_NUMBER_PREFIX,
    RMA_TOKEN_PREFIX,
    Address,
    GradeTagData,
    LocationLabelData,
    LpnLabelData,
    PackingSlipData,
    ReturnLabelData,
    ShippingLabelData,
)
from labels.texts import format_date, language, phrase

# Two dots at 203 dpi: the narrowest module a thermal printer prints reliably.
MIN_MODULE = 2 * 72 / 203
MARGIN = 10.0

LabelSize = Literal["2x1", "4x2", "4x6"]
_LABEL_SIZES: dict[str, Size] = {"2x1": LABEL_2X1, "4x2": LABEL_4X2, "4x6": LABEL_4X6}


def fitted_module(symbology: Symbology, data: str, width: float, preferred: float) -> float:
    """The largest module up to `preferred` at which the symbol and its quiet zones fit `width`."""
    cells = symbols.printed_width(symbology, data) + 2 * symbols.QUIET_ZONE[symbology]
    if symbology == "gs1-128":
        # GS1-128 goes out in Zebra's automatic subset mode, which can be a symbol character or two
        # longer than zxing-cpp's optimal encoding: keep 10% spare. Plain Code 128 is printed all
        # in code set B, so its width is known exactly (symbols.printed_width).
        cells = int(cells * 1.1)
    module = min(preferred, width / cells)
    if module < MIN_MODULE:
        raise ValueError(
            f"{data!r} is too long for a {symbology} barcode {width / 72:.2f} in wide: "
            f"it needs {cells * MIN_MODULE / 72:.2f} in; use a larger label"
        )
    return module


def centred_barcode(
    symbology: Symbology,
    data: str,
    *,
    left: float,
    width: float,
    y: float,
    preferred_module: float,
    height: float = 0.0,
    human_readable: str | None = None,
) -> Barcode:
    """A barcode centred in the span [left, left + width]."""
    module = fitted_module(symbology, data, width, preferred_module)
    probe = Barcode(0, 0, symbology, data, module, height)
    symbol_width, _ = symbols.extent(probe)
    return Barcode(left + (width - symbol_width) / 2, y, symbology, data, module, height, human_readable)


def address_block(
    address: Address,
    x: float,
    y: float,
    width: float,
    size: float,
    *,
    lang: str = "en",
    bold_name: bool = True,
) -> tuple[list[Element], float]:
    """The address as text lines; returns the elements and the y below them."""
    out: list[Element] = []
    for i, line in enumerate(address.block()):
        out.append(Text(x, y, line, size=size, bold=bold_name and i == 0, max_width=width, language=lang))
        y += size * 1.25
    return out, y


# --- GS1 logistic label ---------------------------------------------------------------------


def shipping_label(data: ShippingLabelData) -> Layout:
    """GS1 logistic label, 4x6 in: from, to, carrier, tracking, (420) postal code and SSCC."""
    size = LABEL_4X6
    w, inner = size.width, size.width - 2 * MARGIN
    els: list[Element] = []

    els.append(Text(MARGIN, 8, "FROM", size=6, bold=True))
    block, _ = address_block(data.ship_from, MARGIN, 16, inner * 0.58, 7, bold_name=False)
    els.extend(block)
    right = MARGIN + inner * 0.62
    if data.logo_png:
        els.append(Image(right, 8, inner * 0.38, 22, data.logo_png))
        carrier_y = 32.0
    else:
        carrier_y = 10.0
    els.append(Text(right, carrier_y, data.carrier, size=13, bold=True, max_width=inner * 0.38))
    els.append(Text(right, carrier_y + 16, data.service, size=9, max_width=inner * 0.38))
    els.append(Line(0, 72, w, 72, 1.5))

    els.append(Text(MARGIN, 76, "SHIP TO", size=6, bold=True))
    block, _ = address_block(data.ship_to, MARGIN + 6, 86, inner - 6, 11)
    els.extend(block)
    els.append(Line(0, 170, w, 170, 1.5))

    # Ship-to postal code (420), left half; carton facts, right half.
    postal_hr = "(420) " + data.postal_hri[5:]
    els.append(Text(MARGIN, 174, "SHIP TO POSTAL CODE", size=6, bold=True))
    els.append(
        centred_barcode(
            "gs1-128",
            data.postal_hri,
            left=0,
            width=w * 0.55,
            y=186,
            preferred_module=1.2,
            height=40,
            human_readable=postal_hr,
        )
    )
    facts = [f"Ship date {data.ship_date.isoformat()}", f"Carton {data.carton_number} of {data.carton_count}"]
    if data.weight_kg is not None:
        facts.append(f"Weight {data.weight_kg:.2f} kg")
    if data.order_number:
        facts.append(ORDER_PREFIX + data.order_number)
    els.append(Line(w * 0.57, 170, w * 0.57, 244, 1))
    for i, fact in enumerate(facts):
        els.append(Text(w * 0.57 + 6, 178 + i * 15, fact, size=9, max_width=w * 0.43 - 12))
    els.append(Line(0, 244, w, 244, 1.5))

    els.append(Text(MARGIN, 248, f"{data.carrier.upper()} TRACKING #", size=6, bold=True, max_width=inner))
    els.append(
        centred_barcode(
            "code128",
            data.tracking_number,
            left=0,
            width=w,
            y=258,
            preferred_module=1.4,
            height=44,
            human_readable=data.tracking_number,
        )
    )
    els.append(Line(0, 322, w, 322, 1.5))

    els.append(Text(MARGIN, 326, "SSCC", size=6, bold=True))
    els.append(
        centred_barcode(
            "gs1-128",
            data.sscc_hri,
            left=0,
            width=w,
            y=336,
            preferred_module=1.5,
            height=66,
            human_readable=sscc_human_readable(data.sscc),
        )
    )
    return Layout("shipping", size, tuple(els))


# --- Return label -----------------------------------------------------------------------------


def return_label(data: ReturnLabelData, locale: str = "en") -> Layout:
    """Returnable-packaging label, 4x6 in: return address, RMA QR and barcode, instructions."""
    size = LABEL_4X6
    lang = language(locale)
    w, inner = size.width, size.width - 2 * MARGIN
    els: list[Element] = [Text(MARGIN, 8, phrase(lang, "return_to"), size=7, bold=True, language=lang)]
    block, _ = address_block(data.return_to, MARGIN + 6, 19, inner - 6, 11)
    els.extend(block)
    els.append(Line(0, 100, w, 100, 1.5))

    qr_data = RMA_TOKEN_PREFIX + data.rma_token
    qr_cells = symbols.modules("qr", qr_data).shape[1]
    qr_module = min(4.0, 112 / (qr_cells + 2 * symbols.QUIET_ZONE["qr"]))
    qr_module = max(qr_module, MIN_MODULE)
    els.append(Barcode(MARGIN + 4 * qr_module, 106 + 4 * qr_module, "qr", qr_data, qr_module))
    text_x = MARGIN + (qr_cells + 8) * qr_module + 6
    text_w = w - text_x - MARGIN
    els.append(Text(text_x, 112, RMA_NUMBER_PREFIX + data.rma_number, size=14, bold=True, max_width=text_w))
    y = 134.0
    if data.order_number:
        els.append(Text(text_x, y, ORDER_PREFIX + data.order_number, size=9, max_width=text_w))
        y += 13
    if data.shopper_name:
        els.append(
            Text(
                text_x,
                y,
                phrase(lang, "from") + ": " + data.shopper_name,
                size=9,
                max_width=text_w,
                language=lang,
            )
        )
        y += 13
    if data.return_by:
        els.append(
            Text(text_x, y, format_date(data.return_by, lang), size=9, max_width=text_w, language=lang)
        )

    number = RMA_NUMBER_PREFIX + data.rma_number
    els.append(
        centred_barcode(
            "code128", number, left=0, width=w, y=232, preferred_module=1.4, height=44, human_readable=number
        )
    )
    els.append(Line(0, 294, w, 294, 1.5))

    carrier = data.carrier or phrase(lang, "any_carrier")
    if data.return_by:
        step3 = phrase(lang, "return_step_3", carrier=carrier, date=format_date(data.return_by, lang))
    else:
        step3 = phrase(lang, "return_step_3_no_date", carrier=carrier)
    els.append(
        Text(MARGIN, 300, phrase(lang, "return_title"), size=11, bold=True, max_width=inner, language=lang)
    )
    y = 318.0
    for line in (
        phrase(lang, "return_step_1"),
        phrase(lang, "return_step_2"),
        step3,
        phrase(lang, "return_keep_qr"),
    ):
        els.append(Text(MARGIN, y, line, size=9, max_width=inner, max_lines=2, language=lang))
        y += 26
    return Layout("return", size, tuple(els))


# --- Grade tag --------------------------------------------------------------------------------


def grade_tag(data: GradeTagData, size: Literal["2x1", "4x2"] = "2x1") -> Layout:
    """The tag on a graded unit: big grade letter, LPN barcode for put-away, SKU, disposition, date.

    On 4x2 stock a unit with a GTIN also gets a GS1 DataMatrix (01)GTIN(21)serial.
    """
    stock = _LABEL_SIZES[size]
    lpn = LPN_PREFIX + data.lpn
    w = stock.width
    if size == "2x1":
        els: list[Element] = [
            Box(4, 4, 30, 34, 1.5),
            Text(6, 6, data.grade, size=28, bold=True, max_width=26, align="center"),
            Text(38, 4, data.heading, size=8, bold=True, max_width=w - 42),
            Text(38, 15, data.disposition, size=7, max_width=w - 42),
            Text(38, 26, data.graded_on.isoformat(), size=7, max_width=w - 42),
        ]
        els.append(
            centred_barcode(
                "code128", lpn, left=0, width=w, y=41, preferred_module=1.0, height=19, human_readable=lpn
            )
        )
        return Layout("grade", stock, tuple(els))

    els = [
        Box(MARGIN, MARGIN, 60, 64, 2),
        Text(MARGIN + 2, MARGIN + 4, data.grade, size=52, bold=True, max_width=56, align="center"),
    ]
    text_x = MARGIN + 68
    has_dm = bool(data.gtin)
    text_w = w - text_x - MARGIN - (58 if has_dm else 0)
    els.append(Text(text_x, MARGIN, data.heading, size=12, bold=True, max_width=text_w))
    if data.description:
        els.append(Text(text_x, MARGIN + 16, data.description, size=8, max_width=text_w))
    els.append(Text(text_x, MARGIN + 30, data.disposition, size=10, max_width=text_w))
    els.append(Text(text_x, MARGIN + 46, data.graded_on.isoformat(), size=9, max_width=text_w))
    if has_dm:
        cells = symbols.modules("datamatrix-gs1", data.gs1_hri).shape[1]
        module = max(MIN_MODULE, min(2.5, 48 / cells))
        side = cells * module
        els.append(
            Barcode(w - MARGIN - side - module, MARGIN + module, "datamatrix-gs1", data.gs1_hri, module)
        )
    els.append(
        centred_barcode(
            "code128", lpn, left=0, width=w, y=82, preferred_module=1.4, height=40, human_readable=lpn
        )
    )
    return Layout("grade", stock, tuple(els))


# --- Location and LPN labels -------------------------------------------------------------------


def _code_label(kind: str, code: str, description: str, size: Literal["2x1", "4x2"]) -> Layout:
    stock = _LABEL_SIZES[size]
    w = stock.width
    if size == "2x1":
        els: list[Element] = [Text(4, 3, code, size=11, bold=True, max_width=w - 8, align="center")]
        if description:
            els.append(Text(4, 16, description, size=6, max_width=w - 8, align="center"))
        els.append(centred_barcode("code128", code, left=0, width=w, y=26, preferred_module=1.0, height=40))
        return Layout(kind, stock, tuple(els))
    els = [Text(MARGIN, 8, code, size=24, bold=True, max_width=w - 2 * MARGIN, align="center")]
    if description:
        els.append(Text(MARGIN, 38, description, size=10, max_width=w - 2 * MARGIN, align="center"))
    els.append(centred_barcode("code128", code, left=0, width=w, y=56, preferred_module=1.6, height=76))
    return Layout(kind, stock, tuple(els))


def location_label(data: LocationLabelData, size: Literal["2x1", "4x2"] = "4x2") -> Layout:
    """A bin or location label: LOC-<code> in big letters and as Code 128."""
    return _code_label("location", LOCATION_PREFIX + data.code, data.description, size)


def lpn_label(data: LpnLabelData, size: Literal["2x1", "4x2"] = "4x2") -> Layout:
    """A license plate for a tote, carton or pallet: LPN-<code> as text and Code 128."""
    return _code_label("lpn", LPN_PREFIX + data.code, data.description, size)


# --- Packing slip -----------------------------------------------------------------------------

_ROW = 16.0


def packing_slip(data: PackingSlipData, locale: str = "en", page: str = "A4") -> tuple[Layout, ...]:
    """The packing slip, one or more A4 or Letter pages; the last carries the return QR code."""
    if page not in PAGE_SIZES:
        raise ValueError(f"a packing slip is printed on {' or '.join(PAGE_SIZES)}, not {page!r}")
    stock = PAGE_SIZES[page]
    lang = language(locale)
    w, h = stock.width, stock.height
    m = 40.0
    inner = w - 2 * m

    def header(page_no: int, pages: int) -> tuple[list[Element], float]:
        els: list[Element] = []
        block, _ = address_block(data.merchant, m, m, inner * 0.5, 9)
        els.extend(block)
        els.append(
            Text(
                w / 2, m, phrase(lang, "packing_slip"), size=18, bold=True, max_width=inner / 2, language=lang
            )
        )
        els.append(
            Text(
                w / 2,
                m + 24,
                f"{phrase(lang, 'order')}: {data.order_number}",
                size=10,
                max_width=inner / 2,
                language=lang,
            )
        )
        els.append(
            Text(
                w / 2,
                m + 38,
                f"{phrase(lang, 'ordered_on')}: {format_date(data.ordered_on, lang)}",
                size=10,
                max_width=inner / 2,
                language=lang,
            )
        )
        order_code = ORDER_PREFIX + data.order_number
        els.append(Barcode(w / 2, m + 56, "code128", order_code, 1.2, 30, human_readable=order_code))
        if pages > 1:
            els.append(Text(w - m - 40, h - m + 10, f"{page_no}/{pages}", size=8))
        y = m + 110
        els.append(Text(m, y, phrase(lang, "ship_to"), size=8, bold=True, language=lang))
        block, y = address_block(data.shopper, m, y + 12, inner * 0.6, 10, lang=lang)
        els.extend(block)
        y += 12
        cols = (m, m + 110, w - m - 40)
        els.append(Text(cols[0], y, phrase(lang, "sku"), size=9, bold=True, language=lang))
        els.append(Text(cols[1], y, phrase(lang, "item"), size=9, bold=True, language=lang))
        els.append(Text(cols[2], y, phrase(lang, "qty"), size=9, bold=True, language=lang))
        y += 14
        els.append(Line(m, y, w - m, y, 1))
        return els, y + 4

    returns_height = 150.0 if data.rma_token else 0.0
    first_rows_y = header(1, 1)[1]
    per_page = max(1, int((h - m - first_rows_y) // _ROW))
    last_page_rows = max(1, int((h - m - returns_height - first_rows_y) // _ROW))
    chunks: list[Sequence] = []
    rest = list(data.lines)
    while len(rest) > last_page_rows:
        chunks.append(rest[:per_page])
        rest = rest[per_page:]
    chunks.append(rest)

    pages: list[Layout] = []
    for n, chunk in enumerate(chunks, start=1):
        els, y = header(n, len(chunks))
        cols = (m, m + 110, w - m - 40)
        for line in chunk:
            els.append(Text(cols[0], y, line.sku, size=9, max_width=105))
            els.append(
                Text(cols[1], y, line.description, size=9, max_width=cols[2] - cols[1] - 10, language=lang)
            )
            els.append(Text(cols[2], y, str(line.quantity), size=9))
            y += _ROW
        if n == len(chunks):
            els.extend(_returns_block(data, lang, m, h - m - returns_height, inner))
        pages.append(Layout("packing-slip", stock, tuple(els)))
    return tuple(pages)


def _returns_block(data: PackingSlipData, lang: str, x: float, y: float, width: float) -> list[Element]:
    if not data.rma_token:
        return [Text(x, y, note, size=9, max_width=width, language=lang) for note in data.notes]
    els: list[Element] = [
        Box(x, y, width, 140, 1),
        Text(
            x + 10, y + 8, phrase(lang, "returns"), size=12, bold=True, max_width=width - 140, language=lang
        ),
    ]
    qr_data = RMA_TOKEN_PREFIX + data.rma_token
    cells = symbols.modules("qr", qr_data).shape[1]
    module = min(3.5, 110 / cells)
    side = cells * module
    els.append(Barcode(x + width - side - 14, y + (140 - side) / 2, "qr", qr_data, module))
    ty = y + 30
    els.append(
        Text(
            x + 10,
            ty,
            phrase(lang, "return_with_qr"),
            size=9,
            max_width=width - side - 40,
            max_lines=3,
            language=lang,
        )
    )
    ty += 40
    if data.return_by:
        els.append(
            Text(
                x + 10,
                ty,
                phrase(lang, "return_by", date=format_date(data.return_by, lang)),
                size=9,
                max_width=width - side - 40,
                language=lang,
            )
        )
        ty += 14
    for note in data.notes:
        els.append(Text(x + 10, ty, note, size=9, max_width=width - side - 40, language=lang))
        ty += 14
    return els
