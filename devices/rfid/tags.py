"""One `TagRead`: an RFID tag as the warehouse sees it after de-duplication at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from devices.epc import EpcMeaning

# arrived: first read of a tag not present before; present: still here (one per read window);
# gone: not read for the configured time.
Presence = Literal["arrived", "present", "gone"]


@dataclass(frozen=True, slots=True)
class TagRead:
    """A tag seen by one reader: reported once per read window however often the reader saw it."""

    epc: str  # upper-case hex
    meaning: EpcMeaning  # SGTIN (gtin + serial), SSCC, or unknown with the reason
    antenna: int | None  # the antenna with the strongest read in the window
    peak_rssi: float | None  # dBm
    seen_count: int  # raw reads folded into this one
    first_seen: datetime
    last_seen: datetime
    device: str
    presence: Presence = "arrived"

    @property
    def gtin(self) -> str | None:
        return self.meaning.gtin

    @property
    def serial(self) -> str | None:
        return self.meaning.serial

    @property
    def sscc(self) -> str | None:
        return self.meaning.sscc
