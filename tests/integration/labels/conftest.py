"""Rasterising rendered labels and reading their barcodes back, as a scanner would."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pypdfium2 as pdfium
import pytest
import zplkit
import zxingcpp
from PIL import Image


@dataclass(frozen=True)
class Read:
    symbology: str  # AIM id, e.g. "]C1"
    text: str  # GS1 data in parentheses form, other data as is
    raw: bytes  # the bytes a scanner sends after the AIM id (GS between GS1 fields)


def read_all(image: Image.Image) -> list[Read]:
    found = zxingcpp.read_barcodes(np.asarray(image.convert("L")))
    return [Read(r.symbology_identifier, r.text, r.bytes) for r in found]


def pdf_pages(pdf: bytes, dpi: int = 300) -> list[Image.Image]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("L") for page in doc]
    finally:
        doc.close()


def zpl_labels(zpl: bytes, dpi: int = 203) -> list[Image.Image]:
    document = zplkit.render(zpl, zplkit.Options(dpi=dpi))
    return [Image.open(io.BytesIO(scene.png())).convert("L") for scene in document.labels]


@pytest.fixture
def decode_pdf() -> Callable[[bytes], list[list[Read]]]:
    return lambda pdf: [read_all(page) for page in pdf_pages(pdf)]


@pytest.fixture
def decode_zpl() -> Callable[..., list[list[Read]]]:
    return lambda zpl, dpi=203: [read_all(label) for label in zpl_labels(zpl, dpi)]
