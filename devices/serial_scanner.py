"""Serial barcode scanners (USB-CDC, RS-232, Bluetooth SPP): bytes from the port become `Scan`s.

URL: `serial:///dev/ttyACM0?baud=9600&terminator=crlf&aim=1&prefix=%02&suffix=%03&gs=%7E`.
A line cut short by an unplug is recorded as an "unknown" scan (its raw bytes kept, error
"partial scan cut by disconnect") before DeviceDisconnected is raised: nothing read is dropped,
and a partial line is never glued to the first line read after the re-plug.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from devices.errors import DeviceDisconnected
from devices.framing import Framing, partial_scan, scan_from_frame, split_frames
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
        rest = b""
        try:
            while (chunk := await stream.chunks.get()) is not None:
                frames, rest = split_frames(rest + chunk, self.framing)
                for frame in frames:
                    await emit(scan_from_frame(frame, self.framing, device=self.device_id))
            if rest:
                await emit(partial_scan(rest, self.framing, PARTIAL_CUT, device=self.device_id))
            reason = stream.lost.result() if stream.lost.done() else None
            raise DeviceDisconnected(f"{self.port.path} went away: {reason or 'port closed'}")
        finally:
            await stream.close()

    async def close(self) -> None:
        if self._stream is not None:
            await self._stream.close()
