"""Serial scales: `Weight` values read with the Mettler Toledo MT-SICS protocol.

MT-SICS (Mettler Toledo Standard Interface Command Set, level 0) is a line protocol most bench and
floor scales speak or emulate: the host sends `SI` CR LF ("weight immediately") and the scale
answers `S S      123.4 g` (stable), `S D      123.6 g` (dynamic: still moving), `S I` (busy),
`S +` (overload) or `S -` (underload); `ES`, `ET`, `EL` are syntax, transmission and logic errors.
No maintained Python library speaks it, so the few lines here are written by hand.

URL: `scale+serial:///dev/ttyUSB0?protocol=mt-sics&baud=9600&interval=0.2&timeout=1`.
The driver polls with `SI` and emits a `Weight` when the news changes: the scale settles, starts
moving, or settles on a different weight. Overload and underload are reported as a `fault` health
event (the scale is fine, the load is not), cleared by the next valid weight.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from devices.errors import DeviceDisconnected, DeviceFault
from devices.health import DeviceHealth
from devices.serial_port import ChunkStream, SerialPort, open_serial, split_device_url


@dataclass(frozen=True)
class Weight:
    """What is on the scale and whether the reading has settled.

    `exact_grams` is the weight at the scale's own resolution (1234.5 g from a 0.1 g scale, 2.8 g
    steps from a 0.1 oz postal scale); `grams` is it rounded to whole grams for displays that show
    whole grams. `exact_grams` (`precise`) is what to compare, show and send.
    """

    grams: int
    stable: bool
    device: str = ""
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    exact_grams: Decimal | None = None

    @classmethod
    def of(cls, grams: Decimal, stable: bool, device: str = "") -> Weight:
        return cls(whole_grams(grams), stable, device, exact_grams=grams)

    @property
    def precise(self) -> Decimal:
        return self.exact_grams if self.exact_grams is not None else Decimal(self.grams)


# Grams per unit the scale may answer in.
GRAMS_PER_UNIT: dict[str, Decimal] = {
    "mg": Decimal("0.001"),
    "g": Decimal(1),
    "kg": Decimal(1000),
    "lb": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}

Condition = Literal["overload", "underload", "busy", "syntax error", "transmission error", "logic error"]


@dataclass(frozen=True)
class Weighed:
    grams: Decimal  # at the resolution the scale answered with
    stable: bool


@dataclass(frozen=True)
class ScaleCondition:
    condition: Condition


Reading = Weighed | ScaleCondition

_CONDITIONS: dict[str, Condition] = {
    "S +": "overload",
    "S -": "underload",
    "S I": "busy",
    "ES": "syntax error",
    "ET": "transmission error",
    "EL": "logic error",
}


class ProtocolError(ValueError):
    """A line that is not an MT-SICS weight answer."""


def to_grams(value: Decimal, unit: str) -> Decimal:
    """`value` in `unit` as grams, exactly (Decimal arithmetic: no binary rounding on the way)."""
    try:
        return value * GRAMS_PER_UNIT[unit]
    except KeyError:
        raise ProtocolError(f"unknown weight unit {unit!r}") from None


def whole_grams(grams: Decimal) -> int:
    return int(grams.to_integral_value())


MILLIGRAM = Decimal("0.001")


def wire_grams(grams: Decimal) -> str:
    """A weight as the server takes it: a decimal string in grams, to the milligram at most.

    A 0.1 g scale's 1234.5 g stays "1234.5"; a postal scale's 0.1 oz steps (2.8349523125 g each)
    are rounded half up to the milligram, the finest the server keeps."""
    exponent = grams.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -3:
        grams = grams.quantize(MILLIGRAM, rounding=ROUND_HALF_UP)
    return f"{grams:f}"


def parse_mt_sics(line: str) -> Reading:
    """Read one answer to `S` or `SI` (without its CR LF)."""
    line = line.strip("\r\n")
    condition = _CONDITIONS.get(line.strip())
    if condition is not None:
        return ScaleCondition(condition)
    parts = line.split()
    if len(parts) != 4 or parts[0] != "S" or parts[1] not in ("S", "D"):
        raise ProtocolError(f"not an MT-SICS weight answer: {line!r}")
    try:
        value = Decimal(parts[2])
    except InvalidOperation:
        raise ProtocolError(f"weight {parts[2]!r} is not a number") from None
    return Weighed(grams=to_grams(value, parts[3]), stable=parts[1] == "S")


def format_mt_sics(reading: Reading, *, decimals: int = 1) -> bytes:
    """The scale's side: the answer line for a reading, in grams, CR LF terminated."""
    if isinstance(reading, ScaleCondition):
        code = next(code for code, name in _CONDITIONS.items() if name == reading.condition)
        return code.encode() + b"\r\n"
    value = f"{Decimal(reading.grams):.{decimals}f}"
    return f"S {'S' if reading.stable else 'D'} {value:>10} g\r\n".encode()


