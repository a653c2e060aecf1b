"""A serial barcode scanner on a pty: sends framed scans, scripted or random, and misbehaves on cue.

The host opens the stable link path (e.g. /tmp/kaeru-sim/scanner-1) like a real port with the URL
`serial:///tmp/kaeru-sim/scanner-1?terminator=crlf&aim=1`. Faults: garbled bytes, a line sent in
two pieces, a duplicate scan, a line cut by an unplug, and unplug / re-plug at the same path.

Script format, one step per line (`#` starts a comment, `{GS}` is the group separator 0x1D):

    ]d2010950600013435210LOT1{GS}17261231   a scan, sent as configured (AIM id, prefix, suffix)
    @garbled [hex bytes]                    a line of unreadable bytes (random when none given)
    @partial TEXT [seconds]                 a scan sent in two pieces with a pause between
    @duplicate                              the previous scan again
    @cut TEXT                               the first half of a scan; the line stays unfinished
    @unplug [seconds]                       pull the cable, wait (default 0.5 s), plug back in
    @pause seconds                          do nothing for a while
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from biip.checksums import gs1_standard_check_digit

from devices.framing import TERMINATORS, Framing, encode_scan
from devices.scan import GS
from simulators.pty import PtyLink


@dataclass(frozen=True)
class Send:
    text: str


@dataclass(frozen=True)
class Garbled:
    data: bytes | None = None


@dataclass(frozen=True)
class Partial:
    text: str
    pause: float = 0.2


@dataclass(frozen=True)
class Duplicate:
    pass


@dataclass(frozen=True)
class Cut:
    text: str


@dataclass(frozen=True)
class Unplug:
    seconds: float = 0.5


@dataclass(frozen=True)
class Pause:
    seconds: float


Step = Send | Garbled | Partial | Duplicate | Cut | Unplug | Pause


def parse_script(text: str) -> list[Step]:
    """Read a scanner script (format in the module docstring)."""
    steps: list[Step] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not line.startswith("@"):
            steps.append(Send(line.replace("{GS}", GS)))
            continue
        command, _, argument = line[1:].partition(" ")
        argument = argument.strip()
        try:
            steps.append(_fault(command, argument))
        except (ValueError, IndexError) as exc:
            raise ValueError(f"script line {number}: {line!r}: {exc}") from exc
    return steps


def _fault(command: str, argument: str) -> Step:
    words = argument.split()
    match command:
        case "garbled":
            return Garbled(bytes.fromhex(argument) if argument else None)
        case "partial":
            if len(words) > 1 and _is_number(words[-1]):
                return Partial(" ".join(words[:-1]).replace("{GS}", GS), float(words[-1]))
            return Partial(argument.replace("{GS}", GS))
        case "duplicate":
            return Duplicate()
        case "cut":
            return Cut(argument.replace("{GS}", GS))
        case "unplug":
            return Unplug(float(argument) if argument else 0.5)
        case "pause":
            return Pause(float(argument))
    raise ValueError(f"unknown step @{command}")


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def _with_check_digit(digits: str) -> str:
    return digits + str(gs1_standard_check_digit(digits))


def random_ean13(rng: random.Random) -> str:
    """An EAN-13 with a valid check digit, as a scanner with AIM ids sends it."""
    return "]E0" + _with_check_digit("".join(rng.choice("0123456789") for _ in range(12)))


def random_sscc(rng: random.Random) -> str:
    """A GS1-128 SSCC (AI 00) with a valid check digit."""
    return "]C100" + _with_check_digit("".join(rng.choice("0123456789") for _ in range(17)))


def random_gs1_datamatrix(rng: random.Random) -> str:
    """A GS1 DataMatrix with GTIN, serial, lot and expiry; GS ends each variable-length field."""
    gtin = _with_check_digit("0" + "".join(rng.choice("0123456789") for _ in range(12)))
    serial = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(rng.randint(4, 12)))
    lot = "LOT" + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 5)))
    expiry = date(2026, 1, 1) + timedelta(days=rng.randint(0, 1500))
    return f"]d201{gtin}21{serial}{GS}10{lot}{GS}17{expiry:%y%m%d}"


def random_kaeru_code(rng: random.Random) -> str:
    """One of Kaeru's own codes: location, license plate, return label, order, or an RMA QR."""
    kind = rng.randrange(5)
    if kind == 0:
        return f"]C0LOC-{rng.choice('ABCDEF')}-{rng.randint(1, 40):02d}-{rng.randint(1, 6):02d}"
    if kind == 1:
        return f"]C0LPN-{rng.randint(0, 99_999_999):08d}"
    if kind == 2:
        return f"]C0RMA-{rng.randint(1000, 999_999)}"
    if kind == 3:
        return f"]C0ORD-{rng.randint(1000, 9_999_999)}"
    token = "".join(rng.choice("abcdefghijkmnopqrstuvwxyz23456789") for _ in range(16))
    return f"]Q1RMA:{token}"


