"""The ZPL II `~HS` host status answer: three STX...ETX CR LF strings, parsed and written.

Field layout (ZPL II Programming Guide, `~HS`):
  String 1  `aaa,b,c,dddd,eee,f,g,h,iii,j,k,l`
            aaa communication settings, b paper out, c pause, dddd label length (dots),
            eee formats in receive buffer, f buffer full, g communications diagnostic mode,
            h partial format in progress, iii unused (000), j corrupt RAM, k under temperature,
            l over temperature
  String 2  `mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www`
            mmm function settings, n unused, o head up, p ribbon out, q thermal transfer mode,
            r print mode, s print width mode, t label waiting (peel-off), uuuuuuuu labels remaining
            in batch, v format while printing (always 1), www graphic images stored
  String 3  `xxxx,y`  xxxx password, y static RAM installed
A Zebra does not answer `~HS` at all while media or ribbon is out or the head is open; the
driver treats a missing answer as a fault. No library parses this answer, hence this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devices.printers.status import (
    BUFFER_FULL,
    HEAD_OPEN,
    HEAD_TEMPERATURE,
    MEMORY_CORRUPT,
    PAPER_OUT,
    PAUSED,
    RIBBON_OUT,
    PrinterStatus,
    status_from_faults,
)

STX = b"\x02"
ETX = b"\x03"
HOST_STATUS_QUERY = b"~HS"

_FRAME = re.compile(rb"\x02([^\x02\x03]*)\x03\r\n")


@dataclass(frozen=True)
class ZplHostStatus:
    """Every field of a `~HS` answer, named."""

    communication_settings: int = 30  # 9600 baud, 8 data bits, 1 stop bit, no parity, Xon/Xoff
    paper_out: bool = False
    paused: bool = False
    label_length_dots: int = 1218  # 6 in at 203 dpi
    formats_in_buffer: int = 0
    buffer_full: bool = False
    diagnostic_mode: bool = False
    partial_format: bool = False
    corrupt_ram: bool = False
    under_temperature: bool = False
    over_temperature: bool = False
    function_settings: int = 1  # die-cut media, thermal transfer
    head_up: bool = False
    ribbon_out: bool = False
    thermal_transfer: bool = False
    print_mode: str = "2"  # 0 rewind, 1 peel-off, 2 tear-off, 3 cutter, ...
    print_width_mode: int = 4
    label_waiting: bool = False
    labels_remaining: int = 0
    graphics_stored: int = 0
    password: int = 1234
    static_ram: bool = False

    def to_printer_status(self) -> PrinterStatus:
        """The driver-neutral status this answer amounts to."""
        flags = {
            PAPER_OUT: self.paper_out,
            PAUSED: self.paused,
            BUFFER_FULL: self.buffer_full,
            MEMORY_CORRUPT: self.corrupt_ram,
            HEAD_TEMPERATURE: self.under_temperature or self.over_temperature,
            HEAD_OPEN: self.head_up,
            RIBBON_OUT: self.ribbon_out,
        }
        return status_from_faults(
            frozenset(name for name, on in flags.items() if on),
            formats_in_buffer=self.formats_in_buffer,
            labels_remaining=self.labels_remaining,
            partial_format=self.partial_format,
        )


class HostStatusError(ValueError):
    """The bytes are not a complete, well-formed `~HS` answer."""


def complete_answer(data: bytes) -> bool:
    """Whether `data` holds the three framed strings of one answer (more reads are needed if not)."""
    return len(_FRAME.findall(data)) >= 3


def _flag(value: str, name: str) -> bool:
    if value not in ("0", "1"):
        raise HostStatusError(f"~HS field {name} should be 0 or 1, got {value!r}")
    return value == "1"


def _number(value: str, name: str) -> int:
    if not value.isdigit():
        raise HostStatusError(f"~HS field {name} should be a number, got {value!r}")
    return int(value)


def parse_host_status(data: bytes) -> ZplHostStatus:
    """Read one `~HS` answer; raises HostStatusError when it is incomplete or malformed."""
    frames = [frame.decode("ascii", errors="replace") for frame in _FRAME.findall(data)]
    if len(frames) < 3:
        raise HostStatusError(f"~HS answer needs 3 framed strings, got {len(frames)}: {data!r}")
    one, two, three = (frame.split(",") for frame in frames[:3])
    if len(one) != 12 or len(two) != 11 or len(three) != 2:
        raise HostStatusError(
            f"~HS strings should have 12, 11 and 2 fields, got {len(one)}, {len(two)}, {len(three)}"
        )
    return ZplHostStatus(
        communication_settings=_number(one[0], "aaa"),
        paper_out=_flag(one[1], "paper out"),
        paused=_flag(one[2], "pause"),
        label_length_dots=_number(one[3], "label length"),
        formats_in_buffer=_number(one[4], "formats in buffer"),
        buffer_full=_flag(one[5], "buffer full"),
        diagnostic_mode=_flag(one[6], "diagnostic mode"),
        partial_format=_flag(one[7], "partial format"),
        corrupt_ram=_flag(one[9], "corrupt RAM"),
        under_temperature=_flag(one[10], "under temperature"),
        over_temperature=_flag(one[11], "over temperature"),
        function_settings=_number(two[0], "mmm"),
        head_up=_flag(two[2], "head up"),
        ribbon_out=_flag(two[3], "ribbon out"),
        thermal_transfer=_flag(two[4], "thermal transfer"),
        print_mode=two[5],
        print_width_mode=_number(two[6], "print width mode"),
        label_waiting=_flag(two[7], "label waiting"),
        labels_remaining=_number(two[8], "labels remaining"),
        graphics_stored=_number(two[10], "graphics stored"),
        password=_number(three[0], "password"),
        static_ram=_flag(three[1], "static RAM"),
    )


def encode_host_status(status: ZplHostStatus) -> bytes:
    """The bytes a Zebra sends for `status` (used by the printer simulator)."""

    def bit(flag: bool) -> str:
        return "1" if flag else "0"

    one = ",".join(
        [
            f"{status.communication_settings:03d}",
            bit(status.paper_out),
            bit(status.paused),
            f"{status.label_length_dots:04d}",
            f"{status.formats_in_buffer:03d}",
            bit(status.buffer_full),
            bit(status.diagnostic_mode),
            bit(status.partial_format),
            "000",
            bit(status.corrupt_ram),
            bit(status.under_temperature),
            bit(status.over_temperature),
        ]
    )
    two = ",".join(
        [
            f"{status.function_settings:03d}",
            "0",
            bit(status.head_up),
            bit(status.ribbon_out),
            bit(status.thermal_transfer),
            status.print_mode,
            str(status.print_width_mode),
            bit(status.label_waiting),
            f"{status.labels_remaining:08d}",
            "1",
            f"{status.graphics_stored:03d}",
        ]
    )
    three = f"{status.password:04d},{bit(status.static_ram)}"
    return b"".join(STX + line.encode("ascii") + ETX + b"\r\n" for line in (one, two, three))
