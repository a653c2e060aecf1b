"""USB HID point-of-sale scales (HID usage page 0x8D, "Scales"): the postal scales at pack stations.

A USB postal scale (DYMO M5/M10/M25, Stamps.com, Mettler Toledo PS60 in USB-HID mode and many
unbranded ones) is a HID device whose report descriptor declares Usage Page (Scales) 0x8D. Linux
gives it a /dev/hidrawN; each read returns one input report. The weight comes in the Scale Data
Report (report id 3), six bytes, as laid down by the HID Point of Sale Usage Tables (usb.org, Scale
page 0x8D) and sent by these scales:

    [3] [scale status] [weight unit] [data scaling: signed exponent] [data weight: uint16 LE]

- scale status (selectors of Scale Status 0x70): 1 fault, 2 stable at centre of zero, 3 in motion,
  4 weight stable, 5 under zero, 6 over weight limit, 7 requires calibration, 8 requires rezeroing;
- weight unit (selectors of Weight Unit 0x50): 1 mg, 2 g, 3 kg, 4 carat, 5 tael, 6 grain,
  7 pennyweight, 8 metric ton, 9 avoirdupois ton, 10 troy ounce, 11 ounce, 12 pound;
- weight = data weight x 10^scaling in that unit (a scale set to ounces sends 0.1 oz as 1, -1).

hidapi and friends move HID reports but do not read scales, so these few lines are written here.

URL: `scale+hid:///dev/hidraw3` (a /dev/hidraw node, or anything that carries the same reports,
such as the simulator's pty). A device whose report descriptor is not a scale's is refused.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

from devices.errors import DeviceDisconnected, DeviceFault
from devices.health import DeviceHealth
from devices.hid import read_device
from devices.scale import (
    GRAMS_PER_UNIT,
    Condition,
    Reading,
    ScaleCondition,
    Weighed,
    Weight,
    is_news,
)
from devices.serial_port import split_device_url

USAGE_PAGE_SCALES = 0x8D
DATA_REPORT_ID = 3
DATA_REPORT = struct.Struct("<BBBbH")  # report id, status, unit, scaling exponent, weight

# Weight Unit selectors 0x51.. in order (report value 1..12); grams per unit.
UNITS: tuple[tuple[str, Decimal], ...] = (
    ("mg", GRAMS_PER_UNIT["mg"]),
    ("g", GRAMS_PER_UNIT["g"]),
    ("kg", GRAMS_PER_UNIT["kg"]),
    ("ct", Decimal("0.2")),
    ("tael", Decimal("37.799")),  # Hong Kong tael, as the HID tables' "Taels" on scales sold there
    ("gr", Decimal("0.06479891")),
    ("dwt", Decimal("1.55517384")),
    ("t", Decimal(1_000_000)),
    ("ton", Decimal("907184.74")),
    ("ozt", Decimal("31.1034768")),
    ("oz", GRAMS_PER_UNIT["oz"]),
    ("lb", GRAMS_PER_UNIT["lb"]),
)
UNIT_CODES = {name: code for code, (name, _) in enumerate(UNITS, start=1)}

STABLE_ZERO, IN_MOTION, STABLE = 2, 3, 4
# Scale Status selectors that are not a weight.
_CONDITIONS: dict[int, Condition] = {
    1: "logic error",  # "fault"
    5: "underload",
    6: "overload",
    7: "logic error",  # "requires calibration"
    8: "logic error",  # "requires rezeroing"
}
_STATUS_TEXT = {1: "scale fault", 7: "scale requires calibration", 8: "scale requires rezeroing"}

# linux/hidraw.h: _IOR('H', 0x01, int) and _IOR('H', 0x02, struct hidraw_report_descriptor)
HIDIOCGRDESCSIZE = 0x80044801
HIDIOCGRDESC = 0x90044802
HID_MAX_DESCRIPTOR_SIZE = 4096


class ReportError(ValueError):
    """Bytes that are not a scale data report."""


def parse_report(report: bytes) -> Reading:
    """One Scale Data Report (six bytes, report id first) as a reading in exact grams."""
    if len(report) != DATA_REPORT.size or report[0] != DATA_REPORT_ID:
        raise ReportError(f"not a scale data report: {report.hex(' ')}")
    _, status, unit, exponent, raw = DATA_REPORT.unpack(report)
    if status in _CONDITIONS:
        return ScaleCondition(_CONDITIONS[status])
    if status not in (STABLE_ZERO, IN_MOTION, STABLE):
        raise ReportError(f"unknown scale status {status} in {report.hex(' ')}")
    if not 1 <= unit <= len(UNITS):
        raise ReportError(f"unknown weight unit {unit} in {report.hex(' ')}")
    grams = Decimal(raw).scaleb(exponent) * UNITS[unit - 1][1] if status != STABLE_ZERO else Decimal(0)
    return Weighed(grams=grams, stable=status != IN_MOTION)


def status_text(report: bytes) -> str:
    return _STATUS_TEXT.get(report[1], "") if len(report) > 1 else ""


def encode_report(reading: Reading, *, unit: str = "g", exponent: int = 0) -> bytes:
    """The scale's side: the data report for a reading, in `unit` at 10^`exponent` steps."""
    code = UNIT_CODES[unit]
    if isinstance(reading, ScaleCondition):
        status = {"overload": 6, "underload": 5}.get(reading.condition, 1)
        return DATA_REPORT.pack(DATA_REPORT_ID, status, code, exponent, 0)
    steps = (reading.grams / UNITS[code - 1][1]).scaleb(-exponent).to_integral_value()
    if steps < 0:
        return DATA_REPORT.pack(DATA_REPORT_ID, 5, code, exponent, 0)
    if steps > 0xFFFF:
        return DATA_REPORT.pack(DATA_REPORT_ID, 6, code, exponent, 0)
    status = IN_MOTION if not reading.stable else (STABLE_ZERO if steps == 0 else STABLE)
    return DATA_REPORT.pack(DATA_REPORT_ID, status, code, exponent, int(steps))


