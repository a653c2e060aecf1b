"""The shape every printer driver has, and how a printer URL picks its driver.

A driver is constructed as `Driver(url, *, device_id="", **options)` (the device contract) and
moves bytes: it never builds a label. URL query parameters become options
(`tcp://10.0.0.5:9100?timeout=3`); keyword options given in code win over the query.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlsplit

from devices.errors import DeviceFault
from devices.printers.status import PrinterStatus

# Scheme -> "module:Class", loaded on first use so a station without CUPS or pyusb still imports.
PRINTER_DRIVERS: dict[str, str] = {
    "tcp": "devices.printers.zpl:ZplPrinter",
    "zpl+tcp": "devices.printers.zpl:ZplPrinter",
    "escpos+tcp": "devices.printers.escpos:EscposPrinter",
    "escpos+serial": "devices.printers.escpos:EscposPrinter",
    "escpos+usb": "devices.printers.escpos:EscposPrinter",
    "cups": "devices.printers.cups:CupsPrinter",
}


@dataclass(frozen=True)
class Sent:
    """What a driver knows about a job it has handed over (a CUPS job id, or nothing)."""

    reference: str = ""


@runtime_checkable
class Printer(Protocol):
    """An output device that takes job bytes and reports whether they came out."""

    url: str
    formats: frozenset[str]  # payload formats it prints: "zpl", "escpos", "pdf"

    async def status(self) -> PrinterStatus:
        """Ask the printer now. Unreachable or silent printers give an offline/fault status."""
        ...

    async def send(self, payload: bytes) -> Sent:
        """Hand the bytes over; raises DeviceDisconnected or DeviceFault if they could not go."""
        ...

    async def printed(self, sent: Sent) -> bool:
        """True once the job has left the printer; raises DeviceError when it cannot tell now."""
        ...

    async def close(self) -> None: ...


def url_options(url: str) -> dict[str, str]:
    """The query parameters of a device URL, as driver options."""
    return dict(parse_qsl(urlsplit(url).query))


def open_printer(url: str, *, device_id: str = "", **options: object) -> Printer:
    """The driver for `url`, chosen by its scheme; DeviceFault for a scheme no driver speaks."""
    scheme = urlsplit(url).scheme.lower()
    target = PRINTER_DRIVERS.get(scheme)
    if target is None:
        known = ", ".join(sorted(PRINTER_DRIVERS))
        raise DeviceFault(f"no printer driver for {url!r}: scheme {scheme!r} is not one of {known}")
    module_name, class_name = target.split(":")
    driver_class = getattr(importlib.import_module(module_name), class_name)
    printer: Printer = driver_class(url, device_id=device_id, **options)
    return printer
