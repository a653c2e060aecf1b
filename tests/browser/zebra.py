"""A simulated Zebra on a real TCP port for the browser tests, run on an event loop of its own."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import zxingcpp
from PIL import Image
from sqlmodel import select

from simulators.printers.faults import Faults
from simulators.printers.shelf import PrintedLabel
from simulators.printers.zpl import ZplPrinterSimulator
from wms.context import Kaeru
from wms.identity.tables import Device


class Zebra:
    """The simulator, and a blocking way to wait for what it printed."""

    def __init__(self, printer: ZplPrinterSimulator, loop: asyncio.AbstractEventLoop) -> None:
        self.printer, self.loop = printer, loop

    def printed(self, count: int, within: float = 30) -> list[PrintedLabel]:
        waiting = self.printer.shelf.wait_for(count, within)
        return asyncio.run_coroutine_threadsafe(waiting, self.loop).result()

    def set_faults(self, **faults: bool) -> None:
        """Switch the printer's faults (paper_out, head_open, offline ...) on or off."""
        asyncio.run_coroutine_threadsafe(self.printer.set_faults(**faults), self.loop).result(10)

    @staticmethod
    def codes(label: PrintedLabel) -> set[str]:
        assert label.png is not None, label.render_note
        return {found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(label.png)))}


@contextmanager
def zebra_for(kaeru: Kaeru, device_code: str, *, silent_when_faulted: bool = True) -> Iterator[Zebra]:
    """Start a simulated Zebra and make it the printer `device_code` of the site (one that answers
    ~HS with its fault flags while faulted, as Zebras do, when not `silent_when_faulted`)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    printer = ZplPrinterSimulator(
        name=device_code.lower(), faults=Faults(silent_when_faulted=silent_when_faulted)
    )
    asyncio.run_coroutine_threadsafe(printer.start(), loop).result(10)

    def rewire(session):  # type: ignore[no-untyped-def]
        device = session.exec(select(Device).where(Device.code == device_code)).one()
        device.url = printer.url
        session.add(device)

    kaeru.db.write(rewire)
    try:
        yield Zebra(printer, loop)
    finally:
        asyncio.run_coroutine_threadsafe(printer.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
