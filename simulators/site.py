"""Every simulated device a site configuration names, listening at the URL it names.

config/site.yaml gives each station's devices by URL (docs/architecture.md, "Devices"); a simulator is started
at each URL whose scheme has one: serial scanners and MT-SICS scales on ptys at the configured
paths, ZPL and ESC/POS printers on their TCP ports (each with a page listing what it printed), and
LLRP readers. Devices with no simulator (a real camera, HID or USB hardware, handhelds that talk to
the server themselves) are listed as left out. The simulated floor types into the scanners and puts
loads on the scales it gets from here.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from devices.framing import Framing
from devices.serial_port import split_device_url
from kaeru_config.site import SiteConfig
from simulators.floor import DeviceStation
from simulators.printers.escpos import EscposPrinterSimulator
from simulators.printers.shelf import Shelf
from simulators.printers.web import WebPage
from simulators.printers.zpl import ZplPrinterSimulator
from simulators.scale import ScaleSimulator
from simulators.scanner import ScannerSimulator

log = logging.getLogger("simulators.site")


class PortTaken(Exception):
    """A simulator could not listen where the configuration says: something else holds the port."""


@dataclass(frozen=True)
class Device:
    station: str
    code: str
    kind: str
    url: str


@dataclass
class Printer:
    device: Device
    simulator: ZplPrinterSimulator | EscposPrinterSimulator
    page: WebPage | None

    @property
    def page_url(self) -> str | None:
        return self.page.url if self.page else None


@dataclass
class SimulatedSite:
    """The running simulators of one site; `start()` them, `stop()` them."""

    site: SiteConfig
    pages_port: int | None = 0  # first printer page's port (the next printer's is one more); 0 any; None none
    only: tuple[str, ...] | None = None  # start only these schemes (e.g. the floor's scanners and scales)
    scanners: dict[str, ScannerSimulator] = field(default_factory=dict)
    scales: dict[str, ScaleSimulator] = field(default_factory=dict)
    printers: dict[str, Printer] = field(default_factory=dict)
    readers: dict[str, str] = field(default_factory=dict)  # code -> llrp URL
    left_out: list[str] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def devices(self) -> list[Device]:
        return [Device(s.code, d.code, d.kind, d.url) for s in self.site.stations for d in s.devices]

    async def start(self) -> None:
        """Start a simulator at every configured URL that has one; PortTaken names a busy port."""
        try:
            for device in self.devices():
                scheme = device.url.partition("://")[0] if "://" in device.url else ""
                starter = STARTERS.get(scheme) if self.only is None or scheme in self.only else None
                if starter is None:
                    self.left_out.append(f"{device.code}: {device.url or 'no URL'} (no simulator)")
                    continue
                await starter(self, device)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        for printer in self.printers.values():
            await printer.simulator.stop()
        for scanner in self.scanners.values():
            scanner.close()
        for scale in self.scales.values():
            scale.close()

    def station_inputs(self) -> dict[str, DeviceStation]:
        """Each station's simulated scanner and scale, for the floor to use."""
        inputs = {}
        for station in self.site.stations:
            codes = [d.code for d in station.devices]
            scanner = next((self.scanners[c] for c in codes if c in self.scanners), None)
            scale = next((self.scales[c] for c in codes if c in self.scales), None)
            if scanner is not None or scale is not None:
                inputs[station.code] = DeviceStation(station.code, scanner, scale)
        return inputs

    def _next_page_port(self) -> int | None:
        if self.pages_port is None:
            return None
        if self.pages_port == 0:
            return 0
        return self.pages_port + len(self.printers)

    def keep(self, task: Awaitable[None], name: str) -> None:
        self._tasks.append(asyncio.ensure_future(task))
        self._tasks[-1].set_name(name)


def _tcp(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if not parts.hostname or not parts.port:
        raise ValueError(f"{url!r}: a printer or reader URL needs host:port")
    return parts.hostname, parts.port


async def _listening(what: str, port: int, start: Callable[[], Awaitable[None]]) -> None:
    try:
        await start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortTaken(
                f"port {port} ({what}) is already in use: stop what holds it or change the configuration"
            ) from exc
        raise


async def _scanner(site: SimulatedSite, device: Device) -> None:
    path, options = split_device_url(device.url, "serial")
    scanner = ScannerSimulator(path, Framing.from_options(options))
    await scanner.start()
    site.scanners[device.code] = scanner
    log.info("scanner %s on a pty at %s", device.code, path)


async def _scale(site: SimulatedSite, device: Device) -> None:
    path, _ = split_device_url(device.url, "scale+serial")
    scale = ScaleSimulator(path, settle=0.3)
    await scale.start()
    site.scales[device.code] = scale
    site.keep(scale.serve(), f"scale {device.code}")
    log.info("scale %s on a pty at %s", device.code, path)


def _printer(
    kind: type[ZplPrinterSimulator] | type[EscposPrinterSimulator], scheme: str
) -> Callable[[SimulatedSite, Device], Awaitable[None]]:
    async def start(site: SimulatedSite, device: Device) -> None:
        host, port = _tcp(device.url.replace(f"{scheme}://", "tcp://", 1))
        shelf = Shelf()
        simulator = kind(shelf=shelf, name=device.code)
        await _listening(f"printer {device.code}", port, lambda: simulator.start(host, port))
        page_port = site._next_page_port()
        page = None
        if page_port is not None:
            page = WebPage(shelf, [simulator])
            try:
                page.bind(host, page_port)
            except OSError as exc:
                await simulator.stop()
                raise PortTaken(
                    f"port {page_port} (the label page of {device.code}) is already in use"
                ) from exc
            site.keep(page.serve(), f"page {device.code}")
        site.printers[device.code] = Printer(device, simulator, page)
        log.info("printer %s at %s%s", device.code, device.url, f", page {page.url}" if page else "")

    return start


async def _reader(site: SimulatedSite, device: Device) -> None:
    from simulators.llrp import serve_llrp

    host, port = _tcp(device.url.replace("llrp://", "tcp://", 1))
    ready = asyncio.Event()
    task = asyncio.ensure_future(serve_llrp(host, port, ready=ready))
    waiting = asyncio.ensure_future(ready.wait())
    await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiting.cancel()
        await _listening(f"RFID reader {device.code}", port, lambda: task)
    site._tasks.append(task)
    site.readers[device.code] = device.url


# Scheme -> how its simulator starts (schemes as devices/registry.py and devices/printers/ read them).
STARTERS: dict[str, Callable[[SimulatedSite, Device], Awaitable[None]]] = {
    "serial": _scanner,
    "scale+serial": _scale,
    "tcp": _printer(ZplPrinterSimulator, "tcp"),
    "escpos+tcp": _printer(EscposPrinterSimulator, "escpos+tcp"),
    "llrp": _reader,
}