def is_news(previous: Weight | None, current: Weight) -> bool:
    """Whether a reading is worth reporting: the scale settled or started moving, or settled on a
    different weight. A scale that keeps moving is reported once, not at every poll."""
    if previous is None or previous.stable != current.stable:
        return True
    return current.stable and previous.precise != current.precise


@dataclass(frozen=True)
class MtSics:
    """The MT-SICS dialogue: which request to send, how to read the answer."""

    request: bytes = b"SI\r\n"

    @staticmethod
    def parse(line: str) -> Reading:
        return parse_mt_sics(line)


PROTOCOLS: dict[str, MtSics] = {"mt-sics": MtSics()}


class SerialScale:
    """A scale on a serial port, polled for its weight."""

    def __init__(self, url: str, *, device_id: str, **options: Any) -> None:
        path, query = split_device_url(url, "scale+serial")
        query.update({key: str(value) for key, value in options.items()})
        name = query.get("protocol", "mt-sics")
        try:
            self.protocol = PROTOCOLS[name]
        except KeyError:
            raise ValueError(f"unknown scale protocol {name!r} (known: {', '.join(PROTOCOLS)})") from None
        self.url = url
        self.device_id = device_id
        self.port = SerialPort.from_options(path, query)
        self.interval = float(query.get("interval", 0.2))
        self.answer_timeout = float(query.get("timeout", 1.0))
        self.silent_polls = int(query.get("retries", 3))  # unanswered polls before giving up
        self._stream: ChunkStream | None = None

    async def run(self, emit: Callable[[Any], Awaitable[None]]) -> None:  # noqa: C901 - predates the complexity limit
        self._stream = stream = await open_serial(self.port)
        await emit(self._health("connected", f"{self.port.path}, MT-SICS"))
        buffer = b""
        last: Weight | None = None
        fault: str | None = None
        unanswered = 0
        try:
            while True:
                stream.write(self.protocol.request)
                try:
                    line, buffer = await self._answer(stream, buffer)
                except TimeoutError:
                    unanswered += 1
                    if unanswered >= self.silent_polls:
                        raise DeviceDisconnected(f"scale on {self.port.path} does not answer") from None
                    continue
                unanswered = 0
                try:
                    reading = self.protocol.parse(line)
                except ProtocolError as exc:
                    raise DeviceFault(str(exc)) from exc
                if isinstance(reading, Weighed):
                    if fault is not None:
                        fault = None
                        await emit(self._health("connected", "weighing"))
                    weight = Weight.of(reading.grams, reading.stable, self.device_id)
                    if is_news(last, weight):
                        last = weight
                        await emit(weight)
                elif reading.condition in ("overload", "underload"):
                    if fault != reading.condition:
                        fault = reading.condition
                        last = None
                        await emit(self._health("fault", reading.condition))
                elif reading.condition != "busy":
                    raise DeviceFault(f"scale answered {reading.condition} to {self.protocol.request!r}")
                await asyncio.sleep(self.interval)
        finally:
            await stream.close()

    async def _answer(self, stream: ChunkStream, buffer: bytes) -> tuple[str, bytes]:
        """The next answer line, within the answer timeout."""
        async with asyncio.timeout(self.answer_timeout):
            while b"\n" not in buffer:
                chunk = await stream.chunks.get()
                if chunk is None:
                    raise DeviceDisconnected(f"scale on {self.port.path} went away")
                buffer += chunk
        line, _, rest = buffer.partition(b"\n")
        return line.decode("ascii", errors="replace"), rest

    def _health(self, state: Literal["connected", "fault"], detail: str) -> DeviceHealth:
        return DeviceHealth(device=self.device_id, url=self.url, state=state, detail=detail)

    async def close(self) -> None:
        if self._stream is not None:
            await self._stream.close()
