"""Kaeru labels: what a label says, as data, and renderers to PDF, ZPL II and ESC/POS.

Public API (stable; the server calls these):

    labels.render(kind, data, fmt, *, dpi=203, locale="en", size=None, page="A4") -> bytes
        kind:   "shipping" (ShippingLabelData, 4x6 in), "return" (ReturnLabelData, 4x6 in),
                "grade" (GradeTagData, 2x1 or 4x2 in), "location" (LocationLabelData, 4x2 or
                2x1 in), "lpn" (LpnLabelData, 4x2 or 2x1 in), "packing-slip" (PackingSlipData,
                A4 or Letter pages)
        fmt:    "pdf" | "zpl" | "escpos"
        dpi:    printer resolution for ZPL and ESC/POS (ZPL: 152, 203, 300, 600)
        locale: shopper's language for return labels and packing slips: en, ja, uk (others
                fall back to English)
        size:   stock for grade/location/lpn labels: "2x1" or "4x2"
        page:   "A4" or "Letter" for packing slips
    labels.render_sheet(kind, items, *, page="A4", locale="en", size=None) -> bytes
        a PDF with many labels of one kind in a grid on A4 or Letter pages.
    labels.layout(kind, data, *, locale="en", size=None, page="A4") -> tuple[Layout, ...]
        the format-independent pages, for previews and tests.

Per-kind layout functions live in labels.kinds (shipping_label, return_label, grade_tag,
location_label, lpn_label, packing_slip); the data classes in labels.model; SSCC helpers
(make_sscc, validate_sscc, sscc_human_readable) in labels.gs1.

Bad data raises ValueError before anything is drawn. Fonts: DejaVu Sans (Debian
fonts-dejavu-core) and, for Japanese, IPAex Gothic (fonts-ipaexfont-gothic); a missing font
raises labels.fonts.FontMissing naming the package.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from labels.fonts import FontMissing
from labels.gs1 import make_sscc, sscc_human_readable, validate_sscc
from labels.layout import Layout
from labels.model import (
    Address,
    GradeTagData,
    LocationLabelData,
    LpnLabelData,
    PackingSlipData,
    PackingSlipLine,
    ReturnLabelData,
    ShippingLabelData,
)

# The layouts (barcodes: zxing-cpp, numpy, reportlab) and the renderers (reportlab, python-escpos,
# Pillow) load on the first label drawn, not when a program imports `labels` for its data classes:
# a server process starts without them.


def _kinds() -> Any:
    from labels import kinds

    return kinds


def _pdf(pages: Sequence[Layout], dpi: int) -> bytes:
    from labels.render_pdf import render_pdf

    return render_pdf(pages)


def _zpl(pages: Sequence[Layout], dpi: int) -> bytes:
    from labels.render_zpl import render_zpl

    return render_zpl(pages, dpi=dpi)


def _escpos(pages: Sequence[Layout], dpi: int) -> bytes:
    from labels.render_escpos import render_escpos

    return render_escpos(pages, dpi=dpi)


Format = Literal["pdf", "zpl", "escpos"]
Kind = Literal["shipping", "return", "grade", "location", "lpn", "packing-slip"]


@dataclass(frozen=True)
class _Options:
    locale: str
    size: str | None
    page: str


@dataclass(frozen=True)
class _KindSpec:
    data_type: type
    build: Callable[[Any, _Options], Layout | tuple[Layout, ...]]
    sizes: tuple[str, ...] = ()


def _sized(default: str) -> Callable[[_Options], Any]:
    return lambda o: o.size or default


KINDS: dict[str, _KindSpec] = {
    "shipping": _KindSpec(ShippingLabelData, lambda d, o: _kinds().shipping_label(d), ("4x6",)),
    "return": _KindSpec(ReturnLabelData, lambda d, o: _kinds().return_label(d, o.locale), ("4x6",)),
    "grade": _KindSpec(GradeTagData, lambda d, o: _kinds().grade_tag(d, _sized("2x1")(o)), ("2x1", "4x2")),
    "location": _KindSpec(
        LocationLabelData, lambda d, o: _kinds().location_label(d, _sized("4x2")(o)), ("4x2", "2x1")
    ),
    "lpn": _KindSpec(LpnLabelData, lambda d, o: _kinds().lpn_label(d, _sized("4x2")(o)), ("4x2", "2x1")),
    "packing-slip": _KindSpec(
        PackingSlipData,
        lambda d, o: _kinds().packing_slip(d, o.locale, o.page),
        (),
    ),
}

RENDERERS: dict[str, Callable[[Sequence[Layout], int], bytes]] = {
    "pdf": _pdf,
    "zpl": _zpl,
    "escpos": _escpos,
}


def layout(
    kind: str, data: object, *, locale: str = "en", size: str | None = None, page: str = "A4"
) -> tuple[Layout, ...]:
    """The pages of a label kind for `data`, independent of the output format."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown label kind {kind!r}; known kinds: {', '.join(KINDS)}")
    if not isinstance(data, spec.data_type):
        raise ValueError(f"a {kind} label needs {spec.data_type.__name__}, got {type(data).__name__}")
    if size is not None and size not in spec.sizes:
        raise ValueError(
            f"a {kind} label comes in {', '.join(spec.sizes) or 'page sizes only'}, not {size!r}"
        )
    if page not in ("A4", "Letter"):
        raise ValueError(f"page must be 'A4' or 'Letter', got {page!r}")
    built = spec.build(data, _Options(locale, size, page))
    return built if isinstance(built, tuple) else (built,)


def render(
    kind: str,
    data: object,
    fmt: str,
    *,
    dpi: int = 203,
    locale: str = "en",
    size: str | None = None,
    page: str = "A4",
) -> bytes:
    """The bytes to print a label of `kind` for `data` in format `fmt` ("pdf", "zpl", "escpos")."""
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise ValueError(f"unknown label format {fmt!r}; known formats: {', '.join(RENDERERS)}")
    return renderer(layout(kind, data, locale=locale, size=size, page=page), dpi)


def render_sheet(
    kind: str, items: Sequence[object], *, page: str = "A4", locale: str = "en", size: str | None = None
) -> bytes:
    """A PDF with labels of one kind in a grid on A4 or Letter sheets (e.g. a run of bin labels)."""
    from labels.render_pdf import render_pdf_sheet

    pages = [p for item in items for p in layout(kind, item, locale=locale, size=size)]
    return render_pdf_sheet(pages, page=page)


__all__ = [
    "KINDS",
    "RENDERERS",
    "Address",
    "FontMissing",
    "Format",
    "GradeTagData",
    "Kind",
    "Layout",
    "LocationLabelData",
    "LpnLabelData",
    "PackingSlipData",
    "PackingSlipLine",
    "ReturnLabelData",
    "ShippingLabelData",
    "layout",
    "make_sscc",
    "render",
    "render_sheet",
    "sscc_human_readable",
    "validate_sscc",
]
