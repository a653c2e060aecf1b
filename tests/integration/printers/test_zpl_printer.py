"""The ZPL driver against the simulated Zebra, over real TCP sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from devices.printers.driver import Sent
from devices.printers.status import HEAD_OPEN, NO_ANSWER, OFFLINE, PAPER_OUT, PAUSED
from devices.printers.zpl import ZplPrinter
from simulators.printers.zpl import ZplPrinterSimulator

LABEL = (
    b"^XA^PW812^LL600^FO60,60^A0N,40,40^FDLocation label^FS^FO60,140^BY3^BCN,160,Y,N,N^FDLOC-A-01-02^FS^XZ"
)


@pytest.fixture
async def zebra() -> AsyncIterator[ZplPrinterSimulator]:
    async with ZplPrinterSimulator() as simulator:
        yield simulator


@pytest.fixture
async def driver(zebra: ZplPrinterSimulator) -> AsyncIterator[ZplPrinter]:
    printer = ZplPrinter(zebra.url, timeout=0.3)
    yield printer
    await printer.close()


async def test_a_healthy_printer_reports_ready(driver: ZplPrinter) -> None:
    status = await driver.status()
    assert status.state == "ready"
    assert status.drained


async def test_a_zebra_out_of_paper_that_stays_silent_is_a_no_answer_fault(
    zebra: ZplPrinterSimulator, driver: ZplPrinter
) -> None:
    await zebra.set_faults(paper_out=True, silent_when_faulted=True)
    status = await driver.status()
    assert status.faults == {NO_ANSWER}
    assert "did not answer ~HS" in status.detail
    assert zebra.status_queries_ignored == 1


async def test_a_printer_out_of_paper_that_answers_reports_the_paper_out_flag(
    zebra: ZplPrinterSimulator, driver: ZplPrinter
) -> None:
    await zebra.set_faults(paper_out=True, silent_when_faulted=False)
    assert (await driver.status()).faults == {PAPER_OUT}


async def test_an_open_head_is_reported_by_a_printer_that_answers(
    zebra: ZplPrinterSimulator, driver: ZplPrinter
) -> None:
    await zebra.set_faults(head_open=True, silent_when_faulted=False)
    assert (await driver.status()).faults == {HEAD_OPEN}


async def test_a_paused_printer_answers_with_the_pause_flag(
    zebra: ZplPrinterSimulator, driver: ZplPrinter
) -> None:
    await zebra.set_faults(paused=True)
    assert (await driver.status()).faults == {PAUSED}


async def test_an_offline_printer_refuses_connections_and_reads_as_offline(
    zebra: ZplPrinterSimulator, driver: ZplPrinter
) -> None:
    await zebra.set_faults(offline=True)
    status = await driver.status()
    assert status.state == "offline"
    assert status.faults == {OFFLINE}


async def test_the_printer_is_reachable_again_on_the_same_port_after_going_back_online(
    zebra: ZplPrinterSimulator, driver: ZplPrinter
) -> None:
    assert (await driver.status()).state == "ready"
    await zebra.set_faults(offline=True)
    assert (await driver.status()).state == "offline"
    await zebra.set_faults(offline=False)
    assert (await driver.status()).state == "ready"


async def test_a_sent_job_is_confirmed_only_once_its_labels_have_come_out(
    zebra: ZplPrinterSimulator, driver: ZplPrinter
) -> None:
    await zebra.set_faults(slow_seconds=0.3)
    await driver.send(LABEL.replace(b"^XZ", b"^PQ2^XZ"))
    assert await driver.printed(Sent()) is False
    async with asyncio.timeout(5):
        while True:
            if await driver.printed(Sent()):
                break
            await asyncio.sleep(0.05)
    assert len(zebra.shelf) == 2


async def test_formats_split_across_tcp_segments_print_once_each(zebra: ZplPrinterSimulator) -> None:
    _reader, writer = await asyncio.open_connection(zebra.host, zebra.port)
    stream = LABEL + b"\r\n" + LABEL.replace(b"LOC-A-01-02", b"LOC-A-01-03")
    for start in range(0, len(stream), 7):
        writer.write(stream[start : start + 7])
        await writer.drain()
        await asyncio.sleep(0)
    labels = await zebra.shelf.wait_for(2, within=5)
    writer.close()
    assert [label.raw for label in labels] == [LABEL, LABEL.replace(b"LOC-A-01-02", b"LOC-A-01-03")]


async def test_a_code_128_label_rendered_by_the_simulator_decodes_back(
    zebra: ZplPrinterSimulator, driver: ZplPrinter
) -> None:
    await driver.send(LABEL)
    [label] = await zebra.shelf.wait_for(1, within=5)
    assert label.png is not None
    image = np.array(Image.open(io.BytesIO(label.png)).convert("L"))
    [barcode] = zxingcpp.read_barcodes(image)
    assert barcode.format == zxingcpp.BarcodeFormat.Code128
    assert barcode.text == "LOC-A-01-02"


async def test_a_job_received_while_out_of_paper_waits_in_the_buffer_until_paper_is_back(
    zebra: ZplPrinterSimulator, driver: ZplPrinter
) -> None:
    await zebra.set_faults(paper_out=True, silent_when_faulted=False)
    await driver.send(LABEL)
    await asyncio.sleep(0.2)
    assert len(zebra.shelf) == 0
    assert (await driver.host_status()).formats_in_buffer == 1
    await zebra.set_faults(paper_out=False)
    await zebra.shelf.wait_for(1, within=5)
    assert (await driver.status()).drained
