"""Serial ports opened by URL (`serial:///dev/ttyACM0?baud=9600`), read as a stream of byte chunks.

pyserial-asyncio-fast does the port I/O inside the event loop. Its StreamReader helper is not used:
a StreamReader raises a read error before handing over bytes already received, and a scanner's last
complete scans before an unplug must not be lost. A small protocol queues every chunk in order and
ends the stream with the reason the port went away.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

import serial
import serial_asyncio_fast

from devices.errors import DeviceDisconnected

_PARITIES = {"n": serial.PARITY_NONE, "e": serial.PARITY_EVEN, "o": serial.PARITY_ODD}


@dataclass(frozen=True)
class SerialPort:
    """Where a serial device is and how its line is set."""

    path: str
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "n"
    stopbits: int = 1

    @classmethod
    def from_options(cls, path: str, options: dict[str, str]) -> SerialPort:
        parity = options.get("parity", "n").lower()[:1]
        if parity not in _PARITIES:
            raise ValueError(f"parity must be n, e or o, not {parity!r}")
        return cls(
            path=path,
            baudrate=int(options.get("baud", 9600)),
            bytesize=int(options.get("bytesize", 8)),
            parity=parity,
            stopbits=int(options.get("stopbits", 1)),
        )


def split_device_url(url: str, scheme: str) -> tuple[str, dict[str, str]]:
    """`serial:///dev/ttyX?baud=9600` -> ("/dev/ttyX", {"baud": "9600"}).

    Query values are percent-decoded one byte per character (latin-1), so `prefix=%02` is the byte
    STX and `.encode("latin-1")` gives the exact bytes back.
    """
    parts = urlsplit(url)
    if parts.scheme != scheme:
        raise ValueError(f"expected a {scheme}:// URL, got {url!r}")
    path = unquote(parts.netloc + parts.path)
    if not path:
        raise ValueError(f"{url!r} names no device path")
    return path, dict(parse_qsl(parts.query, keep_blank_values=True, encoding="latin-1"))


class ChunkStream(asyncio.Protocol):
    """Received bytes in arrival order; `None` marks the end of the stream (port gone or closed)."""

    def __init__(self) -> None:
        self.chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.lost: asyncio.Future[Exception | None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not isinstance(transport, asyncio.Transport):  # pyserial-asyncio always hands a Transport
            raise TypeError(f"a serial port needs a stream transport, not {type(transport).__name__}")
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.chunks.put_nowait(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.chunks.put_nowait(None)
        if not self.lost.done():
            self.lost.set_result(exc)

    def write(self, data: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            raise DeviceDisconnected("serial port is closed")
        self.transport.write(data)

    async def close(self) -> None:
        """Close the port and wait until pyserial has let go of it."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()
        if self.transport is not None:
            await asyncio.wait({self.lost}, timeout=2.0)


async def open_serial(port: SerialPort) -> ChunkStream:
    """Open the port; a port that is not there (unplugged, wrong path) is DeviceDisconnected."""
    loop = asyncio.get_running_loop()
    stream = ChunkStream()
    try:
        transport, _ = await serial_asyncio_fast.create_serial_connection(
            loop,
            lambda: stream,
            port.path,
            baudrate=port.baudrate,
            bytesize=port.bytesize,
            parity=_PARITIES[port.parity],
            stopbits=port.stopbits,
        )
    except (serial.SerialException, OSError) as exc:
        raise DeviceDisconnected(f"cannot open {port.path}: {exc}") from exc
    stream.transport = transport  # connection_made comes one loop turn later; writes may not wait
    return stream
