"""A simulated ESC/POS receipt printer on TCP (port 9100 style) or on a serial pty.

It interprets what python-escpos sends (see `escpos_commands`), answers the real-time status
query DLE EOT n at once, even while faulted, and prints each receipt (everything up to a cut, or
up to the end of the connection) as a PNG drawn by `receipt.render_receipt`. While the paper is
out or the cover open it stops printing and keeps received receipts until the fault clears.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pty
import tty
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from simulators.printers.escpos_commands import (
    PRINTING,
    Cut,
    EscposParser,
    Operation,
    StatusRequest,
    TextLine,
)
from simulators.printers.faults import Faults, updated
from simulators.printers.receipt import render_receipt
from simulators.printers.shelf import Shelf

FIXED_BITS = 0x12  # bits 1 and 4 are always set in a DLE EOT answer, bits 0 and 7 clear


def status_byte(kind: int, faults: Faults) -> bytes:
    """The one-byte answer to DLE EOT `kind` (1 printer, 2 offline cause, 3 error, 4 paper)."""
    stopped = faults.paper_out or faults.head_open or faults.paused
    bits = {
        1: 0x08 if stopped else 0,
        2: (0x04 if faults.head_open else 0) | (0x20 if faults.paper_out else 0),
        3: 0,
        4: 0x60 if faults.paper_out else 0,
    }
    return bytes([FIXED_BITS | bits.get(kind, 0)])


@dataclass
class _Receipt:
    raw: bytearray = field(default_factory=bytearray)
    operations: list[Operation] = field(default_factory=list)

    @property
    def prints_something(self) -> bool:
        return any(isinstance(operation, PRINTING) for operation in self.operations)


class _Session:
    """One connection's parser and the receipt it is building."""

    def __init__(self) -> None:
        self.parser = EscposParser()
        self.receipt = _Receipt()


class EscposPrinterSimulator:
    """A receipt printer on a TCP port (port 0 picks a free one), or on a pty."""

    def __init__(
        self, *, shelf: Shelf | None = None, faults: Faults | None = None, name: str = "escpos"
    ) -> None:
        self.shelf = shelf if shelf is not None else Shelf()
        self.faults = faults or Faults()
        self.name = name
        self.host = "127.0.0.1"
        self.port = 0
        self.serial_path: str | None = None
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending: deque[_Receipt] = deque()
        self._wake = asyncio.Event()
        self._printer_task: asyncio.Task[None] | None = None
        self._pty_fds: tuple[int, int] | None = None
        self.status_requests = 0

    @property
    def url(self) -> str:
        return f"escpos+tcp://{self.host}:{self.port}"

    @property
    def serial_url(self) -> str:
        return f"escpos+serial://{self.serial_path}?baud=19200"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        if not self.faults.offline:
            await self._listen()
        self._printer_task = asyncio.create_task(self._print_forever(), name=f"{self.name}-printing")

    async def start_serial(self) -> str:
        """Also listen on a new pty; returns the path a driver opens (`/dev/pts/N`)."""
        controller, device = pty.openpty()
        tty.setraw(device)
        os.set_blocking(controller, False)
        self._pty_fds = (controller, device)
        self.serial_path = os.ttyname(device)
        session = _Session()
        loop = asyncio.get_running_loop()

        def answer(data: bytes) -> None:
            with contextlib.suppress(OSError):
                os.write(controller, data)

        def readable() -> None:
            try:
                data = os.read(controller, 65536)
            except OSError:
                return
            self._receive(session, data, answer)

        loop.add_reader(controller, readable)
        return self.serial_path

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop_listening(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()

    async def stop(self) -> None:
        await self._stop_listening()
        if self._pty_fds is not None:
            asyncio.get_running_loop().remove_reader(self._pty_fds[0])
            for fd in self._pty_fds:
                os.close(fd)
            self._pty_fds = None
        if self._printer_task is not None:
            self._printer_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._printer_task

    async def __aenter__(self) -> EscposPrinterSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def set_faults(self, **changes: object) -> Faults:
        """Switch faults on or off: `await printer.set_faults(paper_out=True)`."""
        before, self.faults = self.faults, updated(self.faults, dict(changes))
        if self.faults.offline and not before.offline:
            await self._stop_listening()
        elif before.offline and not self.faults.offline:
            await self._listen()
        self._wake.set()
        return self.faults

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:  # asyncio.start_server runs each connection in a task of its own
            self._tasks.add(task)
        self._writers.add(writer)
        session = _Session()
        try:
            while data := await reader.read(65536):
                self._receive(session, data, writer.write)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            writer.close()
        session.receipt.operations.extend(session.parser.flush())
        self._finish(session)

    def _receive(self, session: _Session, data: bytes, answer: Callable[[bytes], object]) -> None:
        session.receipt.raw.extend(data)
        for operation in session.parser.feed(data):
            if isinstance(operation, StatusRequest):
                self.status_requests += 1
                answer(status_byte(operation.kind, self.faults))
                continue
            session.receipt.operations.append(operation)
            if isinstance(operation, Cut):
                self._finish(session)

    def _finish(self, session: _Session) -> None:
        receipt, session.receipt = session.receipt, _Receipt()
        if receipt.prints_something:
            self._pending.append(receipt)
            self._wake.set()

    async def _print_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending and not self.faults.stops_printing:
                if self.faults.slow_seconds:
                    await asyncio.sleep(self.faults.slow_seconds)
                    if self.faults.stops_printing:
                        break
                receipt = self._pending.popleft()
                png = await asyncio.to_thread(render_receipt, receipt.operations)
                text = "\n".join(
                    operation.text for operation in receipt.operations if isinstance(operation, TextLine)
                ).strip("\n")
                await self.shelf.put(
                    printer=f"{self.name}@{self.host}:{self.port}",
                    language="escpos",
                    raw=bytes(receipt.raw),
                    png=png,
                    text=text,
                )
