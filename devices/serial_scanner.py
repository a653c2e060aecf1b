"""Serial barcode scanners (USB-CDC, RS-232, Bluetooth SPP): bytes from the port become `Scan`s.

URL: `serial:///dev/ttyACM0?baud=9600&terminator=crlf&aim=1&prefix=%02&suffix=%03&gs=%7E`.
A scanner that ends its scans with another terminator than the URL says is noticed within a
second: a health warning names the setting to change, and scanning goes on at any line end.
A line cut short by an unplug is recorded as an "unknown" scan (its raw bytes kept, error
"partial scan cut by disconnect") before DeviceDisconnected is raised: nothing read is dropped,
and a partial line is never glued to the first line read after the re-plug.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from devices.errors import DeviceDisconnected
from devices.framing import (
    MISMATCH_IDLE_S,
    Frame,
    Framing,
    LineCutter,
    TerminatorMismatch,
    partial_scan,
    scan_from_frame,
)
from devices.health import DeviceHealth
from devices.serial_port import ChunkStream, SerialPort, open_serial, split_device_url

PARTIAL_CUT = "partial scan cut by disconnect"


class SerialScanner:
    """A barcode scanner on a serial port."""

    def __init__(self, url: str, *, device_id: str, **options: Any) -> None:
        path, query = split_device_url(url, "serial")
        query.update({key: str(value) for key, value in options.items()})
        self.url = url
        self.device_id = device_id
        self.port = SerialPort.from_options(path, query)
        self.framing = Framing.from_options(query)
        self._stream: ChunkStream | None = None

    async def run(self, emit: Callable[[Any], Awaitable[None]]) -> None:
        """Read scans until cancelled; DeviceDisconnected when the port goes away."""
        self._stream = stream = await open_serial(self.port)
        await emit(
            DeviceHealth(
                device=self.device_id,
                url=self.url,
                state="connected",
                detail=f"{self.port.path} at {self.port.baudrate} baud",
            )
        )
        cutter = LineCutter(self.framing)
        try:
            while True:
                try:
                    async with asyncio.timeout(MISMATCH_IDLE_S if cutter.waiting else None):
                        chunk = await stream.chunks.get()
                except TimeoutError:
                    await self._deliver(*cutter.idle(), emit)
                    continue
                if chunk is None:
                    break
                await self._deliver(*cutter.feed(chunk), emit)
            if cutter.rest:
                await emit(partial_scan(cutter.rest, self.framing, PARTIAL_CUT, device=self.device_id))
            reason = stream.lost.result() if stream.lost.done() else None
            raise DeviceDisconnected(f"{self.port.path} went away: {reason or 'port closed'}")
        finally:
            await stream.close()

    async def _deliver(
        self,
        frames: list[Frame],
        mismatch: TerminatorMismatch | None,
        emit: Callable[[Any], Awaitable[None]],
    ) -> None:
        if mismatch is not None:
            await emit(
                DeviceHealth(
                    device=self.device_id,
                    url=self.url,
                    state="connected",
                    detail=mismatch.advice,
                    warning=True,
                )
            )
        for frame in frames:
            await emit(scan_from_frame(frame, self.framing, device=self.device_id))

    async def close(self) -> None:
        if self._stream is not None:
            await self._stream.close()
