"""Stored formats (^DF/^XF) and Aztec (^B0) on the simulated Zebra, sent over real TCP sockets.

The ^DF example is the one on the ^DF page of Zebra's ZPL II Programming Guide, 45541L-004 Rev. A
(9/15/06), page 126, as copied at
http://38.142.81.21:8001/manual/zebra/ii/1-specifications-english/page-146.html
The ^XF example is the one on the ^XF page of the ZPL II Programming Guide Volume One: Command
Reference for X.10, page 250, as copied at
http://38.142.81.21:8001/manual/zebra/ii/specifications-english/page-258.html
(it recalls STOREFMT.ZPL with ^FN1 ZEBRA and ^FN2 PRINTER). The Aztec example, all seven ^B0
parameters, is not checked against a copy of the guide's ^B0 page.

Before: the ^DF download was shelved as a phantom label and the ^XF recall printed nothing; Aztec
with all seven parameters was refused.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from simulators.printers.zpl import ZplPrinterSimulator

# ZPL II Programming Guide 45541L-004, page 126, ^DF (Download Format), example.
GUIDE_DF = (
    b"^XA\r\n^DFR:STOREFMT.ZPL^FS\r\n^FO25,25\r\n^AD,36,20^FN1^FS\r\n^FO165,25\r\n^AD,36,20^FN2^FS\r\n"
    b"^FO25,75\r\n^AB,22,14^FDBUILT BY^FS\r\n^FO25,125\r\n^AE,28,15^FN1\r\n^XZ\r\n"
)
# ZPL II Programming Guide Volume One (X.10), page 250, ^XF (Recall Format), example.
GUIDE_XF = b"^XA\r\n^XFR:STOREFMT.ZPL^FS\r\n^FN1^FDZEBRA^FS\r\n^FN2^FDPRINTER^FS\r\n^XZ\r\n"
# Aztec with all seven ^B0 parameters (not checked against the guide's own ^B0 example).
GUIDE_AZTEC = b"^XA\r\n^B0R,7,N,0,N,1,0\r\n^FD 7. This is testing label 7^FS\r\n^XZ\r\n"


@pytest.fixture
async def zebra() -> AsyncIterator[ZplPrinterSimulator]:
    async with ZplPrinterSimulator() as simulator:
        yield simulator


async def send(zebra: ZplPrinterSimulator, data: bytes) -> None:
    _reader, writer = await asyncio.open_connection(zebra.host, zebra.port)
    writer.write(data)
    await writer.drain()
    writer.close()
    await writer.wait_closed()


def symbols(png: bytes | None) -> list[tuple[zxingcpp.BarcodeFormat, str]]:
    assert png is not None
    image = np.array(Image.open(io.BytesIO(png)).convert("L"))
    return [(b.format, b.text) for b in zxingcpp.read_barcodes(image)]


async def test_the_guides_download_format_prints_nothing_and_its_recall_prints_one_label(
    zebra: ZplPrinterSimulator,
) -> None:
    await send(zebra, GUIDE_DF)
    await asyncio.sleep(0.3)
    assert (len(zebra.shelf), list(zebra.stored_formats)) == (0, ["R:STOREFMT.ZPL"])
    await send(zebra, GUIDE_XF)  # another connection: the format stays in the printer's memory
    [label] = await zebra.shelf.wait_for(1, within=5)
    assert label.raw == GUIDE_XF.strip()
    assert (label.png is not None, label.render_note) == (True, "")


async def test_a_recalled_format_fills_its_fields_from_the_recall(zebra: ZplPrinterSimulator) -> None:
    await send(zebra, b"^XA^DFE:LPN.ZPL^FS^FO40,40^BY3^BCN,120,N,N,N^FN1^FS^XZ")
    await send(zebra, b"^XA^XFE:LPN.ZPL^FS^FN1^FDLPN-000123^FS^XZ^XA^XFE:LPN^FS^FN1^FDLPN-000124^FS^XZ")
    labels = await zebra.shelf.wait_for(2, within=5)
    assert [symbols(label.png) for label in labels] == [
        [(zxingcpp.BarcodeFormat.Code128, "LPN-000123")],
        [(zxingcpp.BarcodeFormat.Code128, "LPN-000124")],
    ]


async def test_recalling_a_format_that_was_never_stored_says_so(zebra: ZplPrinterSimulator) -> None:
    await send(zebra, GUIDE_XF)
    [label] = await zebra.shelf.wait_for(1, within=5)
    assert (label.png, label.render_note) == (None, "stored format R:STOREFMT.ZPL not found")


async def test_the_guides_aztec_example_with_all_seven_parameters_prints_and_scans(
    zebra: ZplPrinterSimulator,
) -> None:
    await send(zebra, GUIDE_AZTEC)
    [label] = await zebra.shelf.wait_for(1, within=5)
    assert symbols(label.png) == [(zxingcpp.BarcodeFormat.Aztec, " 7. This is testing label 7")]


async def test_aztec_parameters_the_renderer_cannot_draw_are_named_not_refused(
    zebra: ZplPrinterSimulator,
) -> None:
    await send(zebra, b"^XA^FO50,50^B0N,6,N,0,Y,3,KAERU^FDpart one^FS^XZ")
    [label] = await zebra.shelf.wait_for(1, within=5)
    assert symbols(label.png) == [(zxingcpp.BarcodeFormat.Aztec, "part one")]
    assert label.render_note == "not drawn: Aztec menu symbol flag, Aztec structured append (3 symbols)"
