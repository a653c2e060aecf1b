"""A serial scale on a pty answering MT-SICS, with settle time and noise.

Put something on it with `place(grams)` and take it off with `remove()`: for `settle` seconds the
reading moves towards the new load with noise and is answered as dynamic (`S D`); then it is
stable (`S S`) at the load. Commands: `SI` (weight now), `S` (stable weight, waiting up to
`stable_wait` seconds, else `S I`), `Z` (zero), `I4` (serial number); anything else is `ES`.
The host reads it with `scale+serial://<link>?protocol=mt-sics`.
"""

from __future__ import annotations

import asyncio
import random
import time
from decimal import Decimal
from pathlib import Path

from devices.scale import Reading, ScaleCondition, Weighed, format_mt_sics
from simulators.pty import PtyLink


class ScaleSimulator:
    """A bench scale: capacity, settle time, noise, and what is on the platter."""

    def __init__(
        self,
        link: str | Path,
        *,
        settle: float = 0.6,
        noise_grams: float = 3.0,
        capacity_grams: int = 30_000,
        underload_grams: int = 500,
        stable_wait: float = 2.0,
        serial_number: str = "KS00000001",
        resolution_grams: Decimal | str = "0.1",
        rng: random.Random | None = None,
    ) -> None:
        self.port = PtyLink(link)
        self.settle = settle
        self.noise_grams = noise_grams
        self.capacity_grams = capacity_grams
        self.underload_grams = underload_grams
        self.stable_wait = stable_wait
        self.serial_number = serial_number
        self.resolution = Decimal(resolution_grams)  # the display's step: 0.1 g on a bench scale
        self.rng = rng or random.Random()
        self.load = 0.0  # grams on the platter
        self.zero = 0.0  # what "zero" meant when the scale was last zeroed
        self._from = 0.0
        self._changed_at = time.monotonic() - settle
        self.requests: list[str] = []

    @property
    def link(self) -> Path:
        return self.port.link

    def url(self) -> str:
        return f"scale+serial://{self.link}?protocol=mt-sics"

    async def start(self) -> None:
        self.port.plug()

    def close(self) -> None:
        self.port.close()

    def place(self, grams: float) -> None:
        """Put a load on the platter (replacing what was there)."""
        self._from = self._shown_gross()
        self.load = float(grams)
        self._changed_at = time.monotonic()

    def remove(self) -> None:
        self.place(0.0)

    def settled(self) -> bool:
        return time.monotonic() - self._changed_at >= self.settle

    def _shown_gross(self) -> float:
        if self.settled():
            return self.load
        progress = (time.monotonic() - self._changed_at) / self.settle
        moving = self._from + (self.load - self._from) * progress
        return moving + self.rng.uniform(-self.noise_grams, self.noise_grams) * (
            1 + abs(self.load - moving) / 100
        )

    def reading(self) -> Reading:
        """What the display shows now."""
        gross = self._shown_gross()
        if gross > self.capacity_grams:
            return ScaleCondition("overload")
        net = gross - self.zero
        if net < -self.underload_grams:
            return ScaleCondition("underload")
        return Weighed(grams=self.shown(net), stable=self.settled())

    def shown(self, grams: float) -> Decimal:
        """`grams` as the display shows it: rounded to the scale's resolution."""
        return (Decimal(repr(grams)) / self.resolution).to_integral_value() * self.resolution

    @property
    def decimals(self) -> int:
        exponent = self.resolution.normalize().as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0

    async def answer(self, command: str) -> bytes:
        """The scale's answer to one command line."""
        self.requests.append(command)
        match command:
            case "SI":
                return format_mt_sics(self.reading(), decimals=self.decimals)
            case "S":
                deadline = time.monotonic() + self.stable_wait
                while not self.settled() and time.monotonic() < deadline:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
                reading = self.reading()
                if isinstance(reading, Weighed) and not reading.stable:
                    return format_mt_sics(ScaleCondition("busy"))
                return format_mt_sics(reading, decimals=self.decimals)
            case "Z":
                if not self.settled():
                    return b"Z I\r\n"
                self.zero = self.load
                return b"Z A\r\n"
            case "I4":
                return f'I4 A "{self.serial_number}"\r\n'.encode()
        return format_mt_sics(ScaleCondition("syntax error"))

    async def serve(self) -> None:
        """Answer the host's commands until cancelled (CR, LF or CR LF end a command)."""
        pending = b""
        while True:
            pending += await self.port.read()
            *lines, pending = pending.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
            for line in lines:
                if line.strip():
                    await self.port.write(await self.answer(line.decode("ascii", errors="replace").strip()))
