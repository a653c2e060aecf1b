"""ESC/POS receipt printers through python-escpos, over network, serial or USB.

URLs:
  escpos+tcp://host:9100                          python-escpos `Network`
  escpos+serial:///dev/ttyUSB0?baud=19200         python-escpos `Serial` (also `dsrdtr=0|1`)
  escpos+usb://04b8:0202?in_ep=0x82&out_ep=0x01   python-escpos `Usb` (needs pyusb)
Option `timeout` (seconds, default 1) bounds each status read.

Status is the four real-time DLE EOT queries, answered by the printer even while it is stopped.
Confirmation rule: a job counts as printed when, after its bytes were sent, the printer answers
DLE EOT with no fault. ESC/POS printers keep no job count, and DLE EOT is processed ahead of
buffered data, so this confirms that the printer took the bytes and is printing, not that the
last line has left the head; a fault after the send (paper end) keeps the job unconfirmed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError

from devices.errors import DeviceDisconnected, DeviceFault
from devices.printers.driver import Sent, url_options
from devices.printers.escpos_status import STATUS_KINDS, StatusByteError, parse_status_bytes, status_queries
from devices.printers.status import NO_ANSWER, PrinterStatus, unreachable


def _network(url: str, options: dict[str, str], timeout: float) -> Escpos:
    from escpos.printer import Network

    parts = urlsplit(url)
    if not parts.hostname:
        raise DeviceFault(f"printer URL {url!r} has no host")
    return Network(host=parts.hostname, port=parts.port or 9100, timeout=timeout)


def _serial(url: str, options: dict[str, str], timeout: float) -> Escpos:
    from escpos.printer import Serial

    path = unquote(urlsplit(url).path)
    if not path:
        raise DeviceFault(f"printer URL {url!r} names no serial device")
    return Serial(
        devfile=path,
        baudrate=int(options.get("baud", 9600)),
        timeout=timeout,
        dsrdtr=options.get("dsrdtr", "0") in ("1", "true"),
    )


def _usb(url: str, options: dict[str, str], timeout: float) -> Escpos:
    from escpos.printer import Usb

    vendor, _, product = urlsplit(url).netloc.partition(":")
    try:
        return Usb(
            idVendor=int(vendor, 16),
            idProduct=int(product, 16),
            timeout=int(timeout * 1000),
            in_ep=int(options.get("in_ep", "0x82"), 16),
            out_ep=int(options.get("out_ep", "0x01"), 16),
        )
    except ValueError as error:
        raise DeviceFault(f"printer URL {url!r} should be escpos+usb://VID:PID in hex: {error}") from error


_TRANSPORTS: dict[str, Callable[[str, dict[str, str], float], Escpos]] = {
    "escpos+tcp": _network,
    "escpos+serial": _serial,
    "escpos+usb": _usb,
}


def _read_exactly(device: Escpos, count: int, timeout: float) -> bytes:
    """Read `count` status bytes, giving up at the deadline (python-escpos reads up to 16)."""
    serial_port: Any = getattr(device, "device", None)
    if hasattr(serial_port, "in_waiting"):  # pyserial: read(n) waits for n bytes or the timeout
        return bytes(serial_port.read(count))
    data = b""
    deadline = time.monotonic() + timeout
    while len(data) < count and time.monotonic() < deadline:
        try:
            chunk = bytes(device._read())
        except TimeoutError:
            break
        if not chunk:
            raise DeviceDisconnected("the printer closed the connection")
        data += chunk
    return data


class EscposPrinter:
    """A receipt printer spoken to through python-escpos."""

    formats = frozenset({"escpos"})

    def __init__(self, url: str, *, device_id: str = "", timeout: float | str | None = None) -> None:
        scheme = urlsplit(url).scheme.lower()
        if scheme not in _TRANSPORTS:
            raise DeviceFault(f"{url!r} is not an ESC/POS printer URL ({', '.join(sorted(_TRANSPORTS))})")
        self.url = url
        self.device_id = device_id or url
        self.options = url_options(url)
        self.timeout = float(timeout if timeout is not None else self.options.get("timeout", 1.0))
        self._make = _TRANSPORTS[scheme]
        self._device: Escpos | None = None
        self._lock = asyncio.Lock()

    def _opened(self) -> Escpos:
        if self._device is None:
            device = self._make(self.url, self.options, self.timeout)
            try:
                device.open()
            except DeviceNotFoundError as error:
                raise DeviceDisconnected(f"cannot open {self.url}: {error}") from error
            except RuntimeError as error:  # python-escpos without its optional USB/serial library
                raise DeviceFault(f"cannot open {self.url}: {error}") from error
            self._device = device
        return self._device

    def _drop(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            device.close()

    def _ask_status(self) -> bytes:
        device = self._opened()
        try:
            device._raw(status_queries())
            answers = _read_exactly(device, len(STATUS_KINDS), self.timeout)
        except (OSError, DeviceDisconnected) as error:
            self._drop()
            raise DeviceDisconnected(f"{self.url}: {error}") from error
        if len(answers) < len(STATUS_KINDS):
            self._drop()  # a late answer must not be read as the next one
            raise DeviceFault(f"{self.url} did not answer DLE EOT within {self.timeout:g} s")
        return answers

    async def _status_or_raise(self) -> PrinterStatus:
        async with self._lock:
            answers = await asyncio.to_thread(self._ask_status)
        try:
            return parse_status_bytes(answers)
        except StatusByteError as error:
            raise DeviceFault(f"{self.url} sent a garbled status: {error}") from error

    async def status(self) -> PrinterStatus:
        try:
            return await self._status_or_raise()
        except DeviceDisconnected as error:
            return unreachable(str(error))
        except DeviceFault as error:
            return unreachable(str(error), fault=NO_ANSWER)

    def _write(self, payload: bytes) -> None:
        device = self._opened()
        try:
            device._raw(payload)  # python-escpos's transport write; the payload is already ESC/POS
        except (TimeoutError, OSError) as error:
            self._drop()
            raise DeviceDisconnected(f"sending to {self.url} failed: {error}") from error

    async def send(self, payload: bytes) -> Sent:
        async with self._lock:
            await asyncio.to_thread(self._write, payload)
        return Sent()

    async def printed(self, sent: Sent) -> bool:
        status = await self._status_or_raise()
        if not status.ready:
            raise DeviceFault(f"{self.url}: {status.detail}")
        return True

    async def close(self) -> None:
        async with self._lock:
            await asyncio.to_thread(self._drop)