def random_scan(rng: random.Random) -> str:
    """Any of the above, as a busy station would see them."""
    return rng.choice((random_ean13, random_sscc, random_gs1_datamatrix, random_kaeru_code))(rng)


def random_garbage(rng: random.Random) -> bytes:
    """Bytes a failing cable or a mis-set baud rate produce: invalid UTF-8 and control bytes."""
    return bytes([0xFF, 0xFE]) + bytes(rng.choice((0x01, 0x07, 0x80, 0xC3, 0x9F, 0x41)) for _ in range(6))


class ScannerSimulator:
    """A scanner plugged into a pty; `sent` lists the scans it has completely sent."""

    def __init__(
        self,
        link: str | Path,
        framing: Framing | None = None,
        *,
        baud: int | None = None,
        host_timeout: float | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.port = PtyLink(link)
        self.framing = framing or Framing()
        self.baud = baud  # when set, sending takes as long as on a real line (10 bits per byte)
        self.host_timeout = host_timeout
        self.rng = rng or random.Random()
        self.sent: list[str] = []
        self.last: str | None = None

    @property
    def link(self) -> Path:
        return self.port.link

    def url(self) -> str:
        """The URL a station uses to read this scanner."""
        f = self.framing
        query = f"terminator={f.terminator}&aim={int(f.aim)}"
        for name, value in (("prefix", f.prefix), ("suffix", f.suffix)):
            if value:
                query += f"&{name}=" + "".join(f"%{b:02X}" for b in value)
        if f.gs_substitute:
            query += "&gs=" + "".join(f"%{b:02X}" for b in f.gs_substitute.encode())
        return f"serial://{self.link}?{query}"

    async def start(self) -> None:
        self.port.plug()

    def close(self) -> None:
        self.port.close()

    async def _send(self, data: bytes) -> None:
        async with asyncio.timeout(self.host_timeout):
            await self.port.wait_for_host()
        await self.port.write(data)
        if self.baud:
            await asyncio.sleep(len(data) * 10 / self.baud)

    async def scan(self, text: str) -> None:
        await self._send(encode_scan(text, self.framing))
        self.sent.append(text)
        self.last = text

    async def garbled(self, data: bytes | None = None) -> None:
        end = b"\r\n" if self.framing.terminator == "any" else TERMINATORS[self.framing.terminator]
        await self._send(self.framing.prefix + (data or random_garbage(self.rng)) + self.framing.suffix + end)

    async def partial(self, text: str, pause: float = 0.2) -> None:
        frame = encode_scan(text, self.framing)
        await self._send(frame[: len(frame) // 2])
        await asyncio.sleep(pause)
        await self._send(frame[len(frame) // 2 :])
        self.sent.append(text)
        self.last = text

    async def duplicate(self) -> None:
        if self.last is not None:
            await self.scan(self.last)

    async def cut(self, text: str) -> None:
        frame = encode_scan(text, self.framing)
        await self._send(frame[: max(1, len(frame) // 2)])

    async def unplug(self, seconds: float = 0.5) -> None:
        """Pull the cable once the host has read what was sent, wait, then plug back in."""
        if self.port.plugged and self.port.host_connected():
            await self.port.drain()
        self.port.unplug()
        await asyncio.sleep(seconds)
        self.port.plug()

    async def play(self, steps: Iterable[Step]) -> None:
        for step in steps:
            match step:
                case Send(text):
                    await self.scan(text)
                case Garbled(data):
                    await self.garbled(data)
                case Partial(text, pause):
                    await self.partial(text, pause)
                case Duplicate():
                    await self.duplicate()
                case Cut(text):
                    await self.cut(text)
                case Unplug(seconds):
                    await self.unplug(seconds)
                case Pause(seconds):
                    await asyncio.sleep(seconds)

    async def run_random(self, rate: float, count: int | None = None, fault_rate: float = 0.0) -> None:
        """Send random scans at `rate` per second (forever when `count` is None); with
        `fault_rate`, that share of steps is a garbled line, a split line or a duplicate."""
        interval = 1.0 / rate
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        sent = 0
        while count is None or sent < count:
            roll = self.rng.random()
            if roll < fault_rate / 3:
                await self.garbled()
            elif roll < 2 * fault_rate / 3:
                await self.partial(random_scan(self.rng), pause=interval / 2)
            elif roll < fault_rate and self.last is not None:
                await self.duplicate()
            else:
                await self.scan(random_scan(self.rng))
            sent += 1
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - loop.time()))
