"""python-escpos and the ESC/POS driver against the simulated receipt printer, over TCP and a pty."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator

import numpy as np
import pytest
import zxingcpp
from escpos.printer import Network
from PIL import Image

from devices.errors import DeviceFault
from devices.printers.driver import Sent, open_printer
from devices.printers.escpos import EscposPrinter
from devices.printers.status import HEAD_OPEN, PAPER_OUT
from devices.scan import parse_scan
from simulators.printers.escpos import EscposPrinterSimulator

logging.getLogger("escpos").setLevel(logging.ERROR)


@pytest.fixture
async def receipt_printer() -> AsyncIterator[EscposPrinterSimulator]:
    async with EscposPrinterSimulator() as simulator:
        yield simulator


@pytest.fixture
async def driver(receipt_printer: EscposPrinterSimulator) -> AsyncIterator[EscposPrinter]:
    printer = EscposPrinter(receipt_printer.url, timeout=0.5)
    yield printer
    await printer.close()


def print_with_python_escpos(host: str, port: int) -> None:
    printer = Network(host, port=port, timeout=2)
    printer.open()
    printer.set(align="center", bold=True)
    printer.text("Return label\n")
    printer.set_with_default()
    printer.barcode("{BRMA-100234", "CODE128", function_type="B")
    printer.qr("RMA:7f3a9c", native=True, size=6)
    printer.qr("RMA:image-qr", size=6)
    printer.cut()
    printer.close()


def decoded(png: bytes) -> dict[str, zxingcpp.BarcodeFormat]:
    image = np.array(Image.open(io.BytesIO(png)).convert("L"))
    return {barcode.text: barcode.format for barcode in zxingcpp.read_barcodes(image)}


async def test_python_escpos_text_barcode_qr_and_cut_print_one_receipt_whose_codes_scan(
    receipt_printer: EscposPrinterSimulator,
) -> None:
    await asyncio.to_thread(print_with_python_escpos, receipt_printer.host, receipt_printer.port)
    [receipt] = await receipt_printer.shelf.wait_for(1, within=5)
    assert "Return label" in receipt.text
    assert receipt.png is not None
    assert decoded(receipt.png) == {
        "RMA-100234": zxingcpp.BarcodeFormat.Code128,
        "RMA:7f3a9c": zxingcpp.BarcodeFormat.QRCode,
        "RMA:image-qr": zxingcpp.BarcodeFormat.QRCode,
    }


def python_escpos_status(host: str, port: int) -> tuple[bool, int]:
    printer = Network(host, port=port, timeout=2)
    printer.open()
    try:
        return printer.is_online(), printer.paper_status()
    finally:
        printer.close()


async def test_python_escpos_reads_the_simulated_paper_end_from_dle_eot(
    receipt_printer: EscposPrinterSimulator,
) -> None:
    assert await asyncio.to_thread(python_escpos_status, receipt_printer.host, receipt_printer.port) == (
        True,
        2,
    )
    await receipt_printer.set_faults(paper_out=True)
    assert await asyncio.to_thread(python_escpos_status, receipt_printer.host, receipt_printer.port) == (
        False,
        0,
    )


async def test_the_driver_reports_paper_out(
    receipt_printer: EscposPrinterSimulator, driver: EscposPrinter
) -> None:
    await receipt_printer.set_faults(paper_out=True)
    assert (await driver.status()).faults == {PAPER_OUT}


async def test_the_driver_reports_an_open_cover(
    receipt_printer: EscposPrinterSimulator, driver: EscposPrinter
) -> None:
    await receipt_printer.set_faults(head_open=True)
    assert (await driver.status()).faults == {HEAD_OPEN}


async def test_an_offline_receipt_printer_reads_as_offline(
    receipt_printer: EscposPrinterSimulator, driver: EscposPrinter
) -> None:
    await receipt_printer.set_faults(offline=True)
    assert (await driver.status()).state == "offline"


async def test_a_receipt_sent_while_out_of_paper_is_not_confirmed_until_the_paper_is_back(
    receipt_printer: EscposPrinterSimulator, driver: EscposPrinter
) -> None:
    await receipt_printer.set_faults(paper_out=True)
    await driver.send(b"\x1bt\x00ORD-1001\n\x1dV\x00")
    with pytest.raises(DeviceFault, match="out of paper"):
        await driver.printed(Sent())
    assert len(receipt_printer.shelf) == 0
    await receipt_printer.set_faults(paper_out=False)
    assert await driver.printed(Sent())
    [receipt] = await receipt_printer.shelf.wait_for(1, within=5)
    assert receipt.text == "ORD-1001"


async def test_the_driver_prints_over_a_serial_line(receipt_printer: EscposPrinterSimulator) -> None:
    await receipt_printer.start_serial()
    printer = open_printer(receipt_printer.serial_url, timeout=0.5)
    try:
        assert (await printer.status()).state == "ready"
        await printer.send(b"\x1bt\x00SERIAL RECEIPT\n\x1dV\x00")
        assert await printer.printed(Sent())
    finally:
        await printer.close()
    [receipt] = await receipt_printer.shelf.wait_for(1, within=5)
    assert receipt.text == "SERIAL RECEIPT"


def print_sscc_with_python_escpos(host: str, port: int) -> None:
    printer = Network(host, port=port, timeout=2)
    printer.open()
    # GS1-128 as ESC/POS sends it: code set B, FNC1 ({1) first. SSCC from GS1's General Specifications.
    printer.barcode("{B{100106141412345678908", "CODE128", function_type="B", check=False)
    printer.barcode("{B{110LOT1{117261231", "CODE128", function_type="B", check=False)  # FNC1 as GS too
    printer.cut()
    printer.close()


async def test_a_gs1_128_printed_with_fnc1_first_scans_as_gs1_128_from_the_simulated_receipt(
    receipt_printer: EscposPrinterSimulator,
) -> None:
    # Before: the simulator redrew the Code 128 without its FNC1, so it decoded as ]C0 text.
    await asyncio.to_thread(print_sscc_with_python_escpos, receipt_printer.host, receipt_printer.port)
    [receipt] = await receipt_printer.shelf.wait_for(1, within=5)
    assert receipt.png is not None
    image = np.array(Image.open(io.BytesIO(receipt.png)).convert("L"))
    found = {
        b.symbology_identifier + b.text
        for b in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    }
    assert found == {"]C100106141412345678908", "]C110LOT1\x1d17261231"}
    scans = sorted((parse_scan(text).kind, parse_scan(text).sscc or parse_scan(text).lot) for text in found)
    assert scans == [("gs1", "LOT1"), ("sscc", "106141412345678908")]