def descriptor_usage_pages(descriptor: bytes) -> set[int]:
    """The usage pages a HID report descriptor declares (its global Usage Page items)."""
    pages: set[int] = set()
    i = 0
    while i < len(descriptor):
        prefix = descriptor[i]
        if prefix == 0xFE:  # long item: size in the next byte
            i += 3 + (descriptor[i + 1] if i + 1 < len(descriptor) else 0)
            continue
        size = (0, 1, 2, 4)[prefix & 0x03]
        if prefix & 0xFC == 0x04:  # Usage Page, a global item
            pages.add(int.from_bytes(descriptor[i + 1 : i + 1 + size], "little"))
        i += 1 + size
    return pages


def report_descriptor(fd: int) -> bytes | None:
    """The device's report descriptor through hidraw, or None for a file that is not hidraw."""
    try:
        size = struct.unpack("i", fcntl.ioctl(fd, HIDIOCGRDESCSIZE, b"\0" * 4))[0]
        buffer = struct.pack("I", size) + b"\0" * HID_MAX_DESCRIPTOR_SIZE
        answer = fcntl.ioctl(fd, HIDIOCGRDESC, buffer)
    except OSError as exc:
        if exc.errno in (errno.ENOTTY, errno.EINVAL):
            return None
        raise
    return bytes(answer[4 : 4 + size])


def cut_reports(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Data reports off the front of a byte stream; bytes of other reports are skipped.

    hidraw hands over one report per read, but a pty or a pipe may join or split them."""
    reports: list[bytes] = []
    i = 0
    while len(buffer) - i >= DATA_REPORT.size:
        if buffer[i] == DATA_REPORT_ID and 1 <= buffer[i + 1] <= 8 and 1 <= buffer[i + 2] <= len(UNITS):
            reports.append(buffer[i : i + DATA_REPORT.size])
            i += DATA_REPORT.size
        else:
            i += 1
    return reports, buffer[i:]


class HidScale:
    """Input driver for `scale+hid://` URLs: a USB HID POS scale's reports become `Weight`s."""

    def __init__(self, url: str, *, device_id: str, **options: Any) -> None:
        self.path, _query = split_device_url(url, "scale+hid")
        self.url = url
        self.device_id = device_id

    async def run(self, emit: Callable[[Any], Awaitable[None]]) -> None:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        except OSError as exc:
            raise DeviceDisconnected(f"cannot open {self.path}: {exc}") from exc
        chunks = read_device(fd, f"scale {self.path}", 64)
        try:
            descriptor = report_descriptor(fd)
            if descriptor is not None and USAGE_PAGE_SCALES not in descriptor_usage_pages(descriptor):
                raise DeviceFault(f"{self.path} is a HID device but not a scale (no usage page 0x8D)")
            await emit(DeviceHealth(self.device_id, self.url, "connected", f"{self.path}, HID POS scale"))
            await self._weigh(chunks, emit)
        finally:
            await chunks.aclose()
            os.close(fd)

    async def _weigh(self, chunks: AsyncIterator[bytes], emit: Callable[[Any], Awaitable[None]]) -> None:
        pending = b""
        last: Weight | None = None
        fault: str | None = None
        async for data in chunks:
            reports, pending = cut_reports(pending + data)
            for report in reports:
                reading = parse_report(report)
                if isinstance(reading, Weighed):
                    if fault is not None:
                        fault = None
                        await emit(DeviceHealth(self.device_id, self.url, "connected", "weighing"))
                    weight = Weight.of(reading.grams, reading.stable, self.device_id)
                    if is_news(last, weight):
                        last = weight
                        await emit(weight)
                    continue
                detail = status_text(report) or reading.condition
                if fault != detail:
                    fault, last = detail, None
                    await emit(DeviceHealth(self.device_id, self.url, "fault", detail))

    async def close(self) -> None:
        """Nothing to release: the device file is closed when `run` ends."""
