"""A USB HID point-of-sale scale (usage page 0x8D) on a pty, sending Scale Data Reports.

The platter behaves as the MT-SICS bench scale's (settle time, noise, capacity: see
`simulators.scale`); what differs is the wire: instead of answering `SI`, the scale sends a six-byte
data report (`devices.hid_scale`) every `period` seconds, as USB postal scales do, in the unit and
step it is set to (grams, or tenths of an ounce as on US postal scales). The host reads it with
`scale+hid://<link>`, the same driver that reads /dev/hidrawN; `DESCRIPTOR` is the report
descriptor such a scale presents, for a uhid device where the kernel offers one.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from devices.hid_scale import encode_report
from simulators.pty import Unplugged
from simulators.scale import ScaleSimulator

# Usage Page (Scales), Usage (Scale Device), Collection (Application), Report ID 3,
#   Usage (Scale Data Report), Collection (Logical):
#     Scale Status 0x71..0x78 (array, 1 byte), Weight Unit 0x51..0x5C (array, 1 byte),
#     Data Scaling 0x41 (signed byte), Data Weight 0x40 (16 bits)
DESCRIPTOR = bytes.fromhex(
    "058d 0920 a101 8503 0932 a102"
    " 1971 2978 1501 2508 7508 9501 8100"
    " 1951 295c 1501 250c 7508 9501 8100"
    " 0941 1580 257f 7508 9501 8102"
    " 0940 1500 27ffff0000 7510 9501 8102"
    " c0 c0"
)


class HidScaleSimulator(ScaleSimulator):
    """A postal scale reporting over USB HID (a pty here), `period` seconds between reports."""

    def __init__(
        self,
        link: str | Path,
        *,
        unit: str = "g",
        exponent: int = -1,
        period: float = 0.1,
        **platter: Any,
    ) -> None:
        platter.setdefault("resolution_grams", "0.001")  # the report's own step does the rounding
        super().__init__(link, **platter)
        self.unit = unit
        self.exponent = exponent
        self.period = period

    def url(self) -> str:
        return f"scale+hid://{self.link}"

    def report(self) -> bytes:
        return encode_report(self.reading(), unit=self.unit, exponent=self.exponent)

    async def serve(self) -> None:
        """Send a data report every `period` seconds until cancelled (waits while unplugged)."""
        while True:
            with contextlib.suppress(Unplugged):
                await self.port.write(self.report())
            await asyncio.sleep(self.period)
