"""ZPL II printers over raw TCP (port 9100): send formats, ask `~HS`, confirm a job came out.

URLs: `tcp://host:9100` or `zpl+tcp://host:9100`, options `timeout` (seconds to wait for a `~HS`
answer, default 2) and `connect_timeout` (default 3).

One TCP connection is kept open and every job and status query goes through it, in order: a
Zebra processes a stream in order, so a `~HS` sent after a job is answered after the job has
reached the receive buffer, and "formats in buffer 0, labels remaining 0" then means that job has
been printed. That is the confirmation rule (`PrinterStatus.drained`). A printer that does not
answer `~HS` within the timeout is at fault (a Zebra out of media or with its head open stays
silent); the connection is then dropped so a late answer cannot be mistaken for the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

from devices.errors import DeviceDisconnected, DeviceFault
from devices.printers.driver import Sent, url_options
from devices.printers.status import NO_ANSWER, PrinterStatus, unreachable
from devices.printers.zpl_status import (
    HOST_STATUS_QUERY,
    HostStatusError,
    ZplHostStatus,
    complete_answer,
    parse_host_status,
)

DEFAULT_PORT = 9100


class ZplPrinter:
    """A Zebra (or ZPL-compatible) label printer on the network."""

    formats = frozenset({"zpl"})

    def __init__(
        self,
        url: str,
        *,
        device_id: str = "",
        timeout: float | str | None = None,
        connect_timeout: float | str | None = None,
    ) -> None:
        parts = urlsplit(url)
        if not parts.hostname:
            raise DeviceFault(f"printer URL {url!r} has no host")
        query = url_options(url)
        self.url = url
        self.device_id = device_id or url
        self.host = parts.hostname
        self.port = parts.port or DEFAULT_PORT
        self.timeout = float(timeout if timeout is not None else query.get("timeout", 2.0))
        self.connect_timeout = float(
            connect_timeout if connect_timeout is not None else query.get("connect_timeout", 3.0)
        )
        self._stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._lock = asyncio.Lock()

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._stream is not None:
            reader, writer = self._stream
            if not writer.is_closing() and not reader.at_eof():
                return self._stream
            await self._drop()  # the printer hung up since the last use
        try:
            async with asyncio.timeout(self.connect_timeout):
                self._stream = await asyncio.open_connection(self.host, self.port)
        except (OSError, TimeoutError) as error:
            raise DeviceDisconnected(f"cannot reach printer {self.host}:{self.port}: {error}") from error
        return self._stream

    async def _drop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream[1].close()
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(1.0):
                    await stream[1].wait_closed()

    async def host_status(self) -> ZplHostStatus:
        """Send `~HS` and read the three-string answer; DeviceFault if none comes in time."""
        async with self._lock:
            reader, writer = await self._connection()
            try:
                writer.write(HOST_STATUS_QUERY)
                await writer.drain()
                data = b""
                async with asyncio.timeout(self.timeout):
                    while not complete_answer(data):
                        chunk = await reader.read(1024)
                        if not chunk:
                            raise DeviceDisconnected(f"printer {self.host}:{self.port} closed the connection")
                        data += chunk
            except TimeoutError as error:
                await self._drop()
                raise DeviceFault(
                    f"printer {self.host}:{self.port} did not answer ~HS within {self.timeout:g} s"
                ) from error
            except (OSError, DeviceDisconnected) as error:
                await self._drop()
                raise DeviceDisconnected(f"printer {self.host}:{self.port}: {error}") from error
        try:
            return parse_host_status(data)
        except HostStatusError as error:
            await self._drop()
            raise DeviceFault(
                f"printer {self.host}:{self.port} sent a garbled ~HS answer: {error}"
            ) from error

    async def status(self) -> PrinterStatus:
        try:
            answer = await self.host_status()
        except DeviceDisconnected as error:
            return unreachable(str(error))
        except DeviceFault as error:
            return unreachable(str(error), fault=NO_ANSWER)
        return answer.to_printer_status()

    async def send(self, payload: bytes) -> Sent:
        async with self._lock:
            _, writer = await self._connection()
            try:
                writer.write(payload)
                async with asyncio.timeout(self.connect_timeout + self.timeout):
                    await writer.drain()
            except (OSError, TimeoutError) as error:
                await self._drop()
                raise DeviceDisconnected(
                    f"sending to printer {self.host}:{self.port} failed: {error}"
                ) from error
        return Sent()

    async def printed(self, sent: Sent) -> bool:
        status = (await self.host_status()).to_printer_status()
        if not status.ready:
            raise DeviceFault(f"printer {self.host}:{self.port}: {status.detail}")
        return status.drained

    async def close(self) -> None:
        async with self._lock:
            await self._drop()
