"""A pseudo-terminal standing in for a serial device, reachable at a stable path.

The device side holds the pty master; the host (a driver) opens the slave like a real port through
a symlink such as /tmp/kaeru-sim/scanner-1 -> /dev/pts/7. Unplugging closes the master (the host's
reads fail, as with a pulled USB cable) and removes the link; plugging in again creates a new pty
and points the same link at it, so the driver reopens the same URL.

While no host has the slave open, the master reports POLLHUP; the master also runs in packet mode,
where the kernel tells it when the host flushes its input queue. pyserial flushes right after
opening a port, discarding whatever was queued before, so the device side starts sending only once
a host has the port open and has flushed it (or has held it open for half a second without) —
the way a USB-CDC device waits for the host to raise DTR.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import select
import struct
import termios
import time
import tty
from pathlib import Path


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Unplugged(Exception):
    """The simulated device is not plugged in."""


# A host that never flushes (not pyserial) counts as ready after holding the port this long.
READY_WITHOUT_FLUSH = 0.5


class PtyLink:
    """One simulated serial device: a pty whose slave is published at `link`."""

    def __init__(self, link: str | Path) -> None:
        self.link = Path(link)
        self.master: int | None = None
        self.slave_name: str | None = None
        self._inbox = bytearray()  # bytes from the host read while watching for its flush
        self._host_since: float | None = None
        self._host_flushed = False

    @property
    def plugged(self) -> bool:
        return self.master is not None

    def plug(self) -> str:
        """Create the pty and point the link at its slave; returns the slave's /dev/pts path."""
        if self.master is not None:
            return self.slave_name or ""
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no CR/LF translation: the line carries bytes as a UART would
        self.slave_name = os.ttyname(slave)
        os.close(slave)  # only the host holds the slave open, so POLLHUP tells whether it has
        os.set_blocking(master, False)
        fcntl.ioctl(master, termios.TIOCPKT, struct.pack("i", 1))
        self.master = master
        self._inbox.clear()
        self._host_since = None
        self._host_flushed = False
        self.link.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.link.with_name(f".{self.link.name}.{os.getpid()}.new")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        temporary.symlink_to(self.slave_name)
        temporary.replace(self.link)  # atomic: the host never sees a missing or half-made link
        return self.slave_name

    def unplug(self) -> None:
        """Pull the cable: the host's open port fails and the path disappears."""
        with contextlib.suppress(FileNotFoundError):
            self.link.unlink()
        if self.master is not None:
            os.close(self.master)
        self.master = None
        self.slave_name = None

    def _master(self) -> int:
        if self.master is None:
            raise Unplugged(str(self.link))
        return self.master

    def host_connected(self) -> bool:
        """Whether a host has the port open now."""
        poller = select.poll()
        poller.register(self._master(), select.POLLHUP)
        return not any(mask & select.POLLHUP for _, mask in poller.poll(0))

    def _pump(self) -> None:
        """Take everything the host sent; note the host's input flushes (packet-mode status)."""
        while True:
            try:
                packet = os.read(self._master(), 4097)
            except (BlockingIOError, OSError):  # nothing more, or EIO: no host has the port open
                return
            if not packet:
                return
            if packet[0] == 0:  # TIOCPKT_DATA: bytes the host wrote
                self._inbox += packet[1:]
            elif packet[0] & termios.TIOCPKT_FLUSHREAD:
                self._host_flushed = True

    def host_ready(self) -> bool:
        """Whether a host has the port open and has discarded what was queued before it opened."""
        if not self.host_connected():
            self._host_since = None
            self._host_flushed = False
            return False
        if self._host_since is None:
            self._host_since = time.monotonic()
        self._pump()
        return self._host_flushed or time.monotonic() - self._host_since > READY_WITHOUT_FLUSH

    async def wait_for_host(self) -> None:
        """Wait until a host has opened the port and is ready (bound it with `asyncio.timeout`)."""
        # The kernel signals "no host" (POLLHUP, which also makes the fd always readable) but not the
        # moment a host opens the slave, so this polls.
        while not self.host_ready():  # noqa: ASYNC110
            await asyncio.sleep(0.005)

    def try_write(self, data: bytes) -> int:
        """Write what fits now without waiting; returns how many bytes were taken."""
        try:
            return os.write(self._master(), data)
        except BlockingIOError:
            return 0

    async def write(self, data: bytes) -> None:
        """Write all of `data`, waiting while the host's input queue is full."""
        view = memoryview(data)
        while view:
            taken = self.try_write(bytes(view))
            view = view[taken:]
            if view:
                await self._wait_writable()

    async def _wait_writable(self) -> None:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = self._master()
        loop.add_writer(fd, ready.set_result, None)
        try:
            await asyncio.wait_for(ready, timeout=0.05)
        except TimeoutError:
            pass
        finally:
            loop.remove_writer(fd)

    async def read(self) -> bytes:
        """Wait for bytes from the host (waits for a host to open the port first)."""
        loop = asyncio.get_running_loop()
        while True:
            await self.wait_for_host()
            self._pump()
            if self._inbox:
                data = bytes(self._inbox)
                self._inbox.clear()
                return data
            ready = loop.create_future()
            fd = self._master()
            loop.add_reader(fd, _wake, ready)
            try:
                await asyncio.wait_for(ready, timeout=0.05)
            except TimeoutError:
                pass
            finally:
                loop.remove_reader(fd)

    def unread(self) -> int:
        """How many bytes written so far the host has not read yet (0 when no host is connected
        or nothing is pending)."""
        if self.slave_name is None:
            return 0
        # Opening the slave a moment just to ask is harmless: a host that has it open keeps it open.
        fd = os.open(self.slave_name, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            return int(struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0])
        finally:
            os.close(fd)

    async def drain(self, within: float = 2.0) -> bool:
        """Wait until the host has read everything written; False if it did not `within` seconds.

        Bytes still queued when the master closes are thrown away by the kernel, so a device that
        "finished sending" before an unplug must wait for this first.
        """
        settled = 0
        try:
            async with asyncio.timeout(within):
                while settled < 2:  # twice in a row: the kernel moves bytes to the slave in steps
                    await asyncio.sleep(0.01)
                    settled = settled + 1 if self.unread() == 0 else 0
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        self.unplug()
